"""Ruff-like text: `path:line:col: CODE [*] message`, then a summary line."""

from __future__ import annotations

from gradlint.engine import applies
from gradlint.finding import Applicability, Severity
from gradlint.report import printable, statistics

# the summary's words, and the code's colour on a terminal (red, yellow, blue)
_WORDS = {Severity.ERROR: ("error", "errors"), Severity.WARNING: ("warning", "warnings"),
          Severity.INFO: ("suggestion", "suggestions")}
_COLORS = {Severity.ERROR: "1;31", Severity.WARNING: "1;33", Severity.INFO: "1;34"}


def _count(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


def _by_severity(findings) -> str:
    """The severities present, worst first: `2 errors, 1 warning`."""
    parts = []
    for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO):
        n = sum(1 for f in findings if f.severity is severity)
        if n:
            parts.append(_count(n, *_WORDS[severity]))
    return ", ".join(parts)


def _style(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def render_text(findings, context) -> str:
    lines = []
    color = context.color
    for f in findings:
        mark = ""
        if f.fix is not None and applies(f, context.unsafe_fixes):
            mark = _style("[*] ", "36", color)
        # one finding, one line: whatever a file's name holds (a newline, bytes that are not UTF-8)
        cell = f"cell {f.cell}:" if f.cell is not None else ""  # a notebook's, as in Ruff
        where = _style(f"{printable(f.path)}:{cell}{f.start.line}:{f.start.column}:", "1", color)
        lines.append(f"{where} {_style(f.code, _COLORS[f.severity], color)} {mark}{printable(f.message)}")
    if context.statistics:
        lines = [f"{s['count']:5}\t{s['code']}\t{'[*]' if s['fixable'] else '[ ]'} {s['name']}"
                 for s in statistics(findings, context.unsafe_fixes)]
    total = len(findings)
    safe = sum(1 for f in findings if applies(f, False))
    hidden = sum(1 for f in findings if f.fix is not None and f.fix.applicability is Applicability.UNSAFE)
    if total:
        # as in Ruff: the problems found are the fixed ones plus the remaining ones
        found = total + context.fixed
        summary = f"Found {_count(found, 'problem', 'problems')} ("
        if context.fixed:
            summary += f"{context.fixed} fixed, {total} remaining: "
        summary += f"{_by_severity(findings)})."
        lines.append(summary)
        fixable_now = safe + (hidden if context.unsafe_fixes else 0)
        if fixable_now and context.show_fixes:
            lines.append(f"[*] {fixable_now} fixable with the `--fix` option" + (" and `--unsafe-fixes`" if context.unsafe_fixes and hidden else "") + ".")
        if hidden and not context.unsafe_fixes and context.show_fixes:
            lines.append(f"{hidden} hidden fix{'es' if hidden != 1 else ''} can be enabled with the `--unsafe-fixes` option.")
    elif context.fixed:
        lines.append(f"Found {_count(context.fixed, 'problem', 'problems')} ({context.fixed} fixed, 0 remaining).")
    elif not context.errors:
        lines.append("All checks passed!")
    return "".join(line + "\n" for line in lines)
