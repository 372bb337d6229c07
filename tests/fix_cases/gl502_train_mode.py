import torch
import torch.nn.functional as F


@torch.inference_mode()
def evaluate(model, loader):
    model.eval()
    return [model(x).argmax(1) for x in loader]


def fit(model, loader, val_loader, opt, epochs):
    for epoch in range(epochs):
        # one epoch
        for x, y in loader:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        evaluate(model, val_loader)
