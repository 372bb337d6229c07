"""GL401 across files: a helper of another module that only reads its arguments does not stand in
the way of inference mode; one that updates, keeps or trains what it is given does."""
import torch

from . import stats
from .stats import accumulate, centred_error, crps, remember, scaled_crps, split_batch, train_step


@torch.no_grad()  # expect: GL401
def eval_crps(pred, truth):
    return crps(pred, truth).mean().cpu().item()


@torch.no_grad()  # expect: GL401
def eval_scaled(pred, truth):
    return scaled_crps(pred, truth).mean().item()


@torch.no_grad()
def eval_centred(pred, truth):
    return centred_error(pred, truth).abs().mean().item()  # its callee updates `pred` in place


@torch.no_grad()
def eval_remembered(pred, truth, store):
    return (remember(pred, store) - truth).abs().mean().item()


@torch.no_grad()
def eval_accumulated(total, pred):
    return accumulate(total, pred).sum().item()


@torch.no_grad()
def eval_trained(model, x):
    return train_step(model, x).item()


@torch.no_grad()  # expect: GL401
def accuracy(model, loader, device):
    correct = 0
    for batch in loader:
        data, target = split_batch(batch, device)  # the logger left out: only reads
        correct += (model(data).argmax(1) == target).sum().item()
    return correct


@torch.no_grad()  # expect: GL401
def accuracy_through_module(model, loader, device):
    correct = 0
    for batch in loader:
        data, target = stats.split_batch(batch, device)  # called through the module
        correct += (model(data).argmax(1) == target).sum().item()
    return correct


@torch.no_grad()
def accuracy_logged(model, loader, device, logger):
    correct = 0
    for batch in loader:
        data, target = split_batch(batch, device, logger)  # the logger handed in: it may keep anything
        correct += (model(data).argmax(1) == target).sum().item()
    return correct
