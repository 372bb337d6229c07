import torch.nn.functional as F


def predict_all(model, batches):
    # every call site (runner.py) runs under no_grad: quiet
    model.eval()
    return [model(b).argmax(1) for b in batches]


def manual_sgd(params, lr):
    # every call site runs under no_grad: quiet
    for p in params:
        p -= lr * p.grad


def evaluate_loss(model, x, y):
    # also called with grad enabled (runner.py, train): reported
    model.eval()
    return F.mse_loss(model(x), y).item()  # expect: GL101
