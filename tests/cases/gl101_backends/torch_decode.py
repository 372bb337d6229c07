import torch


def decode(model, feats):
    with torch.no_grad():
        return [model.recognize(feat) for feat in feats]
