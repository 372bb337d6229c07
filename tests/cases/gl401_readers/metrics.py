"""GL401 across files: a helper of another module that only reads its arguments does not stand in
the way of inference mode; one that updates, keeps or trains what it is given does."""
import torch

from .stats import accumulate, centred_error, crps, remember, scaled_crps, train_step


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
