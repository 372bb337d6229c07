import torch


@torch.inference_mode()
def evaluate(model, loader):
    model.eval()
    total = 0
    for x, y in loader:
        logits = model(x)
        probs = model(x).softmax(-1)
        total += (logits.argmax(1) == y).sum().item() + probs.max().item()
    return total


class Runner:
    @torch.inference_mode()
    @staticmethod
    def predict(model, x):
        model.eval()
        return model(x).tolist()
