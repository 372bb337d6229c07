"""MXNet Gluon code: `loss.backward()`, `net(x)` and `+= loss` are not torch's; no torch findings."""
from mxnet import autograd, gluon


def train(net, loader, trainer, loss_fn):
    total = 0
    for x, y in loader:
        with autograd.record():
            loss = loss_fn(net(x), y)
        loss.backward()
        trainer.step(x.shape[0])
        total += loss
    return total


def evaluate(net, val_x):
    net.eval()
    return net(val_x)
