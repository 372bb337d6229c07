import torch


def snapshot(model):
    return {k: v.clone() for k, v in model.named_parameters()}


def layer_copy(layer):
    old = torch.clone(layer.weight)
    return old


def average_parameters(models):
    groups = zip(*[m.parameters() for m in models])
    # one average per parameter
    return [torch.stack(ps).mean(0) for ps in groups]


def average_by_sum(models):
    averaged = []
    for ps in zip(*[m.parameters() for m in models]):
        total = sum(ps)
        averaged.append(total / len(ps))
    return averaged


def stack_weights(a, b, models):
    pair = torch.stack([a.weight, b.weight])
    every = torch.cat([m.bias for m in models])
    return pair, every
