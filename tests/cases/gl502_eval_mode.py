import numpy
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.drop = nn.Dropout(0.5)
        self.out = nn.Linear(8, 2)

    def forward(self, x):
        return self.out(self.drop(F.relu(self.fc(x))))


class Plain(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc(x)


@torch.inference_mode()
def evaluate(model, loader):
    model.eval()
    return sum((model(x).argmax(1) == y).sum().item() for x, y in loader)


@torch.inference_mode()
def evaluate_restoring(model, loader):
    model.eval()
    score = sum((model(x).argmax(1) == y).sum().item() for x, y in loader)
    model.train()
    return score


@torch.inference_mode()
def validate(net, loader):
    return evaluate(net, loader)


def fit(model, loader, val_loader, opt, epochs):
    model.train()
    for epoch in range(epochs):
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)  # expect: GL502
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(evaluate(model, val_loader))


def fit_direct(model, loader, val_x, opt, epochs):
    for epoch in range(epochs):
        for x, y in loader:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()  # expect: GL502
            opt.step()
        model.eval()
        with torch.inference_mode():
            print(model(val_x).mean().item())


def fit_periodic(model, loader, val_loader, opt):
    for step, (x, y) in enumerate(loader):
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()  # expect: GL502
        opt.step()
        if step % 100 == 0:
            validate(model, val_loader)


def fit_built_here(loader, val_loader, epochs):
    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(epochs):
        for x, y in loader:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()  # expect: GL502
            opt.step()
        evaluate(model, val_loader)


class Trainer:
    def __init__(self, loader, val_loader):
        self.model = Net()
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.1)
        self.loader, self.val_loader = loader, val_loader

    def run_validation(self):
        self.model.eval()
        with torch.no_grad():
            return [self.model(x) for x, _ in self.val_loader]

    def fit(self, epochs):
        for epoch in range(epochs):
            for x, y in self.loader:
                self.opt.zero_grad()
                F.cross_entropy(self.model(x), y).backward()  # expect: GL502
                self.opt.step()
            self.run_validation()


class Trainer(nn.Module):
    """A Keras-style model: `fit` trains through `model = self.train()`, and each epoch's
    validation calls `predict`, which leaves the model in eval mode."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.drop = nn.Dropout(0.2)

    def forward(self, x):
        return self.drop(self.fc(x))

    def predict(self, x):
        self.eval()
        with torch.no_grad():  # expect: GL401
            return self(torch.as_tensor(numpy.concatenate(x))).numpy()  # numpy never changes a mode

    def fit(self, loader, val_x, opt, epochs):
        model = self.train()
        if torch.cuda.device_count() > 1:
            model = nn.DataParallel(model)
        for epoch in range(epochs):
            for x, y in loader:
                loss = F.mse_loss(model(x), y)  # expect: GL502
                opt.zero_grad()
                loss.backward()
                opt.step()
            self.predict(val_x)

    def fit_restoring(self, loader, val_x, opt, epochs):
        model = self.train()
        for epoch in range(epochs):
            model.train()
            for x, y in loader:
                loss = F.mse_loss(model(x), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
            self.predict(val_x)


# the training forward sits in a step function or method that the epoch loop calls


def train_one_epoch(model, loader, opt):
    for x, y in loader:
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)  # expect: GL502
        loss.backward()
        opt.step()
    return loss.item()


def fit_by_epochs(net, loader, val_loader, opt, epochs):
    net.train()
    for epoch in range(epochs):
        print(train_one_epoch(net, loader, opt))
        print(evaluate(net, val_loader))


class StepTrainer:
    def __init__(self, loader, val_loader):
        self.model = Net()
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.1)
        self.loader = loader
        self.val_loader = val_loader

    def _train_step(self, batch):
        x, y = batch
        self.opt.zero_grad()
        loss = F.cross_entropy(self.model(x), y)  # expect: GL502
        loss.backward()
        self.opt.step()
        return loss.item()

    def _eval_step(self, batch):
        self.model.eval()
        with torch.inference_mode():
            x, _ = batch
            return self.model(x).argmax(1).tolist()

    def fit(self, epochs):
        for epoch in range(epochs):
            for batch in self.loader:
                self._train_step(batch)
            for batch in self.val_loader:
                self._eval_step(batch)


def show(bar, value):
    bar.set_postfix(loss=value)  # code out of view is handed a progress bar and a float, not the model


def fit_with_progress(model, loader, val_loader, opt, epochs, bar):
    for epoch in range(epochs):
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)  # expect: GL502
            opt.zero_grad()
            loss.backward()
            opt.step()
            show(bar, loss.item())
        evaluate(model, val_loader)


class CriterionTrainer:
    """The step hands its arguments to objects the class builds (`self.criterion`, `self.model`):
    their calls run torch's loss and the project's Net.forward, which never change a mode."""

    def __init__(self, loader, val_loader):
        self.model = Net()
        self.criterion = nn.CrossEntropyLoss()
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.1)
        self.loader = loader
        self.val_loader = val_loader

    def train_step(self, x, y):
        self.opt.zero_grad()
        loss = self.criterion(self.model(x), y)  # expect: GL502
        loss.backward()
        self.opt.step()

    def eval_step(self, x, y):
        self.model.eval()
        with torch.inference_mode():
            return self.criterion(self.model(x), y).item()

    def fit(self, epochs):
        for epoch in range(epochs):
            for x, y in self.loader:
                self.train_step(x, y)
            for x, y in self.val_loader:
                self.eval_step(x, y)


class KerasStyle(nn.Module):
    """A Keras-style fit on the module itself; reading its metrics dict changes no mode."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 2)
        self.drop = nn.Dropout(0.2)
        self.metrics = {"mse": F.mse_loss}

    def forward(self, x):
        return self.drop(self.fc(x))

    def evaluate(self, x):
        self.eval()
        with torch.inference_mode():
            return self(x).tolist()

    def fit(self, loader, val_x, opt, epochs):
        model = self.train()
        for epoch in range(epochs):
            for x, y in loader:
                y_pred = model(x)  # expect: GL502
                loss = F.mse_loss(y_pred, y)
                opt.zero_grad()
                loss.backward()
                opt.step()
                for name, metric in self.metrics.items():
                    print(name, metric(y_pred.detach(), y).item())
            self.evaluate(val_x)
