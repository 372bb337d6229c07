"""Reading and writing Python files without losing their encoding, line endings, owner or links.

A file is read once (`read_bytes`, which also takes its `FileStamp`) and a fix is
written only over that same file (`write_atomic` checks the stamp just before it
replaces anything): an edit saved while gradlint runs is never overwritten.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import hashlib
import io
import os
import re
import signal
import stat
import tempfile
import tokenize
from dataclasses import dataclass, field

from gradlint.finding import Edit, Position


class SourceError(Exception):
    """A file that cannot be read as Python source (reported as one line)."""


class FileChanged(Exception):
    """The file on disk is no longer the one that was read: its fixes are not written."""


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


@dataclass(frozen=True)
class FileStamp:
    """What a file was when it was read: its size, modification time and content digest."""

    size: int
    mtime_ns: int
    digest: str

    @classmethod
    def of(cls, info: os.stat_result, data: bytes) -> "FileStamp":
        return cls(info.st_size, info.st_mtime_ns, content_hash(data))


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
            declared = _declared_encoding(data)
            if bom and declared:
                # Python refuses this file too ("encoding problem: ... with BOM")
                raise SourceError(f"starts with a UTF-8 byte order mark but declares encoding {declared!r} (PEP 263); "
                                  "Python rejects the combination: remove the BOM or the declaration") from None
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

    def newline_at(self, lineno: int) -> str:
        """The ending of a 1-based line; a last line without one takes its predecessor's (mixed files)."""
        starts = self.line_starts()
        for number in (lineno, lineno - 1):
            if 1 <= number < len(starts):
                ending = self.text[starts[number - 1]:starts[number]]
                return "\r\n" if ending.endswith("\r\n") else ending[-1]
        return self.newline

    # -- positions -----------------------------------------------------------

    def line_starts(self) -> list[int]:
        """The offset each line starts at (a line ends in `\n`, `\r\n` or a lone `\r`)."""
        if self._line_starts is None:
            self._line_starts = [0, *(match.end() for match in LINE_END.finditer(self.text))]
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


CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
LINE_END = re.compile(r"\r\n|\r|\n")


def _declared_encoding(data: bytes) -> str | None:
    """The PEP 263 declaration in the first two lines, as written."""
    for line in data.removeprefix(codecs.BOM_UTF8).splitlines()[:2]:
        found = CODING.match(line)
        if found:
            return found.group(1).decode("ascii", "replace")
    return None


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


def read_bytes(path: str, max_size: int | None = None) -> tuple[bytes, FileStamp]:
    """The file's bytes and its stamp (of the very bytes read), or SourceError with one line's reason.

    The file is opened without blocking and judged by what was opened, not by a name looked up
    before: a FIFO (whose open would wait for a writer) or a device is "not a regular file", and a
    file above `max_size` bytes is refused before it is read."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except IsADirectoryError:
        raise SourceError("is a directory") from None
    except PermissionError:
        raise SourceError("permission denied") from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a socket (or a FIFO without a reader) cannot be opened for reading
            raise SourceError("not a regular file") from None
        raise SourceError(exc.strerror or str(exc)) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise SourceError("is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise SourceError("not a regular file")
        if max_size and info.st_size > max_size:
            from gradlint.config import describe_sizes

            size, limit = describe_sizes(info.st_size, max_size)
            raise SourceError(f"file is too large ({size} > {limit} limit; see max-file-size)")
        try:
            data = handle.read()
        except OSError as exc:
            raise SourceError(exc.strerror or str(exc)) from None
        info = os.fstat(fd)
    return data, FileStamp.of(info, data)


def read_source(path: str) -> SourceText:
    return decode(path, read_bytes(path)[0])


def decode(path: str, data: bytes) -> SourceText:
    """A file's bytes as source text: a Jupyter notebook (`.ipynb`) as the program its code cells make."""
    if path.endswith(".ipynb"):
        from gradlint.notebook import NotebookSource

        return NotebookSource.from_bytes(data)
    return SourceText.from_bytes(data)


def write_atomic(path: str, data: bytes, expected: FileStamp | None = None) -> None:
    """Replace a source file's contents with data, keeping its mode, owner, group and hard links.

    - `expected`: the stamp taken when the file was read; when the file no longer
      matches it (an edit saved meanwhile), FileChanged is raised and nothing is written.
    - Usually a temporary file in the same folder, flushed to disk, given the
      original's mode, owner and group, then renamed over it: a reader (or a
      crash) sees either the whole old file or the whole new one.
    - A file with more than one hard link (a rename would split it from its other
      names), or whose owner and group this process cannot give a new file, is
      rewritten in place instead, so that every link sees the fix and the inode
      keeps its owner. That cannot be atomic: the original bytes are first kept
      next to it (`.gradlint-NAME-*.orig`, removed once the new bytes are on disk,
      left behind only by a crash), and SIGINT/SIGTERM wait until the write is done.
    - A symbolic link stays a link: its target is rewritten. A read-only file is
      left alone (a rename would replace it even without write permission).
    """
    path = os.path.realpath(path)
    info = os.stat(path)
    mode = stat.S_IMODE(info.st_mode)
    if not mode & 0o222 or not os.access(path, os.W_OK):
        raise PermissionError(errno.EACCES, "file is read-only", path)
    if info.st_nlink > 1:
        _rewrite_in_place(path, data, expected)
        return
    try:
        replace_file(path, data, mode=mode, durable=True, owner=(info.st_uid, info.st_gid),
                     check=lambda: _check_unchanged(path, expected))
    except _CannotKeepOwner:
        _rewrite_in_place(path, data, expected)


class _CannotKeepOwner(Exception):
    pass


def _check_unchanged(path: str, expected: FileStamp | None) -> None:
    if expected is None:
        return
    info = os.stat(path)
    if (info.st_size, info.st_mtime_ns) != (expected.size, expected.mtime_ns):
        raise FileChanged(path)
    with open(path, "rb") as handle:
        if content_hash(handle.read()) != expected.digest:
            raise FileChanged(path)


def _rewrite_in_place(path: str, data: bytes, expected: FileStamp | None) -> None:
    """New contents through the file's own inode (see write_atomic)."""
    with open(path, "r+b") as handle:
        current = handle.read()
        if expected is not None and FileStamp.of(os.fstat(handle.fileno()), current) != expected:
            raise FileChanged(path)
        folder, name = os.path.split(path)
        fd, copy = tempfile.mkstemp(prefix=f".gradlint-{name}-", suffix=".orig", dir=folder)
        with os.fdopen(fd, "wb") as keep:
            keep.write(current)
            keep.flush()
            os.fsync(keep.fileno())
        with signals_held():
            handle.seek(0)
            handle.write(data)
            handle.truncate()
            handle.flush()
            os.fsync(handle.fileno())
    os.unlink(copy)


HELD_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM, signal.SIGHUP} if hasattr(signal, "SIGHUP") else ())


@contextlib.contextmanager
def signals_held():
    """SIGINT, SIGTERM and SIGHUP arrive after the block (where the platform can hold them);
    a process forked inside it starts with them held too."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, HELD_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def replace_file(path: str, data: bytes, mode: int | None = None, durable: bool = False,
                 owner: tuple[int, int] | None = None, check=None) -> None:
    """Put data at path through a temporary file in the same folder and one rename.

    `durable` also flushes the data to disk before the rename (source files; not the cache);
    `owner` (uid, gid) is given to the new file (_CannotKeepOwner when not permitted);
    `check()` runs just before the rename and may raise to cancel it.
    """
    fd, tmp = tempfile.mkstemp(prefix=".gradlint-", suffix=".tmp", dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
            if owner is not None and hasattr(os, "fchown"):
                made = os.fstat(handle.fileno())
                if (made.st_uid, made.st_gid) != owner:
                    try:
                        os.fchown(handle.fileno(), *owner)  # before the mode: chown clears set-id bits
                    except PermissionError:
                        raise _CannotKeepOwner() from None
        if mode is not None:
            os.chmod(tmp, mode)
        if check is not None:
            check()
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
