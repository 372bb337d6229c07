"""Where a run's time goes: `gradlint check --show-timings`.

Each phase of each file is timed (wall clock, in whichever process did the
work): discover, read (the file, its decoding and its digest), cache (looking
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
    begin = time.perf_counter()
    try:
        yield
    finally:
        _records.append((path, name, time.perf_counter() - begin))


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
    out = ["gradlint: time per phase (seconds, summed over files and processes)"]
    out.extend(f"  {name:<10} {seconds:8.3f}  {100 * seconds / whole:5.1f}%" for name, seconds in totals.items())
    out.append(f"  {'total':<10} {sum(totals.values()):8.3f}")
    slowest = sorted(per_file.items(), key=lambda item: -sum(item[1].values()))[:SLOWEST]
    if slowest:
        out.append(f"gradlint: the {len(slowest)} slowest files (seconds)")
    for path, phases in slowest:
        spent = sum(phases.values())
        count = lines.get(path, 0)
        rate = f", {spent / count * 10_000:.2f} s per 10k lines" if count else ""
        detail = ", ".join(f"{name} {phases[name]:.3f}" for name in PHASES if name in phases)
        out.append(f"  {spent:8.3f}  {display(path)} ({count} lines{rate}: {detail})")
    return "\n".join(out) + "\n"
