import torch


@torch.inference_mode()
def evaluate(model, loader):
    model.eval()
    return [model(x).argmax(1) for x in loader]


def run_evaluation(model, loader):
    return evaluate(model, loader)
