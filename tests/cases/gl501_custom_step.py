# quiet: the project optimizer clears the gradients in its own step
import torch
import torch.nn.functional as F


class ClearingOptimizer(torch.optim.SGD):
    def step(self, closure=None):
        super().step(closure)
        self.zero_grad()


def train(model, loader):
    opt = ClearingOptimizer(model.parameters(), lr=0.1)
    for x, y in loader:
        F.mse_loss(model(x), y).backward()
        opt.step()
