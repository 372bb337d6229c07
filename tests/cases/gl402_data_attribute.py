"""GL402: `.data` edits of parameters where a model trains (manual updates, clipping, optimizer
steps, soft/EMA/hard target updates); initialisation, loading, fusing, no_grad and tests are quiet."""
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


def clip(model, c):
    for p in model.parameters():
        p.data.clamp_(-c, c)  # expect: GL402


def old_sgd(params, lr):
    for group in params:
        for p in group.parameters():
            if p.grad is None:
                continue
            p.data.add_(p.grad, alpha=-lr)  # expect: GL402


def optimizer_groups(optimizer, lr):
    for group in optimizer.param_groups:
        for p in group["params"]:
            p.data -= lr * p.grad  # expect: GL402


def chained(ema, model, decay):
    for e, p in zip(ema.parameters(), model.parameters()):
        e.data.mul_(decay).add_(p.data, alpha=1 - decay)  # expect: GL402


def ema_by_name(ema, model, decay):
    model_params = dict(model.named_parameters())
    ema_params = dict(ema.named_parameters())
    for k in ema_params.keys():
        ema_params[k].data.mul_(decay).add_(model_params[k].data, alpha=1 - decay)  # expect: GL402


def buffers_by_name(ema, model, decay):
    # buffers are no parameters: autograd never tracks them
    model_buffers = dict(model.named_buffers())
    for k, b in dict(ema.named_buffers()).items():
        b.data.copy_(model_buffers[k].data)
    names = dict(model.named_parameters())
    for k in names:
        print(k.data)  # iterating a dict gives its keys (strings), not its parameters


def preserve_parameters(old_net, new_net):
    # filling the network it hands back (after an architecture change): building it, not updating a trained one
    old = dict(old_net.named_parameters())
    for key, param in new_net.named_parameters():
        if key in old:
            param.data = old[key].data
    return new_net


def priors_from_checkpoint(model, det_model, path):
    # loads a trained deterministic model and copies its weights into the Bayesian one: loading, not training
    det_model.load_state_dict(torch.load(path))
    for layer, det_layer in zip(model.modules(), det_model.modules()):
        if isinstance(layer, nn.Linear):
            layer.weight.data = det_layer.weight.data


def resume_then_train(critic, target_critic, optimizer, state, total_iters, tau, train):
    # resumes from a checkpoint once, then updates the target network every iteration
    optimizer.load_state_dict(state["optimizer"])
    for step in range(total_iters):
        train(critic, optimizer)
        for cp, tcp in zip(critic.parameters(), target_critic.parameters()):
            tcp.data.copy_(tau * cp.data + (1 - tau) * tcp.data)  # expect: GL402


def soft_update(target, source, tau):
    for t, s in zip(target.parameters(), source.parameters()):
        t.data.copy_(tau * s.data + (1 - tau) * t.data)  # expect: GL402


def train_step(model, x, y, opt, mask):
    loss = F.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    model.weight.data[mask] = 0  # expect: GL402


def train_and_replace(layer: nn.Linear, x, opt, new_weight):
    layer(x).sum().backward()
    opt.step()
    layer.weight.data = new_weight  # expect: GL402


class Lookahead:
    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.state = {}

    def step(self):
        for group in self.optimizer.param_groups:
            for fast in group["params"]:
                slow = self.state[fast]["slow"]
                fast.data.copy_(slow)  # expect: GL402


# quiet: initialisation, loading and fusing make or load weights; nothing trains there


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        m.weight.data.normal_(0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        m.weight.data.normal_(1.0, 0.02)
        m.bias.data.fill_(0)


def init_embedding(emb: nn.Embedding, vectors):
    emb.weight.data.copy_(vectors)


def load_pretrained(model, pretrained):
    for p, q in zip(model.parameters(), pretrained.parameters()):
        p.data.copy_(q.data)


def fuse_conv_bn(conv, bn):
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    conv.weight.data = conv.weight.data * scale.reshape(-1, 1, 1, 1)


def new_parameter():
    w = nn.Parameter(torch.zeros(3))
    w.data.fill_(1)
    return w


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))
        self.fc = nn.Linear(4, 4)
        self.reset_parameters()
        self.fc.weight.data.uniform_(-0.1, 0.1)

    def reset_parameters(self):
        self.scale.data.fill_(1.0)
        self.fc.bias.data.zero_()

    def half_precision(self):
        # the parameter's own values in another dtype: not an update
        self.fc.weight.data = self.fc.weight.data.half()


@torch.no_grad()
def clip_no_grad(model, c):
    for p in model.parameters():
        p.data.clamp_(-c, c)


# quiet: `.data` of tensors that are not parameters
class Dataset:
    def __init__(self, data):
        self.data = data

    def normalise(self):
        self.data.sub_(self.data.mean())


def scale_dataset(dataset):
    dataset.data.mul_(1 / 255)
    dataset.data = dataset.data.float()


def zero_grads(model):
    for p in model.parameters():
        if p.grad is not None:
            p.grad.data.zero_()


def plain_tensor():
    x = torch.zeros(3)
    x.data.add_(1)
    return x


def read_only(model):
    return [p.data.norm() for p in model.parameters()]


def copy_out(model, buffers):
    for p, b in zip(model.parameters(), buffers):
        b.copy_(p.data)


# quiet: the edit goes through no_grad already
def clip_properly(model, c):
    with torch.no_grad():
        for p in model.parameters():
            p.clamp_(-c, c)


# quiet: `weight` and `bias` registered as buffers are plain tensors
class FrozenNorm(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.register_buffer("weight", torch.ones(n))
        self.register_buffer("bias", torch.zeros(n))

    def reset(self):
        self.weight.data.fill_(1.0)
        self.bias.data.zero_()


def class_weights(counts):
    criterion = nn.CrossEntropyLoss(weight=torch.ones(3))
    criterion.weight.data.copy_(1.0 / counts)
    return criterion


class Incremental(nn.Module):
    def adaptation(self, n_classes):
        # model surgery: a new, larger head is initialised from the old one's weights
        fc = nn.Linear(self.fc.in_features, n_classes)
        fc.weight.data[: self.fc.out_features] = self.fc.weight.data
        self.fc = fc


class Whitening(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.evecs = nn.Parameter(torch.eye(4))
        self.evals = nn.Parameter(torch.ones(4))
        self.running = nn.Linear(4, 4)
        self.load_whitening_parameters(model)

    def load_whitening_parameters(self, model):
        modify = {"pcawt": self._modify_pcawt, "pcaws": lambda: self._modify_pcaws(model)}
        modify[model["kind"]]()

    def _modify_pcawt(self):
        # referenced only from a loading function: setup, not training
        self.evecs.data = self.evecs @ torch.diag(torch.pow(self.evals, -0.5))

    def _modify_pcaws(self, model):
        self.evecs.data = self.evecs @ torch.diag(self.evals * model["alpha"])

    def refresh(self):
        self._rescale()

    def _rescale(self):
        # also called from `refresh`, which is not setup code: still judged as training-time (a
        # parameter updated from another module's)
        self.evecs.data = self.evecs @ torch.diag(self.running.weight.diagonal())  # expect: GL402

    def reset_parameters(self):
        self._rescale()


class ScaledAdam(torch.optim.Optimizer):
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    self._step_param(group, p)

    def _step_param(self, group, p):
        # run only by the optimizer's step, on the parameters of its groups
        state = self.state[p]
        exp_avg = state.setdefault("exp_avg", torch.zeros_like(p))
        exp_avg.mul_(0.9).add_(p.grad, alpha=0.1)
        p.data.add_(exp_avg, alpha=-group["lr"])  # expect: GL402


def rescale(values, factor):
    # an argument that callers fill with plain tensors, not parameters
    values.data.mul_(factor)


def use_rescale():
    rescale(torch.ones(3), 2.0)


def copy_conv_param(source, target):
    # run only from setup code (a pretrained copy in __init__) and from a test
    for p_source, p_target in zip(source.parameters(), target.parameters()):
        p_target.data[:] = p_source.data[:]


class Inflated(nn.Module):
    def __init__(self, net2d):
        super().__init__()
        self.conv = nn.Conv3d(1, 1, 3)
        copy_conv_param(net2d.conv, self.conv)


def test_copy(net2d, net3d):
    copy_conv_param(net2d, net3d)


class GroupLookahead(torch.optim.Optimizer):
    def update(self, group):
        # group is an element of param_groups at its only call site
        for fast in group["params"]:
            slow = self.state[fast]["slow_param"]
            slow += (fast.data - slow) * 0.5
            fast.data.copy_(slow)  # expect: GL402

    def update_lookahead(self):
        for group in self.param_groups:
            self.update(group)


def refine_mode(sample, low, high):
    # `m` is a sample mean first, then the Parameter the optimizer trains: the edits see the Parameter
    m = sample.mean(0)
    m = nn.Parameter(m.clamp(low, high).detach())
    optim = torch.optim.Adam((m,), lr=1e-2)
    for _ in range(200):
        (-m.sum()).backward()
        optim.step()
        optim.zero_grad()
        m.data.clamp_(low, high)  # expect: GL402
    return m.detach()


def rebound_before_the_edit(x, low, high):
    # the Parameter is trained, then the name is bound to a plain copy: the edit is of the copy
    w = nn.Parameter(x.clone())
    optim = torch.optim.SGD([w], lr=0.1)
    for _ in range(10):
        (w ** 2).sum().backward()
        optim.step()
        optim.zero_grad()
    w = w.detach().clone()
    w.data.clamp_(low, high)
    return w


class Decoder(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.net = nn.Linear(dim, dim)
        self.sigma = nn.Parameter(torch.ones(dim) * 0.1)
        self.scale = nn.Parameter(torch.ones(dim), requires_grad=False)

    def forward(self, z):
        return self.net(z) * self.scale, self.sigma


class VAE:
    """Not a module: it builds the decoder it trains (`.to(device)` hands back the same module)."""

    def __init__(self, dim, device):
        self.decoder = Decoder(dim).to(device)

    def fit(self, loader, optimizer):
        for z, x in loader:
            rec, sigma = self.decoder(z)
            loss = ((rec - x) ** 2 / sigma).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            self.decoder.sigma.data.clamp_(0.01, 1.0)  # expect: GL402
            self.decoder.scale.data.clamp_(0.5, 2.0)  # a Parameter made with requires_grad=False


def _replace_weights(params, values):
    # every caller passes a list of the policy's parameters, and every caller trains
    for param, value in zip(params, values):
        param.data.copy_(value)  # expect: GL402


def _line_search(policy, loss_fn, step):
    params = list(policy.parameters())
    old = [p.detach().clone() for p in params]
    _replace_weights(params, [o - step for o in old])
    if loss_fn(policy) > 0:
        _replace_weights(params, old)


def update_policy(policy, loss_fn, optimizer, step):
    optimizer.zero_grad()
    loss_fn(policy).backward()
    optimizer.step()
    _line_search(policy, loss_fn, step)


def _load_into(params, values):
    # the caller only loads values: not training
    for param, value in zip(params, values):
        param.data.copy_(value)


def restore(model, values):
    _load_into(list(model.parameters()), values)


def random_or_trained(kind, net, data, steps):
    # a random model in one branch, a trained one in the other: the edit never runs with training
    if kind == "random":
        net.weight.data = torch.randn(4, 4)
        net.bias.data.normal_()
    elif kind == "trained":
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        for x, y in data:
            opt.zero_grad()
            F.mse_loss(net(x), y).backward()
            opt.step()
    return net


def zero_bias_every_tenth_step(net, data, opt):
    # the same split inside a loop: a later iteration trains after the edit
    for step, (x, y) in enumerate(data):
        if step % 10 == 0:
            net.bias.data.zero_()  # expect: GL402
        else:
            F.mse_loss(net(x), y).backward()
            opt.step()


class LoRALinear(nn.Linear):
    # quiet: switching modes merges the module's own low-rank delta into its frozen weight, a
    # reparameterisation (no other network's parameters are copied in)
    def __init__(self, n, r):
        super().__init__(n, n)
        self.lora_A = nn.Parameter(torch.zeros(r, n))
        self.lora_B = nn.Parameter(torch.zeros(n, r))
        self.weight.requires_grad = False
        self.merged = False

    def train(self, mode=True):
        super().train(mode)
        if mode and self.merged:
            self.weight.data -= self.lora_B @ self.lora_A
            self.merged = False
        elif not mode and not self.merged:
            self.weight.data += self.lora_B @ self.lora_A
            self.merged = True
        return self


class BoundedSGD(torch.optim.Optimizer):
    def step(self):
        # the groups come through zip: each `p` is still a parameter the optimizer holds
        for group, base_lr in zip(self.param_groups, self.base_lrs):
            for p in group["params"]:
                p.data.add_(p.grad, alpha=-base_lr)  # expect: GL402


class ClipWeights:
    # a conversion transform: it clamps the weights of the model it hands back, once, before export
    def __init__(self, threshold):
        self.threshold = threshold

    def apply(self, model):
        for module in model.modules():
            if isinstance(module, nn.Linear):
                module.weight.data.clamp_(-self.threshold, self.threshold)
        return model


def clip_submodules(model, c):
    # the same loop handing nothing back: WGAN-style clipping between steps
    for module in model.modules():
        if isinstance(module, nn.Linear):
            module.weight.data.clamp_(-c, c)  # expect: GL402


def split_batch_norm(bn, sizes):
    # model surgery: each chunk is a BatchNorm built here, filled from slices of the original
    chunks = [type(bn)(n) for n in sizes]
    start = 0
    for i, chunk in enumerate(chunks):
        chunk.weight.data = bn.weight.data[start:start + sizes[i]]
        chunk.bias.data = bn.bias.data[start:start + sizes[i]]
        start += sizes[i]
    return chunks


def copy_into_existing(targets, bn, sizes):
    # the chunks exist already (a target network's layers): an update from another network
    start = 0
    for i, chunk in enumerate(targets):
        chunk.weight.data.copy_(bn.weight.data[start:start + sizes[i]])  # expect: GL402
        start += sizes[i]


def switch_player_actor(player, actor_task, optimizer, batches):
    # storage tying and a hard target update look the same (`p.data = q.data`): reported, since
    # whether a backward may be pending through p is beyond the analysis
    for agent_p, p in zip(actor_task.parameters(), player.actor.parameters()):
        p.data = agent_p.data  # expect: GL402
    for batch in batches:
        optimizer.zero_grad()
        loss = actor_task(batch).mean()
        loss.backward()
        optimizer.step()


def copy_actor_weights(player, actor_task, optimizer, batches):
    for batch in batches:
        optimizer.zero_grad()
        loss = actor_task(batch).mean()
        loss.backward()
        optimizer.step()
        for agent_p, p in zip(actor_task.parameters(), player.actor.parameters()):
            p.data = agent_p.data.clone()  # expect: GL402


def polyak_strict(tgt, src, tau):
    for tgt_param, src_param in zip(tgt.parameters(), src.parameters(), strict=True):
        tgt_param.data.copy_(tau * src_param.data + (1 - tau) * tgt_param.data)  # expect: GL402


class LearnableFakeQuantize(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))

    def calculate_qparams(self):
        # asked for by torch.ao's convert, when the model is converted: no training step
        self.scale.data.clamp_(min=1e-6)
        return self.scale.detach()


def lrp_gamma_relevance(layer, x, gamma):
    # explaining, not training: a copy's weights are reparameterised, and the only gradients are the input's
    h = x.requires_grad_(True)
    gamma_layer = copy.deepcopy(layer)
    gamma_layer.weight.data = layer.weight.data + gamma * layer.weight.data.relu()
    out = gamma_layer(h)
    (grad,) = torch.autograd.grad(out.sum(), x)
    return x * grad


def inner_loop_update(model, loss, lr):
    grads = torch.autograd.grad(loss, list(model.parameters()))  # gradients of the weights: training
    for p, g in zip(model.parameters(), grads):
        p.data.sub_(lr * g)  # expect: GL402


class WeightedTasks:
    def __init__(self, model, n_task, adaptive):
        self.model = model
        self.loss_weight = None
        if adaptive:
            self.loss_weight = nn.ParameterList(nn.Parameter(torch.ones(1)) for _ in range(n_task))

    def step(self, losses, optimizer):
        loss = sum(w * l for w, l in zip(self.loss_weight, losses))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total = sum(w.item() for w in self.loss_weight)
        for w in self.loss_weight:
            w.data = w.data * len(self.loss_weight) / total  # expect: GL402
