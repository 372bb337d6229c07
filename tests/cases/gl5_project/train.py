import torch
import torch.nn.functional as F

from evaluation import run_evaluation
from models import Linear, Net


def fit(loader, val_loader, epochs):
    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(epochs):
        for x, y in loader:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()  # expect: GL502
            opt.step()
        run_evaluation(model, val_loader)


def fit_linear(loader, val_loader, epochs):
    model = Linear()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(epochs):
        for x, y in loader:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        run_evaluation(model, val_loader)
