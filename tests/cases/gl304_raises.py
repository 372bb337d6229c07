"""GL304: inference tensors that later meet autograd or an in-place update (each raises at run time)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def frozen_backbone(backbone, head, opt, x, y):
    with torch.inference_mode():  # expect: GL304
        feats = backbone(x)
    loss = F.cross_entropy(head(feats), y)
    loss.backward()
    opt.step()


def teacher_target(student, teacher, opt, x):
    with torch.inference_mode():  # expect: GL304
        target = teacher(x)
    loss = F.mse_loss(student(x), target)
    loss.backward()
    opt.step()


def detached_is_still_inference(backbone, head, opt, x, y):
    with torch.inference_mode():  # expect: GL304
        feats = backbone(x).detach()
    loss = F.cross_entropy(head(feats.detach()), y)
    loss.backward()
    opt.step()


def views_and_moves(backbone, head, opt, x, y, device):
    with torch.inference_mode():  # expect: GL304
        feats = backbone(x)
    tokens = feats.to(device)[:, 0]
    flat = tokens.view(tokens.size(0), -1)
    loss = F.cross_entropy(head(flat), y)
    loss.backward()
    opt.step()


def made_by_torch_functions(model, opt, x, y):
    with torch.inference_mode():  # expect: GL304
        noise = torch.randn_like(x) * 0.1
    loss = F.mse_loss(model(x + 0.0), noise)
    loss.backward()
    opt.step()


def updated_in_place_after(model, loader):
    with torch.inference_mode():  # expect: GL304
        total = torch.zeros(10)
        for x, _ in loader:
            total += model(x).sum(0)
    total /= len(loader)
    return total.tolist()


def method_in_place_under_no_grad(model, x):
    with torch.inference_mode():  # expect: GL304
        out = model(x)
    with torch.no_grad():
        out.clamp_(0, 1)
    return out.tolist()


def item_assignment(model, x):
    with torch.inference_mode():  # expect: GL304
        logits = model(x)
    logits[:, 0] = float("-inf")
    return logits.argmax(1).tolist()


class Probe(nn.Module):
    def __init__(self, dim, classes):
        super().__init__()
        self.w = nn.Parameter(torch.zeros(dim, classes))

    def fit_step(self, backbone, x, y, opt):
        with torch.inference_mode():  # expect: GL304
            feats = backbone(x)
        loss = F.cross_entropy(feats @ self.w, y)
        loss.backward()
        opt.step()


def product_with_parameter(model, x):
    scale = nn.Parameter(torch.ones(4))
    with torch.inference_mode():  # expect: GL304
        feats = model(x)
    return (feats * scale).sum()


def inside_the_training_loop(backbone, head, opt, loader):
    for x, y in loader:
        with torch.inference_mode():  # expect: GL304
            feats = backbone(x)
        opt.zero_grad()
        F.cross_entropy(head(feats), y).backward()
        opt.step()


@torch.inference_mode()  # expect: GL304
def embed(backbone, x):
    return backbone(x)


def train_on_embeddings(backbone, head, opt, x, y):
    loss = F.cross_entropy(head(embed(backbone, x)), y)
    loss.backward()
    opt.step()


def list_of_features_to_a_head(backbone, fpn_head, opt, loader, y):
    with torch.inference_mode():  # expect: GL304
        levels = [backbone(x) for x, _ in loader]
    first, second = levels
    loss = F.mse_loss(fpn_head(first), second.clone())
    loss.backward()
    opt.step()


def comprehension_reads_the_outer_tensor(model, head, batch, x, y, opt):
    with torch.inference_mode():  # expect: GL304
        feats = model(x)
    outs = [head(feats) for _ in batch]
    loss = F.mse_loss(torch.stack(outs), y)
    loss.backward()
    opt.step()



def copied_only_on_a_branch_that_returns(backbone, head, opt, x, y, fine_tune):
    # the branch that clones returns: the path that reaches the loss keeps the inference tensor
    with torch.inference_mode():  # expect: GL304
        feats = backbone(x)
    if fine_tune:
        feats = feats.clone()
        return head(feats)
    loss = F.cross_entropy(head(feats), y)
    loss.backward()
    opt.step()


def made_in_a_loop_that_may_run_no_time(backbone, head, opt, loader, y):
    feats = []
    with torch.inference_mode():  # expect: GL304
        for batch in loader:
            if batch is None:
                continue
            feats.append(backbone(batch))
    loss = F.cross_entropy(head(feats[-1]), y)
    loss.backward()
    opt.step()
