import copy

import learn2learn as l2l
import torch
import torch.nn as nn
import torch.nn.functional as F


def fit(model, loader, val_x, val_y, opt):
    for step, (x, y) in enumerate(loader):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        if step % 10 == 0:
            val_logits = model(val_x)  # expect: GL102
            print((val_logits.argmax(1) == val_y).float().mean().item())


def dqn(q_net, target_net, obs, act, rew, next_obs, opt, gamma=0.99):
    next_q = target_net(next_obs).max(1).values  # expect: GL102
    target = rew + gamma * next_q.detach()
    q = q_net(obs).gather(1, act.unsqueeze(1)).squeeze(1)
    loss = F.smooth_l1_loss(q, target)
    opt.zero_grad()
    loss.backward()
    opt.step()


def teacher_detached(student, teacher, x, opt):
    soft = teacher(x).detach()  # expect: GL102
    loss = F.kl_div(student(x).log_softmax(-1), soft.softmax(-1))
    loss.backward()
    opt.step()


def ddp_validation(model, loader, val_x, opt):
    ddp = nn.parallel.DistributedDataParallel(model)
    for x, y in loader:
        loss = F.mse_loss(ddp(x), y)
        loss.backward()  # allow: GL501 (no zero_grad in this loop)
        opt.step()
        score = ddp(val_x).mean().item()  # expect: GL102
        print(score)


# quiet below


def gan(G, D, real, z, opt_g, opt_d, bce):
    fake = G(z)
    d_loss = bce(D(real), torch.ones(1)) + bce(D(fake.detach()), torch.zeros(1))
    d_loss.backward()
    opt_d.step()
    g_loss = bce(D(fake), torch.ones(1))
    g_loss.backward()
    opt_g.step()


def dqn_no_grad(q_net, target_net, obs, next_obs, rew, opt):
    with torch.no_grad():
        target = rew + 0.99 * target_net(next_obs).max(1).values
    loss = F.mse_loss(q_net(obs).max(1).values, target)
    loss.backward()
    opt.step()


def frozen_teacher(student, x, opt):
    teacher = copy.deepcopy(student)
    teacher.requires_grad_(False)
    soft = teacher(x)
    loss = F.mse_loss(student(x), soft)
    loss.backward()
    opt.step()


def returned_output(model, x, y, opt):
    loss = F.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    extra = model(x)
    return extra


def stored_on_self(self, x, y, opt):
    loss = F.mse_loss(self.model(x), y)
    loss.backward()
    self.last = self.model(x)  # read back below, by code that may train on it


def regularise_with_last(self, y):
    return F.mse_loss(self.last, y)


def cached_for_nobody(self, x, y, opt):
    loss = F.mse_loss(self.model(x), y)
    loss.backward()
    opt.step()
    self.latest_prediction = self.model(x)  # expect: GL102


def closure_step(model, x, y, opt):
    def closure():
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        return loss

    opt.step(closure)


def accelerate_step(accelerator, model, x, y, opt):
    loss = F.mse_loss(model(x), y)
    accelerator.backward(loss)
    opt.step()


def amp_step(scaler, model, x, y, opt):
    with torch.autocast("cpu"):
        loss = F.mse_loss(model(x), y)
    scaler.scale(loss).backward()
    scaler.step(opt)


def rnn_truncated(model, chunks, h, opt):
    for x, y in chunks:
        out, h = model(x, h)
        loss = F.mse_loss(out, y)
        loss.backward()  # allow: GL501 (no zero_grad in this loop)
        opt.step()
        h = h.detach()


def passed_to_unknown(model, x, y, opt, log_images):
    loss = F.mse_loss(model(x), y)
    loss.backward()
    log_images(model(x))


def warm_up_batchnorm(model, x, y, opt):
    # a forward run for its side effects (BatchNorm statistics, a shape check): not reported
    model(x)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    opt.step()


def _do_test(module, x):
    # outside a test file a helper named like a test is ordinary code
    out = module(x)  # expect: GL102
    module(x).sum().backward()
    return out.shape


def meta_step(policy, tasks, opt):
    # quiet: `l2l.clone_module` is a function of an imported package named like a module, not a
    # module held by the code: calling it runs no forward
    for task in tasks:
        learner = l2l.clone_module(policy)
        loss = F.mse_loss(learner(task.x), task.y)
        opt.zero_grad()
        loss.backward()
        opt.step()


class Embedder(torch.nn.Module):
    def __init__(self, n, k):
        super().__init__()
        self.encode = torch.nn.Linear(n, k)
        self.decode = torch.nn.Linear(k, n)

    def forward(self, a):
        return ((self.decode(self.encode(a)) - a) ** 2).mean()

    def get_emb(self, a):
        return self.encode(a)


class Lookup(torch.nn.Module):
    # another `get_emb`, which runs no layer: the method name alone proves nothing
    def __init__(self, table):
        super().__init__()
        self.table = table

    def get_emb(self, a):
        return self.table


def fit_embeddings(a, device, epochs):
    model = Embedder(a.shape[1], 16)
    model = model.to(device)
    opt = torch.optim.Adam(model.parameters())
    for _ in range(epochs):
        opt.zero_grad()
        loss = model(a)
        loss.backward()
        opt.step()
    # a method of the model built here, which runs its layers: a forward whose output is only detached
    embeddings = model.get_emb(a)  # expect: GL102
    return embeddings.detach().cpu().numpy()


class GradientMatcher:
    def build(self, classifier):
        def weight_grad(x):
            loss = classifier(x).sum()
            return torch.autograd.grad(loss, list(classifier.parameters()), create_graph=True)[0]

        class Matcher(torch.nn.Module):
            # its forward differentiates the classifier: under no_grad it raises
            def __init__(self):
                super().__init__()
                self.noise = torch.nn.Linear(4, 4)

            def forward(self, x):
                return weight_grad(self.noise(x)).norm()

        class Noise(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.noise = torch.nn.Linear(4, 4)

            def forward(self, x):
                return self.noise(x)

        self.matcher = Matcher()
        self.perturb = Noise()

    def run(self, batches, optimizer, x):
        for batch in batches:
            loss = self.matcher(self.perturb(batch))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        score = self.matcher(x)
        shown = self.perturb(x)  # expect: GL102
        return score.detach().item(), shown.detach()


def fit_temperature(logits, labels, temperature, optimizer=torch.optim.LBFGS, steps=50):
    # `optimizer` is an optimizer class: calling it builds an optimizer, whose zero_grad is no module's
    optimizer = optimizer([temperature])
    for _ in range(steps):
        optimizer.zero_grad()
        loss = F.cross_entropy(logits / temperature, labels)
        loss.backward()
        optimizer.step()
    return temperature


def fit_with_probe(model, x, y, opt):
    opt.zero_grad()
    probe = model(x[:1])  # expect: GL102
    loss = F.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    return probe.shape


class ClosureStep:
    @torch.no_grad()
    def step(self, model, x, optimizer):
        # the optimizer runs the closure under enable_grad: the extra forward builds a graph there
        def closure():
            optimizer.zero_grad()
            loss = model(x).sum()
            loss.backward()
            extra = model(x * 2)  # expect: GL102
            print(extra.argmax().item())
            return loss

        optimizer.step(closure)


def manual_step_without_sync(self, batch, optimizer, accumulate):
    loss = F.mse_loss(self.model(batch[0]), batch[1])
    # Lightning's optimizer wrapper: a no-sync context manager, not a model's forward
    with optimizer.toggle_model(sync_grad=not accumulate):
        loss.backward()
    optimizer.step()
