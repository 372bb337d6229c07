import copy
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F


def snapshot(model):
    return {k: v.clone() for k, v in model.named_parameters()}  # expect: GL203


def snapshot_list(model):
    saved = [p.clone() for p in model.parameters()]  # expect: GL203
    return saved


def snapshot_ordered(model):
    return OrderedDict((name, p.clone()) for name, p in model.named_parameters())  # expect: GL203


def snapshot_keep_vars(model):
    return {k: v.clone() for k, v in model.state_dict(keep_vars=True).items()}  # expect: GL203


def snapshot_keep_vars_indexed(model, key):
    sd = model.state_dict(keep_vars=True)
    return sd[key].clone()  # expect: GL203


def average_parameters(models):
    groups = zip(*[m.parameters() for m in models])
    return [torch.stack(ps).mean(0) for ps in groups]  # expect: GL203


def average_by_sum(models):
    averaged = []
    for ps in zip(*[m.parameters() for m in models]):
        averaged.append(sum(ps) / len(ps))  # expect: GL203
    return averaged


def stack_all(model):
    flat = torch.stack(list(model.parameters()))  # expect: GL203
    return flat


def stack_weights(models):
    return torch.stack([m.weight for m in models])  # expect: GL203


def layer_copy(layer: nn.Linear):
    old = layer.weight.clone()  # expect: GL203
    return old


class Tracker:
    def __init__(self, model):
        self.model = model
        self.start = [p.clone() for p in model.parameters()]  # expect: GL203


# quiet: plain state_dict() values are detached tensors
def average_state_dicts(models):
    avg = copy.deepcopy(models[0].state_dict())
    for k in avg:
        if avg[k].is_floating_point():
            avg[k] = torch.stack([m.state_dict()[k] for m in models]).mean(0)
    return avg


def snapshot_state_dict(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


# quiet: detached before the copy, or cut right after it
def snapshot_detached(model):
    return {k: v.detach().clone() for k, v in model.named_parameters()}


def snapshot_data(model):
    return [p.data.clone() for p in model.parameters()]


def snapshot_cut_after(model):
    return [p.clone().detach() for p in model.parameters()]


# quiet: grad disabled
@torch.no_grad()
def snapshot_no_grad(model):
    return {k: v.clone() for k, v in model.named_parameters()}


def average_no_grad(models):
    with torch.no_grad():
        return [torch.stack(ps).mean(0) for ps in zip(*[m.parameters() for m in models])]


# quiet: the analysed code froze the parameters
def frozen_snapshot(model):
    model.requires_grad_(False)
    return [p.clone() for p in model.parameters()]


# quiet: a copy used on the spot keeps nothing
def changed(model, before):
    return any(not torch.equal(p.clone(), b) for p, b in zip(model.parameters(), before))


def reset_to_mean(models, target):
    for ps, t in zip(zip(*[m.parameters() for m in models]), target.parameters()):
        with torch.no_grad():
            t.copy_(torch.stack(ps).mean(0))


def new_parameter(layer):
    return nn.Parameter(layer.weight.clone())


# quiet: functional weights in meta-learning (the copies reach autograd.grad)
def inner_loop(model, x, y, lr):
    fast = {k: v.clone() for k, v in model.named_parameters()}
    loss = F.cross_entropy(model(x), y)
    grads = torch.autograd.grad(loss, list(fast.values()))
    return {k: w - lr * g for (k, w), g in zip(fast.items(), grads)}


# quiet: a helper whose caller backpropagates
def tied_weights(model):
    return torch.stack([model.encoder.weight, model.decoder.weight])


def train_step(model, x, opt):
    weights = tied_weights(model)
    loss = (weights[0] - weights[1]).pow(2).sum() + model(x).sum()
    loss.backward()
    opt.step()


# quiet: generic arithmetic on parameters is not a snapshot
def sgd_weights(model, grads, lr):
    return [p - lr * g for p, g in zip(model.parameters(), grads)]


# quiet: a module's forward computation
class StdConv(nn.Conv2d):
    def forward(self, x):
        w = self.weight.clone()
        w = (w - w.mean(dim=(1, 2, 3), keepdim=True)) / (w.std(dim=(1, 2, 3), keepdim=True) + 1e-5)
        return F.conv2d(x, w, self.bias, self.stride, self.padding)


class Ensemble(nn.Module):
    def __init__(self, layers):
        super().__init__()
        self.layers = nn.ModuleList(layers)

    def merged_weight(self):
        return torch.stack([layer.weight for layer in self.layers]).mean(0)

    def forward(self, x):
        return F.linear(x, self.merged_weight())


class ExtendedEmbedding(nn.Module):
    """Whisper's extended vocabulary: a property ties the original and the added rows."""

    def __init__(self, original, extra):
        super().__init__()
        self.ori_emb = original
        self.add_emb = nn.Embedding(extra, original.embedding_dim)

    @property
    def weight(self):
        return torch.cat([self.ori_emb.weight, self.add_emb.weight], dim=0)


# quiet: copies handed to code we cannot see may be functional weights
def patch(module, fmodule, device=None):
    params = [p.clone() if device is None else p.clone().to(device) for p in module.parameters()]
    fmodule.update_params(params)
    return fmodule


# quiet: `weight` registered as a buffer is a plain tensor
class FrozenNorm(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.register_buffer("weight", torch.ones(n))

    def snapshot(self):
        return self.weight.clone()


# a snapshot restored later with load_state_dict is still a snapshot
def train_with_best(model, steps):
    best = {k: v.clone() for k, v in model.named_parameters()}  # expect: GL203
    for step in steps:
        step(model)
    model.load_state_dict(best)


# quiet: a unit test's snapshot lives only as long as the test
def test_adaptation_keeps_weights(model, grow):
    old = model.classifier.weight.clone()
    grow(model)
    assert torch.equal(old, model.classifier.weight[: old.shape[0]])


# a snapshot in a function that also trains: the snapshot itself never reaches the backward
def train_and_keep_start(model, x, y, opt):
    start = {k: v.clone() for k, v in model.named_parameters()}  # expect: GL203
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return start


class FrozenSNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.synapse = nn.Linear(784, 100, bias=False)
        self.requires_grad_(False)  # trained by a plasticity rule, never by autograd


class TrainedSNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.synapse = nn.Linear(784, 100, bias=False)


def snapshot_weights():
    # the class freezes itself: the clone carries no grad_fn
    model = FrozenSNN()
    before = model.synapse.weight.clone()
    trained = TrainedSNN()
    start = trained.synapse.weight.clone()  # expect: GL203
    return before, start


class DeepLinear(nn.Module):
    def __init__(self, layers):
        super().__init__()
        self.weights = nn.ParameterList()
        self.named = nn.ParameterDict()
        self.kept = []
        for i, layer in enumerate(layers):
            # a ParameterList or ParameterDict wraps what it stores in a new leaf Parameter
            weight = torch.clone(layer.weight)
            self.weights.append(weight)
            self.named[f"w{i}"] = layer.weight.clone()
            self.kept.append(layer.weight.clone())  # expect: GL203


class PackedLinear(nn.Module):
    @classmethod
    def from_linear(cls, linear, init_only=False):
        packed = cls()
        if init_only:  # only a shell to load a state dict into
            return packed
        # quiet: the converting caller runs this under no_grad; the grad-on caller returns above
        packed.bias = linear.bias.clone().half()
        return packed


def prepare_for_loading(linear):
    return PackedLinear.from_linear(linear, init_only=True)


@torch.no_grad()
def convert(linear):
    return PackedLinear.from_linear(linear)
