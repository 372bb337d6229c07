import torch
from torch import nn

from .extractor import FeatureExtractor, Projector, UnfoldedSolver


class DensityModel(nn.Module):
    def __init__(self, backbone, online, target):
        super().__init__()
        self.feature_extractor = FeatureExtractor(backbone)
        self.projector = Projector(online, target)

    def get_features(self, batch):
        # quiet: the extractor runs its backbone under no_grad itself
        self.feature_extractor.eval()
        features = self.feature_extractor(batch)
        return torch.cat([f.flatten(1) for f in features]).detach()

    def project(self, batch):
        self.projector.eval()
        projected = self.projector(batch)  # expect: GL101
        return projected.detach().cpu().numpy()


class Trainer:
    def __init__(self, backbone, online, target, flow: nn.Module, optimizer):
        self.model = DensityModel(backbone, online, target)
        self.flow = flow
        self.optimizer = optimizer

    def training_step(self, images):
        # quiet: the encoder of the model decides its grad mode itself (`self.model.feature_extractor`)
        activation = self.model.feature_extractor(images)
        loss = self.flow(activation.detach()).mean()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()


def reconstruct(step, measurements):
    # quiet: the solver turns grad off itself unless unfolded
    solver = UnfoldedSolver(step)
    solver.eval()
    return [solver(y).detach() for y in measurements]
