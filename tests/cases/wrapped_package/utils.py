import torch


def smart_inference_mode(new_torch=True):
    def decorate(fn):
        return (torch.inference_mode if new_torch else torch.no_grad)()(fn)

    return decorate


def predict_helper(model, x):
    # called by evaluation.middle, whose only caller (runner.py) runs it under no_grad: quiet
    model.eval()
    return model(x).argmax(1)
