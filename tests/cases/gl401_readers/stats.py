"""Helpers another file calls under no_grad: some only read their arguments, some do more."""
import math

import torch


def crps(pred, truth):
    if pred.shape[1:] != truth.shape:
        raise ValueError("pred needs one extra sample dimension: {} vs {}".format(pred.shape, truth.shape))
    if pred.size(0) == 1:
        return (pred[0] - truth).abs()
    pred = pred.sort(dim=0).values
    diff = pred[1:] - pred[:-1]
    weight = torch.arange(1, pred.size(0), device=pred.device)
    return (pred - truth).abs().mean(0) - (diff * weight[:, None]).sum(0) / math.sqrt(pred.size(0))


def scaled_crps(pred, truth):
    return crps(pred, truth) / truth.abs().mean()


def centre_(pred):
    pred.sub_(pred.mean())  # updates its argument in place
    return pred


def centred_error(pred, truth):
    return centre_(pred) - truth


def remember(pred, store):
    store["last"] = pred  # keeps what it is given
    return pred


def accumulate(total, pred):
    total += pred  # a tensor argument updated in place
    return total


def train_step(model, x):
    loss = model(x).sum()
    loss.backward()
    return loss


def split_batch(batch, device, logger=None):
    """Reads its batch; touches only the optional logger, which callers may leave out."""
    if len(batch) != 2:
        if logger:
            logger.error("expected (data, target), got {} parts".format(len(batch)))
        raise ValueError("expected (data, target)")
    return batch[0].to(device), batch[1].to(device)
