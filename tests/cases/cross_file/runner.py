import torch

from evaluation import evaluate_loss, manual_sgd, predict_all


def report(model, batches):
    with torch.no_grad():
        return predict_all(model, batches)


def step(model, loss, lr):
    loss.backward()
    with torch.no_grad():
        manual_sgd(list(model.parameters()), lr)


def train(model, x, y):
    print(evaluate_loss(model, x, y))
    with torch.no_grad():
        print(evaluate_loss(model, x, y))
