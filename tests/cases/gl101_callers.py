"""GL101 judged through the call graph: what a method's callers do with eval mode and results."""
import torch
from torch import nn


class Model:
    def __init__(self, network, device):
        self.network = network
        self.device = device

    def predict_epoch(self, loader):
        # evaluation code: eval mode, no backward; the batch helper runs under it
        self.network.eval()
        scores = []
        for x in loader:
            scores.append(self._predict_batch(x))
        return scores

    def _predict_batch(self, x):
        out = self.network(x.to(self.device))  # expect: GL101
        return out.cpu().detach().numpy()

    def fit_epoch(self, loader, optimizer):
        self.network.train()
        for x, y in loader:
            loss = self._train_batch(x, y)
            loss.backward()  # allow: GL501 (no zero_grad in this loop)
            optimizer.step()

    def _train_batch(self, x, y):
        # called only from training code, which is not in eval mode: not evaluation code
        out = self.network(x)
        return ((out - y) ** 2).mean()

    def validate_then_train(self, x):
        self.network.eval()
        self._shared_batch(x)
        self.network.train()

    def train_step(self, x, optimizer):
        loss = self._shared_batch(x)
        loss.backward()
        optimizer.step()

    def _shared_batch(self, x):
        # one caller evaluates, the other trains: no finding
        return self.network(x).sum()


def _run_descriptor(module, patches):
    """Switches the descriptor to eval for the call and hands its output back."""
    module.eval()
    return module(patches)


def describe(descriptor, patches):
    # a caller keeps the result with grad on and returns it: callers may train through it
    out = _run_descriptor(descriptor, patches)
    return out.reshape(len(patches), -1)


def _eval_only(module, x):
    module.eval()
    return module(x)  # expect: GL101


def report(module, x):
    # the only caller turns the result into a number at once
    print(_eval_only(module, x).mean().item())


class Predictor:
    """A comprehension's variable is its own value: `t` in the conversion below is not the loop
    variable `t` that collects the results, so the forward's output leaves only as arrays."""

    def __init__(self, network):
        self.network = network

    def _predict(self, batches):
        self.network.eval()
        results = []
        for batch in batches:
            outputs = self.network(batch)  # expect: GL101
            if isinstance(outputs, torch.Tensor):
                outputs = [outputs]
            outputs = [t.detach().cpu().numpy() for t in outputs]
            for t in outputs:
                results.append(t)
        return results

    def predict(self, batches):
        return self._predict(batches)

    def fit(self, batches, optimizer):
        for batch in batches:
            optimizer.zero_grad()
            self.network(batch).sum().backward()
            optimizer.step()
        return self.predict(batches)  # the caller trains, but on arrays


class Collector:
    """Quiet: the comprehension's element is its variable, so the result carries the forward's
    output, and the caller backpropagates through it."""

    def __init__(self, network):
        self.network = network

    def _collect(self, batches):
        self.network.eval()
        results = []
        for batch in batches:
            outputs = self.network(batch)
            outputs = [t * 2 for t in [outputs]]
            results.extend(outputs)
        return results

    def fit(self, batches, optimizer):
        optimizer.zero_grad()
        loss = sum(o.sum() for o in self._collect(batches))
        loss.backward()
        optimizer.step()


class Quantizer:
    def __init__(self, model, batch):
        self.model = model
        self.inputs = self.init_quant(batch)

    def init_quant(self, batch):
        # quiet: every construction of Quantizer runs under no_grad (through the default of `quantizer_cls`)
        self.model.eval()
        return self.model(batch).detach()


class QuantizedModel:
    @torch.no_grad()
    def quantize(self, model, batch, quantizer_cls: Quantizer = Quantizer):
        self.quantizer = quantizer_cls(model, batch)


class Probe:
    def __init__(self, model, batch):
        model.eval()
        self.shape = model(batch).detach().shape  # expect: GL101


def probe(model, batch):
    return Probe(model, batch)


@torch.no_grad()
def probe_quietly(model, batch):
    return Probe(model, batch)


class SnapshotEnsemble:
    """A plain object whose `forward` is an ordinary method: its one caller runs it under no_grad."""

    def __init__(self, models):
        self.models = models

    def forward(self, x):
        preds = 0
        for model in self.models:
            model.eval()
            preds += model(x)  # grad is off here: the only call of this method is in `Trainer.test`
        return preds / len(self.models)


class Trainer:
    def __init__(self, models):
        self.ensemble = None
        self.models = models

    def build(self):
        self.ensemble = SnapshotEnsemble(self.models)

    def test(self, x):
        with torch.no_grad():
            return self.ensemble.forward(x).argmax(1)
