"""Corpus-wide reliability check (issue 9) over real third-party PyTorch code. Not collected by pytest.

    python tests/corpus_check.py [--cache DIR] [--only NAME ...]

Downloads pinned wheels from PyPI with `pip download --no-deps` into a
git-ignored cache (.corpus_cache/ by default), unpacks every .py file, and runs
the real command line over each package:

1. lint: `gradlint check --output-format json --exit-zero`: no traceback, no
   internal error; counts files, findings per code and GL000 (files Python
   cannot parse);
2. fix all, safe and unsafe (`--fix --unsafe-fixes`) on a fresh copy: every
   fixed file that compiled before compiles after; files without an applicable
   fix stay byte-identical; BOM, CRLF and encoding are kept;
3. fix again: nothing left to change (the fixes converged).

Prints one block of counts per package and exits 1 if any check failed.
Takes a few minutes (transformers is large).
"""

from __future__ import annotations

import argparse
import codecs
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

from samples import compiles  # the script's own folder is on sys.path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name, version, extra `pip download` options (platform wheels are pinned to one platform)
PLATFORM = ["--only-binary=:all:", "--platform", "manylinux_2_28_x86_64", "--python-version", "3.11"]
PACKAGES = [
    ("torchvision", "0.24.1", PLATFORM),
    ("transformers", "4.57.1", []),
    ("timm", "1.0.19", []),
    ("pytorch-lightning", "2.5.5", []),
]


def fetch(name: str, version: str, options: list[str], wheels: str) -> str:
    """The wheel's path, downloaded once."""
    prefix = name.replace("-", "_").lower() + "-" + version + "-"
    found = [f for f in os.listdir(wheels) if f.lower().startswith(prefix) and f.endswith(".whl")]
    if not found:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", *options,
                        f"{name}=={version}", "-d", wheels], check=True)
        found = [f for f in os.listdir(wheels) if f.lower().startswith(prefix) and f.endswith(".whl")]
    if not found:
        raise SystemExit(f"corpus_check: pip did not leave a wheel for {name}=={version} in {wheels}")
    return os.path.join(wheels, sorted(found)[0])


def unpack(wheel: str, target: str) -> int:
    count = 0
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            if member.endswith(".py") and ".dist-info/" not in member:
                archive.extract(member, target)
                count += 1
    return count


def gradlint(*args: str, cwd: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gradlint", *args], cwd=cwd, capture_output=True, text=True)


def snapshot(folder: str) -> dict[str, bytes]:
    out = {}
    for base, _, files in os.walk(folder):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(base, name)
                with open(path, "rb") as handle:
                    out[os.path.relpath(path, folder)] = handle.read()
    return out


def serious(stderr: str) -> list[str]:
    """Lines of stderr that are gradlint's own failures, not the user's input."""
    return [line for line in stderr.splitlines()
            if "Traceback" in line or "internal error" in line or "unparsable" in line or "did not converge" in line]


def check_package(label: str, source: str, work: str) -> tuple[dict, list[str]]:
    problems: list[str] = []
    counts: dict = collections.OrderedDict()
    started = time.monotonic()

    lint = gradlint("check", "--no-cache", "--output-format", "json", "--exit-zero", ".", cwd=source)
    try:
        findings = json.loads(lint.stdout)
    except json.JSONDecodeError:
        return counts, [f"{label}: lint printed no JSON (exit {lint.returncode}): {lint.stderr[-500:]}"]
    problems += [f"{label}: lint: {line}" for line in serious(lint.stderr)]
    if lint.returncode != 0:
        problems.append(f"{label}: lint exited {lint.returncode}")
    by_code = collections.Counter(f["code"] for f in findings)
    fixable = {os.path.normpath(f["filename"]) for f in findings
               if f["fix"] and f["fix"]["applicability"] in ("safe", "unsafe")}
    before = snapshot(source)
    counts["files"] = len(before)
    counts["files that do not compile"] = sum(1 for data in before.values() if not compiles(data))
    counts["findings"] = len(findings)
    counts["findings by code"] = dict(sorted(by_code.items()))
    counts["files with an applicable fix"] = len(fixable)
    counts["lint seconds"] = round(time.monotonic() - started, 1)

    shutil.copytree(source, work)
    fix = gradlint("check", "--no-cache", "--fix", "--unsafe-fixes", ".", cwd=work)
    problems += [f"{label}: fix: {line}" for line in serious(fix.stderr)]
    if fix.returncode not in (0, 1):
        problems.append(f"{label}: fix exited {fix.returncode}: {fix.stderr.strip()[-300:]}")
    after = snapshot(work)
    changed = sorted(name for name in before if after.get(name) != before[name])
    counts["files changed by --fix --unsafe-fixes"] = len(changed)
    summary = [line for line in fix.stdout.splitlines() if line.startswith("Found")]
    counts["fix summary"] = summary[-1] if summary else "(none)"
    for name in changed:
        old, new = before[name], after[name]
        if os.path.normpath(name) not in fixable:
            problems.append(f"{label}: {name} changed without an applicable fix")
        if compiles(old) and not compiles(new):
            problems.append(f"{label}: {name} no longer compiles after fixing")
        if old.startswith(codecs.BOM_UTF8) != new.startswith(codecs.BOM_UTF8):
            problems.append(f"{label}: {name} lost or gained a BOM")
        if (b"\r\n" in old) != (b"\r\n" in new) or (b"\r" not in old and b"\r" in new):
            problems.append(f"{label}: {name} changed its line endings")
    again = gradlint("check", "--no-cache", "--fix", "--unsafe-fixes", ".", cwd=work)
    problems += [f"{label}: second fix: {line}" for line in serious(again.stderr)]
    after_again = snapshot(work)
    not_converged = sorted(name for name in after if after_again.get(name) != after[name])
    counts["files changed again by a second run"] = len(not_converged)
    problems += [f"{label}: {name} changed again on a second --fix run" for name in not_converged]
    counts["seconds"] = round(time.monotonic() - started, 1)
    return counts, problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", default=os.path.join(ROOT, ".corpus_cache"), help="where wheels are kept")
    parser.add_argument("--only", nargs="*", help="package names to check (default: all)")
    args = parser.parse_args()
    wheels = os.path.join(args.cache, "wheels")
    os.makedirs(wheels, exist_ok=True)
    all_problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="gradlint-corpus-") as scratch:
        for name, version, options in PACKAGES:
            if args.only and name not in args.only:
                continue
            label = f"{name}-{version}"
            wheel = fetch(name, version, options, wheels)
            source = os.path.join(scratch, label, "source")
            unpack(wheel, source)
            counts, problems = check_package(label, source, os.path.join(scratch, label, "fixed"))
            print(f"== {label}")
            for key, value in counts.items():
                print(f"   {key}: {value}")
            for problem in problems:
                print(f"   PROBLEM {problem}")
            sys.stdout.flush()
            all_problems += problems
    print(f"corpus_check: {len(all_problems)} problem(s)")
    return 1 if all_problems else 0


if __name__ == "__main__":
    sys.exit(main())
