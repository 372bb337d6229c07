"""Output formats. Each module renders a list of findings to a string."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

FORMATS = ("text", "json", "sarif", "github", "lsp")

# What would break a line or disguise text on a terminal: C0 and C1 controls, line and
# paragraph separators, bidirectional overrides; and lone surrogates, which os.fsdecode
# makes of the bytes of a file name that are not UTF-8 and which no encoder accepts.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SURROGATES = re.compile("[\ud800-\udfff]")


def _escape(match: re.Match) -> str:
    char = match.group()
    if 0xDC80 <= ord(char) <= 0xDCFF:
        return f"\\x{ord(char) - 0xDC00:02x}"  # the byte itself, as Python would write it
    return char.encode("unicode_escape").decode("ascii")  # \n, \t, \x1b, \u2028, \ud800


def printable(text: str, keep: str = "") -> str:
    """Text that prints as itself on one line: controls and undecodable bytes as backslash escapes.

    `keep` names characters the caller's format escapes its own way (GitHub's %0A).
    """
    return _UNPRINTABLE.sub(lambda m: m.group() if m.group() in keep else _escape(m), text)


def encodable(text: str) -> str:
    """Only the undecodable bytes escaped (JSON escapes control characters itself)."""
    return _SURROGATES.sub(_escape, text)


def statistics(findings, unsafe_fixes: bool) -> list[dict]:
    """Findings per rule, most frequent first: code, name, count and whether --fix would fix them."""
    from gradlint.engine import applies

    counts = Counter((f.code, f.name) for f in findings)
    fixable = Counter(f.code for f in findings if applies(f, unsafe_fixes))
    return [{"code": code, "name": name, "count": count, "fixable": fixable[code] > 0}
            for (code, name), count in counts.most_common()]


@dataclass
class ReportContext:
    """What renderers may need besides the findings."""

    root: str = "."
    color: bool = False
    unsafe_fixes: bool = False
    statistics: bool = False
    fixed: int = 0
    # problems reported on stderr (unreadable files, internal errors): never "All checks passed!"
    errors: int = 0
    show_fixes: bool = True
    sources: dict = field(default_factory=dict)


def render(fmt: str, findings, context: ReportContext) -> str:
    if fmt == "text":
        from gradlint.report.text import render_text as renderer
    elif fmt == "json":
        from gradlint.report.json import render_json as renderer
    elif fmt == "sarif":
        from gradlint.report.sarif import render_sarif as renderer
    elif fmt == "github":
        from gradlint.report.github import render_github as renderer
    elif fmt == "lsp":
        from gradlint.report.lsp import render_lsp as renderer
    else:
        raise ValueError(fmt)
    return renderer(findings, context)
