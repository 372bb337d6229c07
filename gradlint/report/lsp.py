"""LSP diagnostics as JSON: {file URI: [Diagnostic]} with 0-based positions.

The language server builds its diagnostics with `diagnostic()` too.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from gradlint.finding import Severity

# LSP DiagnosticSeverity: 1 error, 2 warning, 3 information
DIAGNOSTIC_SEVERITY = {Severity.ERROR: 1, Severity.WARNING: 2, Severity.INFO: 3}


def _utf16(line_text: str | None, column: int) -> int:
    """A 1-based code-point column as LSP's default 0-based UTF-16 offset."""
    if not line_text or line_text.isascii():
        return column - 1
    return len(line_text[:column - 1].encode("utf-16-le")) // 2


def diagnostic(f, source=None) -> dict:
    """One LSP Diagnostic; with the file's SourceText, columns become UTF-16 offsets where they differ."""
    data = None
    if f.fix is not None:
        data = f.to_dict()["fix"]

    def line_text(number: int) -> str | None:
        return source.line(number) if source is not None else None

    result = {
        "range": {
            "start": {"line": f.start.line - 1, "character": _utf16(line_text(f.start.line), f.start.column)},
            "end": {"line": f.end.line - 1, "character": _utf16(line_text(f.end.line), f.end.column)},
        },
        "severity": DIAGNOSTIC_SEVERITY[f.severity],
        "code": f.code,
        "source": "gradlint",
        "message": f.message,
        "data": data,
    }
    if f.url:
        result["codeDescription"] = {"href": f.url}
    return result


def file_uri(path: str) -> str:
    return Path(os.path.abspath(path)).as_uri()


def _source(path: str):
    from gradlint.source import SourceError, read_source

    try:
        return read_source(path)
    except (SourceError, OSError):
        return None  # standard input, or a file gone since: code points it is


def render_lsp(findings, context) -> str:
    by_file: dict[str, list] = {}
    texts: dict = {}
    for f in findings:
        if f.path not in texts:
            texts[f.path] = _source(f.path)
        source = texts[f.path]
        if f.cell is not None:
            source = source.cell_source(f.cell) if hasattr(source, "cell_source") else None
        entry = diagnostic(f, source)
        if f.cell is not None:
            entry["cell"] = f.cell  # a notebook's: the range counts that cell's lines
        by_file.setdefault(file_uri(f.path), []).append(entry)
    return json.dumps(by_file, indent=2) + "\n"
