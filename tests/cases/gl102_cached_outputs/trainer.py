"""GL102 across files: a validation forward whose output is only kept on `self` is reported when
no file of the project reads that attribute back as a value (another file reads `output` only for
its argmax), and stays quiet when one does (`logits` feeds a distillation loss elsewhere)."""
import torch
import torch.nn.functional as F


class GCN(torch.nn.Module):
    def __init__(self, layer):
        super().__init__()
        self.layer = layer
        self.output = None
        self.logits = None

    def forward(self, x):
        return self.layer(x)

    def fit(self, x, y, idx_train, idx_val, optimizer, epochs):
        best = float("inf")
        for _ in range(epochs):
            self.train()
            optimizer.zero_grad()
            output = self.forward(x)
            F.nll_loss(output[idx_train], y[idx_train]).backward()
            optimizer.step()

            self.eval()
            output = self.forward(x)  # expect: GL102
            loss_val = F.nll_loss(output[idx_val], y[idx_val])
            if loss_val < best:
                best = loss_val
                self.output = output

    def fit_keeping_logits(self, x, y, optimizer, epochs):
        for _ in range(epochs):
            optimizer.zero_grad()
            F.nll_loss(self.forward(x), y).backward()
            optimizer.step()
            self.logits = self.forward(x)  # read back in students.py, which may train on it
