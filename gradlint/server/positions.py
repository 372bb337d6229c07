"""Positions between gradlint and the editor.

gradlint counts 1-based lines and 1-based characters (code points); LSP counts
0-based lines and code units of the negotiated encoding: UTF-16 unless the
client offers UTF-8 or UTF-32. Both split lines at \\n, \\r\\n and \\r only.
"""

from __future__ import annotations

from lsprotocol import types

from gradlint.finding import Edit, Position
from gradlint.source import SourceText


def _units(text: str, encoding: str) -> int:
    if encoding == types.PositionEncodingKind.Utf32 or text.isascii():
        return len(text)
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8"))
    return len(text.encode("utf-16-le")) // 2


class Converter:
    """Converts positions for one document text."""

    def __init__(self, source: SourceText, encoding: str = types.PositionEncodingKind.Utf16):
        self.source = source
        self.encoding = encoding
        self.line_count = len(source.line_starts())

    def to_lsp(self, position: Position) -> types.Position:
        if position.line > self.line_count:
            # an edit may end just past the last line: that is the end of the text
            last = self.source.line(self.line_count)
            return types.Position(line=self.line_count - 1, character=_units(last, self.encoding))
        line = self.source.line(position.line)
        column = max(0, min(position.column - 1, len(line)))
        return types.Position(line=position.line - 1, character=_units(line[:column], self.encoding))

    def from_lsp(self, position: types.Position) -> Position:
        if position.line >= self.line_count:
            last = self.source.line(self.line_count)
            return Position(self.line_count, len(last) + 1)
        line = self.source.line(position.line + 1)
        wanted = max(0, position.character)
        if self.encoding == types.PositionEncodingKind.Utf32 or line.isascii():
            return Position(position.line + 1, min(wanted, len(line)) + 1)
        counted = 0
        column = 0
        for char in line:
            if counted >= wanted:
                break
            counted += _units(char, self.encoding)
            column += 1
        return Position(position.line + 1, column + 1)

    def range(self, start: Position, end: Position) -> types.Range:
        return types.Range(start=self.to_lsp(start), end=self.to_lsp(end))

    def text_edit(self, edit: Edit) -> types.TextEdit:
        return types.TextEdit(range=self.range(edit.start, edit.end), new_text=edit.content)
