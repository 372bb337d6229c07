import copy

import torch
import torch.nn as nn


class EmaNoGradMissing:
    def __init__(self, model, decay=0.999):
        self.module = copy.deepcopy(model)
        self.module.eval()
        self.decay = decay
        for p in self.module.parameters():
            p.requires_grad_(False)

    def update(self, model):
        for ema_p, p in zip(self.module.parameters(), model.parameters()):
            ema_p.mul_(self.decay).add_(p, alpha=1 - self.decay)  # expect: GL201


class EmaTimmStyle:
    """timm-style: state_dict values under no_grad: quiet."""

    def __init__(self, model, decay=0.9999):
        self.module = copy.deepcopy(model)
        self.module.eval()
        self.decay = decay

    def update(self, model):
        with torch.no_grad():
            for ema_v, model_v in zip(self.module.state_dict().values(), model.state_dict().values()):
                ema_v.copy_(ema_v * self.decay + (1.0 - self.decay) * model_v)


class EmaDecorated:
    def __init__(self, model):
        self.shadow = copy.deepcopy(model)
        self.shadow.requires_grad_(False)

    @torch.no_grad()
    def update(self, model, decay):
        for s, p in zip(self.shadow.parameters(), model.parameters()):
            s.mul_(decay).add_(p, alpha=1 - decay)


def polyak(target, online, tau):
    target.requires_grad_(False)
    for t, o in zip(target.parameters(), online.parameters()):
        t.mul_(1 - tau)
        t.add_(tau * o)  # expect: GL201


def polyak_detached(target, online, tau):
    target.requires_grad_(False)
    for t, o in zip(target.parameters(), online.parameters()):
        t.mul_(1 - tau).add_(tau * o.detach())


def fuse(conv, bn):
    # quiet for GL201 and GL301: the fused layer is frozen at construction and this function
    # fills it once (each call builds a new one); the parameter copy is GL203's
    fused = nn.Conv2d(conv.in_channels, conv.out_channels, 3).requires_grad_(False).to(conv.weight.device)
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    weight = conv.weight.clone().view(conv.out_channels, -1)  # expect: GL203
    fused.weight.copy_((weight * scale.view(-1, 1)).view(fused.weight.shape))
    fused.bias.copy_(bn.bias - bn.running_mean * scale)
    return fused


def shadow_of(model, batches, tau):
    # built here, but updated every iteration: the graph grows
    shadow = nn.Linear(4, 4).requires_grad_(False)
    for x in batches:
        model(x).sum().backward()
        shadow.weight.mul_(1 - tau).add_(tau * model.weight)  # expect: GL201
    return shadow
