"""A module's own method that runs its forward is a forward (`agent.get_action(obs)`)."""
import torch
import torch.nn as nn


class Agent(nn.Module):
    def __init__(self):
        super().__init__()
        self.actor = nn.Linear(4, 2)

    def get_action(self, obs):
        return self.actor(obs).argmax(-1)

    @torch.no_grad()
    def act(self, obs):
        return self.actor(obs).argmax(-1)

    def describe(self):
        return str(self.actor)


def evaluate(agent: Agent, env, steps):
    agent.eval()
    obs = env.reset()
    for _ in range(steps):
        action = agent.get_action(obs)  # expect: GL101
        obs = env.step(action.cpu().numpy())


def evaluate_decorated_method(agent: Agent, env, steps):
    # quiet: `act` runs its forward under no_grad itself
    agent.eval()
    obs = env.reset()
    for _ in range(steps):
        obs = env.step(agent.act(obs).cpu().numpy())


def describe(agent: Agent):
    # quiet: a method that runs no forward
    agent.eval()
    print(agent.describe())


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm1d(4)

    def masks(self, x):
        return self.bn(x).softmax(-1)

    def summary(self):
        return {"features": self.bn.num_features}


class Explainer(nn.Module):
    """Delegates to its encoder's methods: `masks` runs a forward through it, `summary` does not."""

    def __init__(self):
        super().__init__()
        self.encoder = Encoder()

    def masks(self, x):
        return self.encoder.masks(x)

    def summary(self):
        return self.encoder.summary()

    def circular(self):
        return self.encoder.circular()


def explain(explainer: Explainer, batches):
    explainer.eval()
    found = []
    for x in batches:
        found.append(explainer.masks(x).cpu().numpy())  # expect: GL101
    return found


def summarise(explainer: Explainer):
    # quiet: `summary` delegates to a method that runs no forward
    explainer.eval()
    print(explainer.summary())
    print(explainer.circular())  # quiet: no project method of that name runs a forward
