import torch
import torch.nn.functional as F


def backward_in_no_grad(model, x, y):
    with torch.no_grad():
        loss = F.mse_loss(model(x), y)
        loss.backward()  # expect: GL303


@torch.no_grad()
def decorated(model, x, y, params):
    loss = F.mse_loss(model(x), y)
    torch.autograd.grad(loss, params)  # expect: GL303


def inference(model, x):
    with torch.inference_mode():
        out = model(x).sum()
        out.backward()  # expect: GL303


# quiet below


def outer_loss(model, x, y, opt):
    loss = F.mse_loss(model(x), y)
    with torch.no_grad():
        loss.backward()
        opt.step()


def re_enabled(model, x, y):
    with torch.no_grad():
        with torch.enable_grad():
            loss = F.mse_loss(model(x), y)
            loss.backward()


def alias_of_outer(model, x, y, losses):
    with torch.no_grad():
        loss = losses[-1]
        loss.backward()
