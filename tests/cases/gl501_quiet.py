import torch
import torch.nn as nn
import torch.nn.functional as F
import lightning as L
from somewhere import run_callbacks


def cleared(model, loader, opt):
    for x, y in loader:
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()


def model_cleared(model, loader, opt):
    for x, y in loader:
        model.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()


def grads_set_to_none(model, loader, opt):
    for x, y in loader:
        F.cross_entropy(model(x), y).backward()
        opt.step()
        for p in model.parameters():
            p.grad = None


def accumulation(model, loader, opt, every=4):
    for step, (x, y) in enumerate(loader):
        (F.cross_entropy(model(x), y) / every).backward()
        if (step + 1) % every == 0:
            opt.step()
            opt.zero_grad()


def conditional_step_without_clearing(model, loader, opt):
    # the step does not run every iteration: the analysis cannot tell what is intended
    for step, (x, y) in enumerate(loader):
        F.cross_entropy(model(x), y).backward()
        if step == 10:
            opt.step()


def cleared_before_loop_only_once(model, loader, opt):
    # clearing outside the loop still shows the author clears: quiet (precision first)
    opt.zero_grad()
    for x, y in loader:
        F.cross_entropy(model(x), y).backward()
        opt.step()


def with_accumulate(model, loader, optimizer, accelerator):
    for batch in loader:
        with accelerator.accumulate(model):
            loss = model(batch).mean()
            accelerator.backward(loss)
            optimizer.step()


def lbfgs(model, x, y):
    opt = torch.optim.LBFGS(model.parameters())

    def closure():
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        return loss

    for _ in range(10):
        opt.step(closure)


def closure_clears_only_inside(model, x, y, opt):
    def closure():
        loss = F.mse_loss(model(x), y)
        return loss

    for _ in range(10):
        loss = closure()
        loss.backward()
        opt.step(closure)


def new_model_every_trial(loader, lrs):
    for lr in lrs:
        model = nn.Linear(4, 1)
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        x, y = next(iter(loader))
        F.mse_loss(model(x), y).backward()
        opt.step()


def one_step_per_optimizer(model, loss_fns, optimizers, x):
    for loss_fn, opt in zip(loss_fns, optimizers):
        loss_fn(model(x)).backward()
        opt.step()


def functional_gradients(model, loader, opt):
    for x, y in loader:
        loss = F.mse_loss(model(x), y)
        grads = torch.autograd.grad(loss, list(model.parameters()))
        for p, g in zip(model.parameters(), grads):
            p.grad = g
        opt.step()


def callbacks_out_of_view(model, loader, opt):
    for x, y in loader:
        F.mse_loss(model(x), y).backward()
        opt.step()
        run_callbacks(opt)


class ClearingTrainer:
    def __init__(self, model, opt):
        self.model = model
        self.opt = opt

    def fit(self, loader):
        for x, y in loader:
            loss = F.mse_loss(self.model(x), y)
            loss.backward()
            self.opt.step()
            self._after_step()

    def _after_step(self):
        self.opt.zero_grad()


def reset(optimizer):
    optimizer.zero_grad()


def helper_clears(model, loader, opt):
    for x, y in loader:
        F.mse_loss(model(x), y).backward()
        opt.step()
        reset(opt)


class Lit(L.LightningModule):
    def training_step(self, batch, batch_idx):
        opt = self.optimizers()
        for chunk in batch:
            self.manual_backward(self(chunk).mean())
            opt.step()

