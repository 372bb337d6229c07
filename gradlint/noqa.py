"""`# noqa` comments: per line, and per file (`# gradlint: noqa`; in a notebook, per cell)."""

from __future__ import annotations

import bisect
import io
import re
import tokenize

# `# noqa`, `# noqa: GL301`, `# noqa: GL301, GL101` (also after other text in the comment)
LINE_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
FILE_NOQA = re.compile(r"#\s*gradlint:\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)
# the line before each cell in a notebook's virtual text (gradlint.notebook)
CELL_MARKER = re.compile(r"#gradlint-cell:\d+$")

ALL = frozenset({"*"})


class Suppressions:
    """Which codes each line (and the whole file) silences. ALL means every code."""

    def __init__(self, by_line: dict[int, frozenset[str]], file_codes: frozenset[str],
                 cells: tuple[list[int], list[frozenset[str]]] = ([], [])):
        self.by_line = by_line
        self.file_codes = file_codes
        # a notebook: the first line of each cell, and what its `# gradlint: noqa` comments silence
        self.cell_starts, self.cell_codes = cells

    def silences(self, line: int, code: str) -> bool:
        if self.file_codes is ALL or code in self.file_codes:
            return True
        cell = bisect.bisect_right(self.cell_starts, line) - 1
        if cell >= 0 and (self.cell_codes[cell] is ALL or code in self.cell_codes[cell]):
            return True
        codes = self.by_line.get(line)
        return codes is not None and (codes is ALL or code in codes)


def _codes(match: re.Match) -> frozenset[str]:
    if not match.group("codes"):
        return ALL
    # unknown codes are kept and simply never match a finding
    return frozenset(c.upper() for c in CODE.findall(match.group("codes")))


def _comments(text: str):
    """(line, comment text) for every real comment; falls back to a line scan if tokenizing fails."""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                yield tok.start[0], tok.string
    except (tokenize.TokenError, SyntaxError, IndentationError):
        for number, line in enumerate(text.splitlines(), 1):
            if "#" in line:
                yield number, line[line.index("#"):]


def parse_suppressions(text: str) -> Suppressions:
    by_line: dict[int, frozenset[str]] = {}
    file_codes: frozenset[str] = frozenset()
    if "noqa" not in text.lower():
        return Suppressions(by_line, file_codes)
    # a notebook's virtual text: `# gradlint: noqa` holds for the cell it is written in
    notebook = text.startswith("#gradlint-cell:")
    cell_starts: list[int] = []
    cell_codes: list[frozenset[str]] = []
    for line, comment in _comments(text):
        if notebook and CELL_MARKER.match(comment):
            cell_starts.append(line)
            cell_codes.append(frozenset())
            continue
        file_match = FILE_NOQA.search(comment)
        if file_match:
            codes = _codes(file_match)
            if cell_codes:
                before = cell_codes[-1]
                cell_codes[-1] = ALL if codes is ALL or before is ALL else before | codes
            else:
                file_codes = ALL if codes is ALL or file_codes is ALL else file_codes | codes
            continue
        match = LINE_NOQA.search(comment)
        if match:
            by_line[line] = _codes(match)
    return Suppressions(by_line, file_codes, (cell_starts, cell_codes))
