import torch
import torch as th
from torch import inference_mode, no_grad
from torch.autograd import enable_grad, set_grad_enabled


def missing_parens(model, x):
    with torch.no_grad:  # expect: GL302
        return model(x)


def alias(model, x):
    with th.inference_mode:  # expect: GL302
        return model(x)


def imported(model, x):
    with no_grad:  # expect: GL302
        pass
    with inference_mode:  # expect: GL302
        pass
    with enable_grad:  # expect: GL302
        pass
    with set_grad_enabled:  # expect: GL302
        pass


def second_item(model, x, ctx):
    with ctx, torch.autograd.no_grad:  # expect: GL302
        return model(x)


@torch.no_grad  # allow: GL401 (returns only Python values)
def decorator_without_parens_works(model, x):
    return model(x).tolist()


def called(model, x):
    with torch.no_grad():  # allow: GL401 (y is only read through .tolist())
        y = model(x)
    with torch.set_grad_enabled(False):
        y = model(x)
    return y.tolist()


def unrelated(lock, no_grad_flag):
    with lock:
        pass
