import torch
import torch.nn as nn

net = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2))
x = torch.randn(2, 4)
before = net(x)
net.eval()
print(net(x).argmax(1))  # expect: GL101
probabilities = net(x).softmax(-1)  # expect: GL101

with torch.no_grad():  # allow: GL401 (only printed)
    print(net(x))

torch.set_grad_enabled(False)
print(net(x))
