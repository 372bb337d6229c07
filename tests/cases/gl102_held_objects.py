"""Forwards through attributes of objects the code holds, not only of `self`."""
import torch
from tensordict import TensorDict


class MultiAgent:
    def __init__(self, agents):
        self.agents = agents

    def update_agent(self, index, obs, next_obs, rewards, actions):
        agent = self.agents[index]
        # a target critic reached through a local agent object, detached inline
        target = rewards + 0.99 * agent.cri_target(next_obs).detach()  # expect: GL102
        value = agent.cri(obs, actions)
        loss = ((value - target) ** 2).mean()
        agent.cri_optim.zero_grad()
        loss.backward()
        agent.cri_optim.step()

    def sync(self, policy, index, obs):
        # `from_module` is a TensorDict constructor, not a module forward
        weights = TensorDict.from_module(policy).data.detach()
        loss = self.agents[index].act(obs).sum()
        loss.backward()
        return weights


class Attack:
    """A plain object that holds a model and runs it in its own method."""

    def __init__(self, model):
        self.set_model(model)

    def set_model(self, model):
        self.model = model

    def get_logits(self, inputs):
        return self.model(inputs)

    def perturb(self, images, labels, steps, alpha):
        # the clean logits only give the class count and the target indices
        logits = self.get_logits(images)  # expect: GL102
        n_classes = logits.shape[1]
        ranked = self.get_logits(images).sort(dim=1)[1]  # expect: GL102
        targets = ranked[:, -2] % n_classes
        adv = images.clone().requires_grad_()
        for _ in range(steps):
            # the adversarial forward is the one differentiated
            loss = torch.nn.functional.cross_entropy(self.get_logits(adv), targets)
            grad = torch.autograd.grad(loss, [adv])[0]
            adv = (adv + alpha * grad.sign()).detach().requires_grad_()
        return adv

    def margin_loss(self, images, labels):
        # the top values (not the indices) of the logits are differentiated
        top = self.get_logits(images).topk(2, dim=1)[0]
        loss = (top[:, 0] - top[:, 1]).mean()
        loss.backward()


class Recorder:
    def __init__(self, model):
        self.model = model

    def describe(self, x):
        return "recorder"

    def run(self, x, y, opt):
        loss = ((self.model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        # a method of this object that runs no forward
        text = self.describe(x)
        return text


class VerboseRecorder(Recorder):
    def describe(self, x):
        # an override that does run the model: `self.describe(x)` in Recorder.run may run either
        return str(self.model(x).shape)


class Trainer:
    def __init__(self, gan, ddp):
        self.gan = gan
        self.ddp = ddp
        self.G_ddp = gan.G
        self.D_ddp = gan.D

    def train_discriminator(self, styles, noise, real, opt):
        # a module chosen by a conditional expression: either arm is a module
        G = self.gan.G if not self.ddp else self.G_ddp
        D = self.gan.D if not self.ddp else self.D_ddp
        fake = G(styles, noise)  # expect: GL102
        loss = (D(fake.clone().detach()) - D(real)).mean()
        loss.backward()
        opt.step()


class AugWrapper(torch.nn.Module):
    def __init__(self, D):
        super().__init__()
        self.D = D

    def forward(self, images):
        return self.D(images.flip(-1))


class GAN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.D = torch.nn.Linear(8, 1)
        self.D_aug = AugWrapper(self.D)


class GANTrainer:
    def __init__(self):
        self.GAN = None  # built later

    def init_gan(self):
        self.GAN = GAN()

    def discriminator_step(self, real, fake, opt):
        # `self.GAN.D_aug`: the class of each attribute in the chain is known (GAN, then AugWrapper)
        D_aug = self.GAN.D_aug
        real_score = D_aug(real).detach()  # expect: GL102
        loss = (D_aug(fake) - real_score).mean()
        loss.backward()
        opt.step()


class Dispatcher:
    """A plain object's own `forward`/`backward` methods (a middleware chain), not a module's."""

    def forward(self, fn, ctx):
        return fn(ctx)

    def backward(self, stack):
        for fn in reversed(stack):
            fn()

    def serial(self, *fns):
        def run(ctx):
            for fn in fns:
                result = self.forward(fn, ctx)
                if result is not None:
                    self.count += 1
            self.backward(self.pending)
        return run


class Trainer(torch.nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def step(self, x, opt):
        probe = self.forward(x * 0)  # expect: GL102
        loss = self.net(x).sum()
        loss.backward()
        opt.step()
        return probe.shape
