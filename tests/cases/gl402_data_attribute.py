import torch
import torch.nn as nn


def clip(model, c):
    for p in model.parameters():
        p.data.clamp_(-c, c)  # expect: GL402


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        m.weight.data.normal_(0.0, 0.02)  # expect: GL402
    elif classname.find("BatchNorm") != -1:
        m.weight.data.normal_(1.0, 0.02)  # expect: GL402
        m.bias.data.fill_(0)  # expect: GL402


def init_embedding(emb: nn.Embedding, vectors):
    emb.weight.data.copy_(vectors)  # expect: GL402


def old_sgd(params, lr):
    for group in params:
        for p in group.parameters():
            if p.grad is None:
                continue
            p.data.add_(p.grad, alpha=-lr)  # expect: GL402


def optimizer_groups(optimizer, lr):
    for group in optimizer.param_groups:
        for p in group["params"]:
            p.data -= lr * p.grad  # expect: GL402


def chained(ema, model, decay):
    for e, p in zip(ema.parameters(), model.parameters()):
        e.data.mul_(decay).add_(p.data, alpha=1 - decay)  # expect: GL402


def masked(layer: nn.Linear, mask):
    layer.weight.data[mask] = 0  # expect: GL402


def replace(layer: nn.Linear, new_weight):
    layer.weight.data = new_weight  # expect: GL402


def new_parameter():
    w = nn.Parameter(torch.zeros(3))
    w.data.fill_(1)  # expect: GL402
    return w


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))
        self.fc = nn.Linear(4, 4)
        self.reset_parameters()

    def reset_parameters(self):
        self.scale.data.fill_(1.0)  # expect: GL402
        self.fc.bias.data.zero_()  # expect: GL402


@torch.no_grad()
def clip_no_grad(model, c):
    for p in model.parameters():
        p.data.clamp_(-c, c)  # expect: GL402


# quiet: `.data` of tensors that are not parameters
class Dataset:
    def __init__(self, data):
        self.data = data

    def normalise(self):
        self.data.sub_(self.data.mean())


def scale_dataset(dataset):
    dataset.data.mul_(1 / 255)
    dataset.data = dataset.data.float()


def zero_grads(model):
    for p in model.parameters():
        if p.grad is not None:
            p.grad.data.zero_()


def plain_tensor():
    x = torch.zeros(3)
    x.data.add_(1)
    return x


def read_only(model):
    return [p.data.norm() for p in model.parameters()]


def copy_out(model, buffers):
    for p, b in zip(model.parameters(), buffers):
        b.copy_(p.data)


# quiet: the edit goes through no_grad already
def clip_properly(model, c):
    with torch.no_grad():
        for p in model.parameters():
            p.clamp_(-c, c)


# quiet: `weight` and `bias` registered as buffers are plain tensors
class FrozenNorm(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.register_buffer("weight", torch.ones(n))
        self.register_buffer("bias", torch.zeros(n))

    def reset(self):
        self.weight.data.fill_(1.0)
        self.bias.data.zero_()


def class_weights(counts):
    criterion = nn.CrossEntropyLoss(weight=torch.ones(3))
    criterion.weight.data.copy_(1.0 / counts)
    return criterion
