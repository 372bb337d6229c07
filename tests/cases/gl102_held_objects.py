"""Forwards through attributes of objects the code holds, not only of `self`."""
import torch
from tensordict import TensorDict


class MultiAgent:
    def __init__(self, agents):
        self.agents = agents

    def update_agent(self, index, obs, next_obs, rewards, actions):
        agent = self.agents[index]
        # a target critic reached through a local agent object, detached inline
        target = rewards + 0.99 * agent.cri_target(next_obs).detach()  # expect: GL102
        value = agent.cri(obs, actions)
        loss = ((value - target) ** 2).mean()
        agent.cri_optim.zero_grad()
        loss.backward()
        agent.cri_optim.step()

    def sync(self, policy, index, obs):
        # `from_module` is a TensorDict constructor, not a module forward
        weights = TensorDict.from_module(policy).data.detach()
        loss = self.agents[index].act(obs).sum()
        loss.backward()
        return weights
