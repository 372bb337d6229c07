from torch import nn, no_grad, inference_mode


def score(model, loader):
    hits = 0
    with inference_mode():
        for x, y in loader:
            hits += int((model(x).argmax(1) == y).sum())
    return hits


def features(model, x):
    # returned tensor: not proven, so `no_grad` stays imported for it
    with no_grad():
        return model(x)


def head():
    return nn.Linear(2, 2)
