"""`gradlint verify`: the command's work, kept out of cli.py so that torch loads only here.

Exit codes: 0 every fixture confirmed, 1 a claim not confirmed or a fixed
program whose results differ, 2 usage error (bad path, no CUDA, no matplotlib,
no torch).
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
    """The fixtures/ folder next to the gradlint package (a source checkout), if any."""
    import gradlint

    folder = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(gradlint.__file__))), "fixtures")
    return folder if os.path.isdir(folder) else None


def run_verify(paths: list[str], device: str, repeat: int, output_format: str, plot_path: str | None,
               timeout: float, memory_limit: str = "8G") -> int:
    from gradlint.verify.runner import parse_size

    try:
        memory_bytes = parse_size(memory_limit)
    except ValueError as exc:
        return _error(f"--memory-limit: {exc}")
    if plot_path:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            return _error("--plot needs matplotlib, which is not installed (pip install 'gradlint[plot]')")

    from gradlint.verify.fixture import FixtureError, find_fixtures

    if not paths:
        folder = bundled_fixtures()
        if folder is None:
            return _error("no fixtures given and no bundled fixtures/ folder found; name fixture files or folders")
        paths = [os.path.relpath(folder)]
    # paths first: a typo should not wait for torch to load
    try:
        files = find_fixtures(paths)
    except FixtureError as exc:
        return _error(str(exc))
    if not files:
        return _error(f"no fixtures found in {', '.join(paths)} (a fixture declares CLAIM and EXPECT)")
    if importlib.util.find_spec("torch") is None:
        return _error("gradlint verify needs torch, which is not installed (pip install 'gradlint[verify]')")

    from gradlint.verify.runner import ProcessRunner, RunnerError

    # the fork server loads torch while this process loads its own copy
    runner = ProcessRunner("cpu", timeout, repeat, memory_limit=memory_bytes)
    runner.start()
    try:
        return _verify_and_report(files, runner, device, output_format, plot_path)
    except RunnerError as exc:
        return _error(str(exc))
    except Exception as exc:  # a bug of the verifier: one line, exit 2 (the project's rule for internal errors)
        return _error(f"internal error in the verifier: {type(exc).__name__}: {exc}")
    finally:
        runner.close()


def _verify_and_report(files: list[str], runner, device: str, output_format: str, plot_path: str | None) -> int:
    from gradlint.verify.report import RENDERERS, plot
    from gradlint.verify.session import resolve_device, verify_fixtures

    try:
        runner.device = resolve_device(device)
    except ValueError as exc:
        return _error(str(exc))

    def progress(number, total, result):
        mark = "ok" if result.ok else "FAIL"
        print(f"[{number}/{total}] {result.fixture.name}: {mark} {result.verdict}", file=sys.stderr, flush=True)

    results = verify_fixtures(files, runner=runner, progress=progress if sys.stderr.isatty() else None)
    sys.stdout.write(RENDERERS[output_format](results, runner.device, runner.repeat))
    if plot_path:
        try:
            plot(results, plot_path, runner.device)
        except OSError as exc:
            return _error(f"--plot {plot_path}: {exc.strerror or exc}")
    return EXIT_CONFIRMED if all(r.ok for r in results) else EXIT_FAILED
