activations = {}


def get_activation(name):
    def hook(module, inputs, output):
        activations[name] = output
        activations[name + "_mean"] = output.mean(0) + 1
    return hook
