"""Render verification results: a text table with details, JSON, a Markdown table, a plot."""

from __future__ import annotations

import json
import os

from gradlint.verify.runner import CLOCKS, timing_clock
from gradlint.verify.verdict import (
    THRESHOLDS,
    TIME_ALPHA,
    FixtureResult,
    compared_label,
    leak_effect,
    size,
)

COLUMNS = ("fixture", "codes", "claim", "peak memory", "saved for backward", "retained / iteration",
           "time (after/before)", "verdict")


def _metric(run, name):
    return run.metrics.get(name) if run is not None and run.ran else None


def _pair(result: FixtureResult, name: str, arrow: str) -> str:
    before, after = _metric(result.original, name), _metric(result.fixed, name)
    if before is None and after is None:
        return "-"
    if after is None:
        return size(before)
    return f"{size(before)} {arrow} {size(after)}"


def _run_state(run) -> str:
    if run is None:
        return "-"
    return {"raised": "raises", "import-error": "import error", "crashed": "crashes", "timeout": "hangs"}.get(
        run.status, "runs")


def cells(result: FixtureResult, arrow: str = "->") -> list[str]:
    fixture = result.fixture
    original, fixed = result.original, result.fixed
    codes = ", ".join(fixture.expect) or "none"
    if original is not None and not original.ran:
        peak = saved = retained = f"{_run_state(original)} {arrow} {_run_state(fixed)}"
    else:
        peak = _pair(result, "peak_bytes", arrow)
        saved = _pair(result, "saved_bytes", arrow)
        flag, per_iteration, _ = leak_effect(result)
        if per_iteration is None:
            retained = "-"
        elif flag == 0:
            retained = "~0"  # below the leak threshold
        else:
            retained = f"{size(abs(per_iteration))} {'less' if per_iteration > 0 else 'more'}"
    timing = result.timing
    if timing is not None and timing.ratios:
        ratios = timing.ratios
        time_cell = f"x{timing.ratio:.2f}" + (f" ({min(ratios):.2f}-{max(ratios):.2f})" if len(ratios) > 1 else "")
    else:
        time_cell = "-"
    verdict = ("ok: " if result.ok else "FAIL: ") + result.verdict
    return [fixture.name, codes, fixture.claim, peak, saved, retained, time_cell, verdict]


def _summary(results: list[FixtureResult]) -> str:
    failed = sum(not r.ok for r in results)
    return (f"{len(results)} fixture{'s' if len(results) != 1 else ''}: "
            f"{len(results) - failed} confirmed, {failed} failed.")


def render_text(results: list[FixtureResult], device: str, repeat: int) -> str:
    rows = [list(COLUMNS)] + [cells(r) for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    lines.append("")
    for result in results:
        mark = "ok  " if result.ok else "FAIL"
        lines.append(f"{mark} {result.fixture.path}: {result.verdict}")
        if result.detail:
            lines.append(f"     {result.detail}")
        if result.static.reported:
            fix = f"{result.static.fixes_applied} fix{'es' if result.static.fixes_applied != 1 else ''} applied"
            if result.static.no_fix:
                fix += f"; no fix for {', '.join(result.static.no_fix)}"
            lines.append(f"     reported: {', '.join(result.static.reported)} ({fix})")
        if result.compared == "advised":
            lines.append("     compared with the fixture's advised() variant (gradlint reports nothing to fix)")
        if result.fixture.note:
            lines.append(f"     note: {result.fixture.note}")
        for problem in result.problems:
            lines.append(f"     problem: {problem}")
        if not result.ok:
            for label, run in (("original", result.original), (compared_label(result), result.fixed)):
                if run is not None and run.status != "ok" and run.output.strip():
                    lines.append(f"     output of {label} ({run.status}):")
                    lines.extend(f"       | {line}" for line in run.output.splitlines())
    lines.append("")
    lines.append(f"device {device}, {repeat} timing round{'s' if repeat != 1 else ''} "
                 f"({CLOCKS[timing_clock(device)]}). {_summary(results)}")
    return "\n".join(lines) + "\n"


def render_markdown(results: list[FixtureResult], device: str, repeat: int) -> str:
    def row(values):
        return "| " + " | ".join(v.replace("|", "\\|") for v in values) + " |"

    lines = [row(COLUMNS), "|" + "---|" * len(COLUMNS)]
    lines += [row(cells(r, arrow="→")) for r in results]
    notes = [(r.fixture.name, r.fixture.note) for r in results if r.fixture.note]
    failures = [(r.fixture.name, p) for r in results if not r.ok for p in r.problems]
    lines.append("")
    lines.append(f"Device {device}, {repeat} interleaved timing round{'s' if repeat != 1 else ''} "
                 f"({CLOCKS[timing_clock(device)]}); {_summary(results)}")
    if notes:
        lines.append("")
        lines += [f"- `{name}`: {note}" for name, note in notes]
    if failures:
        lines.append("")
        lines += [f"- `{name}` failed: {problem}" for name, problem in failures]
    return "\n".join(lines) + "\n"


def _run_json(run) -> dict | None:
    if run is None:
        return None
    exception = None
    if run.exception:
        exception = {k: run.exception.get(k) for k in ("type", "message", "line")}
    return {
        "status": run.status,
        "exception": exception,
        "metrics": {k: v for k, v in run.metrics.items()},
        "output": run.output,
        "exitcode": run.exitcode,
        "seconds": round(run.seconds, 3),
        "left_running": list(run.left_running),
    }


def render_json(results: list[FixtureResult], device: str, repeat: int) -> str:
    import torch

    entries = []
    for r in results:
        timing = None
        if r.timing is not None:
            timing = {
                "original_s": r.timing.first,
                "compared_s": r.timing.second,
                "ratios": r.timing.ratios,
                "pairs": r.timing.pairs,
                "ratio": r.timing.ratio if r.timing.ratios else None,
                "clock": r.timing.clock,
                "wall": None if r.timing.wall is None else {
                    "original_s": r.timing.wall.first, "compared_s": r.timing.wall.second,
                    "ratios": r.timing.wall.ratios, "pairs": r.timing.wall.pairs, "ratio": r.timing.wall.ratio},
            }
        entries.append({
            "path": r.fixture.path,
            "name": r.fixture.name,
            "claim": r.fixture.claim,
            "expect": list(r.fixture.expect),
            "allow": list(r.fixture.allow),
            "iterations": r.fixture.iterations,
            "note": r.fixture.note,
            "reported": r.static.reported,
            "fixes_applied": r.static.fixes_applied,
            "no_fix": r.static.no_fix,
            "compared": r.compared or None,
            "ok": r.ok,
            "verdict": r.verdict,
            "detail": r.detail,
            "problems": r.problems,
            "values_differ": r.values_differ,
            "original": _run_json(r.original),
            "fixed": _run_json(r.fixed),
            "time": timing,
            "time_problem": r.timing_problem or None,
        })
    document = {
        "device": device,
        "torch": torch.__version__,
        "repeat": repeat,
        "thresholds": dict(THRESHOLDS, time_sign_test_alpha=TIME_ALPHA),
        "fixtures": entries,
        "summary": {"fixtures": len(results), "confirmed": sum(r.ok for r in results),
                    "failed": sum(not r.ok for r in results)},
    }
    return json.dumps(document, indent=2) + "\n"


RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json}


def plot(results: list[FixtureResult], path: str, device: str) -> None:
    """Peak memory before/after and the time ratio per fixture, one PNG (needs matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    measured = [r for r in results if _metric(r.original, "peak_bytes") is not None]
    names = [r.fixture.name for r in measured]
    mib = 1024 * 1024
    before = [_metric(r.original, "peak_bytes") / mib for r in measured]
    after = [(_metric(r.fixed, "peak_bytes") or 0) / mib for r in measured]
    figure, (memory_axis, time_axis) = plt.subplots(2, 1, figsize=(max(8, 0.6 * len(names) + 3), 8))
    positions = range(len(names))
    memory_axis.bar([p - 0.2 for p in positions], before, width=0.4, label="original")
    memory_axis.bar([p + 0.2 for p in positions], after, width=0.4, label="fixed / advised")
    memory_axis.set_ylabel("peak memory (MiB)")
    memory_axis.set_xticks(list(positions), names, rotation=45, ha="right")
    memory_axis.legend()
    memory_axis.set_title(f"gradlint verify on {device}")
    timed = [r for r in measured if r.timing is not None and r.timing.ratios]
    for index, r in enumerate(timed):
        ratios = r.timing.ratios
        spread = [[r.timing.ratio - min(ratios)], [max(ratios) - r.timing.ratio]]
        time_axis.errorbar([index], [r.timing.ratio], yerr=spread,
                           fmt="o", capsize=4, color="C0")
    time_axis.axhline(1.0, color="grey", linewidth=0.8)
    time_axis.set_xticks(range(len(timed)), [r.fixture.name for r in timed], rotation=45, ha="right")
    time_axis.set_ylabel("time after / before")
    figure.tight_layout()
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
