import functools

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

activations = {}
outputs = []


def get_activation(name):
    def hook(module, inputs, output):
        activations[name] = output  # expect: GL202
    return hook


def register_all(model):
    for name, module in model.named_modules():
        module.register_forward_hook(get_activation(name))


def save_mean(module, inputs, output):
    activations["mean"] = output.mean(0)  # expect: GL202


def save_input(module, inputs):
    outputs.append(inputs[0])  # expect: GL202


def with_name(name, module, inputs, output):
    activations[name] = output.cpu()  # expect: GL202


def view_under_no_grad(module, inputs, output):
    with torch.no_grad():
        activations["view"] = output[0]  # expect: GL202


class Recorder:
    def __init__(self, model):
        self.records = []
        self.last = None
        model.register_forward_hook(self.record)
        model.fc.register_forward_hook(lambda m, i, o: self.records.append(o))  # expect: GL202

    def record(self, module, inputs, output):
        self.last = output  # expect: GL202


class SizeOrOutput:
    def __init__(self, model, sizes_only):
        self.sizes_only = sizes_only
        self.sizes, self.outputs = [], []
        model.register_forward_hook(self.keep)

    def keep(self, module, inputs, output):
        # the other arm writes another container: nothing says the graph is kept on purpose
        if self.sizes_only:
            self.sizes.append(output.size())
        else:
            self.outputs.append(output)  # expect: GL202


def install(model):
    model.fc.register_forward_hook(save_mean)
    model.fc.register_forward_pre_hook(save_input)
    model.fc.register_forward_hook(functools.partial(with_name, "fc"))
    model.fc.register_forward_hook(view_under_no_grad)


# quiet below


def detached(module, inputs, output):
    activations["d"] = output.detach()


def computed_under_no_grad(module, inputs, output):
    with torch.no_grad():
        activations["norm"] = output.norm()


def python_value(module, inputs, output):
    activations["mean_value"] = output.mean().item()


def local_only(module, inputs, output):
    shape = output.shape
    scaled = output * 2
    print(shape, scaled.sum().item())


def grad_hook(module, grad_input, grad_output):
    # backward hooks carry no graph without create_graph=True
    activations["grad"] = grad_output[0]


def install_quiet(model):
    model.fc.register_forward_hook(detached)
    model.fc.register_forward_hook(computed_under_no_grad)
    model.fc.register_forward_hook(python_value)
    model.fc.register_forward_hook(local_only)
    model.fc.register_full_backward_hook(grad_hook)


class Distiller:
    """Stored features feed the loss: the graph is needed."""

    def __init__(self, student):
        self.feats = {}
        student.layer.register_forward_hook(self.keep)
        self.student = student

    def keep(self, module, inputs, output):
        self.feats["layer"] = output

    def step(self, x, target, opt):
        self.student(x)
        loss = F.mse_loss(self.feats["layer"], target)
        loss.backward()
        opt.step()


class Tracker:
    def __init__(self):
        self._hooks = []

    def _fw_post_hook(self, mod, input, output):
        tensors = [a for a in output if a.requires_grad]
        if tensors:
            self._hooks.append(torch.autograd.graph.register_multi_grad_hook(tensors, print))


class PyramidMIL(torch.nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net
        self.extra_outputs = {}

        def forward_hook(layer_name):
            def hook(module, input, output):
                # read back by calc_head, whose result forward returns: the caller trains on it
                self.extra_outputs[layer_name] = output

            return hook

        net.layer1.register_forward_hook(forward_hook("layer1"))

    def calc_head(self, x):
        pooled = torch.mean(self.extra_outputs["layer1"], dim=(2, 3))
        return x + pooled

    def forward(self, x):
        return self.calc_head(self.net(x))


class ChannelObserver:
    def __init__(self):
        self.samples = []

    def update(self, activation, mask):
        # keeps only a detached copy
        self.samples.append(activation.detach()[mask])


class GraphObserver:
    def __init__(self):
        self.samples = []

    def update(self, activation):
        self.samples.append(activation)


def calibrate(model, batches, mask):
    observer = ChannelObserver()
    keeper = GraphObserver()

    def capture(module, inputs, output):
        observer.update(output, mask)  # the observer's update detaches what it keeps
        keeper.update(output)  # expect: GL202

    handle = model.register_forward_hook(capture)
    for batch in batches:
        model(batch)  # expect: GL103
    handle.remove()
    return observer  # the keeper (and every graph it holds) lives until calibration ends


def capture_activation(model, x, layer):
    # the container is handed to the caller, who may backpropagate through the activation
    # (gradient-weighted attributions need its graph): not proven wasted
    captured = []

    def hook(module, inputs, output):
        captured[:] = [output]

    with layer.register_forward_hook(hook):
        model(x)
    return captured[0]


# module-level objects: the hook's receiver is resolved to its class at module level too
SCRIPT_OBSERVER = ChannelObserver()
SCRIPT_KEEPER = GraphObserver()


def script_capture(module, inputs, output):
    SCRIPT_OBSERVER.update(output, None)  # detaches what it keeps
    SCRIPT_KEEPER.update(output)  # expect: GL202


def calibrate_script(model, batches):
    handle = model.register_forward_hook(script_capture)
    for batch in batches:
        model(batch)  # expect: GL103
    handle.remove()


# what a stored name holds is judged by the assignments that reach the store, not by the last in the file


def capture_on_one_path(keep_graph):
    def hook(module, inputs, output):
        if keep_graph:
            feature = output
        else:
            feature = output.detach()
        outputs.append(feature)  # expect: GL202 (the graph reaches it when keep_graph is true)
    return hook


def capture_detached_after(module, inputs, output):
    feature = output
    feature = feature.detach()
    outputs.append(feature)


def register_paths(model, flag):
    model.register_forward_hook(capture_on_one_path(flag))
    model.register_forward_hook(capture_detached_after)


def extract_features(images):
    # quiet: the hooked network is built here, never leaves, and every forward of it runs under
    # no_grad, so what the hook receives carries no graph
    features = []

    def keep(module, inputs, output):
        features.append(output)

    backbone = torchvision.models.vgg16().eval()
    backbone.features[20].register_forward_hook(keep)
    for image in images:
        with torch.no_grad():
            backbone(image)
    return [f.mean().item() for f in features]


def extract_features_once_with_grad(images):
    features = []

    def keep(module, inputs, output):
        features.append(output)  # expect: GL202

    backbone = torchvision.models.vgg16().eval()
    backbone.features[20].register_forward_hook(keep)
    with torch.no_grad():
        backbone(images[0])
    backbone(images[1])  # expect: GL103
    return [f.mean().item() for f in features]


class EMAFeatureInjector(nn.Module):
    # quiet: what the EMA model's hook captures, a pre-hook of the online model feeds into its
    # forward (kwargs), so the stored values go on into a forward whose result is trained
    def __init__(self, model, ema_model):
        super().__init__()
        self.model, self.ema_model = model, ema_model
        self.captured = {}
        ema_model.encoder.register_forward_hook(self.capture)
        model.decoder.register_forward_pre_hook(self.inject, with_kwargs=True)

    def capture(self, module, args, output):
        self.captured["encoder"] = output

    def inject(self, module, args, kwargs):
        kwargs["target"] = self.captured["encoder"]
        return args, kwargs

    def forward(self, x):
        self.ema_model(x)
        return self.model(x)


class GradientTap:
    # quiet: the hook keeps the handle of a gradient hook on the output (not a tensor) and the
    # output's size (a Python value)
    def __init__(self, layer):
        self.handle = None
        self.size = None
        layer.register_forward_hook(self.tap)

    def tap(self, module, inputs, output):
        self.size = output.size()
        self.handle = output.register_hook(self.on_grad)

    def on_grad(self, grad):
        return grad * 2


class ConfiguredDetach:
    # quiet: the other arm stores the detached output into the same list, so keeping the graph
    # when detach=False is the caller's choice (differentiable CAMs backpropagate through it)
    def __init__(self, layer, detach=True):
        self.detach = detach
        self.activations = []
        layer.register_forward_hook(self.save)

    def save(self, module, inputs, output):
        if self.detach:
            self.activations.append(output.cpu().detach())
        else:
            self.activations.append(output)


class PenaltyBase:
    # the hooks of a subclass gather terms that a base-class method hands out as a loss to train on
    def __init__(self, model):
        self.model = model
        self.terms = []
        self.register_hooks()

    def retrieve(self):
        return sum(self.terms) / len(self.terms)


class OutputPenalty(PenaltyBase):
    def register_hooks(self):
        def hook(module, inputs, output):
            self.terms.append(output.abs().mean())

        for module in self.model.modules():
            module.register_forward_hook(hook)


class LoggedBase:
    # what the base class hands out is detached: the stored graphs only pile up
    def __init__(self, model):
        self.model = model
        self.terms = []

    def log(self):
        return [t.item() for t in self.terms]


class LoggedOutputs(LoggedBase):
    def register_hooks(self):
        def hook(module, inputs, output):
            self.terms.append(output.abs().mean())  # expect: GL202

        for module in self.model.modules():
            module.register_forward_hook(hook)
