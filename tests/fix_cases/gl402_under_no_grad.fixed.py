import torch as th


@th.no_grad()
def sgd(model, lr):
    for p in model.parameters():
        p.data -= lr * p.grad


def clip(model, c):
    with th.no_grad():
        for p in model.parameters():
            p.data.clamp_(-c, c)
    for p in model.parameters():
        with th.no_grad():
            p.clamp_(-c, c)
