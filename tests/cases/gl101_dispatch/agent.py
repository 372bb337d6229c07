"""The base agent runs every agent's `eval_step` under no_grad: `self.eval_step(batch)` dispatches
to the override of whatever subclass `self` is."""
import torch


class Agent:
    def batch_act(self, batch):
        if self.training:
            return self.train_step(batch)
        with torch.no_grad():
            return self.eval_step(batch)

    def eval_step(self, batch):
        raise NotImplementedError
