import torch
import torch.nn.functional as F

features = {}


def keep(name):
    def hook(module, inputs, output):
        features[name] = output.detach()
    return hook


def extract(model, batch):
    for name, module in model.named_modules():
        module.register_forward_hook(keep(name))
    model(batch)  # expect: GL103
    return features


def extract_underscore(model, batch):
    model.fc.register_forward_hook(keep("fc"))
    _ = model(batch)  # expect: GL103
    return features["fc"]


def extract_no_grad(model, batch):
    model.fc.register_forward_hook(keep("fc"))
    with torch.no_grad():
        model(batch)
    return features["fc"]


def layer_order(model, input_shape):
    # the hooks record which modules ran and their input shapes, no activation
    modules, shapes = [], []

    def record(module, inputs, output):
        modules.append(module)
        shapes.append(tuple(inputs[0].shape))

    for child in model.children():
        child.register_forward_hook(record)
    model(torch.rand(input_shape))
    return modules, shapes


def first_inputs(model, batch):
    # `input = input[0]` keeps an activation under the same name: it is stored
    def save_first(module, input, output):
        if len(input) > 0:
            input = input[0]
        features["first"] = input.detach()

    model.register_forward_hook(save_first)
    model(batch)  # expect: GL103
    return features["first"].shape


class FrozenBackbone(torch.nn.Module):
    # `fix_network` is a method of the class: calling it runs no forward, whatever its name says
    def __init__(self, backbone):
        super().__init__()
        self.backbone = backbone
        self.features = []
        self.backbone.layer4.register_forward_hook(self.save)
        self.fix_network(self.backbone)

    def save(self, module, inputs, output):
        self.features.append(output.detach())

    def fix_network(self, network):
        for p in network.parameters():
            p.requires_grad = False


class Scaler(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.restrict = torch.nn.Identity()
        self.stats = torch.zeros(4)

    def init_scale(self):
        return self.restrict(self.stats)

    def forward(self, x):
        return x * self.restrict(self.stats)


def finalize(model, batches):
    # the hooks collected statistics; init_scale then runs a forward of its own state: no features
    for module in model.modules():
        module.register_forward_hook(keep("stats"))
    for module in model.modules():
        if isinstance(module, Scaler):
            module.init_scale()


class SaveOutput:
    def __init__(self):
        self.outputs = []

    def __call__(self, module, inputs, output):
        self.outputs.append(output)


class FeatureScore(torch.nn.Module):
    # the hook object's captures are concatenated and handed back: the score built on them trains
    def __init__(self, backbone, head):
        super().__init__()
        self.backbone = backbone
        self.head = head
        self.saved = SaveOutput()
        for layer in self.backbone.children():
            layer.register_forward_hook(self.saved)

    def features(self, x):
        self.backbone(x)
        feats = torch.cat(self.saved.outputs, dim=1)
        self.saved.outputs = []
        return feats

    def shapes(self, x):
        self.backbone(x)  # expect: GL103
        found = [tuple(o.shape) for o in self.saved.outputs]
        self.saved.outputs = []
        return len(found)

    def forward(self, x):
        return self.head(self.features(x))


class Distiller(torch.nn.Module):
    # `student` is a property aliasing the architecture: a module, whose forward fills the hooks
    def __init__(self, architecture):
        super().__init__()
        self.architecture = architecture
        self.records = {}
        self.architecture.register_forward_hook(keep("student"))

    @property
    def student(self):
        return self.architecture

    def record(self, x):
        self.student(x)  # expect: GL103
        return len(features)


class CountingProbe(torch.nn.Module):
    # it counts its calls on self and returns a Python value: nothing captured goes back to a caller
    def __init__(self, backbone):
        super().__init__()
        self.backbone = backbone
        self.saved = SaveOutput()
        self.calls = 0
        self.backbone.register_forward_hook(self.saved)

    def probe(self, x):
        self.backbone(x)  # expect: GL103
        self.calls += 1
        return self.calls


class Recorder:
    def __init__(self):
        self.outputs = []

    def attach(self, model, batch):
        def hook(module, inputs, output):
            return self.keep(module, output)

        model.register_forward_hook(hook)
        model(batch)  # expect: GL103

    def keep(self, module, output):
        self.outputs.append(output.flatten(1).detach())
