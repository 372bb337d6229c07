"""GL101 stays quiet in overrides only the base class's no_grad dispatch runs, a chain of
`super()` calls and a cycle through an unknown receiver included; a method also called with
grad on is reported."""
from .agent import Agent


class GeneratorAgent(Agent):
    def eval_step(self, batch):
        self.model.eval()
        return self.rank(batch)

    def rank(self, batch):
        return self.model(batch).argmax(1).tolist()

    def score(self, batch):
        self.model.eval()
        return self.model(batch).max().item()  # expect: GL101


class RetrievalAgent(GeneratorAgent):
    def eval_step(self, batch):
        found = self.retriever.eval_step(batch)  # any agent's eval_step: a cycle back into these
        return [found, super().eval_step(batch)]


def report(agent, batch):
    return agent.score(batch)
