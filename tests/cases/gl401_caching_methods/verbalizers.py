"""Objects another file's no_grad block calls: one keeps a tensor it makes on itself, one only
counts in Python numbers."""
import torch


class SearchedVerbalizer:
    def __init__(self, vocab_size):
        self.vocab_size = vocab_size
        self.scores = None
        self.label_ids = None

    def collect(self, logits):
        self.scores = logits.softmax(-1) if self.scores is None else self.scores + logits.softmax(-1)

    def choose_labels(self):
        self.label_ids = self._top_words(4)  # made here, kept on the object

    def _top_words(self, k):
        return self._ranked()[:k]

    def _ranked(self):
        return torch.argsort(self.scores.sum(0), descending=True)

    def project(self, logits):
        return logits[:, self.label_ids]  # training indexes grad-carrying logits with it


class Counter:
    def __init__(self):
        self.seen = 0

    def tick(self):
        self.seen = self.seen + 1  # a Python number: nothing autograd ever meets


class TensorTicker:
    def __init__(self):
        self.seen = None

    def tick(self):
        self.seen = torch.ones(1) if self.seen is None else self.seen + 1  # a `tick` that keeps a tensor
