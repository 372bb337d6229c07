"""A speech recogniser whose `recognize` puts the model in eval mode: its torch callers run it
under no_grad; the Chainer backend's decoding script calls a Chainer model's `recognize`."""
import torch
import torch.nn as nn


class E2E(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Linear(8, 8)

    def recognize(self, x):
        self.eval()
        return self.encoder(x).argmax(-1).tolist()

    def score(self, x):
        self.eval()
        return self.encoder(x).max().item()  # expect: GL101


def report(model, x):
    return model.score(x)
