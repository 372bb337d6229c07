import torch.nn.functional as F

from . import utils
from .utils import smart_inference_mode
from wrapped_package import smart_inference_mode as reexported


@smart_inference_mode()
def evaluate(model, x):
    model.eval()
    return model(x).argmax(1)


@reexported()
def evaluate_reexported(model, x):
    model.eval()
    return model(x).argmax(1)


@utils.smart_inference_mode(new_torch=False)
def evaluate_module_attribute(model, x):
    model.eval()
    return model(x).argmax(1)


def middle(model, x):
    return utils.predict_helper(model, x)


class Fast:
    def evaluate(self, model, x):
        # its one call site (runner.py) runs under no_grad: quiet
        model.eval()
        return model(x).argmax(1)


class Slow:
    def evaluate(self, model, x):
        # never called: judged by its own body, whatever another class's `evaluate` does
        model.eval()
        return F.mse_loss(model(x), x).item()  # expect: GL101
