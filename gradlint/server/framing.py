"""The base protocol's framing, read defensively: bounded, and able to find its feet again.

pygls reads `Content-Length: N` headers itself and trusts them: a length of
99999999999 asks for that many bytes at once (MemoryError, the server dies),
and a header block without the header makes it read the next message's body
as headers, out of step for good. FramedInput sits between stdin and pygls's
reader (LanguageServer.start_io takes any object with readline and read): it
reads each frame itself and hands pygls only well-formed ones, re-framed. A
frame it cannot take (no Content-Length, a body over MAX_MESSAGE_BYTES, a
header line over MAX_HEADER_LINE_BYTES) is reported through `report` and
skipped: reading resumes at the next line that ends with a Content-Length
header, so the next well-formed message is served.
"""

from __future__ import annotations

import re
from typing import BinaryIO, Callable

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
MAX_HEADER_LINE_BYTES = 8 * 1024
_SKIP_CHUNK = 64 * 1024
# a header block's first line; after a bad frame it may follow the skipped body on the same line
_CONTENT_LENGTH = re.compile(rb"content-length:[ \t]*(\d+)[ \t]*\r?\n\Z", re.IGNORECASE)


class FramedInput:
    """readline()/read(n) for pygls: each frame's header and body, checked and re-framed."""

    def __init__(self, stream: BinaryIO, report: Callable[[str], None]):
        self._stream = stream
        self._report = report
        self._lines: list[bytes] = []
        self._body = b""
        self._resync = False  # skipping to the next header block

    def readline(self) -> bytes:
        if not self._lines:
            body = self._next_body()
            if body is None:
                return b""  # end of input
            self._body = body
            self._lines = [f"Content-Length: {len(body)}\r\n".encode(), b"\r\n"]
        return self._lines.pop(0)

    def read(self, size: int) -> bytes:
        body, self._body = self._body, b""
        return body

    # -- reading the stream -----------------------------------------------------------

    def _line(self) -> tuple[bytes, bool]:
        """One line, at most MAX_HEADER_LINE_BYTES of it; (line, whether it was cut short)."""
        line = self._stream.readline(MAX_HEADER_LINE_BYTES)
        if len(line) < MAX_HEADER_LINE_BYTES or line.endswith(b"\n"):
            return line, False
        while True:  # drop the rest of an endless line, a chunk at a time
            rest = self._stream.readline(_SKIP_CHUNK)
            if not rest or rest.endswith(b"\n"):
                return line, True

    def _next_body(self) -> bytes | None:
        while True:
            line, cut = self._line()
            if not line:
                return None
            if self._resync:
                match = _CONTENT_LENGTH.search(line) if not cut else None
                if match is None:
                    continue
                self._resync = False
                length = int(match.group(1))
            else:
                if not line.strip():
                    continue  # blank lines between frames
                match = _CONTENT_LENGTH.match(line) if not cut else None
                length = int(match.group(1)) if match else None
            body = self._frame(length, cut)
            if body is not None:
                return body

    def _frame(self, length: int | None, cut: bool) -> bytes | None:
        """The rest of a header block whose first line gave `length`, then its body; None
        (reported, and reading resynchronises) when the frame cannot be taken."""
        while True:
            line, line_cut = self._line()
            if not line:
                return None
            cut = cut or line_cut
            if not line.strip() and not line_cut:
                break
            match = _CONTENT_LENGTH.match(line) if not line_cut else None
            if match and length is None:
                length = int(match.group(1))
        if cut:
            return self._reject(f"a header line longer than {MAX_HEADER_LINE_BYTES} bytes")
        if length is None:
            return self._reject("a header block without Content-Length")
        if length > MAX_MESSAGE_BYTES:
            return self._reject(f"Content-Length {length} is over the limit of {MAX_MESSAGE_BYTES} bytes")
        if length == 0:
            self._report("gradlint: skipped an empty message (Content-Length 0)")
            return None
        body = self._stream.read(length)
        if len(body) < length:
            return None  # the input ended inside the body
        return body

    def _reject(self, why: str) -> None:
        self._report(f"gradlint: skipped a malformed message ({why}); reading on from the next Content-Length header")
        self._resync = True
        return None
