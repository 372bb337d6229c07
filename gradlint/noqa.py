"""`# noqa` comments: per line, and per file (`# gradlint: noqa`)."""

from __future__ import annotations

import io
import re
import tokenize

# `# noqa`, `# noqa: GL301`, `# noqa: GL301, GL101` (also after other text in the comment)
LINE_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
FILE_NOQA = re.compile(r"#\s*gradlint:\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)

ALL = frozenset({"*"})


class Suppressions:
    """Which codes each line (and the whole file) silences. ALL means every code."""

    def __init__(self, by_line: dict[int, frozenset[str]], file_codes: frozenset[str]):
        self.by_line = by_line
        self.file_codes = file_codes

    def silences(self, line: int, code: str) -> bool:
        if self.file_codes is ALL or code in self.file_codes:
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
    for line, comment in _comments(text):
        file_match = FILE_NOQA.search(comment)
        if file_match:
            codes = _codes(file_match)
            file_codes = ALL if codes is ALL or file_codes is ALL else file_codes | codes
            continue
        match = LINE_NOQA.search(comment)
        if match:
            by_line[line] = _codes(match)
    return Suppressions(by_line, file_codes)
