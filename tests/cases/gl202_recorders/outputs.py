"""GL202 stays quiet for a hook of a recorder whose base class, in another file, hands the
records out (a distiller trains the student through them); a plain collector is reported."""
import torch

from .base import BaseRecorder


class OutputsRecorder(BaseRecorder):
    def prepare_from_model(self, model):
        for name, module in model.named_modules():
            if name == self.source:
                module.register_forward_hook(self.forward_hook)

    def forward_hook(self, module, inputs, outputs):
        self.data_buffer.append(outputs)


class Collector:
    def __init__(self, model):
        self.outputs = []
        model.register_forward_hook(self.keep)

    def keep(self, module, inputs, outputs):
        self.outputs.append(outputs)  # expect: GL202

    def count(self):
        return len(self.outputs)
