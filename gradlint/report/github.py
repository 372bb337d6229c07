"""GitHub Actions workflow commands: one `::error|warning|notice ...::message` line per finding, by severity."""

from __future__ import annotations

from gradlint.finding import Severity
from gradlint.report import printable

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape_data(text: str) -> str:
    # the workflow command's own escapes for CR and LF; other controls and undecodable bytes as backslash escapes
    return printable(text, keep="\r\n").replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(findings, context) -> str:
    lines = []
    for f in findings:
        if f.cell is not None:
            # a notebook: the lines of the .ipynb file that hold the cell's lines (what a diff of it
            # shows); the cell position leads the message
            from gradlint.notebook import file_line

            where = [f"line={file_line(f.path, f.cell, f.start.line)}", f"endLine={file_line(f.path, f.cell, f.end.line)}"]
            message = f"{f.code} cell {f.cell}:{f.start.line}:{f.start.column}: {f.message}"
        else:
            where = [f"line={f.start.line}", f"col={f.start.column}", f"endLine={f.end.line}", f"endColumn={f.end.column}"]
            message = f"{f.code} {f.message}"
        props = ",".join([
            f"file={_escape_property(f.path)}",
            *where,
            f"title={_escape_property(f'gradlint ({f.code})')}",
        ])
        lines.append(f"::{COMMANDS[f.severity]} {props}::{_escape_data(message)}")
    return "\n".join(lines) + ("\n" if lines else "")
