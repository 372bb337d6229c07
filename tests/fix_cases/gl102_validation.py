import torch as th
import torch.nn.functional as F


def fit(model, loader, val_x, opt):
    for step, (x, y) in enumerate(loader):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 10 == 0:
            val_out = model(val_x)  # validation
            print(val_out.argmax(1).tolist())
