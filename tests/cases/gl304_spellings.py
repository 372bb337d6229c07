import torch as th
import torch.nn.functional as F
from torch import inference_mode


def aliased(backbone, head, opt, x, y):
    with th.inference_mode():  # expect: GL304
        feats = backbone(x)
    F.cross_entropy(head(feats), y).backward()
    opt.step()


def imported(backbone, head, opt, x, y):
    with inference_mode(mode=True):  # expect: GL304
        feats = backbone(x)
    F.cross_entropy(head(feats), y).backward()
    opt.step()


def leaving_inference(backbone, head, opt, x, y):
    # inference_mode(False) is not an inference region
    with inference_mode(False):
        feats = backbone(x)
    F.cross_entropy(head(feats), y).backward()
    opt.step()
