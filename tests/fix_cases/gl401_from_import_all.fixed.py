from torch.autograd import inference_mode


@inference_mode()
def labels(model, x):
    return model(x).argmax(1).tolist()


def score(model, loader):
    hits = 0
    with inference_mode():
        for x, y in loader:
            hits += int((model(x).argmax(1) == y).sum())
    return hits
