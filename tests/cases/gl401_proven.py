"""GL401: no_grad regions whose switch to inference_mode is proven safe."""
import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
import torch.nn as nn
import tqdm


def accuracy(model, loader):
    model.eval()
    hits = 0
    with torch.no_grad():  # expect: GL401
        for x, y in loader:
            hits += (model(x).argmax(1) == y).sum().item()
    return hits / len(loader.dataset)


@torch.no_grad()  # expect: GL401
def predict_labels(model, x):
    model.eval()
    return model(x).argmax(dim=1).tolist()


@torch.no_grad  # expect: GL401
def mean_loss(model, loader):
    total = 0.0
    for x, y in loader:
        total += F.cross_entropy(model(x), y).item()
    return total / len(loader)


def probabilities_as_numpy(model, x):
    with torch.no_grad():  # expect: GL401
        probs = F.softmax(model(x), dim=-1)
    return probs.cpu().numpy()


def printed_and_converted(model, x):
    with torch.no_grad():  # expect: GL401
        out = model(x)
        out.clamp_(0, 1)  # in place on a tensor made inside: allowed in inference mode
        score = out.mean()
    print(out)
    print(f"score {score:.3f}")
    return float(score), int(out.argmax()), out.shape[0]


def python_results_in_containers(model, batches):
    results = {}
    preds = []
    with torch.no_grad():  # expect: GL401
        for i, (x, y) in enumerate(batches):
            logits = model(x)
            preds.extend(logits.argmax(-1).tolist())
            results[i] = F.cross_entropy(logits, y).item()
    return preds, results


def numpy_arrays(model, x):
    with torch.no_grad():  # expect: GL401
        emb = model(x).cpu().numpy()
    return np.mean(emb, axis=0)


def validation_inside_training(model, opt, loader, val_x, val_y):
    for step, (x, y) in enumerate(loader):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        if step % 100 == 0:
            with torch.no_grad():  # expect: GL401
                acc = (model(val_x).argmax(1) == val_y).float().mean()
            print(step, acc.item())


class Evaluator:
    def __init__(self, model):
        self.model = model
        self.best = 0.0

    @torch.no_grad()  # expect: GL401
    def run(self, x, y):
        acc = (self.model(x).argmax(1) == y).float().mean().item()
        self.best = max(self.best, acc)
        return acc


def helper_of_this_file(model, x):
    with torch.no_grad():  # expect: GL401
        return _top1(model, x)


def _top1(model, x):
    return model(x).argmax(-1).tolist()


with torch.no_grad():  # expect: GL401
    print(torch.randn(3).softmax(0))


def conv_output_width(c, h, w):
    # the layers are built in view and none is lazy: probing the output shape is safe
    net = torch.nn.Sequential(torch.nn.Conv2d(c, 32, kernel_size=8, stride=4), torch.nn.ReLU(inplace=True))
    with torch.no_grad():  # expect: GL401
        width = net(torch.zeros(1, c, h, w)).shape[1]
    return net, width


def lazy_output_width(c, h, w):
    # a lazy layer creates its weight on this first call: made under inference_mode it would
    # be an inference tensor that never gets a gradient
    net = torch.nn.Sequential(torch.nn.LazyConv2d(32, kernel_size=8), torch.nn.Flatten())
    with torch.no_grad():
        width = net(torch.zeros(1, c, h, w)).shape[1]
    return net, width


def accuracy_report(model, loader):
    # `out` is bound again after the block: what is returned is the report, not the logits
    hits = 0
    with torch.no_grad():  # expect: GL401
        for x, y in loader:
            out = model(x)
            hits += (out.argmax(1) == y).sum().item()
    out = {"accuracy": hits / len(loader.dataset)}
    return out


def training_with_logged_accuracy(model, loader, optimizer, logger, writer):
    for step, (x, y) in enumerate(loader):
        optimizer.zero_grad()
        output = model(x)
        loss = F.cross_entropy(output, y)
        loss.backward()
        optimizer.step()
        with torch.no_grad():  # expect: GL401
            correct = (output.argmax(1) == y).sum().item()
            msg = "step {} loss {:.4f} correct {}"
            logger.info(msg.format(step, loss, correct))  # a string, formatted from the loss
            writer.add_scalar("train/loss", loss, step)  # made before the block: only displayed


def update_with_kl_early_stop(policy, batches, optimizer, threshold):
    kls = []
    for obs, actions, old_log_prob, advantages in batches:
        log_prob = policy(obs).log_prob(actions)
        with torch.no_grad():  # expect: GL401
            ratio = log_prob - old_log_prob
            kl = ((torch.exp(ratio) - 1) - ratio).mean()
            kls.append(kl)
        if threshold and kl > threshold:  # a comparison: saves nothing for backward
            break
        loss = -(torch.exp(log_prob - old_log_prob) * advantages).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return torch.tensor(kls).mean().item()  # copied into a new tensor


def line_search_gain(model, x, y, gain):
    with torch.no_grad():  # expect: GL401
        new_gain = F.mse_loss(model(x), y)
    if not torch.isfinite(new_gain):
        return None
    return float(new_gain) - gain


@torch.no_grad()  # expect: GL401
def sample_actions(policy, states):
    probabilities = F.softmax(policy(torch.as_tensor(states)), dim=-1)
    prob_np = probabilities.cpu().numpy()
    return [np.random.choice(len(prob), p=prob) for prob in prob_np]  # numpy's submodules give arrays and numbers


class EpsilonGreedy:
    def __init__(self, net, actions, epsilon):
        self.net, self.actions, self.epsilon = net, actions, epsilon

    @torch.no_grad()  # expect: GL401
    def __call__(self, state):
        return self.random_action() if np.random.random() < self.epsilon else self.greedy_action(state)

    def random_action(self):
        return int(np.random.randint(self.actions))

    def greedy_action(self, state):
        return self.net(state).argmax(-1).cpu().numpy()  # every method of these names gives numpy or ints


def save_embeddings(model, loader, path):
    with torch.no_grad():  # expect: GL401
        embeddings = torch.cat([model(batch) for batch in loader]).numpy()
        if not path.endswith(".npy"):
            # the exception holds a message, not a tensor
            raise ValueError(f"Output must be a .npy file. Got {path}.")
        np.save(path, embeddings)


def target_scores(model, inputs, targets):
    with torch.no_grad():  # expect: GL401
        outputs = model(inputs)
        # each output is an element of `outputs`, made here; each target one of the arguments
        scores = [target(output).cpu().numpy() for target, output in zip(targets, outputs)]
    return np.float32(scores)


def masked_validation_loss(model, x, y, mask):
    with torch.no_grad():  # expect: GL401
        loss = F.mse_loss(model(x), y, reduction="none")
        loss[~mask] *= 0.5  # an in-place edit of a tensor made here
        total = loss.sum().item()
    return total


def grad_norm_into_meta(model, meta):
    grad_norm = 0.0
    with torch.no_grad():  # expect: GL401
        for p in model.parameters():
            grad_norm += p.grad.norm(2).item() ** 2
        meta["grad_norm"] = grad_norm  # a string key: `meta` is a dict, not a tensor
        meta["steps"] += 1
    return meta


def count_predictions(model, batches, history):
    with torch.no_grad():  # expect: GL401
        counts = np.zeros(10)
        for i, x in enumerate(batches):
            counts[model(x).argmax().item()] += 1  # an array made here
            history[f"batch{i}"] = str(counts)
    return counts


def weighted_validation_loss(model, loader, weight):
    with torch.no_grad():  # expect: GL401
        total = 0.0
        for x, y in loader:
            loss = F.binary_cross_entropy(model(x), y, reduction="none")
            loss[~y.bool()] *= weight  # the weight's values go into the loss; the loss is still made here
            total += loss.sum().item()
    return total


def record_predictions(model, batches, history):
    with torch.no_grad():  # expect: GL401
        for i, x in enumerate(batches):
            history[i] += str(model(x).argmax().item())  # a string added: `history` holds no tensor


def predict_with_input_dicts(model, loader):
    predictions = []
    with torch.no_grad():  # expect: GL401
        for batch in loader:
            inputs = {key: value.to("cuda") for key, value in batch.items()}
            inputs["labels"] = batch["y"]  # into a dict built here
            predictions.append(model(**inputs).argmax(-1).cpu().numpy())
    return predictions


def binned_accuracies(model, x, correct, edges):
    with torch.no_grad():  # expect: GL401
        confidences = model(x).softmax(-1).amax(-1)
        bounds = torch.searchsorted(confidences.sort()[0], edges)
        bins = correct.tensor_split(bounds)  # a view op of an outside tensor, reading the indices made here
        accuracies = torch.stack([b.float().mean() for b in bins])
    return accuracies.cpu().numpy()


def total_parameter_norm(model):
    with torch.no_grad():  # expect: GL401
        norms = [p.data.norm(2) for p in model.parameters()]
    # the norms meet only Python values on their way to a float: nothing is saved for backward
    return torch.norm(torch.stack(norms), 2).item()


def parameter_norm(params, p: float = 2.0):
    with torch.no_grad():  # expect: GL401
        norms = [param.data.norm(p) for param in params]
    # `p` is a float by its signature: nothing beside the norms can require grad
    return torch.norm(torch.stack(norms), p).item()


def _as_batch(images):
    # fills a list it builds itself: nothing outside is kept or updated
    batch = []
    for image in images:
        batch.append(image[:3])
    return batch


def test_loss(model, images, targets):
    model.eval()
    with torch.no_grad():  # expect: GL401
        x = torch.stack(_as_batch(images))
        loss = F.mse_loss(model(x), targets)
    return loss.item()


def embed_frame(encoder, inputs):
    encoder.eval()
    with torch.no_grad():  # expect: GL401
        outputs = encoder(inputs)
    return {name: value.detach().cpu().numpy() for name, value in outputs.items()}


def negative_weights(sim_i2t, bs):
    # the clone is made inside: filling its diagonal in place edits no outside tensor
    with torch.no_grad():  # expect: GL401
        weights = sim_i2t[:, :bs].clone()
        weights.fill_diagonal_(0)
    return torch.multinomial(weights[0].float(), 1).item()


def negative_weights_view(sim_i2t, bs):
    with torch.no_grad():
        weights = sim_i2t[:, :bs]
        weights.fill_diagonal_(0)
    return torch.multinomial(weights[0].float(), 1).item()


class Tracker:
    @torch.no_grad()  # expect: GL401
    def score(self, frames):
        # the block itself only calls a helper; the helper computes
        return self._mean_score(frames)

    def _mean_score(self, frames):
        return frames.float().mean().item()


class ConditionalGenerator(nn.Module):
    # `fit` keeps its conditioning input on self, the forward stores nothing: no cache for inference tensors
    def __init__(self):
        super().__init__()
        self.net = nn.Linear(4, 4)

    def fit(self, cond):
        self._original_cond = cond
        return self

    def forward(self, count):
        return self.net(self._original_cond[:count])

    def generate(self, count):
        with torch.no_grad():  # expect: GL401
            return self(count).detach().cpu().numpy()


def validation_report(generator, val_loader):
    # pandas keeps arrays and numbers, never a tensor: the frames leave nothing for autograd
    with torch.no_grad():  # expect: GL401
        x, t = next(iter(val_loader))
        truth = pd.Series(t.cpu().numpy())
        predicted = pd.Series(generator(x).detach().cpu().numpy().squeeze(), index=truth.index)
        error = float((truth - predicted).abs().mean())
    return error


def embed_items(item_net, dataloader):
    # the batches go into a local list that only torch.cat reads: a new, normal tensor
    batches = []
    for batch in dataloader:
        with torch.no_grad():  # expect: GL401
            vectors = item_net(batch)
        batches.append(vectors)
    return torch.cat(batches, dim=0).cpu().numpy()


def embed_items_kept(item_net, dataloader, store):
    batches = []
    for batch in dataloader:
        with torch.no_grad():
            vectors = item_net(batch)
        batches.append(vectors)
    store.extend(batches)  # the list itself goes elsewhere: its elements stay inference tensors
    return torch.cat(batches).cpu().numpy()


def evaluate_with_progress(model, loader, device):
    model.eval()
    targets, predictions = [], []
    with torch.no_grad():  # expect: GL401
        bar = tqdm.tqdm(loader, desc="validation")  # the module's own spelling of `tqdm(loader)`
        for x, y in bar:
            targets.extend(y.tolist())
            predictions.extend(model(x.to(device)).tolist())
    return targets, predictions


def next_sentence_probability(model, encoded):
    with torch.no_grad():  # expect: GL401
        scores = model(encoded).logits[0]
    probabilities = torch.softmax(scores, dim=0)  # an op of the tensor alone: it saves nothing
    return probabilities[0].item()


def probabilities_returned(model, encoded):
    with torch.no_grad():  # expect: GL401
        scores = model(encoded).logits[0]
    return torch.softmax(scores, dim=0)  # computed outside inference mode from it alone: a normal tensor


def normalised_then_trained_on(model, head, encoded, opt):
    with torch.no_grad():  # expect: GL401
        features = model(encoded)
    loss = head(features * 2.0).sum()  # `features * 2.0` is a new, normal tensor: backward may save it
    loss.backward()
    opt.step()
