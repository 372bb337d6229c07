"""An example whose docstring runs its check under pytest's `--doctest-modules`:

>>> test()

so `test` is test code (its one-off graphs are the test's), while `evaluate`, which the
docstring never calls, is ordinary code.
"""
import torch


def test():
    net = torch.nn.Linear(3, 1)
    x = torch.randn(4, 3)
    loss = net(x).sum()
    loss.backward()
    check = net(x * 2)
    assert check.shape == (4, 1)


def evaluate(net, x):
    net.eval()
    return net(x).argmax(1).tolist()  # expect: GL101
