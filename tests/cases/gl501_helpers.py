"""GL501 through helpers: the loop calls a function of this file that runs the backward, the
optimizer step or both on every call; nothing clears."""

import logging

import torch
import torch.nn.functional as F

logger = logging.getLogger(__name__)


class Trainer:
    """Theseus' tactile trainer, in short: `_update` backpropagates and steps, `update` is the
    same for every batch, nothing clears; a nested function only logs gradient norms."""

    def __init__(self, model, lr):
        self.model = model
        self.optim = torch.optim.Adam(model.parameters(), lr=lr)

    def _update(self, loss):
        loss.backward()  # expect: GL501

        with torch.no_grad():
            def _print_grad(msg, param):
                logger.info(f"{msg} {param.grad.norm().item()}")

            _print_grad("grad weight", self.model.weight)

        self.optim.step()

    def compute_loss(self, loader, update=True):
        losses = []
        for x, y in loader:
            loss = F.mse_loss(self.model(x), y)
            if update:
                self._update(loss)
            losses.append(loss.item())
        return losses


def step(optimizer):
    optimizer.step()


def backward_in_loop_step_in_helper(model, loader, opt):
    for x, y in loader:
        loss = F.mse_loss(model(x), y)
        loss.backward()  # expect: GL501
        step(opt)


def train_step(model, opt, x, y):
    loss = F.mse_loss(model(x), y)
    loss.backward()  # expect: GL501
    opt.step()
    return loss.item()


def fit(model, loader, opt):
    for x, y in loader:
        train_step(model, opt, x, y)


# -- quiet ------------------------------------------------------------------------------


def clearing_step(model, opt, x, y):
    opt.zero_grad()
    loss = F.mse_loss(model(x), y)
    loss.backward()
    opt.step()


def fit_with_clearing_helper(model, loader, opt):
    for x, y in loader:
        clearing_step(model, opt, x, y)


def accumulate(model, opt, x, y):
    F.mse_loss(model(x), y).backward()
    opt.step()


def fit_every_fourth(model, loader, opt):
    for i, (x, y) in enumerate(loader):
        if i % 4 == 0:  # the condition changes between iterations: not every iteration
            accumulate(model, opt, x, y)


def conditional_inside(model, opt, x, y, stepping):
    F.mse_loss(model(x), y).backward()
    if stepping:
        opt.step()


def fit_conditional_inside(model, loader, opt):
    for x, y in loader:
        conditional_inside(model, opt, x, y, True)


class ClearsElsewhere:
    def __init__(self, model, lr):
        self.model = model
        self.optim = torch.optim.SGD(model.parameters(), lr=lr)

    def _update(self, loss):
        loss.backward()
        self.optim.step()

    def fit(self, loader):
        for x, y in loader:
            self.optim.zero_grad()
            self._update(F.mse_loss(self.model(x), y))


def unknown_step(model, opt, x, y, callback):
    F.mse_loss(model(x), y).backward()
    opt.step()
    callback(opt)  # code out of view is handed the optimizer: it may clear


def fit_with_callback(model, loader, opt, callback):
    for x, y in loader:
        unknown_step(model, opt, x, y, callback)


def accumulating_step(model, opt, x, y, accelerator):
    with accelerator.accumulate(model):
        accelerator.backward(F.mse_loss(model(x), y))
        opt.step()


def fit_accumulating(model, loader, opt, accelerator):
    for x, y in loader:
        accumulating_step(model, opt, x, y, accelerator)
