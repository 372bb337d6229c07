"""`gradlint verify`: the command's work, kept out of cli.py so that torch loads only here.

Exit codes: 0 every fixture confirmed, 1 a claim not confirmed or a fixed
program whose results differ, 2 usage error (bad path, a file that is not a
fixture, no CUDA, no matplotlib, no torch; with --call: a FILE:FUNCTION that
does not exist, a module that fails at import, a setup that raises or returns
no arguments, nothing to fix).
"""

from __future__ import annotations

import importlib.util
import os
import sys

EXIT_CONFIRMED, EXIT_FAILED, EXIT_ERROR = 0, 1, 2


def _error(message: str) -> int:
    print(f"gradlint: error: {message}", file=sys.stderr)
    return EXIT_ERROR


def bundled_fixtures() -> str | None:
    """The fixtures/ folder shipped inside the gradlint package (package data), if any."""
    import gradlint

    folder = os.path.join(os.path.dirname(os.path.abspath(gradlint.__file__)), "fixtures")
    return folder if os.path.isdir(folder) else None


def _fixtures(paths: list[str]):
    """(the fixtures PATHS name, read and checked, or None; the exit code of a usage error).

    Torch is not loaded yet: a typo or a file that is not a fixture is told at once."""
    from gradlint.verify.fixture import FixtureError, find_fixtures, load_fixture

    if not paths:
        folder = bundled_fixtures()
        if folder is None:
            return None, _error("no fixtures given and no bundled fixtures/ folder found; name fixture files or folders")
        relative = os.path.relpath(folder)
        # relative where it lies below the current folder (a checkout), else absolute (an install)
        paths = [folder if relative.startswith(os.pardir) else relative]
    try:
        files = find_fixtures(paths)
        if not files:
            return None, _error(f"no fixtures found in {', '.join(paths)} (a fixture declares CLAIM and EXPECT)")
        return [load_fixture(path) for path in files], EXIT_CONFIRMED
    except FixtureError as exc:
        return None, _error(str(exc))


def list_fixtures(paths: list[str]) -> int:
    """`gradlint verify --list`: name, codes, claim and path of each fixture; runs nothing."""
    fixtures, code = _fixtures(paths)
    if fixtures is None:
        return code
    rows = [(fixture.name, ",".join(fixture.expect) or "none", fixture.claim, fixture.path) for fixture in fixtures]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3])
    return EXIT_CONFIRMED


def run_verify(paths: list[str], device: str, repeat: int, output_format: str, plot_path: str | None,
               timeout: float, memory_limit: str = "8G") -> int:
    # the fixtures first: a typo or a file that is not a fixture should not wait for torch to load
    fixtures, code = _fixtures(paths)
    if fixtures is None:
        return code
    files = [fixture.path for fixture in fixtures]
    runner, code = _start(timeout, repeat, memory_limit, plot_path)
    if runner is None:
        return code

    def verify(progress):
        from gradlint.verify.session import verify_fixtures

        return verify_fixtures(files, runner=runner, progress=progress)

    return _run(verify, runner, device, output_format, plot_path)


def run_call(call: str, setup: str | None, claim: str | None, device: str, repeat: int, output_format: str,
             plot_path: str | None, timeout: float, memory_limit: str = "8G") -> int:
    """`gradlint verify --call FILE:FUNCTION [--setup FILE:FUNCTION]`: the user's function before
    and after gradlint's fixes (gradlint/verify/call.py)."""
    from gradlint.verify.call import CallError, prepare, verify_call

    try:
        prepared = prepare(call, setup, claim)  # before torch loads: a typo is told at once
    except CallError as exc:
        return _error(str(exc))
    runner, code = _start(timeout, repeat, memory_limit, plot_path)
    if runner is None:
        return code
    return _run(lambda progress: [verify_call(call, setup, runner, prepared)], runner, device, output_format,
                plot_path)


def _start(timeout: float, repeat: int, memory_limit: str, plot_path: str | None):
    """(a started runner, or None; the exit code of a usage error). The fork server loads
    torch while this process loads its own copy."""
    from gradlint.verify.runner import ProcessRunner, parse_size

    try:
        memory_bytes = parse_size(memory_limit)
    except ValueError as exc:
        return None, _error(f"--memory-limit: {exc}")
    if plot_path:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            return None, _error("--plot needs matplotlib, which is not installed (pip install 'torch-gradlint[plot]')")
    if importlib.util.find_spec("torch") is None:
        return None, _error("gradlint verify needs torch, which is not installed (pip install 'torch-gradlint[verify]')")
    runner = ProcessRunner("cpu", timeout, repeat, memory_limit=memory_bytes)
    runner.start()
    return runner, EXIT_CONFIRMED


def _run(verify, runner, device: str, output_format: str, plot_path: str | None) -> int:
    """verify(progress) and its report; the runner closed whatever happens. Input that fails
    at run time (CallError) and a broken fork server are one line and exit 2, like a bug
    of the verifier (the project's rule for internal errors)."""
    from gradlint.verify.call import CallError
    from gradlint.verify.runner import RunnerError

    try:
        return _report(verify, runner, device, output_format, plot_path)
    except (CallError, RunnerError) as exc:
        return _error(str(exc))
    except Exception as exc:
        return _error(f"internal error in the verifier: {type(exc).__name__}: {exc}")
    finally:
        runner.close()


def _report(verify, runner, device: str, output_format: str, plot_path: str | None) -> int:
    """Run `verify(progress)` on the resolved device, print the results in the format asked for."""
    from gradlint.verify.report import RENDERERS, plot
    from gradlint.verify.session import resolve_device

    try:
        runner.device = resolve_device(device)
    except ValueError as exc:
        return _error(str(exc))

    def progress(number, total, result):
        mark = "ok" if result.ok else "FAIL"
        print(f"[{number}/{total}] {result.fixture.name}: {mark} {result.verdict}", file=sys.stderr, flush=True)

    results = verify(progress if sys.stderr.isatty() else None)
    sys.stdout.write(RENDERERS[output_format](results, runner.device, runner.repeat))
    if plot_path:
        try:
            plot(results, plot_path, runner.device)
        except OSError as exc:
            return _error(f"--plot {plot_path}: {exc.strerror or exc}")
    return EXIT_CONFIRMED if all(r.ok for r in results) else EXIT_FAILED
