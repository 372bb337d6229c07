import copy
from copy import deepcopy

import torch


def average_every_entry(models):
    avg = copy.deepcopy(models[0].state_dict())
    for k in avg:
        avg[k] = torch.mean(torch.stack([m.state_dict()[k] for m in models]), dim=0)  # expect: GL305
    return avg


def average_items(models):
    avg = deepcopy(models[0].state_dict())
    for k, v in avg.items():
        avg[k] = torch.stack([m.state_dict()[k] for m in models]).mean(0)  # expect: GL305
    return avg


def average_into_new_dict(models):
    state_dicts = [m.state_dict() for m in models]
    out = {}
    for key in state_dicts[0].keys():
        out[key] = torch.stack([sd[key] for sd in state_dicts]).mean(dim=0)  # expect: GL305
    return out


def average_listed(a, b):
    sd = a.state_dict()
    other = b.state_dict()
    for k in sd:
        stacked = torch.stack([sd[k], other[k]])
        sd[k] = stacked.mean(0)  # expect: GL305
    return sd


def average_comprehension(models):
    sds = [m.state_dict() for m in models]
    return {k: torch.stack([sd[k] for sd in sds]).mean(0) for k in sds[0]}  # expect: GL305


# quiet: a floating-point guard, in every spelling
def guarded(models):
    avg = copy.deepcopy(models[0].state_dict())
    for k in avg:
        if avg[k].is_floating_point():
            avg[k] = torch.stack([m.state_dict()[k] for m in models]).mean(0)
    return avg


def guarded_dtype(models):
    avg = models[0].state_dict()
    for k, v in avg.items():
        if v.dtype.is_floating_point:
            avg[k] = torch.stack([m.state_dict()[k] for m in models]).mean(0)
    return avg


def guarded_continue(models):
    avg = models[0].state_dict()
    for k in avg:
        if not torch.is_floating_point(avg[k]):
            continue
        avg[k] = torch.stack([m.state_dict()[k] for m in models]).mean(0)
    return avg


def guarded_by_name(models):
    avg = models[0].state_dict()
    for k in avg:
        if "num_batches_tracked" in k:
            continue
        avg[k] = torch.stack([m.state_dict()[k] for m in models]).mean(0)
    return avg


def guarded_comprehension(models):
    sds = [m.state_dict() for m in models]
    return {k: torch.stack([sd[k] for sd in sds]).mean(0) for k in sds[0] if sds[0][k].is_floating_point()}


# quiet: sum / n does not raise on integers
def average_by_sum(models):
    avg = models[0].state_dict()
    for k in avg:
        avg[k] = sum(m.state_dict()[k] for m in models) / len(models)
    return avg


# quiet: cast before the mean, or a mean with an explicit dtype
def cast_first(models):
    avg = models[0].state_dict()
    for k in avg:
        avg[k] = torch.stack([m.state_dict()[k].float() for m in models]).mean(0)
    return avg


def explicit_dtype(models):
    avg = models[0].state_dict()
    for k in avg:
        avg[k] = torch.mean(torch.stack([m.state_dict()[k] for m in models]), dim=0, dtype=torch.float32)
    return avg


# quiet: nothing shows these are state dicts
def average_loaded(checkpoints):
    out = {}
    for key in checkpoints[0]:
        out[key] = torch.stack([c[key] for c in checkpoints]).mean(0)
    return out


# quiet: not a state dict (a dict of metrics)
def average_metrics(runs):
    totals = {"loss": [], "acc": []}
    for k in totals:
        totals[k] = torch.stack([r[k] for r in runs]).mean(0)
    return totals
