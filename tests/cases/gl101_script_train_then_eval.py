"""A tutorial script: it trains, then evaluates, at module level. The two loops are two phases."""
import torch
import torch.nn as nn
import torch.nn.functional as F

model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
data = [(torch.randn(16, 4), torch.randint(0, 2, (16,))) for _ in range(10)]

for epoch in range(3):
    model.train()
    for x, y in data:
        opt.zero_grad()
        output = model(x)
        loss = F.cross_entropy(output, y)
        loss.backward()
        opt.step()
    model.eval()
    # inside the epoch loop, training comes again after this eval: not a separate phase
    print(model(data[0][0]).argmax(1))  # expect: GL102

model.eval()
correct = 0
for x, y in data:
    logits = model(x)  # expect: GL101
    correct += (logits.argmax(1) == y).sum().item()
print(correct)

encoder = nn.Linear(4, 4).eval()
print(encoder(data[0][0]).norm().item())  # expect: GL101
