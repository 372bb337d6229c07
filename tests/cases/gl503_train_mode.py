import torch
import torch.nn as nn
from elsewhere import prepare


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.drop = nn.Dropout(0.5)
        self.out = nn.Linear(8, 2)

    def forward(self, x):
        return self.out(self.drop(self.fc(x)))


class Recurrent(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(8, 8, num_layers=2, dropout=0.2)


class Plain(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 2)


class Zeroed(nn.Module):
    def __init__(self):
        super().__init__()
        self.drop = nn.Dropout(p=0.0)
        self.norm = nn.BatchNorm1d(8, track_running_stats=False)


def predict(path, loader):
    model = Net().to("cpu")
    model.load_state_dict(torch.load(path))
    outputs = []
    with torch.inference_mode():
        for x in loader:
            outputs.append(model(x))  # expect: GL503
    return outputs


@torch.inference_mode()
def run_inference(loader):
    model = nn.Sequential(nn.Linear(8, 8), nn.BatchNorm1d(8))
    return [model(x) for x in loader]  # expect: GL503


def load_and_score(path, x):
    net = Recurrent()
    net.load_state_dict(torch.load(path))
    with torch.inference_mode():
        return net(x)  # expect: GL503


# quiet below


def predict_in_eval_mode(path, loader):
    model = Net()
    model.load_state_dict(torch.load(path))
    model.eval()
    with torch.inference_mode():
        return [model(x) for x in loader]


def predict_eval_chained(loader):
    model = Net().eval()
    with torch.inference_mode():
        return [model(x) for x in loader]


def mc_dropout(path, x, samples=10):
    model = Net()
    model.load_state_dict(torch.load(path))
    model.train()  # Monte Carlo dropout: train mode on purpose
    with torch.inference_mode():
        return torch.stack([model(x) for _ in range(samples)]).std(0)


def predict_plain(path, loader):
    model = Plain()
    model.load_state_dict(torch.load(path))
    with torch.inference_mode():
        return [model(x) for x in loader]


def predict_zeroed(loader):
    model = Zeroed()
    with torch.inference_mode():
        return [model(x) for x in loader]


def predict_given(model, loader):
    # a caller may have put the model in eval mode
    with torch.inference_mode():
        return [model(x) for x in loader]


def predict_prepared(path, loader):
    model = Net()
    model.load_state_dict(torch.load(path))
    prepare(model)  # out of view: it may call model.eval()
    with torch.inference_mode():
        return [model(x) for x in loader]


def set_eval(module):
    module.eval()


def predict_helper_eval(path, loader):
    model = Net()
    model.load_state_dict(torch.load(path))
    set_eval(model)
    with torch.inference_mode():
        return [model(x) for x in loader]


def features(loader):
    # not evaluation code by name, no weights loaded: a feature pass in a pipeline
    model = Net()
    with torch.inference_mode():
        return [model(x) for x in loader]


def predict_with_grad(loader):
    model = Net()
    return [model(x) for x in loader]


def predict_output_size(x):
    # only the shape is read: the mode changes nothing seen
    model = Net()
    with torch.inference_mode():
        return model(x).shape[-1]


def predict_warm_up(path, x):
    model = Net()
    model.load_state_dict(torch.load(path))
    with torch.inference_mode():
        model(x)
