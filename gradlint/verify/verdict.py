"""Turn two programs' measurements into one verdict per fixture, with its numbers and threshold.

Thresholds sit above the noise seen on a 2-core CPU machine: peak memory and
saved bytes are exact to the byte run after run, the C heap drifts by a few
bytes per iteration. Time is judged in thread CPU time on CPU (wall time on CUDA):
other processes take the core away but add nothing to it, so pairs stay within a
few percent of each other on a loaded machine, where wall time swings by tens of
percent.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

from gradlint.verify.fixture import Fixture
from gradlint.verify.runner import CLOCKS, ProgramRun, Timing, format_size
from gradlint.verify.static import StaticCheck

MIB = 1024 * 1024
MEMORY_MIN_BYTES = 1 * MIB  # a memory difference counts from 1 MiB ...
MEMORY_MIN_FRACTION = 0.05  # ... and 5% of the original's peak
LEAK_MIN_BYTES_PER_ITERATION = 1024  # a leak counts from 1 KiB per iteration ...
LEAK_MIN_BYTES = 64 * 1024  # ... and 64 KiB in all (the C heap drifts by a few KiB)
TIME_MIN_FRACTION = 0.05  # a time difference counts from 5% (median of all paired ratios) ...
TIME_ALPHA = 0.01  # ... when a sign test over the pairs says chance alone would rarely agree so often

RUN_STATES = {"raised": "raises", "crashed": "crashes", "timeout": "hangs", "import-error": "fails at import"}

THRESHOLDS = {
    "memory": f"at least 1 MiB and {MEMORY_MIN_FRACTION:.0%} of the original peak",
    "leak": "at least 1 KiB per iteration and 64 KiB in all",
    "time": (f"median paired ratio beyond x{1 - TIME_MIN_FRACTION:.2f} (or x{1 + TIME_MIN_FRACTION:.2f}), "
             f"and a sign test over the pairs at p <= {TIME_ALPHA}"),
}


@dataclass
class FixtureResult:
    fixture: Fixture
    static: StaticCheck
    compared: str = "fix"  # "fix": gradlint's fix | "advised": the fixture's advised() | "": nothing to compare
    original: ProgramRun | None = None
    fixed: ProgramRun | None = None
    timing: Timing | None = None
    timing_problem: str = ""
    values_differ: str | None = None
    ok: bool = False
    verdict: str = ""
    detail: str = ""
    problems: list[str] = field(default_factory=list)


def size(nbytes: float | None) -> str:
    if nbytes is None:
        return "n/a"
    sign = "-" if nbytes < 0 else ""
    value = abs(nbytes)
    for unit, scale in (("MiB", MIB), ("KiB", 1024)):
        if value >= scale:
            return f"{sign}{value / scale:.1f} {unit}"
    return f"{sign}{value:.0f} B"


def duration(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} us"


# -- the measured effects of the change -------------------------------------------


def _metric(run: ProgramRun | None, name: str):
    return run.metrics.get(name) if run is not None and run.ran else None


def memory_effect(result: FixtureResult) -> tuple[int, float | None]:
    """(-1 worse, 0 none, 1 saved) for peak memory, and the bytes saved."""
    before, after = _metric(result.original, "peak_bytes"), _metric(result.fixed, "peak_bytes")
    if before is None or after is None:
        return 0, None
    saved = before - after
    bar = max(MEMORY_MIN_BYTES, MEMORY_MIN_FRACTION * before)
    return (1 if saved >= bar else -1 if -saved >= bar else 0), saved


def saved_tensors_effect(result: FixtureResult) -> tuple[int, float | None]:
    before, after = _metric(result.original, "saved_bytes"), _metric(result.fixed, "saved_bytes")
    if before is None or after is None:
        return 0, None
    saved = before - after
    bar = max(MEMORY_MIN_BYTES, MEMORY_MIN_FRACTION * before)
    return (1 if saved >= bar else -1 if -saved >= bar else 0), saved


def leak_effect(result: FixtureResult) -> tuple[int, float | None, float | None]:
    """(-1/0/1, bytes per iteration no longer retained, graph nodes per iteration)."""
    before, after = _metric(result.original, "retained_bytes"), _metric(result.fixed, "retained_bytes")
    nodes_before, nodes_after = _metric(result.original, "retained_nodes"), _metric(result.fixed, "retained_nodes")
    n = result.fixture.iterations
    nodes = None if nodes_before is None or nodes_after is None else (nodes_before - nodes_after) / n
    if before is None or after is None:
        return 0, None, nodes
    per_iteration = (before - after) / n
    bar = max(LEAK_MIN_BYTES_PER_ITERATION, LEAK_MIN_BYTES / n)
    flag = 1 if per_iteration >= bar else -1 if -per_iteration >= bar else 0
    return flag, per_iteration, nodes


def sign_test(agreeing: int, pairs: int) -> float:
    """One-sided p: the chance that at least `agreeing` of `pairs` fair coin flips agree."""
    return sum(math.comb(pairs, k) for k in range(agreeing, pairs + 1)) / 2 ** pairs


def time_effect(timing: Timing | None) -> int:
    """1 faster, -1 slower, 0 not measurable. On a loaded machine single pairs
    and whole rounds go astray; the median and the count of pairs that agree do not."""
    pairs = timing.all_pairs if timing is not None else []
    if not pairs:
        return 0
    median = statistics.median(pairs)
    faster = sum(ratio < 1 for ratio in pairs)
    slower = sum(ratio > 1 for ratio in pairs)
    if median <= 1 - TIME_MIN_FRACTION and sign_test(faster, len(pairs)) <= TIME_ALPHA:
        return 1
    if median >= 1 + TIME_MIN_FRACTION and sign_test(slower, len(pairs)) <= TIME_ALPHA:
        return -1
    return 0


def time_decidable(timing: Timing | None) -> bool:
    """Enough pairs that a unanimous result would pass the sign test."""
    pairs = len(timing.all_pairs) if timing is not None else 0
    return pairs > 0 and sign_test(pairs, pairs) <= TIME_ALPHA


# -- wording -----------------------------------------------------------------------


def compared_label(result: FixtureResult) -> str:
    return {"fix": "the fixed program", "advised": "the advised() variant"}.get(result.compared, "the comparison")


def memory_text(result: FixtureResult) -> str:
    before, after = _metric(result.original, "peak_bytes"), _metric(result.fixed, "peak_bytes")
    _, saved = memory_effect(result)
    if saved is None:
        return "peak n/a"
    share = f" ({saved / before:.0%})" if before else ""
    return f"peak {size(before)} -> {size(after)}: {size(saved)}{share} saved"


def saved_tensors_text(result: FixtureResult) -> str:
    before, after = _metric(result.original, "saved_bytes"), _metric(result.fixed, "saved_bytes")
    if before is None or after is None:
        return "saved for backward n/a"
    return f"saved for backward {size(before)} -> {size(after)}"


def leak_text(result: FixtureResult) -> str:
    _, per_iteration, nodes = leak_effect(result)
    n = result.fixture.iterations
    before, after = _metric(result.original, "retained_bytes"), _metric(result.fixed, "retained_bytes")
    node_text = f", {nodes:g} graph nodes per iteration" if nodes is not None else ""
    if per_iteration is None:
        return f"retained n/a{node_text}"
    return (f"retained after {n} iteration{'s' if n != 1 else ''} {size(before)} -> {size(after)}: "
            f"{size(per_iteration)} per iteration{node_text}")


def time_text(result: FixtureResult) -> str:
    timing = result.timing
    if timing is None or not timing.ratios:
        return f"time n/a{' (' + result.timing_problem + ')' if result.timing_problem else ''}"
    ratios = timing.ratios
    pairs = timing.all_pairs
    spread = f", rounds x{min(ratios):.2f}-x{max(ratios):.2f}" if len(ratios) > 1 else ", 1 round"
    faster = sum(ratio < 1 for ratio in pairs)
    wall = ""
    if timing.wall is not None and timing.clock != "wall":
        wall = (f" (wall time, for information: {duration(timing.wall.first_median)} -> "
                f"{duration(timing.wall.second_median)}, x{timing.wall.ratio:.2f})")
    return (f"{CLOCKS.get(timing.clock, timing.clock)} {duration(timing.first_median)} -> "
            f"{duration(timing.second_median)}: x{timing.ratio:.2f}{spread}, "
            f"{faster} of {len(pairs)} pairs faster{wall}")


# -- the verdict ---------------------------------------------------------------------


def judge(result: FixtureResult) -> None:
    """Set ok, verdict, detail and problems from the measurements."""
    fixture, original, fixed = result.fixture, result.original, result.fixed
    problems = list(result.static.problems)
    if original is not None and original.status == "import-error":
        problems.append(f"the fixture raised at import: {original.describe_failure()}")
    if fixed is not None and fixed.status == "import-error":
        problems.append(f"{compared_label(result)} raised at import: {fixed.describe_failure()}")
    for label, run in (("the original", original), (compared_label(result), fixed)):
        if run is not None and run.metrics.get("nondeterministic"):
            problems.append(f"{label} is not deterministic: {run.metrics['nondeterministic']}")
        if run is not None and run.over_memory_limit:
            problems.append(f"{label} ran out of memory under the limit of {format_size(run.memory_limit)} "
                            "(raise it with --memory-limit)")
        if run is not None and run.left_running:
            count = len(run.left_running)
            shown = "; ".join(run.left_running[:3]) + ("; ..." if count > 3 else "")
            problems.append(f"{label} left {count} process{'es' if count != 1 else ''} running "
                            f"(killed; a workload must wait for what it starts): {shown}")
    if result.values_differ and (fixture.claim != "results" or not comparable(result)):
        problems.append(f"the fixed program's results differ: {result.values_differ}")

    claim = fixture.claim
    verdict, detail, confirmed = "", "", False
    if claim == "crash":
        verdict, detail, confirmed = _judge_crash(result)
    elif original is None or not original.ran:
        if original is not None and original.failed_to_run:
            verdict = f"original {RUN_STATES[original.status]}"
            detail = f"the original does not complete: {original.describe_failure()}"
        elif original is not None:
            verdict = "import error"
    elif fixed is None:
        verdict = "nothing to compare"
        detail = "no fix applied and no advised() variant: nothing was measured against the original"
        confirmed = claim == "none"
    elif not fixed.ran:
        verdict = f"{'fix' if result.compared == 'fix' else 'advised()'} {RUN_STATES.get(fixed.status, 'fails')}"
        detail = f"{compared_label(result)} does not complete: {fixed.describe_failure()}"
    else:
        verdict, detail, confirmed = _judge_measured(result)
    if result.values_differ and claim != "results":
        verdict, confirmed = "fixed results differ", False
    if not confirmed:
        problems.append(f"claim '{claim}' not confirmed" + (f": {verdict}" if verdict else ""))
    result.verdict = verdict or "not measured"
    result.detail = detail
    result.problems = problems
    result.ok = confirmed and not problems


def comparable(result: FixtureResult) -> bool:
    """Could the two programs' returned values be loaded and compared (whatever the outcome)?"""
    return not (result.values_differ or "").startswith(("the returned values cannot", "the returned values could not"))


def _judge_results(result: FixtureResult) -> tuple[str, str, bool]:
    """The `results` claim: the fix changes what the program computes (GL5: the training state the
    rule names), so the returned values must differ; memory and time are not claimed."""
    if result.values_differ and comparable(result):
        return "results changed", f"{compared_label(result)} returns other values: {result.values_differ}", True
    return "results unchanged", f"{compared_label(result)} returns the same values as the original", False


def _judge_crash(result: FixtureResult) -> tuple[str, str, bool]:
    original, fixed = result.original, result.fixed
    if original is None:
        return "", "", False
    if original.status == "import-error":
        return "import error", "", False
    if not original.failed_to_run:
        return "no crash", "the original runs without error: nothing to fix", False
    what = original.describe_failure()
    if original.status == "timeout":
        # no rule predicts a hang: a crash claim needs the original to raise or die
        return "original hangs", f"original: {what}", False
    if result.compared == "" or fixed is None:
        if result.static.no_fix:
            codes = ", ".join(result.static.no_fix)
            detail = f"original: {what}; gradlint offers no fix ({codes} is display-only)"
            return "crash confirmed, no fix", detail, True
        return "crash confirmed, no fix", f"original: {what}; nothing was changed", False
    if fixed.ran:
        return "crash fixed", f"original: {what}; {compared_label(result)}: runs", True
    return "crash not fixed", f"original: {what}; {compared_label(result)}: {fixed.describe_failure()}", False


def _judge_measured(result: FixtureResult) -> tuple[str, str, bool]:
    claim = result.fixture.claim
    if claim == "results":
        return _judge_results(result)
    memory, _ = memory_effect(result)
    saved_tensors, _ = saved_tensors_effect(result)
    leak, _, _ = leak_effect(result)
    faster = time_effect(result.timing)
    numbers = {
        "memory": f"{memory_text(result)}; {saved_tensors_text(result)}",
        "leak": leak_text(result),
        "time": time_text(result),
    }
    if claim == "none":
        flags = (("memory", memory or saved_tensors), ("leak", leak), ("time", faster))
        effects = [name for name, flag in flags if flag]
        detail = "; ".join(numbers.values())
        if effects:
            return f"measurable difference ({', '.join(effects)})", detail, False
        thresholds = "; ".join(f"{name} {text}" for name, text in THRESHOLDS.items())
        return "no measurable difference", f"{detail} (thresholds: {thresholds})", True
    flag = {"memory": memory, "leak": leak, "time": faster}[claim]
    label = {"memory": "memory saved", "leak": "leak removed", "time": "time saved"}[claim]
    others = "; ".join(text for name, text in numbers.items() if name != claim)
    detail = f"{numbers[claim]} (threshold: {THRESHOLDS[claim]}); {others}"
    if flag == 1:
        return label, detail, True
    if claim == "time" and not time_decidable(result.timing):
        return "time not measurable (too few timed pairs: raise --repeat)", detail, False
    return ("costs more" if flag == -1 else "no measurable difference"), detail, False
