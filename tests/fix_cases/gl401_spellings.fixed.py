import torch
import torch as th


def plain(model, x):
    with torch.inference_mode():
        return model(x).argmax(1).tolist()


def aliased(model, x):
    with th.inference_mode():
        return model(x).argmax(1).tolist()


def autograd_path(model, x):
    with torch.inference_mode():
        return model(x).argmax(1).tolist()


def grad_mode_path(model, x):
    with torch.inference_mode():
        return model(x).argmax(1).tolist()


@torch.inference_mode()
def decorated(model, x):
    return model(x).argmax(1).tolist()


@th.inference_mode()
def decorated_bare(model, x):
    return model(x).argmax(1).tolist()


def two_items(model, x, path):
    with open(path) as handle, torch.inference_mode():
        handle.write(str(model(x).sum().item()))


def not_proven(model, x):
    with torch.no_grad():
        return model(x)
