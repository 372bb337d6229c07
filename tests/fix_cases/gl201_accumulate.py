import torch.nn.functional as F


def train(model, loader, opt):
    running = 0.0
    history = []
    for x, y in loader:
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        running += loss
        history.append(loss * 2)
    return running, history
