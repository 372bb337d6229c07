"""GL401 stays quiet where `self.m()` may run an override another file defines (a sparsifier's
abstract `update_mask`, whose subclasses rewrite the masks in place)."""
import torch


class BaseSparsifier:
    def __init__(self, masks):
        self.masks = masks

    def update_mask(self, name):
        pass

    def step(self):
        with torch.no_grad():
            for name in self.masks:
                self.update_mask(name)
                print(self.masks[name].float().mean().item())

    def report(self):
        with torch.no_grad():  # expect: GL401
            return [m.float().mean().item() for m in self.masks.values()]
