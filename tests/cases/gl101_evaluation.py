import torch
import torch.nn as nn
import torch.nn.functional as F


def evaluate(model, loader):
    model.eval()
    correct = 0
    for x, y in loader:
        correct += (model(x).argmax(1) == y).sum().item()  # expect: GL101
    return correct


def evaluate_train_false(net, batches):
    net.train(False)
    return [net(b).tolist() for b in batches]  # expect: GL101


def evaluate_submodule(model, x):
    model.eval()
    return model.module(x).argmax(1).tolist()  # expect: GL101


class Wrapper(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Linear(3, 2)

    def forward(self, x):
        return self.net(x)

    def predict(self, x):
        self.eval()
        a = self(x)  # expect: GL101
        b = self.net(x)  # expect: GL101
        return (a + b).argmax(1).tolist()


def evaluate_compiled(model, x):
    compiled = torch.compile(model)
    compiled.eval()
    return compiled(x).tolist()  # expect: GL101


def evaluate_data_parallel(model, x):
    wrapped = nn.DataParallel(model)
    wrapped.eval()
    return wrapped(x).tolist()  # expect: GL101


def evaluate_lambda(model, xs):
    model.eval()
    return list(map(lambda x: model(x).tolist(), xs))  # expect: GL101


def evaluate_enable_grad_inside(model, x):
    model.eval()
    with torch.no_grad():
        with torch.enable_grad():
            out = model(x)  # expect: GL101
    return out.tolist()


# quiet below


def evaluate_no_grad(model, x):
    model.eval()
    with torch.no_grad():  # allow: GL401 (returns only Python values)
        return model(x).tolist()


@torch.inference_mode()
def evaluate_inference(model, x):
    model.eval()
    return model(x).tolist()


def frozen_batchnorm_training(model, opt, x, y):
    # eval() only freezes BatchNorm statistics here: the forward is trained
    model.eval()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()


def test_eval_output():
    model = nn.Linear(3, 2)
    model.eval()
    assert model(torch.zeros(1, 3)).shape == (1, 2)


def forward_before_eval(model, x):
    out = model(x)
    model.eval()
    return out


def eval_other_module(teacher, student, x):
    # the student was never put in eval mode here: it may be trained by the caller
    teacher.eval()
    return student(x)


def unknown_grad_mode(model, x, training):
    model.eval()
    with torch.set_grad_enabled(training):
        return model(x)


def nested_function(model, xs):
    model.eval()

    def run(x):
        # its own scope, no eval() call of its own
        return model(x)

    with torch.no_grad():
        return [run(x) for x in xs]


def warm_up(model, example):
    # a warm-up run whose output is thrown away: not reported
    model.eval()
    model(example)
    return model


class FrozenWrapper(nn.Module):
    # quiet: a wrapper Module's forward hands its output to callers, which may backpropagate
    def __init__(self, m):
        super().__init__()
        self.module = m

    def forward(self, x):
        self.module.eval()
        return self.module(x)


class Strategy:
    # not a Module: its `forward` is the strategy's evaluation step, and nothing trains on it
    def forward(self, model, x):
        model.eval()
        return model(x).argmax(1)  # expect: GL101


def export_dry_run(model, im):
    # every parameter frozen and the input carries no graph: the forward saves nothing
    for p in model.parameters():
        p.requires_grad = False
    model.eval()
    for _ in range(2):
        y = model(im)
    return y.shape


class OperatorPredictor:
    # quiet: the output goes to an operator the user handed in, which may differentiate it
    # (a PDE residual takes d(outputs)/d(x)), so grad must stay on
    def __init__(self, x, op):
        self.x = x
        self.op = op
        self.value = None

    def on_predict_end(self, net):
        net.eval()
        outputs = net(self.x)
        self.value = self.op(self.x, outputs).detach().cpu().numpy()


def evaluate_with_metric(model, loader, metric_fn):
    # quiet: a metric handed in as an argument receives the output
    model.eval()
    return [metric_fn(model(x), y) for x, y in loader]


def evaluate_with_own_metric(model, loader):
    model.eval()
    return [accuracy(model(x), y) for x, y in loader]  # expect: GL101


def accuracy(out, y):
    return (out.argmax(1) == y).float().mean().item()


def evaluate_pipeline(encoder, decoder, loader):
    # the modules are arguments: the encoder's output goes into the decoder's forward, not a callback
    encoder.eval()
    decoder.eval()
    found = []
    for x in loader:
        hidden = encoder(x)  # expect: GL101
        found.append(decoder(hidden).argmax(1).tolist())  # expect: GL101
    return found


def normalize_rollout(normalizer, values, freeze):
    # quiet: eval mode on one arm only, the other puts the normalizer back in train mode
    if freeze:
        normalizer.eval()
    else:
        normalizer.train()
    values = normalizer(values)
    normalizer.eval()
    return values.tolist()


def evaluate_then_report(model, loader, report):
    # a train() after the forward does not undo the eval() before it
    model.eval()
    scores = [model(x).argmax(1).tolist() for x in loader]  # expect: GL101
    model.train()
    report(scores)


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)

    def forward(self, x):
        return self.conv(x)


def smoke_test(images):
    # eval mode chained at construction, then moved: `back` is in eval mode
    back = Backbone().eval().cuda()
    out = back(images)  # expect: GL101
    print(out.shape, out.mean().item())


def evaluate_with_fallback(model, loader):
    # models that call torch.autograd.grad in their forward fail under no_grad: the retry is deliberate
    model.eval()
    total = 0.0
    for inputs in loader:
        try:
            with torch.no_grad():
                output = model(inputs)
        except RuntimeError:
            output = model(inputs)
        total += output.loss.item()
    return total


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Linear(4, 4)

    def forward(self, x):
        return self.net(x)


class PenalisedAutoEncoder(AutoEncoder):
    # its forward takes a gradient penalty: under no_grad it raises
    def forward(self, x):
        x = x.requires_grad_()
        out = self.net(x)
        return out + self._penalty(out, x)

    def _penalty(self, out, x):
        grads = torch.autograd.grad(out.sum(), x, create_graph=True)[0]
        return grads.norm()


def predict(model: AutoEncoder, x):
    # `model` may be a PenalisedAutoEncoder: no_grad would break it
    model.eval()
    return model(x).argmax(1).tolist()


def predict_plain(x):
    model = AutoEncoder()
    model.eval()
    return model(x).argmax(1).tolist()  # expect: GL101


def predict_configured(name, x, model=None):
    # a pick from a table of classes, one of which computes gradients in its forward: it may raise under no_grad
    models = {"plain": AutoEncoder, "penalised": PenalisedAutoEncoder}
    if model is None:
        model = models.get(name)()
    model.eval()
    return model(x).argmax(1).tolist()


def predict_configured_plain(name, x):
    models = {"plain": AutoEncoder}
    model = models[name]()
    model.eval()
    return model(x).argmax(1).tolist()  # expect: GL101


class SumPseudoLoss:
    # a loss object: what it returns is a loss for its caller to backpropagate (a topology tracer's)
    def __call__(self, model):
        model.eval()
        out = model(torch.rand(2, 3))
        return out.sum()


class ShapeProbe:
    def __call__(self, model):
        model.eval()
        out = model(torch.rand(2, 3))  # expect: GL101
        return out.shape[1]


class FrozenFeatures(torch.nn.Module):
    def __init__(self, backbone):
        super().__init__()
        self.features = torch.nn.Sequential(*list(backbone.children()))
        self.features.requires_grad_(False)

    def forward(self, x):
        return self.features(x)


class PartlyFrozen(torch.nn.Module):
    def __init__(self, backbone):
        super().__init__()
        self.features = torch.nn.Sequential(*list(backbone.children()))
        self.features.requires_grad_(False)
        self.head = torch.nn.Linear(8, 2)

    def forward(self, x):
        return self.head(self.features(x))


def feature_distance(pred, gt):
    # every part of FrozenFeatures is frozen: on a target without a graph its forward builds none
    model = FrozenFeatures(torch.nn.Sequential(torch.nn.Linear(8, 8)))
    model.eval()
    target = model(gt).detach()
    return (model(pred) - target).abs().mean()


def partly_frozen_distance(pred, gt):
    model = PartlyFrozen(torch.nn.Sequential(torch.nn.Linear(8, 8)))
    model.eval()
    target = model(gt).detach()  # expect: GL101
    return (model(pred) - target).abs().mean()  # expect: GL101


class Explainer:
    """Holds the model it explains in eval mode from the start."""

    def __init__(self, model, samples):
        self.model = model
        self.model.eval()
        self.samples = samples

    def explain(self, x, target):
        scores = []
        for mask in self.samples:
            probs = self.model(x * mask).softmax(-1)  # expect: GL101
            scores.append(probs[:, target].mean().item())
        return scores


class FineTuner:
    """Starts in eval mode (frozen BatchNorm) but trains later: not evaluation code."""

    def __init__(self, model, opt):
        self.model = model
        self.model.eval()
        self.opt = opt

    def score(self, x):
        return self.model(x).softmax(-1)[:, 0].mean().item()

    def step(self, x, y):
        self.model.train()
        loss = torch.nn.functional.cross_entropy(self.model(x), y)
        loss.backward()
        self.opt.step()


class PretrainedDenoiser(torch.nn.Module):
    """Put in eval mode after loading weights; whoever calls it may still train it."""

    def __init__(self, path=None):
        super().__init__()
        self.encoder = torch.nn.Conv2d(3, 8, 3)
        self.decoder = torch.nn.Conv2d(8, 3, 3)
        if path is not None:
            self.load_state_dict(torch.load(path))
            self.eval()

    def run_layers(self, x):
        hidden = self.encoder(x)
        return self.decoder(hidden)

    def forward(self, x):
        if self.training:
            return self.run_layers(x)
        return padded_run(self.run_layers, x)


def padded_run(function, x):
    return function(torch.nn.functional.pad(x, (0, 1)))
