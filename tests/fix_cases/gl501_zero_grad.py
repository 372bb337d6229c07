import torch.nn.functional as F


def train(model, loader, opt):
    for x, y in loader:
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
