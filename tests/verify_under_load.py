"""`gradlint verify`, run again and again while other processes keep the CPUs busy: do its verdicts hold?

    python tests/verify_under_load.py                      # the bundled fixtures, 10 runs, 2 busy processes
    python tests/verify_under_load.py --runs 3 --busy 2 gradlint/fixtures/inference_mode_small_ops.py

Each busy process spins on a core until the runs end (it is killed then) and
stops on its own after --busy-seconds or when this script dies, whichever comes
first. Prints, per fixture, the verdict of every run and the spread of its time
ratio (the judged clock, and wall time for information); exits 0 when every run
confirmed every fixture with the same verdict, else 1. tests/test_verify_under_load.py
runs a short version in the suite.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# spins until its deadline or until its parent is gone (then getppid changes)
_SPIN = "import os, time\nparent, end = os.getppid(), time.monotonic() + {seconds}\n" \
        "while time.monotonic() < end and os.getppid() == parent:\n    pass\n"


@contextlib.contextmanager
def busy(processes: int, seconds: float):
    """`processes` busy loops, each bounded to `seconds`, always killed on the way out."""
    spinners = [subprocess.Popen([sys.executable, "-c", _SPIN.format(seconds=seconds)]) for _ in range(processes)]
    try:
        yield spinners
    finally:
        for spinner in spinners:
            spinner.kill()
        for spinner in spinners:
            spinner.wait()


def verify_once(paths: list[str], repeat: int | None, timeout: float) -> dict:
    """One `gradlint verify --output-format json` run: its exit code and document."""
    command = [sys.executable, "-m", "gradlint", "verify", "--device", "cpu", "--output-format", "json", *paths]
    if repeat is not None:
        command[4:4] = ["--repeat", str(repeat)]
    proc = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=timeout)
    try:
        document = json.loads(proc.stdout)
    except ValueError:
        raise RuntimeError(f"gradlint verify gave no JSON (exit {proc.returncode}): {proc.stderr[-2000:]}") from None
    return {"exit": proc.returncode, "document": document}


def under_load(paths: list[str], runs: int, busy_processes: int, repeat: int | None = None,
               busy_seconds: float = 1800, timeout: float = 900) -> list[dict]:
    """`runs` verify runs while `busy_processes` spin; each run's exit code and JSON document."""
    results = []
    with busy(busy_processes, busy_seconds):
        for _ in range(runs):
            results.append(verify_once(paths, repeat, timeout))
    return results


def spread(results: list[dict]) -> dict[str, dict]:
    """Per fixture: the verdicts of the runs (ok or not, and the words), and the time ratios."""
    table: dict[str, dict] = {}
    for result in results:
        for entry in result["document"]["fixtures"]:
            row = table.setdefault(entry["name"], {"verdicts": [], "ratios": [], "wall": []})
            row["verdicts"].append(("ok: " if entry["ok"] else "FAIL: ") + entry["verdict"])
            timing = entry["time"]
            if timing and timing["ratio"] is not None:
                row["ratios"].append(timing["ratio"])
                if timing.get("wall"):
                    row["wall"].append(timing["wall"]["ratio"])
    return table


def stable(table: dict[str, dict]) -> bool:
    return all(len(set(row["verdicts"])) == 1 and row["verdicts"][0].startswith("ok: ") for row in table.values())


def render(table: dict[str, dict]) -> str:
    lines = ["fixture | verdicts | time ratio (judged clock) min-max | wall ratio min-max"]
    for name, row in table.items():
        verdicts = ", ".join(f"{count}x {verdict}" for verdict, count in
                             {v: row["verdicts"].count(v) for v in row["verdicts"]}.items())
        ratios = f"x{min(row['ratios']):.3f}-x{max(row['ratios']):.3f}" if row["ratios"] else "-"
        wall = f"x{min(row['wall']):.3f}-x{max(row['wall']):.3f}" if row["wall"] else "-"
        lines.append(f"{name} | {verdicts} | {ratios} | {wall}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", help="fixtures (default: the bundled ones)")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--busy", type=int, default=2, help="busy processes (default 2)")
    parser.add_argument("--busy-seconds", type=float, default=1800, help="each busy process stops by then anyway")
    parser.add_argument("--repeat", type=int, default=None, help="timing rounds per fixture (default: verify's)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    results = under_load(args.paths, args.runs, args.busy, args.repeat, args.busy_seconds)
    table = spread(results)
    print(render(table))
    exits = [result["exit"] for result in results]
    print(f"{args.runs} runs with {args.busy} busy processes in {time.monotonic() - started:.0f} s; exit codes {exits}")
    return 0 if stable(table) and set(exits) == {0} else 1


if __name__ == "__main__":
    sys.exit(main())
