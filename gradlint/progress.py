"""Progress on a terminal: `gradlint: checking 1,200 of 3,602 files` on standard error.

Shown only when standard error is a terminal and the run has taken longer than
DELAY_S; redrawn at most every REDRAW_S, on one line that is erased before the
report, so the report and any redirected output are never mixed with it.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

DELAY_S = 2.0
REDRAW_S = 0.1


class Progress:
    def __init__(self, stream: TextIO | None = None, delay: float = DELAY_S):
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _is_terminal(self.stream)
        self.delay = delay
        self.started = time.monotonic()
        self._drawn_at = 0.0
        self._width = 0

    def update(self, stage: str, done: int, total: int) -> None:
        """`done` of `total` files through `stage` ("indexing", "checking")."""
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.started < self.delay or (now - self._drawn_at < REDRAW_S and done < total):
            return
        self._drawn_at = now
        line = f"gradlint: {stage} {done:,} of {total:,} files"
        self._write("\r" + line + " " * max(0, self._width - len(line)))
        self._width = len(line)

    def finish(self) -> None:
        """Erase the line (if one was drawn)."""
        if self._width:
            self._write("\r" + " " * self._width + "\r")
            self._width = 0

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed or broken terminal: progress is not worth an error
            self.enabled = False


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False
