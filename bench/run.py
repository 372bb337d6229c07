"""The speed benchmark: gradlint against TorchFix, Fixit and Ruff on the same real code.

    python bench/run.py                 # 3 interleaved rounds, prints a markdown report
    python bench/run.py --rounds 5 --readme   # also rewrite the table in README.md

The first run downloads the corpus and installs the other linters into
bench/.cache (see bench/prepare.py). Every round runs every tool once on each
corpus, in a rotated order, so a slow moment of the machine hits all tools
alike; the report gives medians over rounds and ratios to gradlint's cold run.

What is timed (wall clock, the whole command including interpreter start):
- TorchFix, Fixit (`fixit lint`), Ruff (`check --select ALL --no-cache --isolated`)
  on torchvision and transformers; Ruff alone on timm and on the large corpus
  (TorchFix and Fixit would take an hour there);
- gradlint cold: `gradlint check` with an empty cache folder (it fills it);
- gradlint warm: the same again, nothing changed;
- one small file: `gradlint check --no-cache` on a 100-line model file;
- LSP re-lint of a 1,000-line file: bench/lsp_latency.py's measure(), when present;
- peak memory: the memory of gradlint's process tree during a cold run on the
  large corpus, sampled every 10 ms in a separate, untimed run: the sum of each
  process's proportional set size (PSS: a page shared by the parent and its
  forked workers counts once, split between them), and the sum of their resident
  sizes (RSS, which counts such a page in every process) alongside;
- scaling, once, untimed by the rounds: `--no-cache --show-timings` runs over every
  fourth file, every second file and all of the large corpus, each with its CPU
  time (all processes, from getrusage), lines per CPU second, and the files
  slowest per line (from --show-timings).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(1, ROOT)

import prepare  # noqa: E402  (bench/ is not a package)

SMALL_FILE = ("torchvision", "torchvision/models/alexnet.py")
ANCHORED = ("torchvision", "transformers")  # every tool runs on these
RUFF_ONLY = ("timm", "large")  # Ruff and gradlint only
TARGETS = {"cold_ratio": 10.0, "ruff_ratio": 3.0, "warm_ruff_ratio": 0.3, "warm_s": 0.5, "small_s": 0.25,
           "lsp_ms": 50.0, "memory_mb": 250.0, "per_10k_lines_s": 1.0, "linear": 0.8}
SCALES = ((4, "1/4"), (2, "1/2"), (1, "all"))
SLOW_LINE = re.compile(r"^\s+([\d.]+)\s+(.+) \((\d+) lines, ([\d.]+) s per 10k lines")
# Runs a Python tool as `python -m MODULE` with os.cpu_count() equal to the CPUs this
# process may use: Fixit and TorchFix size their process pools by cpu_count, which
# ignores a CPU affinity (--cpus) and would start one worker per core of the host.
CPU_SHIM = (
    "import os, runpy, sys; n = len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count(); "
    "os.cpu_count = lambda: n; module = sys.argv.pop(1); sys.argv[0] = module; "
    "runpy.run_module(module, run_name='__main__', alter_sys=True)"
)
README_START = "<!-- bench:start -->"
README_END = "<!-- bench:end -->"


# -- running things ---------------------------------------------------------------


def gradlint_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    # an installed package has its bytecode compiled; measure that, not the compiler
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("NO_COLOR", None)
    return env


def gradlint_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "gradlint", "check", "--exit-zero", "--quiet", *args]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], env: dict | None = None, cwd: str | None = None, ok=(0, 1), cpu: list | None = None,
          stderr: list | None = None) -> float:
    """Wall seconds of the command; its CPU seconds (all its processes) appended to `cpu`, its
    standard error to `stderr`, when given."""
    used = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
    elapsed = time.perf_counter() - start
    if cpu is not None:
        cpu.append(_children_cpu() - used)
    if stderr is not None:
        stderr.append(proc.stderr.decode(errors="replace"))
    if proc.returncode not in ok:
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-3:]
        print(f"  warning: {os.path.basename(command[0])} exited {proc.returncode}: {' | '.join(tail)}", file=sys.stderr)
    return elapsed


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found.extend(int(c) for c in handle.read().split())
    except OSError:
        pass
    return found


def _memory_kb(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of one process in kB; PSS is 0 where the kernel has no smaps_rollup."""
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
    except OSError:
        pass
    return pss, rss


def peak_tree_memory_mb(command: list[str], env: dict, cwd: str | None = None) -> tuple[float, float] | None:
    """The highest total (PSS, RSS) in MB of the process and its descendants (Linux /proc)."""
    if not os.path.exists("/proc/self/smaps_rollup"):
        return None
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=cwd)
    peak_pss = peak_rss = 0
    while proc.poll() is None:
        pids, stack = [], [proc.pid]
        while stack:
            pid = stack.pop()
            pids.append(pid)
            stack.extend(_children(pid))
        sizes = [_memory_kb(pid) for pid in pids]
        peak_pss = max(peak_pss, sum(p for p, _ in sizes))
        peak_rss = max(peak_rss, sum(r for _, r in sizes))
        time.sleep(0.01)
    return peak_pss / 1024, peak_rss / 1024


def lsp_latency_ms():
    """bench/lsp_latency.py's measure(), if the editor benchmark exists: milliseconds or None."""
    if not os.path.exists(os.path.join(HERE, "lsp_latency.py")):
        return None
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = gradlint_env()["PYTHONPATH"]  # the server of this checkout
    try:
        import lsp_latency

        value = lsp_latency.measure()
    except Exception as exc:  # report, do not abort the whole benchmark
        print(f"  warning: lsp_latency.measure() failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return None
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved
    if isinstance(value, dict):
        value = next((v for k, v in value.items() if "median" in k), None)
    return float(value) if isinstance(value, (int, float)) else None


# -- the benchmark ----------------------------------------------------------------


def same_findings(files: list[str], env: dict, cache: str) -> str:
    """Do the cold, warm and uncached runs report exactly the same findings? (untimed)"""
    outputs = []
    for args in (("--cache-dir", cache), ("--cache-dir", cache), ("--no-cache",)):
        proc = subprocess.run(gradlint_command("--output-format", "json", *args, *files), env=env,
                              capture_output=True, text=True)
        outputs.append(proc.stdout)
    if len(set(outputs)) != 1:
        return "**no: the warm run differs**"
    import json

    return f"yes ({len(json.loads(outputs[0]))} findings)"


def count_lines(files: list[str]) -> int:
    total = 0
    for path in files:
        with open(path, "rb") as handle:
            total += handle.read().count(b"\n")
    return total


def scaled_corpus(files: list[str], step: int) -> str:
    """A folder holding every `step`-th file of the large corpus (hard links), each package in its
    own folder as in the original; made once."""
    folder = os.path.join(prepare.CACHE, "scale", f"every-{step}")
    chosen = files[::step]
    done = os.path.join(folder, ".complete")
    if os.path.exists(done):
        with open(done) as handle:
            if handle.read() == str(len(chosen)):
                return folder
    shutil.rmtree(folder, ignore_errors=True)
    for path in chosen:
        target = os.path.join(folder, os.path.relpath(path, prepare.CACHE))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        try:
            os.link(path, target)
        except OSError:
            shutil.copyfile(path, target)
    with open(done, "w") as handle:
        handle.write(str(len(chosen)))
    return folder


def slow_files(stderr: str) -> list[tuple[float, str, int, float]]:
    """(seconds, path, lines, seconds per 10k lines) from --show-timings' lists, slowest per line first."""
    found = {}
    for line in stderr.splitlines():
        match = SLOW_LINE.match(line)
        if match:
            found[match.group(2)] = (float(match.group(1)), match.group(2), int(match.group(3)), float(match.group(4)))
    return sorted(found.values(), key=lambda item: -item[3])


def scaling(files: list[str], env: dict) -> list[dict]:
    """Cold, uncached runs over 1/4, 1/2 and all of the large corpus: time, CPU, lines per CPU second."""
    rows = []
    for step, label in SCALES:
        folder = scaled_corpus(files, step)
        cpu, stderr = [], []
        wall = timed(gradlint_command("--no-cache", "--show-timings", folder), env, prepare.CACHE, ok=(0,),
                     cpu=cpu, stderr=stderr)
        lines = count_lines(files[::step])
        rows.append({"share": label, "files": len(files[::step]), "lines": lines, "wall": wall, "cpu": cpu[0],
                     "rate": lines / cpu[0] if cpu[0] else None, "slow": slow_files(stderr[0])})
    return rows


def run(rounds: int, anchors: bool, progress=None) -> dict:
    corpora = {name: prepare.corpus(name) for name in ANCHORED}
    large_files = prepare.large_corpus()
    timm = prepare.corpus("timm")
    # timm and the large corpus are named by folder, as one runs a linter on a project
    folders = {"timm": (os.path.dirname(os.path.dirname(timm[0])), timm), "large": (scaled_corpus(large_files, 1), large_files)}
    tools = {name: prepare.tool(name) for name in prepare.TOOLS} if anchors else {}
    env = gradlint_env()
    cache_root = tempfile.mkdtemp(prefix="gradlint-bench-")
    small = os.path.join(prepare.CORPUS, "torchvision-0.24.1", SMALL_FILE[1])

    def commands(name: str, paths: list[str]) -> dict:
        cache = os.path.join(cache_root, name)
        out = {
            "gradlint": (gradlint_command("--cache-dir", cache, *paths), env, cache),
        }
        if anchors and name in ANCHORED:
            out["torchfix"] = ([os.path.join(tools["torchfix"], "python"), "-c", CPU_SHIM, "torchfix", *paths], None, None)
            out["fixit"] = ([os.path.join(tools["fixit"], "python"), "-c", CPU_SHIM, "fixit", "lint", *paths], None, None)
        if anchors:
            out["ruff"] = ([os.path.join(tools["ruff"], "ruff"), "check", "--select", "ALL", "--no-cache",
                            "--isolated", "--exit-zero", *paths], None, None)
        return out

    targets = {**{name: (files, files) for name, files in corpora.items()},
               **{name: ([folder], files) for name, (folder, files) in folders.items()}}
    # one untimed run writes gradlint's bytecode (as an install would have)
    timed(gradlint_command("--no-cache", small), env, ok=(0, 1, 2))
    # the untimed checks first, so that a run cut short still reports them
    same = {name: same_findings(paths, env, os.path.join(cache_root, f"check-{name}"))
            for name, (paths, _) in targets.items()}
    memory = peak_tree_memory_mb(gradlint_command("--no-cache", folders["large"][0]), env, prepare.CACHE)
    lsp = lsp_latency_ms()
    scale = scaling(large_files, env)
    times: dict[tuple[str, str], list[float]] = {}
    cpu: dict[tuple[str, str], list[float]] = {}
    small_times: list[float] = []
    for number in range(rounds):
        print(f"round {number + 1}/{rounds}", file=sys.stderr)
        for name, (paths, files) in targets.items():
            plan = list(commands(name, paths).items())
            shift = number % len(plan)
            for tool, (command, tool_env, cache) in plan[shift:] + plan[:shift]:
                cwd = os.path.dirname(files[0]) if name in ANCHORED else prepare.CACHE
                if tool == "gradlint":
                    shutil.rmtree(cache, ignore_errors=True)
                    # --exit-zero: anything but 0 is an internal error, and is reported
                    for kind in ("cold", "warm"):
                        times.setdefault((name, kind), []).append(
                            timed(command, tool_env, cwd, ok=(0,), cpu=cpu.setdefault((name, kind), [])))
                else:
                    times.setdefault((name, tool), []).append(timed(command, tool_env, cwd, cpu=cpu.setdefault((name, tool), [])))
        for _ in range(5):
            small_times.append(timed(gradlint_command("--no-cache", small), env, ok=(0,)))
        results = {
            "corpora": {name: (len(files), count_lines(files)) for name, (_, files) in targets.items()},
            "times": times,
            "cpu": cpu,
            "small": small_times,
            "small_lines": count_lines([small]),
            "lsp_ms": lsp,
            "memory_mb": memory,
            "scaling": scale,
            "same_findings": same,
            "tools": {name: prepare.versions(bin_dir, prepare.TOOLS[name][:1]) for name, bin_dir in tools.items()},
            "rounds": number + 1,
        }
        if progress:
            progress(results)
    shutil.rmtree(cache_root, ignore_errors=True)
    return results


# -- the report ---------------------------------------------------------------------


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            model = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    memory = ""
    try:
        with open("/proc/meminfo") as handle:
            kb = int(next(line.split()[1] for line in handle if line.startswith("MemTotal")))
            memory = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration):
        pass
    return f"{model}, {cores} cores{memory}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def commit() -> str:
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    if os.environ.get("GRADLINT_BENCH_COMMIT"):  # a copy without .git (see README)
        return os.environ["GRADLINT_BENCH_COMMIT"]
    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + (" + uncommitted changes in gradlint/" if git("status", "--porcelain", "--", "gradlint") else "")


def _median(values):
    return statistics.median(values) if values else None


def _seconds(value) -> str:
    return "n/a" if value is None else f"{value:.2f} s"


def report(results: dict) -> str:
    import gradlint

    times, cpu, corpora = results["times"], results.get("cpu", {}), results["corpora"]
    names = [n for n in ANCHORED if n in corpora]
    version = {name: pin.split("==")[-1] for name, pin in results["tools"].items()}
    ruff_label = f"Ruff {version.get('ruff', '')} `--select ALL --no-cache`"
    cold_label = f"gradlint {gradlint.__version__} cold (empty cache)"
    warm_label = f"gradlint {gradlint.__version__} warm (nothing changed)"
    rows = [("torchfix", f"TorchFix {version.get('torchfix', '')}"),
            ("fixit", f"Fixit {version.get('fixit', '')}"),
            ("ruff", ruff_label), ("cold", cold_label), ("warm", warm_label)]

    def per_round_total(kind):
        series = [times.get((name, kind), []) for name in names]
        if not all(series):
            return []
        return [sum(values) for values in zip(*series)]

    def corpus_label(name):
        return f"{name} ({corpora[name][0]} files, {corpora[name][1] // 1000}k lines)"

    header = ["", *map(corpus_label, names), "both"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for kind, label in rows:
        if not any(times.get((n, kind)) for n in names):
            continue
        cells = []
        for values, cold_values in [*((times.get((n, kind), []), times.get((n, "cold"), [])) for n in names),
                                    (per_round_total(kind), per_round_total("cold"))]:
            median, cold = _median(values), _median(cold_values)
            text = _seconds(median)
            if median is not None and cold and kind not in ("cold", "warm"):
                ratio = median / cold
                text += f" ({ratio:.0f}x gradlint cold)" if ratio >= 10 else f" ({ratio:.2g}x gradlint cold)"
            cells.append(text)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    table = "\n".join(lines)

    # timm and the large corpus: gradlint against Ruff, wall time and CPU time of all processes
    big = [n for n in RUFF_ONLY if n in corpora]

    def vs_ruff(name, kind):
        median, ruff = _median(times.get((name, kind), [])), _median(times.get((name, "ruff"), []))
        return median / ruff if median is not None and ruff else None

    big_lines = ["| " + " | ".join(["", *map(corpus_label, big)]) + " |", "|" + "---|" * (len(big) + 1)]
    for kind, label in (("ruff", ruff_label), ("cold", cold_label), ("warm", warm_label)):
        if not any(times.get((n, kind)) for n in big):
            continue
        cells = []
        for name in big:
            text = _seconds(_median(times.get((name, kind), [])))
            used = _median(cpu.get((name, kind), []))
            if used is not None:
                text += f", CPU {used:.2f} s"
            ratio = vs_ruff(name, kind)
            if kind != "ruff" and ratio is not None:
                text += f" ({ratio:.2g}x Ruff)"
            cells.append(text)
        big_lines.append(f"| {label} | " + " | ".join(cells) + " |")
    big_table = "\n".join(big_lines)

    scale = results.get("scaling") or []
    scale_lines = ["| share of the large corpus | files | lines | wall | CPU, all processes | lines per CPU second |",
                   "|---|---|---|---|---|---|"]
    for row in scale:
        rate = f"{row['rate']:,.0f}" if row["rate"] else "n/a"
        scale_lines.append(f"| {row['share']} | {row['files']} | {row['lines']:,} | {row['wall']:.2f} s | {row['cpu']:.2f} s | {rate} |")
    slow = scale[-1]["slow"] if scale else []
    long_slow = [item for item in slow if item[2] >= 1000]
    slow_lines = [f"- {path}: {seconds:.2f} s CPU for {count:,} lines ({per:.2f} s per 10k lines)"
                  for seconds, path, count, per in long_slow[:5]]

    torchfix_total, cold_total = _median(per_round_total("torchfix")), _median(per_round_total("cold"))
    warm_tv = _median(times.get(("torchvision", "warm"), []))
    small = _median(results["small"])
    lsp, memory = results["lsp_ms"], results["memory_mb"]

    def verdict(value, limit, smaller=True):
        if value is None:
            return "not measured"
        return "met" if (value <= limit if smaller else value >= limit) else "**missed**"

    def times_ruff(value):
        return "n/a" if value is None else f"{value:.2g}x"

    ratio = torchfix_total / cold_total if torchfix_total and cold_total else None
    linear = scale[-1]["rate"] / scale[0]["rate"] if len(scale) > 1 and scale[0]["rate"] and scale[-1]["rate"] else None
    worst = long_slow[0][3] if long_slow else None
    targets = [
        ("cold run: at most 1/10 of TorchFix's time (torchvision and transformers)", f"1/{ratio:.0f}" if ratio else "n/a", verdict(ratio, TARGETS["cold_ratio"], smaller=False)),
        *((f"cold run on {name}: at most {TARGETS['ruff_ratio']:g}x Ruff", times_ruff(vs_ruff(name, "cold")), verdict(vs_ruff(name, "cold"), TARGETS["ruff_ratio"])) for name in big),
        *((f"warm run on {name}: at most {TARGETS['warm_ruff_ratio']:g}x Ruff's run", times_ruff(vs_ruff(name, "warm")), verdict(vs_ruff(name, "warm"), TARGETS["warm_ruff_ratio"])) for name in big),
        ("warm run on torchvision: at most 0.5 s", _seconds(warm_tv), verdict(warm_tv, TARGETS["warm_s"])),
        (f"one small file ({results['small_lines']} lines), interpreter start included: at most {TARGETS['small_s']:g} s", _seconds(small), verdict(small, TARGETS["small_s"])),
        (f"LSP re-lint of a 1,000-line file: at most {TARGETS['lsp_ms']:g} ms", "n/a" if lsp is None else f"{lsp:.0f} ms", verdict(lsp, TARGETS["lsp_ms"])),
        (f"peak memory (gradlint's process tree, cold, large corpus, PSS): at most {TARGETS['memory_mb']:g} MB",
         "n/a" if memory is None else f"{memory[0]:.0f} MB (RSS summed: {memory[1]:.0f} MB)", verdict(memory and memory[0], TARGETS["memory_mb"])),
        (f"linear: lines per CPU second on all of the large corpus at least {TARGETS['linear']:g}x those on a quarter", "n/a" if linear is None else f"{linear:.2f}x", verdict(linear, TARGETS["linear"], smaller=False)),
        (f"no file of 1,000+ lines over {TARGETS['per_10k_lines_s']:g} s (CPU) per 10k lines", "n/a" if worst is None else f"{worst:.2f} s", verdict(worst, TARGETS["per_10k_lines_s"])),
    ]
    target_lines = ["| target | measured | |", "|---|---|---|", *(f"| {a} | {b} | {c} |" for a, b, c in targets)]
    same = results.get("same_findings")
    if same:
        target_lines.append("")
        target_lines.append("Cold, warm and `--no-cache` runs report the same findings: "
                            + "; ".join(f"{name} {verdict}" for name, verdict in same.items()) + ".")
    when = datetime.date.today().isoformat()
    sections = [
        f"Measured {when} on {machine()}; gradlint commit {commit()}; "
        f"median of {results['rounds']} interleaved rounds, wall time including interpreter start.",
        table,
        big_table,
        "Scaling (one `--no-cache` run each, every fourth file, every second file, all):",
        "\n".join(scale_lines),
        "The files slowest per line (all of the large corpus, `--show-timings`):\n\n" + "\n".join(slow_lines) if slow_lines else "",
        "\n".join(target_lines),
    ]
    return "\n\n".join(section for section in sections if section) + "\n"


def update_readme(text: str) -> None:
    path = os.path.join(ROOT, "README.md")
    with open(path, encoding="utf-8") as handle:
        readme = handle.read()
    if README_START not in readme or README_END not in readme:
        print(f"README.md has no {README_START} ... {README_END} block; not updated", file=sys.stderr)
        return
    before, rest = readme.split(README_START, 1)
    _, after = rest.split(README_END, 1)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(f"{before}{README_START}\n{text}{README_END}{after}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--gradlint-only", action="store_true", help="skip TorchFix, Fixit and Ruff (quick)")
    parser.add_argument("--output", default=os.path.join(prepare.CACHE, "results.md"), help="where to write the markdown report")
    parser.add_argument("--readme", action="store_true", help="also replace the table in README.md")
    parser.add_argument("--cpus", type=int, help="run everything on this many CPUs only (Linux; e.g. 2 on a bigger machine)")
    args = parser.parse_args()
    if args.cpus:
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[: args.cpus])

    def progress(results):
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(report(results))

    try:
        results = run(max(1, args.rounds), anchors=not args.gradlint_only, progress=progress)
    except prepare.PrepareError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    text = report(results)
    print(text)
    with open(args.output, "w", encoding="utf-8") as handle:
        handle.write(text)
    if args.readme:
        update_readme(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
