"""GL402 in an optimizer wrapper whose update method other files may call: `x.update(...)` with a
receiver of unknown class anywhere in the project (a progress bar, a dict, a hash) is no reason to
doubt that `group["params"]` holds parameters inside an optimizer's own update method."""
from collections import defaultdict

import torch
from torch.optim import Optimizer


class Lookahead(Optimizer):
    def __init__(self, optimizer, k=5, alpha=0.5):
        self.optimizer = optimizer
        self.k = k
        self.alpha = alpha
        self.param_groups = self.optimizer.param_groups
        self.state = defaultdict(dict)

    def update(self, group):
        for fast in group["params"]:
            state = self.state[fast]
            if "slow" not in state:
                state["slow"] = fast.detach().clone()
            slow = state["slow"]
            slow += (fast.detach() - slow) * self.alpha
            fast.data.copy_(slow)  # expect: GL402

    def step(self, closure=None):
        loss = self.optimizer.step(closure)
        for group in self.param_groups:
            self.update(group)
        return loss


class Rescaler:
    """Not an optimizer: its `rescale` is no update step, and its callers are out of view."""

    def rescale(self, group):
        for p in group["params"]:
            p.data.mul_(0.5)
