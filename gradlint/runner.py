"""Run a whole `check`: discover files, build the project index, lint or fix each file."""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field

from gradlint.config import Settings
from gradlint.discovery import discover
from gradlint.engine import LintResult, build_index, fix_source, lint_source, read_or_error
from gradlint.finding import Finding
from gradlint.rules import known_codes
from gradlint.source import SourceText, write_atomic


@dataclass
class RunOutcome:
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    fixed: int = 0
    diffs: list[str] = field(default_factory=list)
    files: int = 0


def run_check(paths: list[str], settings: Settings, *, fix: bool = False, unsafe: bool = False,
              diff: bool = False, force_exclude: bool = False) -> RunOutcome:
    outcome = RunOutcome()
    files = discover(paths, settings, force_exclude=force_exclude)
    outcome.files = len(files)
    sources: dict[str, SourceText] = {}
    for path in files:
        source, error = read_or_error(path)
        if error:
            outcome.errors.append(error)
        else:
            sources[path] = source
    index = build_index(list(sources), {p: s.text for p, s in sources.items()})
    known = known_codes()
    for path, source in sources.items():
        codes = settings.codes_for(path, known)
        if fix or diff:
            result = fix_source(source, path, settings, index, unsafe=unsafe, codes=codes)
            outcome.errors.extend(result.remaining.errors)
            if result.text != source.text:
                if diff:
                    outcome.diffs.append(unified_diff(path, source.text, result.text))
                    # nothing was written: the findings stay as they are
                    outcome.findings.extend(lint_source(source, path, settings, index, codes).findings)
                    continue
                try:
                    write_atomic(path, source.to_bytes(result.text))
                except OSError as exc:
                    outcome.errors.append(f"{path}: cannot write fixes: {exc.strerror or exc}")
                    outcome.findings.extend(lint_source(source, path, settings, index, codes).findings)
                    continue
                outcome.fixed += result.fixed
            outcome.findings.extend(result.remaining.findings)
        else:
            result = lint_source(source, path, settings, index, codes)
            outcome.findings.extend(result.findings)
            outcome.errors.extend(result.errors)
    return outcome


def run_stdin(text: str, filename: str, settings: Settings, *, fix: bool, unsafe: bool, diff: bool) -> tuple[RunOutcome, str]:
    """Lint (or fix) text read from standard input as if it were `filename`."""
    outcome = RunOutcome(files=1)
    source = SourceText(text)
    codes = settings.codes_for(filename, known_codes())
    if fix or diff:
        result = fix_source(source, filename, settings, None, unsafe=unsafe, codes=codes)
        outcome.fixed = result.fixed
        outcome.findings = result.remaining.findings
        outcome.errors = result.remaining.errors
        if diff and result.text != text:
            outcome.diffs.append(unified_diff(filename, text, result.text))
        return outcome, result.text
    result = lint_source(source, filename, settings, None, codes)
    outcome.findings = result.findings
    outcome.errors = result.errors
    return outcome, text


def unified_diff(path: str, old: str, new: str) -> str:
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), fromfile=path, tofile=path
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def display_path(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel
