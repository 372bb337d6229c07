"""GL401 stays quiet on forwards when a module class of the file caches tensors it computes:
under inference_mode the cache would hold inference tensors that a later training forward saves."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class RotaryCache(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.inv_freq = 1.0 / (10000 ** (torch.arange(0, dim, 2).float() / dim))
        self.cached_len = 0

    def forward(self, x):
        n = x.shape[1]
        if n > self.cached_len:
            t = torch.arange(n).float()
            self.cos = torch.outer(t, self.inv_freq).cos()
            self.cached_len = n
        return x[..., : self.cos.shape[-1]] * self.cos[:n]


def generate_labels(model, x):
    with torch.no_grad():
        return model(x).argmax(-1).tolist()


class CachedEmbeddings(nn.Module):
    def __init__(self, encoder, head):
        super().__init__()
        self.encoder = encoder
        self.head = head

    def refresh(self, x):
        with torch.no_grad():
            self.cache = self.encoder(x)

    def training_loss(self, y):
        return F.cross_entropy(self.head(self.cache), y)
