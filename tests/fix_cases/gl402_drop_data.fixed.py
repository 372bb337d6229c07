"""Weight edits through .data."""
import torch
import torch.nn as nn


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        with torch.no_grad():
            m.weight.normal_(0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        # scale around one, no shift
        with torch.no_grad():
            m.weight.normal_(1.0, 0.02)
            m.bias.fill_(0)


def clip(model, c):
    for p in model.parameters():
        with torch.no_grad():
            p.clamp_(-c, c)  # WGAN clipping


def ema(ema_model, model, decay):
    for e, p in zip(ema_model.parameters(), model.parameters()):
        with torch.no_grad():
            e.mul_(decay).add_(p.data, alpha=1 - decay)
            e[e.data.abs() < 1e-8] = 0


def replace(layer: nn.Linear, new_weight):
    layer.weight.data = new_weight
