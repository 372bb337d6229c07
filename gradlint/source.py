"""Reading and writing Python files without losing their encoding or line endings."""

from __future__ import annotations

import codecs
import errno
import io
import os
import tempfile
import tokenize
from dataclasses import dataclass, field

from gradlint.finding import Edit, Position


class SourceError(Exception):
    """A file that cannot be read as Python source (reported as one line)."""


@dataclass
class SourceText:
    """Decoded text plus what is needed to write it back byte-for-byte alike."""

    text: str
    encoding: str = "utf-8"
    bom: bool = False
    _line_starts: list[int] | None = field(default=None, repr=False)

    @classmethod
    def from_bytes(cls, data: bytes) -> "SourceText":
        if b"\x00" in data:
            raise SourceError("file contains null bytes")
        bom = data.startswith(codecs.BOM_UTF8)
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        except SyntaxError as exc:
            # detect_encoding also fails when the first two lines are not UTF-8 and declare nothing
            if "missing" in str(exc) and not _declares_encoding(data):
                raise SourceError(_undecodable(data, "utf-8")) from None
            raise SourceError(f"bad encoding declaration: {exc}") from None
        if bom:
            data = data[len(codecs.BOM_UTF8):]
            encoding = "utf-8"
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            raise SourceError(_undecodable(data, encoding)) from None
        except LookupError as exc:
            raise SourceError(f"bad encoding declaration: {exc}") from None
        return cls(text=text, encoding=encoding, bom=bom)

    def to_bytes(self, text: str | None = None) -> bytes:
        data = (self.text if text is None else text).encode(self.encoding)
        return codecs.BOM_UTF8 + data if self.bom else data

    @property
    def newline(self) -> str:
        index = self.text.find("\n")
        if index > 0 and self.text[index - 1] == "\r":
            return "\r\n"
        if index < 0 and "\r" in self.text:
            return "\r"
        return "\n"

    # -- positions -----------------------------------------------------------

    def line_starts(self) -> list[int]:
        if self._line_starts is None:
            starts = [0]
            text = self.text
            i = 0
            n = len(text)
            while i < n:
                c = text[i]
                if c == "\n":
                    starts.append(i + 1)
                elif c == "\r":
                    if i + 1 < n and text[i + 1] == "\n":
                        i += 1
                    starts.append(i + 1)
                i += 1
            self._line_starts = starts
        return self._line_starts

    def line(self, lineno: int) -> str:
        """The text of a 1-based line without its line ending."""
        starts = self.line_starts()
        if lineno < 1 or lineno > len(starts):
            return ""
        begin = starts[lineno - 1]
        end = starts[lineno] if lineno < len(starts) else len(self.text)
        return self.text[begin:end].rstrip("\r\n")

    def offset(self, position: Position) -> int:
        starts = self.line_starts()
        line = min(max(position.line, 1), len(starts))
        return starts[line - 1] + position.column - 1

    def position(self, offset: int) -> Position:
        starts = self.line_starts()
        lo, hi = 0, len(starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return Position(lo + 1, offset - starts[lo] + 1)

    def char_column(self, lineno: int, byte_col: int) -> int:
        """Convert ast's UTF-8 byte column (0-based) to a 1-based character column."""
        line = self.line(lineno)
        if line.isascii():
            return byte_col + 1
        return len(line.encode("utf-8")[:byte_col].decode("utf-8", "replace")) + 1


def _declares_encoding(data: bytes) -> bool:
    return any(b"coding" in line for line in data.splitlines()[:2])


def _undecodable(data: bytes, encoding: str) -> str:
    """Where decoding fails, as a line and column the user can find."""
    try:
        data.decode(encoding)
        return f"cannot decode as {encoding}"
    except UnicodeDecodeError as exc:
        before = data[:exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        byte = data[exc.start]
    hint = " and has no encoding declaration (PEP 263)" if encoding == "utf-8" else ""
    return f"not valid {encoding}{hint}: byte 0x{byte:02x} at line {line}, column {column}"


def apply_edits(source: SourceText, edits: list[Edit]) -> str:
    """Apply non-overlapping edits (callers drop overlapping ones first)."""
    text = source.text
    spans = sorted(((source.offset(e.start), source.offset(e.end), e.content) for e in edits), reverse=True)
    for start, end, content in spans:
        text = text[:start] + content + text[end:]
    return text


def read_source(path: str) -> SourceText:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except IsADirectoryError:
        raise SourceError("is a directory") from None
    except PermissionError:
        raise SourceError("permission denied") from None
    except OSError as exc:
        raise SourceError(exc.strerror or str(exc)) from None
    return SourceText.from_bytes(data)


def write_atomic(path: str, data: bytes) -> None:
    """Write through a temporary file in the same folder, then rename over the original.

    A reader (or a crash) sees either the whole old file or the whole new one.
    A symbolic link stays a link: its target is rewritten. A read-only file is
    left alone (a rename would replace it even without write permission).
    """
    path = os.path.realpath(path)
    mode = os.stat(path).st_mode & 0o7777
    if not mode & 0o222 or not os.access(path, os.W_OK):
        raise PermissionError(errno.EACCES, "file is read-only", path)
    replace_file(path, data, mode=mode, durable=True)


def replace_file(path: str, data: bytes, mode: int | None = None, durable: bool = False) -> None:
    """Put data at path through a temporary file in the same folder and one rename.

    `durable` also flushes the data to disk before the rename (source files; not the cache).
    """
    fd, tmp = tempfile.mkstemp(prefix=".gradlint-", suffix=".tmp", dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
