"""The arguments `gradlint verify --call` passes to the project's functions, made anew before each measured call."""

import torch

from model import Classifier


def make_args(device):
    torch.manual_seed(0)
    model = Classifier().to(device)
    batches = [(torch.randn(256, 256, device=device), torch.randint(0, 10, (256,), device=device)) for _ in range(4)]
    return (model, batches)


def make_model(device):
    torch.manual_seed(0)
    return {"model": Classifier().to(device)}
