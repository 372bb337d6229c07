"""GL102 in a file whose only gradient call is torch.autograd's grad under another name."""
import torch
import torch.nn.functional as F
from torch.autograd import grad as torch_grad


def penalty_step(critic, real, fake, opt):
    out = critic(real)
    scores = critic(fake)  # expect: GL102
    gradients = torch_grad(out.sum(), real, create_graph=True)[0]
    loss = F.relu(1 - out).mean() + gradients.norm()
    opt.zero_grad()
    torch_grad(loss, list(critic.parameters()))
    return scores.mean().item()
