import torch.nn.functional as F


class PerceptualLoss:
    """Hook-captured activations feed a loss: the forward's graph is needed."""

    def __init__(self, vgg):
        self.vgg = vgg
        self.acts = []
        vgg.features.register_forward_hook(self._capture)

    def _capture(self, module, inputs, output):
        self.acts.append(output)

    def features(self, x):
        self.acts.clear()
        self.vgg(x)
        return self.acts[0]

    def train_step(self, generator, z, target, opt):
        self.acts.clear()
        self.vgg(generator(z))
        loss = F.mse_loss(self.acts[0], target)
        loss.backward()
        opt.step()


class FeatureBackbone:
    """A module whose forward returns what a hook captured: trained by the caller."""

    def __init__(self, model):
        self.model = model
        self.output = None
        model.layer4.register_forward_hook(self.capture)

    def capture(self, module, inputs, output):
        self.output = output

    def forward(self, x):
        self.model(x)
        return self.output

    def features(self, x):
        self.model(x)
        return self.output
