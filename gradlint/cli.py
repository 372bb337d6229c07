"""The `gradlint` command line (click), following Ruff's conventions.

Exit codes: 0 no findings (or all fixed, or none at `--fail-on`'s severity), 1 findings
remain, 2 usage, configuration or internal error.
"""

from __future__ import annotations

import os
import sys
import time
from typing import NoReturn

import click

from gradlint import __version__
from gradlint.verify.fixture import CLAIMS  # no torch: the fixture format only

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _say(message: str) -> None:
    """One line on stderr, whatever a file name in it holds (a newline, bytes that are not UTF-8)."""
    from gradlint.report import printable

    click.echo(printable(message), err=True)


def _fail(message: str) -> NoReturn:
    _say(f"gradlint: error: {message}")
    sys.exit(EXIT_ERROR)


def _guarded(command):
    """One line and exit code 2 for an unexpected exception, never a traceback (GRADLINT_DEBUG=1 shows it)."""
    import functools

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except BrokenPipeError:
            # the reader went away (`| head`): stop quietly, without a second error at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_FINDINGS)
        except KeyboardInterrupt:
            click.echo("gradlint: interrupted", err=True)
            sys.exit(130)
        except Exception as exc:
            if _interrupted(exc):
                # Ctrl-C while a class was being made (an import): Python wraps the KeyboardInterrupt
                # raised in `__set_name__` in a RuntimeError
                click.echo("gradlint: interrupted", err=True)
                sys.exit(130)
            if os.environ.get("GRADLINT_DEBUG"):
                raise
            _fail(f"internal error: {type(exc).__name__}: {exc} (set GRADLINT_DEBUG=1 for the traceback)")

    return run


def _interrupted(exc: BaseException) -> bool:
    """Was exc caused by a KeyboardInterrupt (its cause or context chain)?"""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def _split(values) -> tuple[str, ...]:
    out = []
    for value in values or ():
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return tuple(out)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gradlint")
def main() -> None:
    """gradlint: find where autograd wastes memory, keeps graphs alive or is about to raise."""


@main.command()
# readable=False: an unreadable path gets gradlint's own line (README's table), not click's usage error
@click.argument("paths", nargs=-1, type=click.Path(readable=False))
@click.option("--fix", is_flag=True, help="Apply safe fixes.")
@click.option("--unsafe-fixes", "unsafe_fixes", is_flag=True, default=None, help="Also apply (and show as fixable) unsafe fixes.")
@click.option("--diff", is_flag=True, help="Print the fixes as a diff instead of writing them.")
@click.option("--select", multiple=True, help="Only these codes or prefixes (comma-separated).")
@click.option("--ignore", multiple=True, help="Skip these codes or prefixes.")
@click.option("--extend-select", "extend_select", multiple=True, help="Add codes to the selection.")
@click.option("--output-format", "output_format", type=click.Choice(["text", "json", "sarif", "github", "lsp"]), default="text", show_default=True)
@click.option("--exit-zero", "exit_zero", is_flag=True, help="Exit 0 even when findings remain.")
@click.option("--fail-on", "fail_on", type=click.Choice(["error", "warning", "info"]), default=None,
              help="Exit 1 only if a finding of this severity or worse remains (default: any finding).")
@click.option("--statistics", is_flag=True, help="Count findings per rule.")
@click.option("--config", "config_file", type=click.Path(readable=False), help="Use this pyproject.toml or gradlint.toml.")
@click.option("--stdin-filename", "stdin_filename", help="The name to report for source read from standard input (path `-`).")
@click.option("--force-exclude", "force_exclude", is_flag=True, help="Apply excludes to files named on the command line too.")
@click.option("--no-cache", "no_cache", is_flag=True, help="Do not read or write the cache.")
@click.option("--cache-dir", "cache_dir", type=click.Path(), help="Where the cache lives (default .gradlint_cache).")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, no summary.")
@click.option("--show-timings", "show_timings", is_flag=True,
              help="Afterwards, print the time per phase and the slowest files to standard error.")
@_guarded
def check(paths, fix, unsafe_fixes, diff, select, ignore, extend_select, output_format, exit_zero, fail_on, statistics,
          config_file, stdin_filename, force_exclude, no_cache, cache_dir, quiet, show_timings):
    """Lint PATHS (default: the current folder)."""
    from gradlint.config import ConfigError, NearestSettings, resolve_settings, validate_selectors
    from gradlint.discovery import DiscoveryError
    from gradlint.report import ReportContext, render
    from gradlint.rules import known_codes
    from gradlint.runner import display_path, run_check, run_stdin

    # as in Ruff, --stdin-filename without paths reads standard input
    paths = list(paths) or (["-"] if stdin_filename else ["."])
    reading_stdin = paths == ["-"]
    known = known_codes()
    start = stdin_filename if reading_stdin and stdin_filename else paths[0]
    if start == "-":
        start = "."
    if select and not _split(select):
        _fail("--select: empty selection, no rule would run (name codes or prefixes, such as --select GL3)")
    if statistics and output_format not in ("text", "json"):
        _fail(f"--statistics: not available with --output-format {output_format} (use text or json)")
    try:
        chosen = validate_selectors(_split(select), known, "--select") if select else None
        extended = validate_selectors(_split(extend_select), known, "--extend-select") if extend_select else ()
        ignored = validate_selectors(_split(ignore), known, "--ignore") if ignore else ()

        def with_command_line(found):
            # the command line's options go on top of whichever configuration a file has
            return found.with_overrides(
                select=chosen,
                extend_select=found.extend_select + extended if extended else None,
                ignore=found.ignore + ignored if ignored else None,
            )

        settings = with_command_line(
            resolve_settings(start if os.path.exists(start) else os.path.dirname(os.path.abspath(start)), known, config_file)
        )
        settings_for = None if config_file else NearestSettings(settings, known, with_command_line)
    except ConfigError as exc:
        _fail(str(exc))
    unsafe = settings.unsafe_fixes if unsafe_fixes is None else unsafe_fixes

    fixed_text = None
    try:
        if reading_stdin and (stdin_filename or "").endswith(".ipynb"):
            _fail(f"{stdin_filename}: a notebook is not read from standard input (name the file instead)")
        if reading_stdin:
            from gradlint.config import describe_sizes
            from gradlint.source import SourceError, SourceText

            text = sys.stdin.buffer.read(settings.max_file_size + 1)
            if len(text) > settings.max_file_size:
                limit = describe_sizes(len(text), settings.max_file_size)[1]
                _fail(f"{stdin_filename or '-'}: input is too large (over the {limit} limit; see max-file-size)")

            try:
                source = SourceText.from_bytes(text)
            except SourceError as exc:
                _fail(f"{stdin_filename or '-'}: {exc}")
            outcome, fixed_text = run_stdin(source.text, stdin_filename or "-", settings, fix=fix, unsafe=unsafe, diff=diff)
        else:
            from gradlint.progress import Progress

            progress = Progress(sys.stderr)
            try:
                outcome = run_check(paths, settings, fix=fix, unsafe=unsafe, diff=diff, force_exclude=force_exclude,
                                    cache=not no_cache, cache_dir=cache_dir, settings_for=settings_for,
                                    timed=show_timings, progress=progress)
            finally:
                progress.finish()
    except (DiscoveryError, ConfigError) as exc:
        _fail(str(exc))

    reporting = time.process_time()
    if outcome.files == 0 and not reading_stdin:
        _say(f"gradlint: warning: no Python files found in {' '.join(paths)}")
    for finding in outcome.findings:
        finding.path = display_path(finding.path) if not reading_stdin else finding.path
    outcome.findings.sort(key=lambda f: f.sort_key())

    if reading_stdin and fix and not diff:
        # the fixed source goes to stdout, in the input's own encoding, BOM and line endings; the report to stderr
        sys.stdout.flush()
        sys.stdout.buffer.write(source.to_bytes(fixed_text))
        sys.stdout.buffer.flush()
        report_stream = sys.stderr
    else:
        report_stream = sys.stdout

    if diff:
        # a file name that is not UTF-8 goes into the diff's header as its own bytes, for patch(1)
        if hasattr(sys.stdout, "reconfigure"):
            sys.stdout.reconfigure(errors="surrogateescape")
        for chunk in outcome.diffs:
            sys.stdout.write(chunk)
    elif not (quiet and output_format == "text" and not outcome.findings):
        context = ReportContext(
            root=settings.root if settings.source else os.getcwd(),
            color=output_format == "text" and report_stream.isatty() and not os.environ.get("NO_COLOR"),
            unsafe_fixes=unsafe,
            statistics=statistics,
            fixed=outcome.fixed,
            errors=len(outcome.errors),
        )
        rendered = render(output_format, outcome.findings, context)
        if quiet and output_format == "text":
            rendered = "".join(line + "\n" for line in rendered.splitlines() if ":" in line and not line.startswith(("Found", "[*]", "All checks")))
        report_stream.write(rendered)
    for warning in outcome.warnings:
        _say(f"gradlint: warning: {warning}")
    for error in outcome.errors:
        _say(f"gradlint: error: {error}")
    if show_timings and not reading_stdin:
        from gradlint import timings

        records = [*outcome.timings, ("", "report", time.process_time() - reporting)]
        report_stream.flush()
        for line in timings.render(records, outcome.lines, display_path).splitlines():
            _say(line)
    if outcome.errors:
        sys.exit(EXIT_ERROR)
    if diff:
        sys.exit(EXIT_FINDINGS if outcome.diffs and not exit_zero else EXIT_CLEAN)
    if _failing(outcome.findings, fail_on) and not exit_zero:
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_CLEAN)


def _failing(findings, fail_on: str | None) -> bool:
    """Is there a finding at or above `--fail-on`'s severity (any finding without it)?"""
    if fail_on is None:
        return bool(findings)
    from gradlint.finding import Severity

    floor = Severity(fail_on).rank
    return any(f.severity.rank >= floor for f in findings)


@main.command()
@click.option("--output-format", "output_format", type=click.Choice(["text", "json"]), default="text")
@_guarded
def rules(output_format):
    """List every rule: code, name, fixable."""
    import json

    from gradlint.rules import all_rules

    entries = [
        {"code": r.code, "name": r.name, "summary": r.summary, "fix": r.fix_applicability or "none"}
        for r in all_rules()
    ]
    if output_format == "json":
        click.echo(json.dumps(entries, indent=2))
        return
    width = max(len(e["name"]) for e in entries)
    click.echo(f"{'code':6} {'name':{width}} fix")
    for e in entries:
        click.echo(f"{e['code']:6} {e['name']:{width}} {e['fix']}")


@main.command()
@click.argument("code")
@_guarded
def explain(code):
    """Print a rule's documentation."""
    from gradlint.rules import rules_by_code

    rule = rules_by_code().get(code.upper())
    if rule is None:
        _fail(f"unknown rule code {code!r} (see `gradlint rules`)")
    click.echo(f"# {rule.code} {rule.name}\n")
    click.echo(f"Fix: {rule.fix_applicability or 'none'}\n")
    click.echo(rule.documentation())


@main.command()
@click.argument("location", metavar="PATH:LINE")
@_guarded
def debug(location):
    """Print what the analysis computed for the expressions on one line, and why each rule stayed quiet."""
    from gradlint.debug import DebugError, explain

    try:
        report = explain(location)
    except DebugError as exc:
        _fail(str(exc))
    click.echo(report, nl=False)


@main.command("generate-docs", hidden=True)
@click.option("--output", "output", type=click.Path(file_okay=False), default=None,
              help="The catalog folder (default: rules/ of gradlint's own source checkout).")
@click.option("--check", "check_only", is_flag=True, help="Exit 1 if a page is missing or stale, write nothing.")
@_guarded
def generate_docs(output, check_only):
    """Write rules/GLxxx.md from the rule classes (a maintainer's command, hidden from --help)."""
    from gradlint.docs import stale_pages

    if output is None:
        # never the current folder: a user's own rules/ must not be rewritten
        checkout = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        if not os.path.isfile(os.path.join(checkout, "pyproject.toml")) or not os.path.isdir(os.path.join(checkout, "rules")):
            _fail("generate-docs: gradlint is not running from its source checkout; name the catalog folder with --output")
        output = os.path.join(checkout, "rules")

    stale, orphans = stale_pages(output)
    if check_only:
        for path in stale:
            click.echo(f"{'stale' if os.path.exists(path) else 'missing'}: {path} (run `gradlint generate-docs`)", err=True)
        for path in orphans:
            click.echo(f"no such rule: {path} (run `gradlint generate-docs`)", err=True)
        sys.exit(EXIT_FINDINGS if stale or orphans else EXIT_CLEAN)
    os.makedirs(output, exist_ok=True)
    for path, text in stale.items():
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        click.echo(f"wrote {path}")
    for path in orphans:
        os.remove(path)
        click.echo(f"removed {path}")


@main.command()
def server():
    """Run the language server over stdin/stdout (needs the `lsp` extra)."""
    try:
        # imported here: `import gradlint.cli` must stay fast and work without pygls
        import lsprotocol.types  # noqa: F401
        import pygls.lsp.server  # noqa: F401
    except ImportError as exc:
        _fail(f"`gradlint server` needs pygls 2 and lsprotocol: pip install 'torch-gradlint[lsp]' ({exc})")
    from gradlint.server import serve

    serve()


@main.command()
@click.argument("fixtures", nargs=-1, type=click.Path())
@click.option("--device", type=click.Choice(["cpu", "cuda", "auto"]), default="auto", show_default=True,
              help="Where the workloads run; auto picks CUDA when present.")
@click.option("--repeat", type=click.IntRange(min=1), default=5, show_default=True, help="Interleaved timing rounds.")
@click.option("--output-format", "output_format", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True)
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False), help="Also draw the results into this PNG (needs matplotlib).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=120.0, show_default=True,
              help="Seconds each program may run before it is reported as hanging.")
@click.option("--memory-limit", "memory_limit", default="8G", show_default=True, metavar="SIZE",
              help="Memory each program may use (e.g. 512M, 8G; none: no limit); a program over it fails.")
@click.option("--list", "list_only", is_flag=True,
              help="List the fixtures (name, codes, claim, path) and run nothing; needs no torch.")
@click.option("--call", "call", metavar="FILE:FUNCTION",
              help="Instead of fixtures: call your own function before and after gradlint's fixes to its module.")
@click.option("--setup", "setup", metavar="FILE:FUNCTION",
              help="With --call: setup(device) returns the call's arguments, a tuple or a dict (default: none).")
@click.option("--claim", type=click.Choice(CLAIMS),
              help="With --call: what the fixes should change (default: what the codes reported there claim).")
def verify(fixtures, device, repeat, output_format, plot_path, timeout, memory_limit, list_only, call, setup, claim):
    """Run fixture programs before and after gradlint's fixes and measure what each fix saves (needs torch)."""
    # imported here: torch loads only for this command
    from gradlint.verify.command import list_fixtures, run_call, run_verify

    if call is None and (setup or claim):
        _fail(f"{'--setup' if setup else '--claim'} needs --call")
    if call is not None:
        if fixtures or list_only:
            _fail("--call measures one function: it takes no FIXTURES and no --list")
        sys.exit(run_call(call, setup, claim, device, repeat, output_format, plot_path, timeout, memory_limit))
    if list_only:
        sys.exit(list_fixtures(list(fixtures)))
    sys.exit(run_verify(list(fixtures), device, repeat, output_format, plot_path, timeout, memory_limit))


if __name__ == "__main__":
    main()
