import copy

import torch
import torch.nn as nn


def clip(model):
    for p in model.parameters():
        p.clamp_(-1, 1)  # expect: GL301


def clip_named(model):
    for name, p in model.named_parameters():
        p.data.clamp_(-1, 1)  # expect: GL402


def sgd(model, lr):
    for p in model.parameters():
        p -= lr * p.grad  # expect: GL301
        p.grad.zero_()


def through_zip(src, dst):
    for a, b in zip(dst.parameters(), src.parameters()):
        a.copy_(b)  # expect: GL301


def through_enumerate(model):
    for i, p in enumerate(model.parameters()):
        p.mul_(0.5)  # expect: GL301


def through_list(model):
    params = list(model.parameters())
    params[0].zero_()  # expect: GL301


def new_parameter():
    w = nn.Parameter(torch.zeros(3))
    w.add_(1)  # expect: GL301
    t = torch.ones(3, requires_grad=True)
    t += 1  # expect: GL301
    plain = torch.ones(3)
    plain += 1


def weight_attribute(layer: nn.Linear):
    layer.weight.normal_(0, 0.02)  # expect: GL301
    nn.init.zeros_(layer.bias)


def quiet_under_no_grad(model):
    with torch.no_grad():
        for p in model.parameters():
            p.clamp_(-1, 1)


@torch.no_grad()
def quiet_decorated(model):
    for p in model.parameters():
        p.mul_(0.9)


def quiet_flags(model):
    for p in model.parameters():
        p.requires_grad_(False)
        p.retain_grad()


def quiet_grad_tensor(model):
    for p in model.parameters():
        if p.grad is not None:
            p.grad.mul_(0.5)


def quiet_frozen(model):
    model.requires_grad_(False)
    for p in model.parameters():
        p.mul_(0.5)


def quiet_inference(model):
    with torch.inference_mode():
        for p in model.parameters():
            p.add_(1)


def quiet_unknown_flag(model, flag):
    with torch.set_grad_enabled(flag):
        for p in model.parameters():
            p.add_(1)


def quiet_after_statement(model):
    torch.set_grad_enabled(False)
    for p in model.parameters():
        p.add_(1)


class Metric(nn.Module):
    """`self.weight` here is a metric state, not a parameter."""

    def __init__(self):
        super().__init__()
        self.register_buffer("weight", torch.zeros(1))

    def update(self, value):
        self.weight += value.sum()


class ScaledLinear(nn.Linear):
    def reset(self):
        self.weight.mul_(0.5)  # expect: GL301


class WithParameter(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))

    def clamp(self):
        self.scale.clamp_(0, 1)  # expect: GL301


def detach_in_place(model):
    # detach_() on a leaf only clears requires_grad: no error
    for p in model.parameters():
        p.detach_()


class EmaDetached:
    def __init__(self, model):
        self.ema_model = copy.deepcopy(model)
        for param in self.ema_model.parameters():
            param.detach_()
        self.model = model

    def update(self, momentum):
        for ema_p, model_p in zip(self.ema_model.parameters(), self.model.parameters()):
            ema_p.mul_(1.0 - momentum).add_(model_p.data, alpha=momentum)


class NoisyLinear(nn.Module):
    # quiet: parameters made with requires_grad=False do not raise when updated in place
    def __init__(self, n):
        super().__init__()
        self.eps_p = nn.Parameter(torch.zeros(n), requires_grad=False)
        self.eps_q = nn.Parameter(torch.zeros(n), False)

    def sample(self, noise):
        self.eps_p.copy_(noise)
        self.eps_q.copy_(noise)


@torch.no_grad()
def load_converted(model, weights):
    # quiet: the nested converters run only from this no_grad function
    def convert_linear(layer, prefix):
        layer.weight.copy_(weights[prefix + "w"])
        layer.bias.copy_(weights[prefix + "b"])

    def convert_all():
        for i, layer in enumerate(model.layers):
            convert_linear(layer, f"layer{i}.")  # a closure calling its sibling

    convert_all()


def load_converted_with_grad(model, weights):
    def convert_linear(layer, prefix):
        layer.weight.copy_(weights[prefix + "w"])  # expect: GL301

    for i, layer in enumerate(model.layers):
        convert_linear(layer, f"layer{i}.")


def convert(model, to_fast=True):
    # quiet: the fast branch runs only from the no_grad caller; the other caller takes the other
    # branch with grad on, and which statements it reaches depends on the argument
    for layer in model.layers:
        if to_fast:
            layer.weight.copy_(layer.weight.half().float())
        else:
            layer.weight.copy_(layer.weight.float())


def prepare(model):
    with torch.no_grad():
        convert(model)


def unwrap(model):
    convert(model, to_fast=False)


class Centers(nn.Module):
    def __init__(self, n, fixed):
        super().__init__()
        self.params = nn.Parameter(torch.eye(n), requires_grad=not fixed)

    def scale(self, magnitude):
        # the branch runs only when the centers need no grad: nothing to raise
        if not self.params.requires_grad:
            self.params.mul_(magnitude)
        if self.params.requires_grad:
            pass
        else:
            self.params.add_(1.0)

    def scale_trained(self, magnitude):
        if self.params.requires_grad:
            self.params.mul_(magnitude)  # expect: GL301


class Prototypes(nn.Module):
    # frozen element by element in __init__, then overwritten with centroids each epoch
    def __init__(self, dims):
        super().__init__()
        self.prototypes = nn.ModuleList([nn.Linear(16, d, bias=False) for d in dims])
        self.heads = nn.ModuleList([nn.Linear(16, d) for d in dims])
        for proto in self.prototypes:
            for params in proto.parameters():
                params.requires_grad = False

    def set_centroids(self, centroids):
        for proto, centro in zip(self.prototypes, centroids):
            proto.weight.copy_(centro)

    def set_heads(self, weights):
        for head, w in zip(self.heads, weights):
            head.weight.copy_(w)  # expect: GL301


class FakeQuantize(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))

    def load_scale(self, val):
        if torch.jit.is_scripting():
            self.scale.copy_(val)  # TorchScript only: eager code never runs it

    def load_scale_eager(self, val):
        if not torch.jit.is_scripting():
            self.scale.copy_(val)  # expect: GL301


class HashEncoding(nn.Module):
    def __init__(self, size, scale):
        super().__init__()
        # a plain tensor until the last line makes it a parameter: scaling it in place is fine
        self.hash_table = torch.rand(size) * 2 - 1
        self.hash_table *= scale
        self.hash_table = nn.Parameter(self.hash_table)

    def rescale(self, scale):
        self.hash_table *= scale  # expect: GL301


class RangeLearning(nn.Module):
    def __init__(self, zero_point, learn):
        super().__init__()
        self.zero_point = zero_point
        self.learn = learn

    def make_learnable(self):
        # past the early return the zero point is no parameter yet: zeroing it in place is fine
        if not self.learn or isinstance(self.zero_point, torch.nn.Parameter):
            return
        self.zero_point.zero_()
        self.zero_point = nn.Parameter(self.zero_point)

    def reset(self):
        self.zero_point.zero_()  # expect: GL301


class ToyLinear(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear1 = nn.Linear(8, 8)


def load_quantized(state_dict, quantize_, config):
    # `quantize_` swaps every Linear for one whose weight needs no grad (weight loading in vLLM style)
    model = ToyLinear()
    quantize_(model, config)
    model.linear1.weight.copy_(state_dict["linear1.weight"])
    return model


def pruned_then_loaded(state_dict):
    model = ToyLinear()
    torch.nn.utils.prune.l1_unstructured(model.linear1, "weight", amount=0.5)
    model.linear1.weight.copy_(state_dict["linear1.weight"])  # `weight` is computed from `weight_orig` now
    return model


def loaded_unquantized(state_dict, config):
    model = ToyLinear()
    model.eval()
    model.linear1.weight.copy_(state_dict["linear1.weight"])  # expect: GL301
    return model


def replace_linear(linear, mask):
    # quiet: called only from a module-level table of lambdas, which its holder calls when it likes
    # (NNI's speedup runs them under no_grad): no grad mode is known at the call
    new = nn.Linear(int(mask.sum()), linear.out_features)
    new.weight.copy_(linear.weight[:, mask])
    return new


REPLACERS = {
    "Linear": lambda module, mask: replace_linear(module, mask),
}


def replace_unmasked(linear):
    # called with grad on at module level below: it raises there
    new = nn.Linear(linear.in_features, linear.out_features)
    new.weight.copy_(linear.weight)  # expect: GL301
    return new


replace_unmasked(nn.Linear(4, 4))


class ConstantPruning:
    @torch.no_grad()
    def on_update(self, model):
        # quiet: the nested function runs inside model.apply, under this method's no_grad
        def apply_masks(module):
            if hasattr(module, "weight_mask"):
                module.weight *= module.weight_mask

        model.apply(apply_masks)

    def make_mask_applier(self):
        def apply_masks(module):
            module.weight *= module.weight_mask  # expect: GL301

        return apply_masks
