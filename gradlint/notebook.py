"""Jupyter notebooks: a notebook as one virtual Python file, positions per cell, fixes written back.

`NotebookSource.from_bytes` reads an nbformat 4 `.ipynb` file and builds the
program its code cells make, in order, as the text the engine lints:

    #gradlint-cell:2            one marker line before each code cell
    import torch                the cell's lines, one virtual line per cell line
    pass  #gradlint-masked:0    an IPython line (`%timeit`, `!pip`, `obj?`) masked
    #gradlint-cell:4
    ...

A cell magic (`%%time` on the first line) masks its whole cell; a cell that does
not parse on its own is blanked (its lines stay, empty) and reported as GL000
there. A `# gradlint: noqa` comment holds for its own cell (gradlint.noqa reads the markers).
`localize` turns the engine's findings into cell-relative ones (`Finding.cell`,
1-based over all cells, as in Ruff); `to_bytes(fixed_text)` splits fixed virtual
text back into cells and restores what was masked.

The JSON is read and written directly, not through nbformat: nbformat's writer
re-serialises the whole document (its indentation, key order, escapes), while a
fix here replaces only the bytes of each changed cell's `source` value, rendered
in the layout that value already had; every other byte stays as it was. A
notebook whose changed cells cannot be rendered back byte-for-byte in their own
layout is not written (`NotebookUnwritable`).
"""

from __future__ import annotations

import ast
import codecs
import difflib
import functools
import json
import re
import warnings
from dataclasses import dataclass, field

from gradlint.finding import Edit, Finding, Fix, Position
from gradlint.source import SourceError, SourceText

CELL_MARKER = "#gradlint-cell:{}"
MASK_TAG = "#gradlint-masked:{}"
_MARKER = re.compile(r"#gradlint-cell:(\d+)")
_MASKED = re.compile(r"(pass  )?#gradlint-masked:(\d+)$")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_MAGIC_ASSIGNMENT = re.compile(r"[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*[%!]")


class NotebookUnwritable(SourceError):
    """Fixed text that cannot be put back into the notebook byte-faithfully (nothing is written)."""


@dataclass
class _Cell:
    number: int  # 1-based among all the notebook's cells
    text: str  # the source as the notebook holds it
    span: tuple[int, int]  # the JSON value's characters in the notebook's text
    is_list: bool  # source written as a list of lines (nbformat's way) or as one string
    item_lines: list[int]  # the notebook file's line of each list item (of the string)
    first_line: int = 0  # virtual line of the cell's first line (its marker is the one before)
    lines: int = 0  # how many virtual lines the cell has
    masked_cell: bool = False  # a cell magic: no line of it is linted
    syntax_error: tuple[int, int, str] | None = None  # (line, column, message): blanked


@dataclass
class NotebookSource(SourceText):
    """The virtual Python text of a notebook's code cells, and how to write fixed text back."""

    raw: str = ""
    cells: list[_Cell] = field(default_factory=list)
    masks: list[tuple[int, str]] = field(default_factory=list)  # (column the mask starts at, original line)
    style: tuple[str, str, str] | None = None  # list layout: after `[`, between items, before `]`
    ascii_only: bool = False
    warning: str | None = None  # nothing to lint, and why

    @classmethod
    def from_bytes(cls, data: bytes) -> "NotebookSource":
        bom = data.startswith(codecs.BOM_UTF8)
        try:
            raw = data[len(codecs.BOM_UTF8) if bom else 0:].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SourceError(f"not a notebook: not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None
        try:
            notebook = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise SourceError(f"not a notebook: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
        except RecursionError:
            raise SourceError("not a notebook: JSON nested too deeply") from None
        if not isinstance(notebook, dict):
            raise SourceError("not a notebook: the JSON is not an object")
        version = notebook.get("nbformat")
        if "worksheets" in notebook or (isinstance(version, int) and version < 4):
            raise SourceError(f"nbformat {version if isinstance(version, int) else 3} notebook: only nbformat 4 is "
                              "supported (convert it: jupyter nbconvert --to notebook --nbformat 4)")
        if not isinstance(notebook.get("cells"), list):
            raise SourceError("not a notebook: no 'cells' list")
        source = cls(text="", bom=bom, raw=raw, ascii_only=_ascii_only(raw))
        source._read_cells(notebook)
        language = _language(notebook)
        if language is not None and language.lower() != "python":
            source.warning = f"not a Python notebook (language: {language}); nothing linted"
            source.cells = []
            return source
        source._build()
        if not any(c.lines for c in source.cells):
            source.warning = "the notebook has no code cells; nothing linted"
        return source

    @classmethod
    def from_cells(cls, cells: list[tuple[int, str]]) -> "NotebookSource":
        """The program of code cells given as (cell number, text): a notebook an editor holds open.
        (Nothing to write back: such a source only lints.)"""
        source = cls(text="")
        source.cells = [_Cell(number, text, (0, 0), True, []) for number, text in cells]
        source._build()
        return source

    # -- reading -----------------------------------------------------------------

    def _read_cells(self, notebook: dict) -> None:
        spans = _source_spans(self.raw)
        for number, cell in enumerate(notebook["cells"], 1):
            if not isinstance(cell, dict):
                raise SourceError(f"not a notebook: cell {number} is not an object")
            value = cell.get("source", "")
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                text = "".join(value)
            elif isinstance(value, str):
                text = value
            else:
                raise SourceError(f"not a notebook: the source of cell {number} is not text")
            if cell.get("cell_type") != "code":
                continue
            span, item_lines = spans.get(number - 1, ((0, 0), []))
            self.cells.append(_Cell(number, text, span, isinstance(value, list), item_lines))
            if isinstance(value, list) and len(value) > 1 and self.style is None and span[1] > span[0]:
                self.style = _list_style(self.raw, span)

    def _build(self) -> None:
        out: list[str] = []
        for cell in self.cells:
            out.append(CELL_MARKER.format(cell.number) + "\n")
            cell.first_line = len(out) + 1
            lines = _LINE_BREAK.split(cell.text)
            if lines and lines[-1] == "":
                lines.pop()
            if lines and lines[0].lstrip().startswith("%%"):
                cell.masked_cell = True  # a cell magic decides what its body is: none of it is linted
                continue
            virtual = self._mask(lines)
            body = "".join(line + "\n" for line in virtual)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ast.parse(body)
            except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
                line = getattr(exc, "lineno", None) or 1
                column = getattr(exc, "offset", None) or 1
                message = f"{type(exc).__name__}: {getattr(exc, 'msg', None) or 'cannot be parsed'}"
                cell.syntax_error = (max(1, min(line, len(lines) or 1)), max(1, column), message)
                virtual = [""] * len(lines)
            cell.lines = len(virtual)
            out.extend(line + "\n" for line in virtual)
        self.text = "".join(out)
        self._line_starts = None

    def _mask(self, lines: list[str]) -> list[str]:
        """The cell's lines with IPython syntax masked, one for one."""
        out = []
        scanner = _Scanner()
        continued = False  # the previous line was a masked line ending in a backslash
        for line in lines:
            at_statement = scanner.at_statement()
            comment = scanner.feed(line)
            indent = len(line) - len(line.lstrip(" \t"))
            code = (line if comment is None else line[:comment]).strip()
            if continued:
                out.append(self._masked(line, indent, ""))
                continued = line.endswith("\\")
                scanner.reset()
            elif at_statement and code and (code[0] in "%!?" or code.endswith("?") or _MAGIC_ASSIGNMENT.match(code)):
                out.append(self._masked(line, indent, "pass  "))
                continued = line.endswith("\\")
                scanner.reset()
            else:
                out.append(line)
        return out

    def _masked(self, line: str, column: int, replacement: str) -> str:
        self.masks.append((column, line))
        return line[:column] + replacement + MASK_TAG.format(len(self.masks) - 1)

    @property
    def broken_cells(self) -> bool:
        return any(c.syntax_error is not None for c in self.cells)

    # -- positions -----------------------------------------------------------------

    def cell_at(self, line: int) -> tuple[_Cell | None, int]:
        """The cell of a virtual line and the line in that cell (a marker line: the next cell's line 1)."""
        found = None
        for cell in self.cells:
            if cell.first_line - 1 <= line:
                found = cell
            else:
                break
        if found is None:
            return None, line
        return found, max(1, min(line - found.first_line + 1, max(found.lines, 1)))

    def _local(self, position: Position, cell: _Cell) -> Position:
        return Position(max(1, min(position.line - cell.first_line + 1, max(cell.lines, 1))), position.column)

    def localize(self, findings: list[Finding], codes: frozenset[str], settings=None, path: str = "") -> list[Finding]:
        """The engine's findings in cell coordinates, and GL000 for each cell that does not parse."""
        from gradlint.noqa import parse_suppressions
        from gradlint.rules import SYNTAX_ERROR_CODE

        out = []
        for finding in findings:
            cell, _ = self.cell_at(finding.start.line)
            if cell is None:
                continue
            finding.cell = cell.number
            finding.start, finding.end = self._local(finding.start, cell), self._local(finding.end, cell)
            if finding.end < finding.start:
                finding.end = finding.start
            if finding.fix is not None:
                edits = tuple(Edit(self._local(e.start, cell), self._local(e.end, cell), e.content) for e in finding.fix.edits)
                finding.fix = Fix(finding.fix.applicability, finding.fix.message, edits)
            out.append(finding)
        if SYNTAX_ERROR_CODE in codes:
            for cell in self.cells:
                if cell.syntax_error is None:
                    continue
                line, column, message = cell.syntax_error
                suppressions = parse_suppressions(cell.text)
                if suppressions.silences(line, SYNTAX_ERROR_CODE):
                    continue
                found = Finding(code=SYNTAX_ERROR_CODE, name="syntax-error", message=message, path=path,
                                start=Position(line, column), end=Position(line, column), cell=cell.number)
                if settings is not None and settings.severity:
                    found.severity = settings.severity_of(SYNTAX_ERROR_CODE)
                out.append(found)
        return out

    def cell_source(self, number: int) -> SourceText | None:
        """One code cell's text as it stands (for columns counted in its own lines)."""
        return next((SourceText(c.text) for c in self.cells if c.number == number), None)

    def file_line(self, cell_number: int, line: int) -> int:
        """The line of the notebook file on which a cell's line is written (for SARIF and GitHub)."""
        for cell in self.cells:
            if cell.number == cell_number and cell.item_lines:
                return cell.item_lines[max(0, min(line - 1, len(cell.item_lines) - 1))]
        return 1

    # -- writing back ---------------------------------------------------------------

    def cell_texts(self, text: str) -> dict[int, str]:
        """Each code cell's new source from fixed virtual text (NotebookUnwritable when it cannot be split)."""
        for cell in self.cells:
            if "#gradlint-cell:" in cell.text or "#gradlint-masked:" in cell.text:
                raise NotebookUnwritable(f"cell {cell.number} holds one of gradlint's own marker comments")
        segments: dict[int, list[str]] = {}
        current: list[str] | None = None
        for line in text.splitlines(keepends=True):
            marker = _MARKER.fullmatch(line.rstrip("\r\n"))
            if marker is not None:
                current = segments.setdefault(int(marker.group(1)), [])
                continue
            if _MARKER.search(line):
                raise NotebookUnwritable("a fix would span two cells")
            if current is None:
                raise NotebookUnwritable("a fix added code before the first cell")
            current.append(line)
        if list(segments) != [c.number for c in self.cells]:
            raise NotebookUnwritable("a fix moved a cell boundary")
        out = {}
        for cell in self.cells:
            lines = segments[cell.number]
            if cell.masked_cell or cell.syntax_error is not None:
                if any(line.strip() for line in lines) or len(lines) != cell.lines:
                    raise NotebookUnwritable(f"a fix changed cell {cell.number}, which is not linted")
                out[cell.number] = cell.text
                continue
            restored = "".join(self._unmask(line) for line in lines)
            if restored == "".join(line + "\n" for line in self._original_lines(cell)):
                out[cell.number] = cell.text  # unchanged: exactly as it was, whatever its line breaks
                continue
            if not (cell.text.endswith("\n") or cell.text.endswith("\r")):
                restored = restored[:-2] if restored.endswith("\r\n") else restored[:-1]
            out[cell.number] = restored
        return out

    def _original_lines(self, cell: _Cell) -> list[str]:
        lines = _LINE_BREAK.split(cell.text)
        if lines and lines[-1] == "":
            lines.pop()
        return lines

    def _unmask(self, line: str) -> str:
        body = line.rstrip("\r\n")
        found = _MASKED.search(body)
        if found is None:
            return line
        column, original = self.masks[int(found.group(2))]
        return body[:found.start()] + original[column:] + line[len(body):]

    def to_bytes(self, text: str | None = None) -> bytes:
        if text is None or text == self.text:
            raw = self.raw
        else:
            raw = self._spliced(self.cell_texts(text))
        data = raw.encode("utf-8")
        return codecs.BOM_UTF8 + data if self.bom else data

    def _spliced(self, texts: dict[int, str]) -> str:
        pieces = []
        end = len(self.raw)
        for cell in reversed(self.cells):
            new = texts[cell.number]
            if new == cell.text:
                continue
            start, stop = cell.span
            if stop <= start:
                raise NotebookUnwritable(f"cell {cell.number} has no source to replace")
            written = self.raw[start:stop]
            if self._render(cell, cell.text) != written:
                raise NotebookUnwritable(f"the JSON layout of cell {cell.number}'s source cannot be reproduced")
            pieces.append(self.raw[stop:end])
            pieces.append(self._render(cell, new))
            end = start
        pieces.append(self.raw[:end])
        return "".join(reversed(pieces))

    def _render(self, cell: _Cell, text: str) -> str:
        """A source value in the layout this notebook writes them in (nbformat's: one string per line)."""
        def dump(value: str) -> str:
            return json.dumps(value, ensure_ascii=self.ascii_only)

        if not cell.is_list:
            return dump(text)
        items = text.splitlines(keepends=True)
        if not items:
            return "[]"
        own = _list_style(self.raw, cell.span) if len(cell.item_lines) > 1 else None
        opening, between, closing = own or self.style or _guess_style(self.raw, cell.span)
        return "[" + opening + between.join(dump(item) for item in items) + closing + "]"

    # -- diffs -------------------------------------------------------------------

    def diff(self, path: str, text: str) -> str:
        """A unified diff per changed cell, headed `path:cell N` as in Ruff."""
        chunks = []
        texts = self.cell_texts(text)
        for cell in self.cells:
            new = texts[cell.number]
            if new == cell.text:
                continue
            name = f"{path}:cell {cell.number}"
            lines = difflib.unified_diff(cell.text.splitlines(keepends=True), new.splitlines(keepends=True),
                                         fromfile=name, tofile=name)
            chunks.append("".join(line if line.endswith("\n") else line + "\n" for line in lines))
        return "".join(chunks)


def localize(source: SourceText, findings: list[Finding], codes: frozenset[str], settings=None,
             path: str = "") -> list[Finding]:
    """Cell positions for a notebook's findings; any other file's findings as they are."""
    if isinstance(source, NotebookSource):
        return source.localize(findings, codes, settings, path)
    return findings


def _language(notebook: dict) -> str | None:
    metadata = notebook.get("metadata")
    if not isinstance(metadata, dict):
        return None
    for key, name in (("kernelspec", "language"), ("language_info", "name")):
        value = metadata.get(key)
        if isinstance(value, dict) and isinstance(value.get(name), str):
            return value[name].strip()
    return None


def _ascii_only(raw: str) -> bool:
    """Does the notebook escape every non-ASCII character (json.dumps' default) rather than write it?"""
    return raw.isascii() and re.search(r"\\u00[89a-fA-F][0-9a-fA-F]|\\u0[1-9a-fA-F][0-9a-fA-F]{2}|\\u[1-9a-fA-F][0-9a-fA-F]{3}", raw) is not None


def _list_style(raw: str, span: tuple[int, int]) -> tuple[str, str, str] | None:
    """The whitespace after `[`, between items and before `]` of a source list with two items or more."""
    start, stop = span
    value = raw[start:stop]
    decoder = json.JSONDecoder()
    position = 1
    gaps = []
    while True:
        gap_end = _skip_space(value, position)
        gaps.append(value[position:gap_end])
        if value[gap_end] == "]":
            break
        _, position = decoder.raw_decode(value, gap_end)
        after = _skip_space(value, position)
        if value[after] == ",":
            gaps.append(value[position:after + 1])
            position = after + 1
        else:
            gaps.append(value[position:after])
            break
    # gaps: opening, (before-comma + comma), after-comma, ..., closing
    opening, closing = gaps[0], gaps[-1]
    between = {gaps[i] + gaps[i + 1] for i in range(1, len(gaps) - 1, 2)}
    return (opening, between.pop(), closing) if len(between) == 1 else None


def _guess_style(raw: str, span: tuple[int, int]) -> tuple[str, str, str]:
    """For a notebook without a two-line cell: the layout of its one-item list, items one per line."""
    value = raw[span[0]:span[1]]
    inner = value[1:-1]
    opening = inner[:len(inner) - len(inner.lstrip())]
    closing = inner[len(inner.rstrip()):]
    return opening, "," + (opening if "\n" in opening else " "), closing


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _source_spans(raw: str) -> dict[int, tuple[tuple[int, int], list[int]]]:
    """For each cell (0-based): the characters of its `source` value and the file line of each item."""
    decoder = json.JSONDecoder()
    out: dict[int, tuple[tuple[int, int], list[int]]] = {}
    counted = [0, 1]  # (offset, its line): offsets are asked in increasing order, so counting is linear

    def line_of(offset: int) -> int:
        counted[1] += raw.count("\n", counted[0], offset)
        counted[0] = offset
        return counted[1]

    def members(position: int):
        """(key, value start, value end) of the object at position; ends at its `}`."""
        position = _skip_space(raw, position + 1)
        if raw[position] == "}":
            return
        while True:
            key, position = json.decoder.scanstring(raw, position + 1)
            position = _skip_space(raw, _skip_space(raw, position) + 1)  # past the colon
            _, end = decoder.raw_decode(raw, position)
            yield key, position, end
            position = _skip_space(raw, end)
            if raw[position] == "}":
                return
            position = _skip_space(raw, position + 1)

    def items(position: int):
        position = _skip_space(raw, position + 1)
        if raw[position] == "]":
            return
        while True:
            _, end = decoder.raw_decode(raw, position)
            yield position, end
            position = _skip_space(raw, end)
            if raw[position] == "]":
                return
            position = _skip_space(raw, position + 1)

    top = _skip_space(raw, 0)
    cells_at = None
    for key, start, _ in members(top):
        if key == "cells":
            cells_at = start  # the last one wins, as in json.loads
    if cells_at is None:
        return out
    for number, (start, _) in enumerate(items(cells_at)):
        if raw[start] != "{":
            continue
        for key, value_start, value_end in members(start):
            if key != "source":
                continue
            if raw[value_start] == "[":
                lines = [line_of(item) for item, _ in items(value_start)]
            else:
                lines = [line_of(value_start)]
            out[number] = ((value_start, value_end), lines)
    return out


class _Scanner:
    """Line by line: is the next line the start of a statement (not inside a string, brackets or a
    backslash continuation)? Enough of Python's lexer to place IPython syntax, nothing more."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.quote: str | None = None  # the open triple quote
        self.depth = 0
        self.continued = False

    def at_statement(self) -> bool:
        return self.quote is None and self.depth == 0 and not self.continued

    def feed(self, line: str) -> int | None:
        """Take one line; returns the column of its comment, if it has one."""
        i, n = 0, len(line)
        comment = None
        while i < n:
            if self.quote is not None:
                end = line.find(self.quote, i)
                while end > 0 and _escaped(line, end):
                    end = line.find(self.quote, end + 1)
                if end < 0:
                    i = n
                    break
                i = end + 3
                self.quote = None
                continue
            char = line[i]
            if char == "#":
                comment = i
                break
            if char in "'\"":
                if line.startswith(char * 3, i):
                    self.quote = char * 3
                    i += 3
                    continue
                end = i + 1
                while end < n and (line[end] != char or _escaped(line, end)):
                    end += 1
                i = end + 1
                continue
            if char in "([{":
                self.depth += 1
            elif char in ")]}":
                self.depth = max(0, self.depth - 1)
            i += 1
        self.continued = comment is None and self.quote is None and line.endswith("\\")
        return comment


def _escaped(line: str, index: int) -> bool:
    backslashes = 0
    while index - backslashes - 1 >= 0 and line[index - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def file_line(path: str, cell: int, line: int) -> int:
    """The line of the notebook file at `path` that holds a cell's line (1 when it cannot be read)."""
    import os

    try:
        info = os.stat(path)
    except OSError:
        return 1
    source = _read_notebook(path, info.st_size, info.st_mtime_ns)
    return source.file_line(cell, line) if source is not None else 1


@functools.lru_cache(maxsize=64)
def _read_notebook(path: str, size: int, mtime_ns: int) -> NotebookSource | None:
    from gradlint.source import read_bytes

    try:
        return NotebookSource.from_bytes(read_bytes(path)[0])
    except (SourceError, OSError):
        return None
