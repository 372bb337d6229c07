"""GL103: a warm-up forward in setup code builds lazily created layers once; feature extraction
elsewhere in the same class is still reported."""
import torch


class HookedWrapper(torch.nn.Module):
    """Captures a layer's output; a warm-up forward in __init__ builds its lazy projector once."""

    def __init__(self, net, layer, image_size):
        super().__init__()
        self.net = net
        self.hidden = {}
        self.projector = torch.nn.LazyLinear(128)
        layer.register_forward_hook(self._capture)
        self.net(torch.randn(2, 3, image_size, image_size))  # setup code: not feature extraction

    def _capture(self, module, inputs, output):
        self.hidden[output.device] = output.flatten(1).norm(dim=1).tolist()

    def feature_norms(self, images):
        self.net(images)  # expect: GL103
        return self.hidden[images.device]
