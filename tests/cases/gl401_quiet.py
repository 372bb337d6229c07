"""GL401 stays quiet wherever inference_mode could raise later, or could not be proven safe."""
import copy

import lightning as L
import torch
import torch.nn as nn
import torch.nn.functional as F


def features_train_a_head(backbone, head, opt, x, y):
    # the features are saved for backward by head: inference tensors would raise
    with torch.no_grad():
        feats = backbone(x)
    loss = F.cross_entropy(head(feats), y)
    loss.backward()
    opt.step()


def teacher_targets(student, teacher, opt, x):
    with torch.no_grad():
        target = teacher(x)
    loss = F.mse_loss(student(x), target)
    loss.backward()
    opt.step()


def buffer_updated_after(model, loader):
    with torch.no_grad():
        total = torch.zeros(10)
        for x, _ in loader:
            total += model(x).sum(0)
    total /= len(loader)
    return total.tolist()


def returns_the_tensor(model, x):
    model.eval()
    with torch.no_grad():
        return model(x)


@torch.no_grad()
def decorated_returns_the_tensor(model, x):
    return model(x).softmax(-1)


def returned_later(model, x):
    with torch.no_grad():
        probs = model(x).softmax(-1)
    return probs


def builds_a_module(x):
    with torch.no_grad():
        layer = nn.Linear(4, 4)
        out = layer(x).sum().item()
    return out, layer


def builds_a_parameter_and_optimizer(x):
    with torch.no_grad():
        w = nn.Parameter(x.clone())
        opt = torch.optim.SGD([w], lr=0.1)
    return w, opt


def copies_a_model(model):
    with torch.no_grad():
        ema = copy.deepcopy(model)
    return ema


def list_of_tensors(model, loader):
    outs = []
    with torch.no_grad():
        for x, _ in loader:
            outs.append(model(x))
    return torch.cat(outs)


def comprehension_list(model, loader):
    with torch.no_grad():
        outs = [model(x) for x, _ in loader]
    return outs


class LitModel(L.LightningModule):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def on_train_batch_end(self, outputs, batch, batch_idx):
        x, y = batch
        with torch.no_grad():
            acc = (self.net(x).argmax(1) == y).float().mean()
            self.log("train_acc", acc)

    def validation_step(self, batch, batch_idx):
        # Lightning already runs this under inference_mode: nothing to suggest
        x, y = batch
        with torch.no_grad():
            preds = self.net(x).argmax(1)
        return (preds == y).float().mean().item()


def torchmetrics_style(model, loader, metric):
    with torch.no_grad():
        for x, y in loader:
            preds = model(x)
            metric.update(preds, y)
    return metric.compute()


def backward_inside(model, loss, x):
    with torch.no_grad():
        model(x)
        loss.backward()


def optimizer_step_inside(opt, closure):
    with torch.no_grad():
        opt.step(closure)


def enable_grad_inside(model, x):
    with torch.no_grad():
        with torch.enable_grad():
            score = model(x).sum().item()
    return score


@torch.enable_grad()
def _needs_grad(model, x):
    return model(x).sum().item()


def decorated_callee(model, x):
    with torch.no_grad():
        score = _needs_grad(model, x)
    return score


def _trains(model, x, opt):
    model(x).sum().backward()
    opt.step()
    return 0


def callee_trains(model, x, opt):
    with torch.no_grad():
        _trains(model, x, opt)


def requires_grad_inside(x):
    with torch.no_grad():
        x2 = x.clone().requires_grad_(True)
        n = x2.sum().item()
    return n


def outside_tensor_in_place(model, running):
    with torch.no_grad():
        for p in model.parameters():
            p.clamp_(-1, 1)
        running.mul_(0.9)


def outside_tensor_augmented(stats, x):
    with torch.no_grad():
        stats += x.sum()
        stats[0] = 1.0


def ema_method(ema, model):
    with torch.no_grad():
        ema.update(model)


def unseen_function(model, batch):
    with torch.no_grad():
        n = evaluate_elsewhere(model, batch)
    return n


def set_grad_false(model, x):
    with torch.set_grad_enabled(False):
        return model(x).argmax(1).tolist()


@torch.inference_mode()
def already_inference(model, x):
    return model(x).argmax(1).tolist()


def nested_in_inference(model, x):
    with torch.inference_mode():
        with torch.no_grad():
            n = model(x).argmax(1).tolist()
    return n


def yields(model, loader):
    with torch.no_grad():
        for x, _ in loader:
            yield model(x)


def stores_in_global(model, x):
    global LAST
    with torch.no_grad():
        LAST = model(x)


def closure_keeps(model, x):
    with torch.no_grad():
        out = model(x)

        def later():
            return out
    return later


def mixed_with_parameter_after(model, w, x):
    with torch.no_grad():
        scale = model(x).mean()
    return (scale * w).sum().item()


def bare_no_grad_in_with(model, x):
    with torch.no_grad:  # expect: GL302
        n = model(x).sum().item()
    return n


def moves_references_only(dst, src):
    # no tensor op inside: nothing to gain
    with torch.no_grad():
        dst.weight = src.weight
        dst.bias = src.bias


class VideoPredictor:
    @torch.no_grad()
    def reset_state(self, state):
        # the helper, like the block, only clears Python containers: nothing to gain
        self._reset_results(state)
        state["obj_ids"].clear()

    def _reset_results(self, state):
        for v in state["outputs_per_obj"].values():
            v.clear()
        state["tracking_has_started"] = False


class Frozen(nn.Module):
    @torch.no_grad()
    def train(self, mode=True):
        super().train(mode)
        return self


class TableAtClassLevel:
    with torch.no_grad():
        table = torch.randn(8).softmax(0)


def all_reduce_counts(model, x, y):
    import torch.distributed as dist

    with torch.no_grad():
        correct = (model(x).argmax(1) == y).sum()
        dist.all_reduce(correct)
    return correct.item()


def raises_with_tensor(model, x):
    with torch.no_grad():
        out = model(x)
        if out.isnan().any():
            raise ValueError(out)


class MomentumShuffle:
    @torch.no_grad()
    def unshuffle(self, batch, shuffle):
        # a tensor indexed inside the block is returned: a caller may train on it
        unshuffle = torch.argsort(shuffle)
        return batch[unshuffle]

    @torch.no_grad()
    def first_row(self, batch):
        return batch[0]


def init_lazy_nets(policy, env):
    # an "init nets" forward run for its side effects: lazy modules create their parameters on
    # the first call, and made under inference_mode they would be inference tensors
    with torch.no_grad():
        policy(env.reset())


def probe_output_width(strategy):
    # a forward run only for its output's shape, possibly the model's first: a lazy module
    # would create its parameters here, as inference tensors that never get a gradient
    with torch.no_grad():
        width = strategy.model(strategy.mb_x).shape[1]
    return width


def probe_through_a_name(make_cnn, obs_shape):
    # the output is kept in a name but only its shape is read: a probe of a model built elsewhere
    cnn = make_cnn()
    with torch.no_grad():
        cnn_out = cnn(torch.ones(obs_shape))
    return nn.Linear(cnn_out.shape[-1], 4), cnn


class Evaluator:
    def __init__(self, collector):
        self.collector = collector
        self.batches = None

    def run(self):
        # a persistent iterator stored on self: the collector keeps rollout state across calls
        with torch.no_grad():
            if self.batches is None:
                self.batches = iter(self.collector)
            batch = next(self.batches)
        return batch["reward"].mean().item()


def logits_kept_on_one_path(model, x, summary_only):
    # the logits made inside reach the return when summary_only is false
    with torch.no_grad():
        out = model(x)
    if summary_only:
        out = {"top": out.argmax(1).tolist()}
    return out


def logged_probabilities(model, x, writer, step):
    # the writer is handed a tensor made inside: an object out of view may keep an inference tensor
    with torch.no_grad():
        probs = model(x).softmax(-1)
        writer.add_histogram("probs", probs, step)
        writer.add_scalar("max_prob", probs.max(), step)


def training_with_a_logged_loss(model, loader, optimizer, logger):
    for step, (x, y) in enumerate(loader):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            # only formats the loss for the log: no tensor op, nothing to gain
            logger.info("step {} loss {:.4f}".format(step, loss))


def mask_kept_for_the_loss(model, x, y, weights):
    # the comparison's result is bound and used after the block: not a Python use
    with torch.no_grad():
        confidence = model(x).softmax(-1).max(-1).values
    keep = confidence > 0.9
    return (torch.nn.functional.cross_entropy(model(x), y, reduction="none") * weights * keep).mean()


def scores_adopted_and_updated(model, x):
    # torch.as_tensor hands back the same inference tensor, which is then updated in place
    with torch.no_grad():
        scores = model(x)
    adopted = torch.as_tensor(scores)
    adopted.add_(1)
    return adopted


class GreedyWithScores:
    def __init__(self, net):
        self.net = net

    @torch.no_grad()
    def __call__(self, state):
        return self.greedy_action(state)

    def greedy_action(self, state):
        return self.net(state).argmax(-1)  # a tensor made in inference mode leaves through the method


class Base:
    def act(self, state):
        return 0


class Scored(Base):
    def __init__(self, net):
        self.net = net

    @torch.no_grad()
    def choose(self, state):
        return self.act(state)

    def act(self, state):
        return self.net(state)  # an override returns a tensor: `self.act()` may run it


def refresh(model, inputs, buffers):
    # the buffers come from outside and are updated in place with values made here
    with torch.no_grad():
        outputs = model(inputs)
        [buffer.copy_(output) for buffer, output in zip(buffers, outputs)]


HAS_EXTRA = False


class Compressor:
    # quiet: the decorated __init__ runs no tensor op (a flag test and a raise), nothing to gain
    @torch.no_grad()
    def __init__(self):
        if not HAS_EXTRA:
            raise ImportError("install the extra to use Compressor")


def export_to_onnx(model, example, path):
    # the exporter traces the model through its own machinery: no proof that inference_mode is safe there
    model.eval()
    with torch.no_grad():
        torch.onnx.export(model, (example,), path)


def trace_for_deployment(model, example):
    with torch.no_grad():
        traced = torch.jit.trace(model, example)
    traced.save("model.pt")


def count_into_an_outside_tensor(model, x, counts):
    # `counts` may be a tensor made outside: an in-place update of it, which inference_mode hides from autograd
    with torch.no_grad():
        counts[model(x).argmax()] += 1


def outputs_into_a_dict_by_name(model, x, cache):
    # a string key proves a dict, but the value stored is a tensor made here
    with torch.no_grad():
        cache["features"] = model(x)


class BaseNorm(nn.Module):
    def forward(self, x):
        if self.training:
            # which update_stats runs is the subclass's: RunningNorm's updates buffers in place
            with torch.no_grad():
                self.update_stats(x)
        return x

    def update_stats(self, batch):
        """Subclasses update their statistics."""


class RunningNorm(BaseNorm):
    def __init__(self, n):
        super().__init__()
        self.register_buffer("running_mean", torch.zeros(n))
        self.register_buffer("count", torch.tensor(0))

    def update_stats(self, batch):
        self.running_mean += batch.mean(0)
        self.count += 1


def prepare_sources(pos, cell, out_pos, out_ok):
    # a registered custom operator may write into its arguments (`mutates_args`)
    with torch.no_grad():
        torch.ops.my_kernels.source_prep(pos, cell, out_pos, out_ok)


def fill_scale_buffers(model):
    # `nn.Module.modules(model)` hands back the model's own submodules: their buffers are updated in place
    with torch.no_grad():
        for module in nn.Module.modules(model):
            buf = getattr(module, "embed_scale", None)
            if isinstance(buf, torch.Tensor):
                buf.fill_(2.0)


def features_in_a_dict_then_train(backbone, head, x, y, opt):
    # the dict outlives the block and its feature is saved for backward by the head
    feats = {}
    with torch.no_grad():
        feats["f"] = backbone(x)
    loss = F.cross_entropy(head(feats["f"]), y)
    loss.backward()
    opt.step()


OBJECTIVES = {"nll": lambda dist, logits, y: dist(logits, y).mean()}


def tune_temperature(dist, logits, y, name):
    # a callable picked from a table: it may run a module that updates its buffers in place
    with torch.no_grad():
        score = OBJECTIVES[name](dist, logits, y).item()
    return score


def norms_then_weighted(model, weights):
    with torch.no_grad():
        norms = [p.data.norm(2) for p in model.parameters()]
    # `weights` may require grad: stacking the norms with it saves them for backward
    return torch.dot(torch.stack(norms), weights)


def parameter_norm_scaled(params, scale):
    with torch.no_grad():
        norms = [param.data.norm(2) for param in params]
    # `scale` has no annotation: it may be a tensor that requires grad
    return torch.mul(torch.stack(norms), scale).sum()


class GradientSurgery:
    def __init__(self, optimizer):
        self.optimizer = optimizer

    @torch.no_grad()
    def clear(self, set_to_none: bool = True):
        # zero_grad may zero the outside gradients in place
        self.optimizer.zero_grad(set_to_none=set_to_none)


def embed_frame_kept(encoder, inputs):
    # the comprehension keeps the tensors themselves: they may reach autograd later
    encoder.eval()
    with torch.no_grad():
        outputs = encoder(inputs)
    return {name: value for name, value in outputs.items()}


def embed_frame_scaled(encoder, inputs, scale):
    # each element meets `scale`, which may require grad: saved for backward
    encoder.eval()
    with torch.no_grad():
        outputs = encoder(inputs)
    return [value * scale for value in outputs.values()]



def view_returned(model, encoded):
    with torch.no_grad():
        scores = model(encoded).logits
    return scores[0].view(-1)  # a view of an inference tensor is one: a caller may save it for backward


def moved_then_trained_on(model, head, encoded, opt):
    with torch.no_grad():
        features = model(encoded)
    loss = head(features.to("cpu")).sum()  # `.to()` may hand back the same tensor, which backward would save
    loss.backward()
    opt.step()
