"""A small classifier: the model of the project under verification."""

import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self, features=256, hidden=512, classes=10):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(features, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                    nn.Linear(hidden, classes))

    def forward(self, x):
        return self.layers(x)
