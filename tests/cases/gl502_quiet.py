import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
from elsewhere import log_metrics, evaluate_external


class Plain(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.act = nn.ReLU()
        self.out = nn.Linear(8, 2)

    def forward(self, x):
        return self.out(self.act(self.fc(x)))


class WithBase(Plain):
    def __init__(self):
        super().__init__()
        self.extra = nn.Linear(2, 2)


@torch.inference_mode()
def evaluate(model, loader):
    model.eval()
    return sum((model(x).argmax(1) == y).sum().item() for x, y in loader)


@torch.inference_mode()
def evaluate_restoring(model, loader):
    was_training = model.training
    model.eval()
    score = sum((model(x).argmax(1) == y).sum().item() for x, y in loader)
    model.train(was_training)
    return score


@torch.inference_mode()
def evaluate_if_asked(model, loader, flag):
    if flag:
        model.eval()
    return [model(x) for x, _ in loader]


def train_one_epoch(model, loader, opt):
    model.train()
    for x, y in loader:
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()


def train_then_evaluate(model, loader, val_loader, opt, epochs):
    for epoch in range(epochs):
        model.train()
        for x, y in loader:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        evaluate(model, val_loader)


def train_back_after(model, loader, val_x, opt, epochs):
    for epoch in range(epochs):
        for x, y in loader:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        model.eval()
        with torch.inference_mode():
            print(model(val_x).mean().item())
        model.train()


def restoring_evaluation(model, loader, val_loader, opt, epochs):
    for epoch in range(epochs):
        for x, y in loader:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        evaluate_restoring(model, val_loader)


def conditional_evaluation(model, loader, val_loader, opt, epochs):
    for epoch in range(epochs):
        for x, y in loader:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        evaluate_if_asked(model, val_loader, epoch > 3)


def training_in_a_helper(model, loader, val_loader, opt, epochs):
    for epoch in range(epochs):
        train_one_epoch(model, loader, opt)
        evaluate(model, val_loader)


def plain_model(loader, val_loader, epochs):
    model = Plain()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(epochs):
        for x, y in loader:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        evaluate(model, val_loader)


def plain_model_through_base(loader, val_loader, epochs):
    model = WithBase()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(epochs):
        for x, y in loader:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        evaluate(model, val_loader)


def frozen_batchnorm_on_purpose(model, loader, val_loader, opt, epochs):
    model.eval()  # fine-tuning with BatchNorm statistics frozen
    for epoch in range(epochs):
        for x, y in loader:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        evaluate(model, val_loader)


def early_stopping(model, loader, val_loader, opt, epochs):
    for epoch in range(epochs):
        for x, y in loader:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        if epoch == epochs - 1:
            evaluate(model, val_loader)
            break


def another_model_evaluated(model, ema_model, loader, val_loader, opt, epochs):
    for epoch in range(epochs):
        for x, y in loader:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        evaluate(ema_model, val_loader)


def out_of_view_may_train(model, loader, val_loader, opt, epochs):
    for epoch in range(epochs):
        for x, y in loader:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        evaluate(model, val_loader)
        log_metrics(model)


def external_evaluation(model, loader, val_loader, opt, epochs):
    # what evaluate_external does is out of view: quiet
    for epoch in range(epochs):
        for x, y in loader:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        evaluate_external(model, val_loader)


def per_module_train(model, loader, val_loader, opt, epochs):
    for epoch in range(epochs):
        for m in model.modules():
            m.train()
        for x, y in loader:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        evaluate(model, val_loader)


@torch.inference_mode()
def evaluate_a_copy(model, loader):
    model = copy.deepcopy(model)
    model.eval()
    return [model(x) for x, _ in loader]


def copy_evaluated(model, loader, val_loader, opt, epochs):
    for epoch in range(epochs):
        for x, y in loader:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        evaluate_a_copy(model, val_loader)


def back_to_training(module):
    module.train()


@torch.inference_mode()
def evaluate_then_restore(model, loader):
    model.eval()
    scores = [model(x) for x, _ in loader]
    back_to_training(model)
    return scores


def restored_by_a_helper(model, loader, val_loader, opt, epochs):
    for epoch in range(epochs):
        for x, y in loader:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        evaluate_then_restore(model, val_loader)


# a step function or method called from the epoch loop, which restores train mode itself


class Dropping(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 2)
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        return self.drop(self.fc(x))


def train_one_epoch(model, loader, opt):
    model.train()
    for x, y in loader:
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()


def fit_by_epochs(model, loader, val_loader, opt, epochs):
    for epoch in range(epochs):
        train_one_epoch(model, loader, opt)
        evaluate(model, val_loader)


def one_step(model, x, y, opt):
    opt.zero_grad()
    F.cross_entropy(model(x), y).backward()
    opt.step()


def fit_with_logging(model, loader, val_loader, opt, epochs):
    for epoch in range(epochs):
        for x, y in loader:
            one_step(model, x, y, opt)
        evaluate(model, val_loader)
        log_metrics(model)  # code out of view handed the model may call model.train()


def fit_other_model(model, teacher, loader, val_loader, opt, epochs):
    for epoch in range(epochs):
        for x, y in loader:
            one_step(model, x, y, opt)
        evaluate(teacher, val_loader)  # another module in eval mode


class StepTrainer:
    def __init__(self, loader, val_loader):
        self.model = Dropping()
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.1)
        self.loader = loader
        self.val_loader = val_loader

    def _train_step(self, x, y):
        self.model.train()
        self.opt.zero_grad()
        F.cross_entropy(self.model(x), y).backward()
        self.opt.step()

    def _eval_step(self, x):
        self.model.eval()
        with torch.inference_mode():
            return self.model(x).argmax(1).tolist()

    def fit(self, epochs):
        for epoch in range(epochs):
            for x, y in self.loader:
                self._train_step(x, y)
            for x, _ in self.val_loader:
                self._eval_step(x)


def watch(module, logger):
    logger.watch(module)  # hands the model to code out of view, which may call module.train()


def fit_watched(model, loader, val_loader, opt, epochs, logger):
    for epoch in range(epochs):
        for x, y in loader:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        watch(model, logger)
        evaluate(model, val_loader)


class CallbackTrainer:
    """`self.on_step` is handed in by the user: a callable out of view that is given the model."""

    def __init__(self, loader, val_loader, on_step):
        self.model = Dropping()
        self.on_step = on_step
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.1)
        self.loader = loader
        self.val_loader = val_loader

    def train_step(self, x, y):
        self.opt.zero_grad()
        F.cross_entropy(self.model(x), y).backward()
        self.opt.step()
        self.on_step(self.model)

    def eval_step(self, x):
        self.model.eval()
        with torch.inference_mode():
            return self.model(x).argmax(1).tolist()

    def fit(self, epochs):
        for epoch in range(epochs):
            for x, y in self.loader:
                self.train_step(x, y)
            for x, _ in self.val_loader:
                self.eval_step(x)


def influence_scores(model, loss_fn, params, test_batches):
    # quiet: eval mode on purpose; the gradients come from torch.autograd.grad and nothing trains
    scores = []
    for x, y in test_batches:
        model.eval()
        model.zero_grad()
        loss = loss_fn(model(x), y)
        grads = torch.autograd.grad(loss, params)
        scores.append(sum(g.norm().item() for g in grads))
    return scores


def langevin_samples(energy, loader, steps, step_size):
    # sampling from a trained energy model: eval mode on purpose; the backward only gives the inputs' gradients
    samples = []
    for batch in loader:
        x = batch.clone().requires_grad_(True)
        for _ in range(steps):
            energy.eval()
            energy(x).sum().backward()
            x.data.add_(x.grad.data, alpha=-step_size)
            x.grad.zero_()
        samples.append(x.detach())
    return samples


class EnergyModel:
    """Trains in one method and samples in another: the sampler's backward trains nothing."""

    def __init__(self, energy, opt):
        self.energy = energy
        self.opt = opt

    def train_epoch(self, loader):
        self.energy.train()
        for x in loader:
            self.opt.zero_grad()
            self.energy(x).mean().backward()
            self.opt.step()

    def sample(self, x, steps, step_size):
        x = x.clone().requires_grad_(True)
        for _ in range(steps):
            self.energy.eval()
            self.energy(x).sum().backward()
            x.data.add_(x.grad.data, alpha=-step_size)
            x.grad.zero_()
        return x.detach()
