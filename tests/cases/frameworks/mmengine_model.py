"""MMEngine's ValLoop and TestLoop run `val_step`, `test_step` and the `predict` mode they
dispatch to under no_grad: a model derived from its BaseModel predicts with grad off."""
import torch
from mmengine.model import BaseModel


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
