"""GL402 in the methods of a project optimizer class (derived from another one) that swap the
weights it trains between training and evaluation through `.data`."""
import torch

from .lookahead import Lookahead


class AveragedSGD(torch.optim.Optimizer):
    def eval(self):
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                if "z" in state:
                    p.data.lerp_(state["z"], 0.1)  # expect: GL402

    def load_state_dict(self, state_dict):
        # quiet: loading, not training
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            for p in group["params"]:
                p.data.copy_(self.state[p]["z"])


class SlowWeights(Lookahead):
    def swap_in_slow(self):
        for group in self.param_groups:
            for p in group["params"]:
                p.data.copy_(self.state[p]["slow"])  # expect: GL402
