import torch
import torch.nn as nn
import torch.nn.functional as F


def train(model, loader, opt):
    for x, y in loader:
        loss = F.cross_entropy(model(x), y)
        loss.backward()  # expect: GL501
        opt.step()


def train_amp(model, loader, optimizer, scaler):
    for x, y in loader:
        with torch.autocast("cpu"):
            loss = F.mse_loss(model(x), y)
        scaler.scale(loss).backward()  # expect: GL501
        scaler.step(optimizer)
        scaler.update()


def train_accelerate(model, loader, optimizer, accelerator):
    for epoch in range(3):
        for batch in loader:
            loss = model(batch).mean()
            accelerator.backward(loss)  # expect: GL501
            optimizer.step()


class Trainer:
    def __init__(self, model, opt):
        self.model = model
        self.opt = opt

    def fit(self, loader):
        for x, y in loader:
            loss = F.mse_loss(self.model(x), y)
            loss.backward()  # expect: GL501
            self.opt.step()
            self.log(loss)

    def log(self, loss):
        print(loss.item())


steps = 0
model = nn.Linear(4, 1)
sgd = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in [(torch.randn(2, 4), torch.randn(2, 1))]:
    loss = F.mse_loss(model(x), y)
    loss.backward()  # expect: GL501
    sgd.step()
