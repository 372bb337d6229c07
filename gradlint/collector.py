"""Python's cyclic garbage collector during a run: out of the way of the analysis.

A run allocates millions of small objects per file (ast nodes, parent links,
per-scope indexes) that live exactly as long as that file's analysis. With the
default thresholds the collector starts a young collection every 700
allocations and, as survivors pile up, full collections that walk every object
the run holds (every source text, every summary): about a fifth of a run's CPU
time on real code, more the bigger the project. So:

- `freeze_startup()`: what start-up built (gradlint's modules, the rule table,
  and in a pool worker everything it inherited from its parent) moves to the
  permanent generation, which no collection walks again (and, in a forked
  worker, no collection writes to, so those pages stay shared with the parent);
- `one_file()`: the collector is off while one file is analysed, and one young
  collection afterwards frees that file's cycles (a FileFacts and the analyses
  that point back at it). Everything the file allocated is young at that point,
  so that collection costs what the file allocated, not what the run holds.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager


_frozen = False


def freeze_startup() -> None:
    """Once per process: move every object alive now out of the collector's reach for good."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.freeze()


def forked() -> None:
    """In a forked pool worker: what it inherited is start-up too."""
    global _frozen
    _frozen = False
    freeze_startup()


@contextmanager
def one_file():
    """No automatic collection while the block runs; its garbage cycles are freed when it ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.collect(0)
        if was_enabled:
            gc.enable()
