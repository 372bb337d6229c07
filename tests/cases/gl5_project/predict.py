import torch

from models import Linear, Net


def predict(path, loader):
    model = Net()
    model.load_state_dict(torch.load(path))
    with torch.inference_mode():
        return [model(x) for x in loader]  # expect: GL503


def predict_linear(path, loader):
    model = Linear()
    model.load_state_dict(torch.load(path))
    with torch.inference_mode():
        return [model(x) for x in loader]
