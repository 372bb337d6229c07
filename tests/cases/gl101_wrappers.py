"""User-defined wrappers count by what they do: those that disable grad silence GL101,
a wrapper that does not (timing, functools.wraps alone) changes nothing."""
import contextlib
import functools
import time

import torch


def smart_inference_mode(torch_1_9=True):
    # yolov5's shape: inference_mode where torch has it, no_grad before
    def decorate(fn):
        return (torch.inference_mode if torch_1_9 else torch.no_grad)()(fn)

    return decorate


def passing_inference_mode():
    # ultralytics' shape: a pass-through when inference mode is already on
    def decorate(fn):
        if torch.is_inference_mode_enabled():
            return fn
        return torch.inference_mode()(fn)

    return decorate


def sometimes_passing(flag):
    # passes fn through on a condition that says nothing about grad: not a wrapper
    def decorate(fn):
        if flag:
            return fn
        return torch.no_grad()(fn)

    return decorate


def no_grad_factory():
    return torch.no_grad()


evaluating = torch.no_grad()


@contextlib.contextmanager
def frozen():
    with torch.no_grad():
        yield


class GradOff:
    def __enter__(self):
        self.prev = torch.is_grad_enabled()
        torch.set_grad_enabled(False)

    def __exit__(self, *exc):
        torch.set_grad_enabled(self.prev)


def timed(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        start = time.time()
        out = fn(*args, **kwargs)
        print(time.time() - start)
        return out

    return wrapper


@contextlib.contextmanager
def timing():
    start = time.time()
    yield
    print(time.time() - start)


@smart_inference_mode()
def evaluate_decorated(model, x):
    model.eval()
    return model(x).argmax(1)


@no_grad_factory()
def evaluate_factory(model, x):
    model.eval()
    return model(x).argmax(1)


def evaluate_module_level_object(model, x):
    model.eval()
    with evaluating:
        return model(x).argmax(1)


def evaluate_context_manager(model, x):
    model.eval()
    with frozen():
        return model(x).argmax(1)


def evaluate_enter_method(model, x):
    model.eval()
    with GradOff():
        return model(x).argmax(1)


def helper_called_under_a_wrapper(model, x):
    model.eval()
    return model(x).argmax(1)


def caller(model, x):
    with frozen():
        return helper_called_under_a_wrapper(model, x)


@timed
def evaluate_timed(model, x):
    model.eval()
    return model(x).argmax(1)  # expect: GL101


def evaluate_timing_block(model, x):
    model.eval()
    with timing():
        return model(x).argmax(1)  # expect: GL101


@passing_inference_mode()
def evaluate_passing(model, x):
    model.eval()
    return model(x).argmax(1)


@sometimes_passing(True)
def evaluate_sometimes(model, x):
    model.eval()
    return model(x).argmax(1)  # expect: GL101
