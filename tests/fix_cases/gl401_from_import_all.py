from torch.autograd import no_grad as ng


@ng()
def labels(model, x):
    return model(x).argmax(1).tolist()


def score(model, loader):
    hits = 0
    with ng():
        for x, y in loader:
            hits += int((model(x).argmax(1) == y).sum())
    return hits
