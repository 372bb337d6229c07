import torch.nn.functional as F
from torch import inference_mode, no_grad


def frozen_backbone(backbone, head, opt, x, y):
    with no_grad():
        feats = backbone(x)
    loss = F.cross_entropy(head(feats), y)
    loss.backward()
    opt.step()


@inference_mode()
def labels(model, x):
    return model(x).argmax(1).tolist()
