"""Run fixture programs in fresh processes, with a time limit, and collect what they measured.

The processes are forked from a server that has imported torch once
(forkserver.py): importing torch costs seconds, and paying it per program would
take most of the run. Each fork is still a new process that has run nothing.
Where fork does not exist (Windows) every program starts from scratch instead.
multiprocessing's own forkserver is not used: it re-imports the caller's
`__main__` in every child, which breaks callers such as `python - <script`.

No process outlives a job: each runs in its own session, under a memory limit
(`--memory-limit`), and what it leaves running is killed and reported
(forkserver.py, processes.py). Only the tail of a program's output is read back.

This module does not import torch: the server starts (and loads torch) while
the calling process loads its own.
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field

OUTPUT_TAIL_LINES = 25
OUTPUT_TAIL_BYTES = 256 * 1024  # read back at most this much of a program's output ...
OUTPUT_LINE_CHARS = 1000  # ... and show at most this much of one line
DEFAULT_MEMORY_LIMIT = 8 * 1024 ** 3
MIN_RUN_TIME = 0.2  # seconds per timing round (both programs): many short paired samples
# the profiler's own chatter on stderr is not the program's output
_PROFILER_NOISE = re.compile(r"^(USDT|STAGE):")


@dataclass
class Target:
    """One program a job runs: a function of a module, loaded from its file or from text in memory.

    Without a setup the function is called as function(device) (a fixture's
    workload), or function() when with_device is false; with one, setup(device)
    runs first, outside what is measured, and returns the arguments: a tuple
    (positional) or a dict (keywords)."""

    program: str  # the file: the module's __file__ and the name in its tracebacks
    module_name: str
    function: str
    source: str = ""  # the module's text to run instead of the file's (the fixed program); "": the file
    with_device: bool = True
    setup_program: str = ""
    setup_module_name: str = ""
    setup_function: str = ""


@dataclass
class Job:
    target: Target
    device: str
    result_path: str
    output_path: str
    values_path: str = ""
    search_path: str = ""  # the program's own folder (or its package's root), for imports of its neighbours
    # time_programs only: the second program and the timing budget
    other: Target | None = None
    repeat: int = 1
    min_run_time: float = 0.2  # seconds per round, both programs together
    memory_limit: int = 0  # bytes the job's process may use; 0: no limit

    def __post_init__(self):  # rebuilt from JSON in the fork server
        if isinstance(self.target, dict):
            self.target = Target(**self.target)
        if isinstance(self.other, dict):
            self.other = Target(**self.other)


@dataclass
class ProgramRun:
    """One program's run: status ok | raised | import-error | setup-error | crashed | timeout
    (setup-error: the setup function raised, or returned neither a tuple nor a dict)."""

    status: str
    exception: dict | None = None
    metrics: dict = field(default_factory=dict)
    values_path: str | None = None
    output: str = ""
    exitcode: int | None = None
    seconds: float = 0.0
    left_running: list[str] = field(default_factory=list)  # "pid command", killed after the run
    memory_limit: int = 0

    @property
    def ran(self) -> bool:
        return self.status == "ok"

    @property
    def failed_to_run(self) -> bool:
        """Raised, crashed or timed out: the program did not complete."""
        return self.status in ("raised", "crashed", "timeout")

    @property
    def over_memory_limit(self) -> bool:
        """Raised for want of memory while a limit was set: most likely that limit."""
        return bool(self.memory_limit and self.exception and self.exception.get("out_of_memory"))

    def describe_failure(self) -> str:
        if self.exception:
            where = f" (line {self.exception['line']})" if self.exception.get("line") else ""
            first_line = (self.exception["message"].strip().splitlines() or [""])[0]
            text = f"{self.exception['type']}: {first_line}".rstrip(": ")
            if self.over_memory_limit:
                where += f", over the memory limit of {format_size(self.memory_limit)} (--memory-limit)"
            return f"{text}{where}"
        if self.status == "timeout":
            return f"no result within {self.seconds:.0f} s (killed)"
        if self.status == "crashed":
            return f"the process died ({_exit_description(self.exitcode)})"
        return self.status


CLOCKS = {"thread_cpu": "thread CPU time", "wall": "wall time"}


def timing_clock(device: str) -> str:
    """What time verdicts are judged in: the thread's CPU time on CPU; on CUDA, where the
    work runs on the device, wall time after a synchronize."""
    return "wall" if device.startswith("cuda") else "thread_cpu"


@dataclass
class Timing:
    """Per round: each program's median sample (seconds), the median of the
    paired ratios second/first, and every paired ratio; on `clock` (thread_cpu
    on CPU: the time the workload's thread ran, which other processes do not
    move; wall on CUDA, where the work runs on the device). `wall` holds the same
    samples in wall time, for information."""

    first: list[float]
    second: list[float]
    ratios: list[float]
    pairs: list[list[float]] = field(default_factory=list)
    clock: str = "wall"
    wall: Timing | None = None

    @classmethod
    def from_json(cls, data: dict) -> Timing:
        wall = data.get("wall")
        return cls(data["first"], data["second"], data["ratios"], data["pairs"], data.get("clock", "wall"),
                   cls.from_json(wall) if wall else None)

    @property
    def all_pairs(self) -> list[float]:
        return [ratio for round_pairs in self.pairs for ratio in round_pairs] or list(self.ratios)

    @property
    def ratio(self) -> float:
        """The median over every pair of every round."""
        return statistics.median(self.all_pairs)

    @property
    def first_median(self) -> float:
        return statistics.median(self.first)

    @property
    def second_median(self) -> float:
        return statistics.median(self.second)


def _exit_description(code: int | None) -> str:
    if code is None:
        return "no exit status"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3, "t": 1024 ** 4}


def parse_size(text: str) -> int:
    """'8G', '512MiB', '1.5g', '1000000' (bytes), '0' or 'none' (no limit) -> bytes; ValueError otherwise."""
    if text.strip().lower() in ("0", "none"):
        return 0
    match = _SIZE.match(text)
    if match is None:
        raise ValueError(f"not a size: {text!r} (write e.g. 8G, 512M or none)")
    nbytes = int(float(match.group(1)) * _UNITS[match.group(2).lower()])
    if nbytes <= 0:
        raise ValueError(f"not a size: {text!r} (write e.g. 8G, 512M or none)")
    return nbytes


def format_size(nbytes: int) -> str:
    for unit, scale in (("GiB", 1024 ** 3), ("MiB", 1024 ** 2), ("KiB", 1024)):
        if nbytes >= scale:
            return f"{nbytes / scale:g} {unit}"
    return f"{nbytes} B"


class RunnerError(Exception):
    """The fork server itself failed (not a fixture): the run cannot go on."""


@dataclass
class Outcome:
    """How one job's process ended."""

    exitcode: int | None
    timed_out: bool
    seconds: float
    left_running: list[str] = field(default_factory=list)


class ForkServer:
    """The client side of forkserver.py: one request, one pid, one exit code."""

    def __init__(self):
        self._process: subprocess.Popen | None = None
        self._buffer = b""
        self._log = tempfile.TemporaryFile()

    def start(self) -> None:
        if self._process is None:
            # the server dies with the thread that starts it: start it from the one that waits on it
            self._process = subprocess.Popen(
                [sys.executable, "-m", "gradlint.verify.forkserver", "--parent", str(os.getpid())],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
            )

    def _failure(self) -> RunnerError:
        self._log.seek(0)
        tail = self._log.read().decode("utf-8", "replace").strip().splitlines()[-5:]
        return RunnerError("the verifier's fork server stopped" + (": " + " / ".join(tail) if tail else ""))

    def _read_line(self, timeout: float | None) -> str | None:
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([self._process.stdout], [], [], remaining)
            if not ready:
                return None
            data = os.read(self._process.stdout.fileno(), 4096)
            if not data:
                raise self._failure()
            self._buffer += data
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode()

    def run(self, entry: str, job: Job, timeout: float) -> Outcome:
        self.start()
        try:
            self._process.stdin.write((json.dumps({"entry": entry, "job": asdict(job)}) + "\n").encode())
            self._process.stdin.flush()
        except OSError:
            raise self._failure() from None
        pid = int(self._read_line(None))  # the first request also waits for torch to load
        started = time.monotonic()
        try:
            answer = self._read_line(timeout)
        except BaseException:  # interrupted: leave nothing running
            _kill(pid)
            raise
        timed_out = answer is None
        if timed_out:
            _kill(pid)
            answer = self._read_line(None)
        seconds = time.monotonic() - started
        ended = json.loads(answer)
        return Outcome(ended["exitcode"], timed_out, seconds, ended["left"])

    def close(self) -> None:
        if self._process is not None:
            self._process.stdin.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process.stdout.close()
            self._process = None
        self._log.close()


def _kill(pid: int) -> None:
    """The job and its process group (it leads one: forkserver.py); the server sweeps up the rest."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _run_alone(entry: str, job: Job, timeout: float) -> Outcome:
    """Without fork: a new interpreter per job, in a new session where there is one."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "gradlint.verify.forkserver", "--single", "--parent", str(os.getpid())],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=hasattr(os, "setsid"),
    )
    try:
        process.communicate(json.dumps({"entry": entry, "job": asdict(job)}).encode(), timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        if hasattr(os, "killpg"):
            _kill(process.pid)
        else:
            process.kill()
        process.wait()
        timed_out = True
    return Outcome(process.returncode, timed_out, time.monotonic() - started)


def read_output(path: str, lines: int = OUTPUT_TAIL_LINES) -> str:
    """The last `lines` lines of a program's output, read from the end of the file:
    at most OUTPUT_TAIL_BYTES in memory however much the program printed."""
    try:
        with open(path, "rb") as handle:
            end = handle.seek(0, os.SEEK_END)
            size = 8192
            while True:
                start = max(0, end - size)
                handle.seek(start)
                chunk = handle.read(end - start)
                pieces = chunk.decode("utf-8", "replace").splitlines()
                if start > 0 and len(pieces) > 1:
                    pieces = pieces[1:]  # begins inside a line (unless that line is all there is)
                kept = [line for line in pieces if not _PROFILER_NOISE.match(line)]
                if len(kept) >= lines or start == 0 or size >= OUTPUT_TAIL_BYTES:
                    break
                size = min(size * 4, OUTPUT_TAIL_BYTES)
    except OSError:
        return ""
    shown = [line if len(line) <= OUTPUT_LINE_CHARS else line[:OUTPUT_LINE_CHARS] + " [...]" for line in kept[-lines:]]
    return "\n".join(shown)


class ProcessRunner:
    def __init__(self, device: str, timeout: float, repeat: int, min_run_time: float = MIN_RUN_TIME,
                 memory_limit: int = DEFAULT_MEMORY_LIMIT):
        self.device = device
        self.timeout = timeout
        self.repeat = repeat
        self.min_run_time = min_run_time
        self.memory_limit = memory_limit
        self._server = ForkServer() if hasattr(os, "fork") else None

    def start(self) -> None:
        """Start the fork server now, so that it loads torch while this process does other work."""
        if self._server is not None:
            self._server.start()

    def close(self) -> None:
        if self._server is not None:
            self._server.close()

    def _run(self, entry: str, job: Job, timeout: float) -> Outcome:
        job.memory_limit = self.memory_limit
        if self._server is None:
            return _run_alone(entry, job, timeout)
        return self._server.run(entry, job, timeout)

    def measure(self, target: Target, workdir: str, tag: str, search_path: str) -> ProgramRun:
        job = Job(
            target=target,
            device=self.device,
            result_path=os.path.join(workdir, f"{tag}.json"),
            output_path=os.path.join(workdir, f"{tag}.out"),
            values_path=os.path.join(workdir, f"{tag}.values.pt"),
            search_path=search_path,
        )
        outcome = self._run("measure_program", job, self.timeout)
        ended = dict(output=read_output(job.output_path), exitcode=outcome.exitcode, seconds=outcome.seconds,
                     left_running=outcome.left_running, memory_limit=self.memory_limit)
        if outcome.timed_out:
            return ProgramRun("timeout", **ended)
        try:
            with open(job.result_path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            return ProgramRun("crashed", **ended)
        status = data.pop("status")
        exception = data.pop("exception", None)
        values = job.values_path if status == "ok" and os.path.exists(job.values_path) else None
        return ProgramRun(status, exception=exception, metrics=data, values_path=values, **ended)

    def time_pair(self, first: Target, second: Target, workdir: str, search_path: str) -> tuple[Timing | None, str]:
        """Interleaved timing of two programs in one process; (timing, problem)."""
        job = Job(
            target=first, other=second, device=self.device, repeat=self.repeat, min_run_time=self.min_run_time,
            result_path=os.path.join(workdir, "timing.json"), output_path=os.path.join(workdir, "timing.out"),
            search_path=search_path,
        )
        # a warm-up and a calibration run each, then rounds of about min_run_time
        # (longer when one sample alone exceeds it)
        limit = self.timeout * 2 + self.repeat * self.min_run_time * 4
        outcome = self._run("time_programs", job, limit)
        if outcome.timed_out:
            return None, f"timing gave no result within {outcome.seconds:.0f} s"
        try:
            with open(job.result_path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            tail = read_output(job.output_path, 3)
            return None, f"timing failed ({_exit_description(outcome.exitcode)}){': ' + tail if tail else ''}"
        return Timing.from_json(data), ""
