import torch as th


def run(model, x):
    with th.no_grad:
        return model(x)
