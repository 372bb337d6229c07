"""Weight edits through .data where a model trains."""
import torch
import torch.nn as nn


def clip(model, c):
    for p in model.parameters():
        with torch.no_grad():
            p.clamp_(-c, c)  # WGAN clipping


def ema(ema_model, model, decay):
    for e, p in zip(ema_model.parameters(), model.parameters()):
        with torch.no_grad():
            e.mul_(decay).add_(p.data, alpha=1 - decay)
            e.clamp_(-10, 10)


def train_and_replace(layer: nn.Linear, x, opt, new_weight):
    layer(x).sum().backward()
    opt.step()
    layer.weight.data = new_weight
