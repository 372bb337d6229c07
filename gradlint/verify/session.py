"""Verify fixtures one after another: lint and fix, run both programs, compare, time, judge."""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Callable

import torch

from gradlint.verify.fixture import ADVISED, WORKLOAD, Fixture, FixtureError, find_fixtures, load_fixture
from gradlint.verify.runner import ProcessRunner, Target
from gradlint.verify.static import StaticCheck, check_fixture
from gradlint.verify.verdict import FixtureResult, judge
from gradlint.verify.worker import same_values

DEFAULT_REPEAT = 5
DEFAULT_TIMEOUT = 120.0


def resolve_device(requested: str) -> str:
    """cpu | cuda | auto -> the device to run on; ValueError when CUDA is asked for and absent."""
    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda: CUDA is not available to this torch build or machine")
    return requested


def _compare_values(first: str | None, second: str | None) -> str | None:
    if first is None or second is None:
        return None
    try:
        a = torch.load(first, weights_only=False)
        b = torch.load(second, weights_only=False)
    except Exception as exc:  # a value that does not round-trip cannot be compared
        return f"the returned values could not be loaded: {type(exc).__name__}: {exc}"
    return same_values(a, b)


def verify_one(path: str, runner: ProcessRunner, workdir: str) -> FixtureResult:
    try:
        fixture = load_fixture(path)
    except FixtureError as exc:
        invalid = FixtureResult(Fixture(path=path, text="", expect=(), claim="?"), StaticCheck())
        invalid.verdict, invalid.problems = "invalid fixture", [str(exc)]
        return invalid
    program = os.path.abspath(path)
    static = check_fixture(fixture)
    result = FixtureResult(fixture, static)
    original = Target(program, "_gradlint_fixture_original", WORKLOAD)
    second: Target | None = None
    fixed_parses = not any("does not parse" in e for e in static.errors)
    if (fixture.expect or not fixture.has_advised) and static.fixes_applied and fixed_parses:
        # the fixed program runs in memory, under the fixture's own file name
        second, result.compared = Target(program, "_gradlint_fixture_fixed", WORKLOAD, source=static.fixed_text), "fix"
    elif fixture.has_advised and not fixture.expect:
        # gradlint has nothing to fix here: measure the advice instead
        second, result.compared = Target(program, "_gradlint_fixture_advised", ADVISED), "advised"
    else:
        result.compared = ""
    measure_pair(result, original, second, runner, workdir, os.path.dirname(program))
    judge(result)
    return result


def measure_pair(result: FixtureResult, original: Target, second: Target | None, runner: ProcessRunner,
                 workdir: str, search_path: str) -> None:
    """Run the original and (where there is one) the changed program, compare their values, time them."""
    os.makedirs(workdir, exist_ok=True)
    result.original = runner.measure(original, workdir, "original", search_path)
    if second is not None and result.original.status not in ("import-error", "setup-error"):
        result.fixed = runner.measure(second, workdir, "fixed", search_path)
    if result.original.ran and result.fixed is not None and result.fixed.ran:
        unsaved = result.original.metrics.get("values_error") or result.fixed.metrics.get("values_error")
        if unsaved:
            result.values_differ = (f"the returned values cannot be compared ({unsaved}); "
                                    "return tensors, numbers, lists or dicts")
        else:
            result.values_differ = _compare_values(result.original.values_path, result.fixed.values_path)
        result.timing, result.timing_problem = runner.time_pair(original, second, workdir, search_path)


def verify_fixtures(
    paths: list[str],
    device: str = "cpu",
    repeat: int = DEFAULT_REPEAT,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Callable[[int, int, FixtureResult], None] | None = None,
    runner: ProcessRunner | None = None,
) -> list[FixtureResult]:
    """Every fixture under PATHS, verified; raises FixtureError for a path that does not exist.

    A runner passed in (already started, see ProcessRunner.start) brings its own
    device, repeat and timeout.
    """
    files = find_fixtures(paths)
    own_runner = runner is None
    runner = runner or ProcessRunner(device, timeout, repeat)
    workdir = tempfile.mkdtemp(prefix="gradlint-verify-")
    results = []
    try:
        for number, path in enumerate(files, 1):
            result = verify_one(path, runner, os.path.join(workdir, str(number)))
            results.append(result)
            if progress is not None:
                progress(number, len(files), result)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if own_runner:
            runner.close()
    return results
