"""MMEngine's ValLoop and TestLoop run `val_step`, `test_step` and the `predict` mode they
dispatch to under no_grad: a model derived from its BaseModel predicts with grad off."""
import torch
from mmengine.model import BaseModel, BaseModule


class Tagger(BaseModel):
    def __init__(self):
        super().__init__()
        self.backbone = torch.nn.Linear(8, 4)

    def predict(self, images, data_samples=None):
        self.eval()
        logits = self.backbone(images)
        return torch.sigmoid(logits).cpu().numpy()


class OpenSetTagger(Tagger):
    def predict(self, images, data_samples=None):
        self.eval()
        return self.backbone(images).argmax(1).tolist()


class Plain(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = torch.nn.Linear(8, 4)

    def predict(self, images):
        self.eval()
        return self.backbone(images).argmax(1).tolist()  # expect: GL101


class ProposalHead(BaseModule):
    # an MMEngine BaseModule is an nn.Module: cloning its embedding's weight into the proposals it
    # returns is its computation (Sparse R-CNN trains the embedding through them)
    def __init__(self, num_proposals):
        super().__init__()
        self.init_proposal_features = torch.nn.Embedding(num_proposals, 256)

    def predict(self, images):
        return [self.init_proposal_features.weight.clone() for _ in images]


def snapshot_head(head):
    # the same copy outside the module's own methods is a snapshot kept with its graph
    return head.init_proposal_features.weight.clone()  # expect: GL203
