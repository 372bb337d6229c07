import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


def train(model, loader, opt):
    running = 0.0
    losses = []
    stats = {"loss": 0.0}
    per_batch = {}
    for i, (x, y) in enumerate(loader):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        running += loss  # expect: GL201
        losses.append(loss)  # expect: GL201
        stats["loss"] += loss  # expect: GL201
        per_batch[i] = loss  # expect: GL201
    return running, losses, stats, per_batch


def nested_epochs(model, loader, opt, epochs):
    for epoch in range(epochs):
        epoch_loss = 0
        for x, y in loader:
            loss = F.mse_loss(model(x), y)
            loss.backward()  # allow: GL501 (no zero_grad in this loop)
            opt.step()
            epoch_loss += loss  # expect: GL201
        print(epoch_loss)


def eval_loop(model, loader):
    model.eval()
    outputs = []
    for x, _ in loader:
        outputs.append(model(x))  # expect: GL101, GL201
    return outputs


def eval_loop_by_concatenation(model, loader, first):
    model.eval()
    logits = model(first)  # expect: GL101
    total = 0
    for x, _ in loader:
        out = model(x)  # expect: GL101
        logits = torch.cat((logits, out), dim=0)  # expect: GL201
        total = total + out.sum().item()  # a Python number grown: no graph
    return logits, total


def no_grad_eval_by_concatenation(model, loader, first):
    model.eval()
    with torch.no_grad():
        logits = model(first)
        for x, _ in loader:
            logits = torch.cat([logits, model(x)])
    return logits


def attack(model, x, y, steps):
    x_adv = x.clone().requires_grad_(True)
    for _ in range(steps):
        loss = F.cross_entropy(model(x_adv), y)
        grad, = torch.autograd.grad(loss, x_adv)
        x_adv = x_adv + 0.01 * grad.sign()  # expect: GL201
    return x_adv


def recurrent(model, chunks, h, opt):
    for x, y in chunks:
        h = model(x, h)  # expect: GL201
        loss = F.mse_loss(h, y)
        loss.backward()  # allow: GL501 (no zero_grad in this loop)
        opt.step()


# quiet below


def train_items(model, loader, opt):
    running = 0.0
    losses = []
    for x, y in loader:
        loss = F.cross_entropy(model(x), y)
        loss.backward()  # allow: GL501 (no zero_grad in this loop)
        opt.step()
        running += loss.item()
        losses.append(loss.detach())
        losses.append(float(loss))
    return running, losses


def summed_on_purpose(model, batches, opt):
    total = 0
    for x, y in batches:
        total = total + F.mse_loss(model(x), y)
    total.backward()
    opt.step()


def accumulate_then_backward(model, batches, opt):
    losses = []
    for x, y in batches:
        losses.append(F.mse_loss(model(x), y))
    torch.stack(losses).sum().backward()


def reset_each_iteration(model, loader, opt):
    for x, y in loader:
        parts = []
        parts.append(F.mse_loss(model(x), y))
        loss = sum(parts)
        loss.backward()  # allow: GL501 (no zero_grad in this loop)
        opt.step()


def layers_loop(layers, x):
    # a forward over layers: x is updated from itself, but nothing is trained here
    for layer in layers:
        x = layer(x)
    return x


def attack_detached(model, x, y, steps):
    x_adv = x.clone()
    for _ in range(steps):
        x_adv.requires_grad_(True)
        loss = F.cross_entropy(model(x_adv), y)
        grad, = torch.autograd.grad(loss, x_adv)
        x_adv = (x_adv + 0.01 * grad.sign()).detach()
        x_adv = torch.max(torch.min(x_adv, x + 0.03), x - 0.03)
    return x_adv


def no_grad_eval(model, loader):
    model.eval()
    outputs = []
    with torch.no_grad():
        for x, _ in loader:
            outputs.append(model(x))
    return outputs


def grad_norms(model, loader, opt):
    norms = []
    for x, y in loader:
        loss = F.mse_loss(model(x), y)
        loss.backward()  # allow: GL501 (no zero_grad in this loop)
        norms.append(torch.stack([p.grad.norm() for p in model.parameters()]).sum())
        opt.step()
    return norms


def accumulate_every_k(model, loader, opt, k=4):
    # backpropagated and reset every k steps: no graph outlives k iterations, and
    # `.detach()` would make the backward raise "element 0 of tensors does not require grad"
    acc = 0.0
    for i, (x, y) in enumerate(loader):
        loss = F.mse_loss(model(x), y)
        acc = acc + loss
        if (i + 1) % k == 0:
            acc.backward()
            opt.step()
            opt.zero_grad()
            acc = 0.0


def accumulate_every_k_scaled(model, loader, opt, k=4):
    total = 0
    for i, (x, y) in enumerate(loader):
        total += F.mse_loss(model(x), y)
        if i % k == k - 1:
            (total / k).backward()
            opt.step()
            total = 0


def collect_actor_params(policy, kl_div, optimizer):
    # parameters are leaves: a list of them keeps no graph (TRPO's line search)
    actor_params = []
    grads = []
    for name, param in policy.named_parameters():
        grad, = torch.autograd.grad(kl_div, param, retain_graph=True)
        grads.append(grad.reshape(-1))
        actor_params.append(param)
    kl_div.backward()
    optimizer.step()
    return actor_params, grads


def compute_loss(model, x, y):
    return F.cross_entropy(model(x), y)


def train_with_a_loss_helper(model, loader, optimizer):
    # the helper returns its forward's graph: summing its results keeps every iteration's graph
    total = 0.0
    for x, y in loader:
        loss = compute_loss(model, x, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += compute_loss(model, x, y)  # expect: GL201
    return total


class Detector:
    def fit(self, loader, optimizer):
        for epoch in range(10):
            total_loss = 0
            for batch in loader:
                # `self.model.loss` is out of view, but the backward proves its result took part in autograd
                loss = self.model.loss(batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total_loss += loss  # expect: GL201
            print(total_loss)

    def fit_logged(self, loader, optimizer):
        total_loss = 0
        for batch in loader:
            loss = self.model.loss(batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total_loss += loss.item()
        return total_loss


def pgd_with_projection(model, inputs, labels, steps, alpha):
    def project(x, x0):
        return torch.clamp(x, x0 - 0.1, x0 + 0.1).detach()

    adv = inputs.detach()
    for _ in range(steps):
        adv.requires_grad_()
        loss = F.cross_entropy(model(adv), labels)
        grad = torch.autograd.grad(loss, [adv])[0]
        # the new value is replaced within the iteration: what survives is the projection's
        adv = adv + alpha * grad
        adv = project(adv, inputs)
    return adv


def train_with_accuracy(model, loader, optimizer):
    predictions = []
    for x, y in loader:
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        predictions.extend(logits)  # expect: GL201
        predictions.extend(logits.argmax(1).tolist())
    return predictions


def pgd_with_torch_projection(model, inputs, labels, steps, alpha):
    adv = inputs.clone().requires_grad_(True)
    for _ in range(steps):
        loss = F.cross_entropy(model(adv), labels)
        grad = torch.autograd.grad(loss, [adv])[0]
        # the clamp that replaces the new value carries its graph into the next iteration
        adv = adv + alpha * grad.sign()  # expect: GL201
        adv = torch.clamp(adv, inputs - 0.1, inputs + 0.1)  # expect: GL201
    return adv


def ppo_rollouts(policy, env, optimizer, memory, updates, n_step):
    # the rollout's log-probabilities are the collection the PPO loss is stacked from: trained on
    for _ in range(updates):
        memory.clear()
        for _ in range(n_step):
            out = policy(env.state())
            memory.logprobs.append(out["log_likelihood"].clone())
        loss = -torch.stack(memory.logprobs).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def rollouts_logged(policy, env, optimizer, memory, updates, n_step):
    history = []
    for _ in range(updates):
        for _ in range(n_step):
            out = policy(env.state())
            loss = -out["log_likelihood"].mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            history.append(out["log_likelihood"])  # expect: GL201
    return torch.stack(history).mean().item()


def losses_logged_into_output(model, batches, optimizer):
    # the list goes into the output dict only after the loop; the backward above it trains the batch
    losses = []
    for batch in batches:
        output = model(batch)
        optimizer.zero_grad()
        output["loss"].backward()
        optimizer.step()
        losses.append(output["loss"])  # expect: GL201
    output["mean_loss"] = torch.mean(torch.stack(losses))
    return output


class SurvivalTrainer:
    def __init__(self, model):
        self.model = model

    def total_loss(self, x, t):
        prediction = self.model(x)  # expect: GL101
        return F.mse_loss(prediction, t)

    def validation_loss(self, batches):
        # the method returns the forward's graph: every batch's graph stays in the sum
        self.model.eval()
        valid_loss = 0
        for x, t in batches:
            valid_loss += self.total_loss(x, t)  # expect: GL201
        return valid_loss.item()


class StepTrainer:
    def training_step(self, model, batch):
        logits = model(batch["x"])
        loss = F.cross_entropy(logits, batch["y"])
        return loss, logits, batch["y"]

    def train(self, model, loader, optimizer):
        all_logits, all_targets = [], []
        for batch in loader:
            loss, logits, targets = self.training_step(model, batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            all_targets.append(targets)  # quiet: the labels, the step's third result, carry no graph
            all_logits.append(logits)  # expect: GL201
        return torch.cat(all_logits).argmax(-1), torch.cat(all_targets)


def accumulate_micro_batches(model, batch_groups, optimizer, callbacks):
    # quiet: the list is made anew for every optimizer step and holds that step's micro-batches
    for group in batch_groups:
        optimizer.zero_grad()
        group_outputs = []
        for batch in group:
            outputs = model(batch)
            group_outputs.append(outputs)
            (outputs["loss"] / len(group)).backward()
        optimizer.step()
        for callback in callbacks:
            callback.on_batch(group, group_outputs)


def keep_every_step(model, epochs, loader, optimizer):
    for epoch in range(epochs):
        epoch_outputs = []
        for batch in loader:
            outputs = model(batch)
            optimizer.zero_grad()
            outputs["loss"].backward()
            optimizer.step()
            epoch_outputs.append(outputs)  # expect: GL201
        print(epoch, len(epoch_outputs))


def active_search(policy, env, optimizer, steps, size):
    best_solutions = torch.zeros(1, size, dtype=int)
    best_scores = torch.zeros(1, size)
    for _ in range(steps):
        out = policy(env.state())
        # quiet: an integer tensor keeps no graph of what is written into it
        best_solutions[0, : out["actions"].shape[0]] = out["actions"][0]
        best_scores[0, : out["reward"].shape[0]] = out["reward"]  # expect: GL201
        loss = -(out["reward"] * out["log_likelihood"]).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return best_solutions, best_scores.detach()




class MaskDecoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.decoder = nn.LSTM(8, 8)
        self.mask_token = 7

    def recognize(self, h, n, steps, k):
        # the indices of a (values, indices) pair are integer tensors: no graph is kept across steps
        self.eval()
        y_in = torch.zeros(1, n, dtype=torch.long) + self.mask_token
        mask_idx = torch.nonzero(y_in[0] == self.mask_token).squeeze(-1)
        for _ in range(steps):
            pred, _ = self.decoder(h)  # expect: GL101
            pred_score, pred_id = pred[0][mask_idx].max(dim=-1)
            cand = torch.topk(pred_score, k, -1)[1]
            y_in[0][mask_idx[cand]] = pred_id[cand]
            mask_idx = torch.nonzero(y_in[0] == self.mask_token).squeeze(-1)
        return y_in
