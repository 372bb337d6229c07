"""A tutorial's `test` function is its evaluation loop: ordinary code."""
import torch.nn.functional as F


def test(model, loader):
    model.eval()
    correct = 0
    for x, y in loader:
        out = model(x)  # expect: GL101
        correct += (out.argmax(1) == y).sum().item()
    return correct


def train(model, loader, opt):
    model.train()
    for x, y in loader:
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
