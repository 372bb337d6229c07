"""A feature extractor that decides its own grad mode: by default its backbone runs under
no_grad, so a forward of it builds no graph whatever the caller's mode."""
import contextlib

import torch
from torch import nn


class FeatureExtractor(nn.Module):
    def __init__(self, backbone: nn.Module, requires_grad: bool = False):
        super().__init__()
        self.backbone = backbone
        self.requires_grad = requires_grad

    def forward(self, images):
        if self.requires_grad:
            features = self.backbone(images)
        else:
            self.backbone.eval()
            with torch.no_grad():
                features = self.backbone(images)
        return features


class Projector(nn.Module):
    """Turns grad off for its target branch only, always: its online branch builds a graph."""

    def __init__(self, online: nn.Module, target: nn.Module):
        super().__init__()
        self.online = online
        self.target = target

    def forward(self, x):
        with torch.no_grad():
            goal = self.target(x)
        return self.online(x) - goal


class UnfoldedSolver(nn.Module):
    """Runs its iterations under no_grad unless unfolded for training: a condition picks the context."""

    def __init__(self, step: nn.Module, unfold: bool = False):
        super().__init__()
        self.step = step
        self.unfold = unfold

    def forward(self, y):
        context = torch.no_grad() if not self.unfold else contextlib.nullcontext()
        with context:
            x = self.step(y)
        return x
