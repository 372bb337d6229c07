"""What runs inside a fixture's own process: import the program, run its workload, measure.

Each program runs in a fresh process forked from a server that has imported
torch and nothing else (see runner.py), so one program's allocations, caches
and leaks never reach another's numbers. The workload runs three times:

1. under `saved_tensors_hooks`: bytes autograd saved for backward, counted once
   per storage while it is held (tensors sharing a storage count once; a freed
   address reused later counts again): the most held at once, and the sum over
   the run; its return value is the one compared;
2. between two heap readings: bytes still held once the workload has returned
   (and garbage is collected), and the autograd nodes still reachable;
3. for peak memory: CUDA's `max_memory_allocated`, or on CPU the allocation and
   free events of `torch.profiler` (profile_memory) summed in time order.

A separate job times two programs, interleaved (time_programs).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import importlib
import importlib.abc
import importlib.util
import inspect
import json
import linecache
import math
import os
import re
import statistics
import sys
import time
import traceback
import weakref

import torch

from gradlint.verify.runner import Job, Target, timing_clock

# time_programs: each sample runs a workload `number` times for at least this long ...
SAMPLE_SECONDS = 0.005
# ... and a round holds at most this many pairs of samples, within its budget (min_run_time)
MAX_PAIRS = 15


# torch's CPU allocator, std::bad_alloc and the OS, when a request is refused (the
# memory limit); CUDA's own "out of memory" is the device's, not the limit's
_OUT_OF_MEMORY = re.compile(r"can't allocate memory|cannot allocate memory|bad_alloc|not enough memory", re.IGNORECASE)


# -- plumbing -------------------------------------------------------------------


def _redirect_output(path: str) -> None:
    """Send everything the program prints (Python and native) to one file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    for stream, target in ((sys.stdout, 1), (sys.stderr, 2)):
        try:
            stream.flush()
        except Exception:
            pass
        os.dup2(fd, target)
    os.close(fd)
    sys.stdout = open(1, "w", buffering=1, closefd=False, encoding="utf-8", errors="replace")
    sys.stderr = open(2, "w", buffering=1, closefd=False, encoding="utf-8", errors="replace")


def _write_json(path: str, data: dict) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    os.replace(tmp, path)


def _exception_info(exc: BaseException, program: str) -> dict:
    kind = type(exc)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    line = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if os.path.abspath(frame.f_code.co_filename) == os.path.abspath(program):
            line = lineno
    return {
        "type": name,
        "message": str(exc),
        "line": line,
        "out_of_memory": isinstance(exc, MemoryError) or bool(_OUT_OF_MEMORY.search(str(exc))),
        "traceback": "".join(traceback.format_exception(kind, exc, exc.__traceback__)),
    }


class SetupError(Exception):
    """The setup function raised, or returned neither a tuple nor a dict: its message says which."""

    def __init__(self, message: str, cause: BaseException | None = None):
        super().__init__(message)
        self.cause = cause


class _NotCallable(Exception):
    """The module defines no such function."""


def _import_program(path: str, module_name: str, search_path: str, source: str = ""):
    """Run a module from its file, or from `source` (the fixed text, in memory) under the
    file's name, so that tracebacks, line numbers and __file__ are the program's own."""
    if search_path and search_path not in sys.path:
        sys.path.insert(0, search_path)
    folder = os.path.dirname(os.path.abspath(path))
    if folder not in sys.path:
        sys.path.insert(1 if search_path else 0, folder)
    parent, _, leaf = module_name.rpartition(".")
    if parent:  # a module inside packages: they run first, as `import pkg.mod` would run them
        importlib.import_module(parent)
    if source:
        linecache.cache[path] = (len(source), None, source.splitlines(True), path)
        loader = _TextLoader(source, path)
        spec = importlib.util.spec_from_file_location(module_name, path, loader=loader)
    else:
        spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    if parent:  # `pkg.mod` is this copy (the fixed one, where it is), also as an attribute
        setattr(sys.modules[parent], leaf, module)
    return module


class _TextLoader(importlib.abc.Loader):
    def __init__(self, source: str, path: str):
        self.source, self.path = source, path

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        exec(compile(self.source, self.path, "exec", dont_inherit=True), module.__dict__)


def _prepare(target: Target, device: str, search_path: str):
    """Import the target's module (and its setup's); a function that makes one call ready to run.

    Raises the module's own exception when it fails at import, _NotCallable for a
    function it does not define, SetupError when the setup module fails at import;
    the returned function raises SetupError when the setup raises or returns no arguments."""
    module = _import_program(target.program, target.module_name, search_path, target.source)
    fn = getattr(module, target.function, None)
    if not callable(fn):
        raise _NotCallable(f"{target.program} has no function {target.function}")
    if not target.setup_function:
        return (lambda: (lambda: fn(device))) if target.with_device else (lambda: fn)
    if os.path.abspath(target.setup_program) == os.path.abspath(target.program):
        setup_module = module
    else:
        try:
            setup_module = _import_program(target.setup_program, target.setup_module_name, search_path)
        except BaseException as exc:
            raise SetupError(str(exc), exc) from exc
    setup = getattr(setup_module, target.setup_function, None)
    if not callable(setup):
        raise _NotCallable(f"{target.setup_program} has no function {target.setup_function}")

    def ready():
        try:
            arguments = setup(device)
        except BaseException as exc:
            raise SetupError(str(exc), exc) from exc
        if isinstance(arguments, (tuple, dict)):
            args, kwargs = (arguments, {}) if isinstance(arguments, tuple) else ((), arguments)
            try:
                inspect.signature(fn).bind(*args, **kwargs)
            except TypeError as exc:
                raise SetupError(f"{target.setup_function}(device) returned arguments {target.function} does not "
                                 f"take: {exc}") from None
            except ValueError:  # no signature to check (a builtin): the call will tell
                pass
            return lambda: fn(*args, **kwargs)
        raise SetupError(f"{target.setup_function}(device) returned {type(arguments).__name__}: it must return "
                         f"a tuple of positional arguments or a dict of keyword arguments for {target.function}")

    return ready


def _synchronize(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


# -- measurements ---------------------------------------------------------------


class _Packed:
    """What autograd holds instead of a saved tensor; it dies with the graph."""

    __slots__ = ("tensor", "__weakref__")

    def __init__(self, tensor):
        self.tensor = tensor


def _storage(tensor) -> tuple[tuple, int]:
    try:
        storage = tensor.untyped_storage()
        return (str(tensor.device), storage.data_ptr()), storage.nbytes()
    except Exception:  # sparse, nested or other storage-less tensors: count the tensor itself
        return ("tensor", id(tensor)), tensor.element_size() * tensor.nelement()


class SavedTensorMeter:
    """Bytes saved for backward, each storage counted once while autograd holds it:
    the most held at once (peak_bytes) and the sum over the whole run (total_bytes)."""

    def __init__(self):
        self.held: dict[tuple, int] = {}
        self.held_bytes = 0
        self.peak_bytes = 0
        self.total_bytes = 0
        self.tensors = 0

    def pack(self, tensor):
        key, nbytes = _storage(tensor)
        if not self.held.get(key):
            self.total_bytes += nbytes
            self.held_bytes += nbytes
            self.peak_bytes = max(self.peak_bytes, self.held_bytes)
        self.held[key] = self.held.get(key, 0) + 1
        self.tensors += 1
        # a detached alias: the holder must not reach the tensor's grad_fn, or a
        # tensor saved by its own node (ReLU's output) would form a cycle through
        # C++ that the garbage collector cannot break. Autograd re-attaches the
        # grad_fn itself when it unpacks.
        packed = _Packed(tensor.detach())
        weakref.finalize(packed, self._release, key, nbytes)
        return packed

    def _release(self, key, nbytes: int) -> None:
        left = self.held.get(key, 0) - 1
        if left > 0:
            self.held[key] = left
        elif self.held.pop(key, None) is not None:
            self.held_bytes -= nbytes

    @staticmethod
    def unpack(packed):
        return packed.tensor


def _heap_reader():
    """In-use bytes of the C heap (glibc's mallinfo2): tensors on CPU and autograd
    nodes both live there. None where the C library has no mallinfo2."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallinfo2 = libc.mallinfo2
    except (OSError, AttributeError):
        return None

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

    mallinfo2.restype = MallInfo2

    def read() -> int:
        info = mallinfo2()
        return info.uordblks + info.hblkhd

    return read


def held_bytes(device: str, heap) -> int | None:
    if device.startswith("cuda"):
        return torch.cuda.memory_allocated() + (heap() if heap else 0)
    return heap() if heap else None


def graph_nodes() -> int:
    """Autograd nodes reachable from every live tensor."""
    seen: set = set()
    stack = [obj.grad_fn for obj in gc.get_objects()
             if issubclass(type(obj), torch.Tensor) and getattr(obj, "grad_fn", None) is not None]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        stack.extend(next_node for next_node, _ in node.next_functions)
    return len(seen)


def cpu_peak(call):
    """Run call() under the profiler; the highest sum of allocations minus frees.

    torch.autograd.profiler directly: torch.profiler's wrapper imports
    torch._inductor on start (seconds) for options that do not matter here.
    """
    from torch.autograd.profiler import profile

    with profile(use_cpu=True, profile_memory=True, use_kineto=True) as prof:
        values = call()
    try:
        events = prof.kineto_results.events()
    except AttributeError:  # a torch without kineto results: no CPU peak
        return values, None
    deltas = sorted((e.start_ns(), e.nbytes()) for e in events
                    if e.name() == "[memory]" and e.device_type() == torch.autograd.DeviceType.CPU)
    current = peak = 0
    for _, nbytes in deltas:
        current += nbytes
        peak = max(peak, current)
    return values, peak


def cuda_peak(call):
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    start = torch.cuda.memory_allocated()
    values = call()
    torch.cuda.synchronize()
    return values, torch.cuda.max_memory_allocated() - start


def portable(value):
    """The returned values as plain CPU tensors without graphs, for saving and comparing."""
    if isinstance(value, torch.Tensor):
        return value.detach().to("cpu").clone()
    if isinstance(value, dict):
        return {k: portable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(portable(v) for v in value) if type(value) in (list, tuple) else [portable(v) for v in value]
    return value


def same_values(a, b) -> str | None:
    """None when equal (torch.testing.assert_close for tensors and numbers), else why not."""
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            return f"keys differ: {list(a)} != {list(b)}"
        for key in a:
            why = same_values(a[key], b[key])
            if why:
                return f"[{key!r}]: {why}"
        return None
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return f"lengths differ: {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            why = same_values(x, y)
            if why:
                return f"[{i}]: {why}"
        return None
    numeric = (torch.Tensor, int, float, complex)
    if isinstance(a, numeric) and isinstance(b, numeric) and not isinstance(a, bool) and not isinstance(b, bool):
        try:
            torch.testing.assert_close(a, b, check_device=False, equal_nan=True)
        except AssertionError as exc:
            return " ".join(str(exc).split())[:300]
        except TypeError as exc:
            return str(exc)
        return None
    return None if a == b else f"{a!r} != {b!r}"[:300]


# -- entry points (run in the child process) ------------------------------------


def _failed_to_load(exc: BaseException, target: Target) -> dict:
    """The result of a job whose program did not load: import-error, or setup-error when the
    setup module failed at import, the setup raised or returned no arguments."""
    if isinstance(exc, SetupError):
        if exc.cause is None:
            return {"status": "setup-error", "exception": {
                "type": "TypeError", "message": str(exc), "line": None, "traceback": ""}}
        traceback.print_exception(exc.cause)
        return {"status": "setup-error", "exception": _exception_info(exc.cause, target.setup_program)}
    if isinstance(exc, _NotCallable):
        return {"status": "import-error", "exception": {
            "type": "AttributeError", "message": str(exc), "line": None, "traceback": "", "missing": True}}
    traceback.print_exc()
    return {"status": "import-error", "exception": _exception_info(exc, target.program)}


def measure_program(job: Job) -> None:
    _redirect_output(job.output_path)
    torch.set_num_threads(1)
    # torch's own objects stay alive: keep every gc.collect() and the graph scan off them
    gc.freeze()
    result: dict = {"status": "ok"}
    target = job.target
    try:
        ready = _prepare(target, job.device, job.search_path)
    except BaseException as exc:  # SystemExit and KeyboardInterrupt at import are the program's too
        result.update(_failed_to_load(exc, target))
        _write_json(job.result_path, result)
        return
    device = job.device
    heap = _heap_reader()
    run = "saved"
    try:
        call = ready()
        meter = SavedTensorMeter()
        with torch.autograd.graph.saved_tensors_hooks(meter.pack, meter.unpack):
            values = call()
        _synchronize(device)
        values = portable(values)
        result.update(saved_bytes=meter.peak_bytes, saved_bytes_total=meter.total_bytes, saved_tensors=meter.tensors)
        del call

        run = "retention"
        call = ready()  # a setup's arguments are made anew, outside what is measured, and kept
        gc.collect()
        before = held_bytes(device, heap)
        again = call()
        _synchronize(device)
        gc.collect()
        after = held_bytes(device, heap)
        result["retained_bytes"] = None if before is None else after - before
        result["retained_nodes"] = graph_nodes()
        result["nondeterministic"] = same_values(values, portable(again))
        del again, call
        gc.collect()

        run = "peak"
        peak_of = cuda_peak if device.startswith("cuda") else cpu_peak
        call = ready()
        third, result["peak_bytes"] = peak_of(call)
        del third, call
    except SetupError as exc:
        result.update(_failed_to_load(exc, target))
        _write_json(job.result_path, result)
        return
    except BaseException as exc:
        traceback.print_exc()  # into the program's output, which the report shows on failure
        result.update(status="raised", exception=_exception_info(exc, target.program))
        if run != "saved":  # the first run passed: the workload is not deterministic
            result["nondeterministic"] = f"raised on the {run} run only"
        _write_json(job.result_path, result)
        return
    try:
        torch.save(values, job.values_path)
    except Exception as exc:  # a returned object torch cannot save: no comparison possible
        result["values_error"] = f"{type(exc).__name__}: {exc}"
    _write_json(job.result_path, result)


def _sample(call, number: int, device: str) -> tuple[float, float]:
    """(thread CPU seconds, wall seconds) per call, over `number` calls; the garbage
    collector off while it runs, as timeit does."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        cpu, wall = time.thread_time_ns(), time.perf_counter_ns()
        for _ in range(number):
            call()
        _synchronize(device)
        cpu, wall = time.thread_time_ns() - cpu, time.perf_counter_ns() - wall
    finally:
        if collecting:
            gc.enable()
    return cpu / 1e9 / number, wall / 1e9 / number


def _isolated(search_path: str, loaded_before: set[str]) -> None:
    """Forget the modules the first program brought in from its own folder, so that the second
    program (the fixed module under the same name, its setup) imports its own copies."""
    if not search_path:
        return
    root = os.path.abspath(search_path) + os.sep
    for name in set(sys.modules) - loaded_before:
        path = getattr(sys.modules[name], "__file__", None) or ""
        if os.path.abspath(path).startswith(root) and "-packages" not in path:
            del sys.modules[name]


def time_programs(job: Job) -> None:
    """Time two programs' workloads in interleaved rounds.

    A round is a series of pairs: each program timed once, back to back, the
    order alternating, and the ratio taken within the pair. On CPU each sample
    is the thread CPU time of the calls (torch runs on this one thread): load
    from other processes takes the core away but does not add to that time,
    where it would add to wall time. On CUDA the work runs on the device, so
    the sample is wall time after a synchronize. Wall time is kept beside it
    either way, for information.
    """
    _redirect_output(job.output_path)
    torch.set_num_threads(1)
    device = job.device
    loaded_before = set(sys.modules)
    first = _prepare(job.target, device, job.search_path)()
    _isolated(job.search_path, loaded_before)
    second = _prepare(job.other, device, job.search_path)()
    calls = (first, second)
    clock = timing_clock(device)
    measured = 1 if clock == "wall" else 0
    for call in calls:  # warm up: lazy initialisation is not what we time
        _sample(call, 1, device)
    single = max(_sample(call, 1, device)[measured] for call in calls)
    number = max(1, math.ceil(SAMPLE_SECONDS / max(single, 1e-9)))
    pairs = max(1, min(MAX_PAIRS, int(job.min_run_time / (2 * single * number))))
    rounds = {kind: {"first": [], "second": [], "ratios": [], "pairs": []} for kind in ("measured", "wall")}
    for round_index in range(job.repeat):
        samples = {kind: [[], []] for kind in rounds}
        ratios: dict[str, list[float]] = {kind: [] for kind in rounds}
        for pair in range(pairs):
            order = (0, 1) if (round_index * pairs + pair) % 2 == 0 else (1, 0)
            for which in order:
                sample = _sample(calls[which], number, device)
                samples["measured"][which].append(sample[measured])
                samples["wall"][which].append(sample[1])
            for kind in rounds:
                ratios[kind].append(samples[kind][1][-1] / max(samples[kind][0][-1], 1e-12))
        for kind, timing in rounds.items():
            timing["first"].append(statistics.median(samples[kind][0]))
            timing["second"].append(statistics.median(samples[kind][1]))
            timing["ratios"].append(statistics.median(ratios[kind]))
            timing["pairs"].append(ratios[kind])
    _write_json(job.result_path, dict(rounds["measured"], clock=clock, wall=dict(rounds["wall"], clock="wall"),
                                      status="ok", number=number, pairs_per_round=pairs))
