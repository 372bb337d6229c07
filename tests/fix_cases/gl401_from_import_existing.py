from torch import (
    inference_mode,
    no_grad,
)


@inference_mode()
def labels(model, x):
    return model(x).argmax(1).tolist()


def score(model, loader):
    hits = 0
    with no_grad():
        for x, y in loader:
            hits += int((model(x).argmax(1) == y).sum())
    return hits
