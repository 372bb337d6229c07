"""Evaluation and weight clipping as a project would write them; gradlint finds GL101 and GL301 here."""

import torch


def evaluate(model, batches):
    """Accuracy over the batches: a forward in eval mode that records a graph nobody uses."""
    model.eval()
    correct = total = 0
    for x, y in batches:
        logits = model(x)
        correct += (logits.argmax(1) == y).sum().item()
        total += len(y)
    return correct / total


def clip_weights(model, clip=0.01):
    for p in model.parameters():
        p.clamp_(-clip, clip)
    return [p.detach().clone() for p in model.parameters()]


def top_scores(model, x):
    with torch.no_grad():
        return model(x).max(1).values
