"""GL401 stays quiet where forward hooks of the file may capture the block's activations."""
import torch

features = {}


def keep(name):
    def hook(module, inputs, output):
        features[name] = output.detach()
    return hook


def hooked_forward(model, x):
    model.layer1.register_forward_hook(keep("layer1"))
    with torch.no_grad():
        model(x)
    return features["layer1"].sum().item()


def hooked_with_python_result(model, x):
    # the hooks may keep activations of this forward too
    with torch.no_grad():
        n = model(x).argmax(1).tolist()
    return n
