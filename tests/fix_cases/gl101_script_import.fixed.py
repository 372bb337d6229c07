"""An inference script that never imports torch by that name."""
import torch
from torch import nn

net = nn.Linear(4, 2)
net.eval()
# the first prediction
with torch.inference_mode():
    first = net(data)
    second = net(data)
print(first, second)
