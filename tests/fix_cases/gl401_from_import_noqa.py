from torch import no_grad


def labels(model, x):
    with no_grad():  # noqa: GL401
        return model(x).argmax(1).tolist()


def score(model, loader):
    hits = 0
    with no_grad():
        for x, y in loader:
            hits += int((model(x).argmax(1) == y).sum())
    return hits
