"""GL401 stays quiet where code the block cannot prove harmless runs inside it or fills what it reads."""
import torch
from quantlib import calibration_mode


def calibrate(model, batches):
    # calibration_mode is entered inside the no_grad block: its __enter__/__exit__ may rewrite the
    # model's scales in place, which inference_mode does not allow for tensors made inside it
    with torch.no_grad(), calibration_mode(model):
        for batch in batches:
            print(model(batch).sum().item())


def collect_inputs(pipe, prompts):
    # the closure fills the list: what it returns holds tensors, not the Python value `[]` says
    captured = []

    def keep(*args):
        captured.append(args)

    pipe.hook = keep
    pipe(prompts)
    return captured


def replay(pipe, prompts, model):
    collected = collect_inputs(pipe, prompts)
    with torch.no_grad():
        inputs = [t.cuda() for t in collected[0]]
        print(model(*inputs).sum().item())
    model(*inputs).sum().backward()


def evaluate_with_autocast(model, loader):
    # an item of torch's own (autocast) entered inside changes nothing of the proof
    model.eval()
    hits = 0
    with torch.no_grad(), torch.autocast("cpu"):  # expect: GL401
        for x, y in loader:
            hits += (model(x).argmax(1) == y).sum().item()
    return hits


def prune_bias(module):
    # removing a parametrization rewrites the module's parameters in place
    with torch.no_grad():
        torch.nn.utils.parametrize.remove_parametrizations(module, "weight", leave_parametrized=True)
        print(module.weight.abs().sum().item())
