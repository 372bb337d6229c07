"""Where a run's time goes: `gradlint check --show-timings`.

Each phase of each file is timed in CPU seconds of the process that did the
work (other programs on a busy machine do not inflate them): discover, read (the file, its decoding and its digest), cache (looking
up its entry), parse, model (the file's tree, imports and symbols), summaries
(its project-index summary), index (merging all summaries, once per run), rules
(the selected rules, with the analyses they build on demand) and report. The
report lists the time per phase summed over all files, and the slowest files
with their lines and their phases. Off unless asked for: then a phase costs one
context manager, nothing is recorded.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

PHASES = ("discover", "read", "cache", "parse", "model", "summaries", "index", "rules", "report")
SLOWEST = 10
# below this many lines a file's time is mostly the fixed cost of a file, not a rate per line
RATE_MIN_LINES = 1000

# (path, phase, seconds) in the order measured; None: not measuring
_records: list[tuple[str, str, float]] | None = None


def start() -> None:
    global _records
    _records = []


def stop() -> list[tuple[str, str, float]]:
    """What was recorded since start(); recording ends."""
    global _records
    records, _records = _records or [], None
    return records


def measuring() -> bool:
    return _records is not None


def take() -> list[tuple[str, str, float]]:
    """What was recorded so far (in a pool worker: for the job just done); recording goes on."""
    if _records is None:
        return []
    records = list(_records)
    _records.clear()
    return records


def add(records: list[tuple[str, str, float]]) -> None:
    """Records measured elsewhere (a pool worker's)."""
    if _records is not None:
        _records.extend(records)


@contextmanager
def phase(name: str, path: str = ""):
    if _records is None:
        yield
        return
    begin = time.process_time()
    try:
        yield
    finally:
        _records.append((path, name, time.process_time() - begin))


def render(records: list[tuple[str, str, float]], lines: dict[str, int], display=str) -> str:
    """The per-phase totals and the slowest files, as text for standard error."""
    totals = dict.fromkeys(PHASES, 0.0)
    per_file: dict[str, dict[str, float]] = {}
    for path, name, seconds in records:
        totals[name] = totals.get(name, 0.0) + seconds
        if path:
            phases = per_file.setdefault(path, {})
            phases[name] = phases.get(name, 0.0) + seconds
    whole = sum(totals.values()) or 1.0
    out = ["gradlint: time per phase (CPU seconds, summed over files and processes)"]
    out.extend(f"  {name:<10} {seconds:8.3f}  {100 * seconds / whole:5.1f}%" for name, seconds in totals.items())
    out.append(f"  {'total':<10} {sum(totals.values()):8.3f}")
    def spent(item):
        return sum(item[1].values())

    def rate(item):
        return spent(item) / max(lines.get(item[0], 0), 1) * 10_000

    def describe(item):
        path, phases = item
        detail = ", ".join(f"{name} {phases[name]:.3f}" for name in PHASES if name in phases)
        return f"  {spent(item):8.3f}  {display(path)} ({lines.get(path, 0)} lines, {rate(item):.2f} s per 10k lines: {detail})"

    slowest = sorted(per_file.items(), key=lambda item: -spent(item))[:SLOWEST]
    if slowest:
        out.append(f"gradlint: the {len(slowest)} slowest files (CPU seconds)")
        out.extend(map(describe, slowest))
    long_files = [item for item in per_file.items() if lines.get(item[0], 0) >= RATE_MIN_LINES]
    densest = sorted(long_files, key=lambda item: -rate(item))[:SLOWEST]
    if densest:
        out.append(f"gradlint: the {len(densest)} files of {RATE_MIN_LINES}+ lines slowest per line (CPU seconds)")
        out.extend(map(describe, densest))
    return "\n".join(out) + "\n"
