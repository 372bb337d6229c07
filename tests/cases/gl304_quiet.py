"""GL304 stays quiet where inference tensors never meet autograd (each runs without error)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def cloned_first(backbone, head, opt, x, y):
    with torch.inference_mode():
        feats = backbone(x)
    feats = feats.clone()
    loss = F.cross_entropy(head(feats), y)
    loss.backward()
    opt.step()


def cloned_inline(backbone, head, opt, x, y):
    with torch.inference_mode():
        feats = backbone(x)
    loss = F.cross_entropy(head(feats.clone()), y)
    loss.backward()
    opt.step()


def arithmetic_outside(backbone, head, opt, x, y):
    with torch.inference_mode():
        feats = backbone(x)
    normalized = (feats - feats.mean()) / 2
    loss = F.cross_entropy(head(normalized), y)
    loss.backward()
    opt.step()


def concatenated(backbone, head, opt, x, y, extra):
    with torch.inference_mode():
        feats = backbone(x)
    loss = F.cross_entropy(head(torch.cat([feats, extra], dim=1)), y)
    loss.backward()
    opt.step()


def added_to_a_parameter(backbone, x):
    bias = nn.Parameter(torch.zeros(4))
    with torch.inference_mode():
        feats = backbone(x)
    return (feats + bias).sum()


def forward_without_backward(backbone, head, x):
    # no backward here: the analysis cannot tell that head's parameters require
    # grad (a caller may have frozen it); if they do, this raises
    with torch.inference_mode():
        feats = backbone(x)
    return head(feats).argmax(1).tolist()


def frozen_head(backbone, head, x, y, opt, other):
    head.requires_grad_(False)
    with torch.inference_mode():
        feats = backbone(x)
    scores = head(feats)
    loss = F.mse_loss(other(x), y)
    loss.backward()
    opt.step()
    return scores.tolist()


def only_python_values(model, opt, x, y):
    with torch.inference_mode():
        acc = (model(x).argmax(1) == y).float().mean()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return acc.item()


def loss_between_inference_tensors(model, opt, x, y):
    with torch.inference_mode():
        out = model(x)
        ref = model(y)
    print(F.mse_loss(out, ref).item())
    F.mse_loss(model(x), y).backward()
    opt.step()


def detached_in_place(model, x):
    # torch allows in-place updates through .detach() and .data
    with torch.inference_mode():
        out = model(x)
    out.detach().zero_()
    out.data.clamp_(0, 1)
    return out


def in_place_inside_inference_again(model, x):
    with torch.inference_mode():
        out = model(x)
    with torch.inference_mode():
        out.add_(1)
    return out


def converted_dtype(backbone, head, opt, x, y):
    # .float() may copy or not: not provably an inference tensor
    with torch.inference_mode():
        feats = backbone(x).half()
    loss = F.cross_entropy(head(feats.float()), y)
    loss.backward()
    opt.step()


def other_branch(backbone, head, opt, x, y, cached):
    if cached:
        with torch.inference_mode():
            feats = backbone(x)
        print(feats.shape)
    else:
        feats = backbone(x)
        F.cross_entropy(head(feats), y).backward()
        opt.step()


def rebound_after(backbone, head, opt, x, y):
    with torch.inference_mode():
        feats = backbone(x)
    print(feats.sum().item())
    feats = backbone(x)
    F.cross_entropy(head(feats), y).backward()
    opt.step()


def under_no_grad(backbone, head, opt, x, y):
    with torch.no_grad():
        feats = backbone(x)
    F.cross_entropy(head(feats), y).backward()
    opt.step()


def outside_value_under_inference(head, opt, x, y):
    with torch.inference_mode():
        print(x.sum())
    F.cross_entropy(head(x), y).backward()
    opt.step()


def backward_inside(model, x):
    # a backward inside the region is GL303, not GL304
    with torch.inference_mode():
        loss = model(x).sum()
        loss.backward()  # expect: GL303


def list_extended_in_place(backbone, loader):
    # `+=` on a list of inference tensors extends the list: no tensor is touched
    with torch.inference_mode():
        feats = [backbone(x) for x, _ in loader]
    feats += [torch.zeros(2, 4)]
    return len(feats)


def comprehension_variable_shadows(model, head, batch, x, y, opt):
    # the comprehensions' `feats` are the batch's tensors, not the inference tensor made above
    with torch.inference_mode():
        feats = model(x)
    outs = [head(feats) for feats in batch]
    scaled = [feats.mul_(2) for feats in batch]
    loss = F.mse_loss(torch.stack(outs + scaled), y)
    loss.backward()
    opt.step()
    return feats.tolist()


def a_nested_function_in_the_region_binds_its_own_names(backbone, head, opt, x, y):
    feats = x * 2
    with torch.inference_mode():
        def probe():
            feats = backbone(x)
            return feats.norm()
        norm = probe()
    loss = F.cross_entropy(head(feats), y)  # the outer feats: a normal tensor
    loss.backward()
    opt.step()
    return norm
