"""The project index for the editor: the workspace's files, summarised once.

`gradlint check .` lints every file with facts from all of them (which functions
are only ever called with grad disabled, which classes are Modules). The server
builds the same index from the workspace folders in the background, refreshes a
file's summary when it is saved, and meanwhile lints each file on its own.
Linting then skips summarising the document on every change, too.
"""

from __future__ import annotations

import logging
import os
import threading

from gradlint.analysis.project import ProjectIndex
from gradlint.analysis.summaries import FileSummary
from gradlint.config import ConfigError, Settings, resolve_settings
from gradlint.discovery import DiscoveryError, discover
from gradlint.engine import read_or_error, summarize_source
from gradlint.rules import known_codes

logger = logging.getLogger(__name__)

# Beyond this many files the index would take minutes of a shared CPU: files are linted alone.
MAX_FILES = 5_000


class WorkspaceIndex:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._summaries: dict[str, FileSummary] = {}
        self._roots: tuple[str, ...] = ()
        self._version = 0
        self._building = False
        self._stopped = threading.Event()
        self._saved_meanwhile: dict[str, FileSummary | None] = {}
        # ProjectIndex caches what it resolves, so each thread keeps its own copy
        self._local = threading.local()

    def build(self, roots: list[str]) -> str:
        """Summarise every file discover() finds under roots (run in a worker thread)."""
        with self._lock:
            self._building = True
            self._saved_meanwhile = {}
        summaries: dict[str, FileSummary] = {}
        try:
            files: list[str] = []
            for root in roots:
                try:
                    settings = resolve_settings(root, known_codes())
                except ConfigError:
                    settings = Settings(root=root)
                try:
                    files.extend(discover([root], settings))
                except DiscoveryError:
                    continue
                if len(files) > MAX_FILES:
                    return f"gradlint: over {MAX_FILES} files in the workspace; each file is linted on its own"
            for path in files:
                if self._stopped.is_set():
                    return "gradlint: project index not built (shutting down)"
                source, _ = read_or_error(path)
                summary = summarize_source(source.text, path) if source is not None else None
                if summary is not None:
                    summaries[os.path.abspath(path)] = summary
        finally:
            with self._lock:
                self._building = False
                for path, summary in self._saved_meanwhile.items():
                    if summary is None:
                        summaries.pop(path, None)
                    else:
                        summaries[path] = summary
                self._summaries = summaries
                self._roots = tuple(os.path.join(os.path.abspath(r), "") for r in roots)
                self._version += 1
        return f"gradlint: project index built from {len(summaries)} files"

    def stop(self) -> None:
        """End a build early: the server is shutting down and must not wait for it."""
        self._stopped.set()

    def covers(self, path: str) -> bool:
        return bool(path) and any(os.path.abspath(path).startswith(root) for root in self._roots)

    def knows(self, path: str) -> bool:
        return os.path.abspath(path) in self._summaries

    def update(self, path: str, text: str) -> bool:
        """Summarise one file's new text; True when the index changed."""
        if not self.covers(path) and not self._building:
            return False
        path = os.path.abspath(path)
        summary = summarize_source(text, path)
        with self._lock:
            if self._building:
                self._saved_meanwhile[path] = summary
            if self._summaries.get(path) == summary:
                return False
            if summary is None:
                self._summaries.pop(path, None)
            else:
                self._summaries[path] = summary
            self._version += 1
        return True

    def forget(self, path: str) -> None:
        """Drop a file that no longer exists (an unsaved new file, closed)."""
        with self._lock:
            if self._summaries.pop(os.path.abspath(path), None) is not None:
                self._version += 1

    def index_for(self, path: str) -> ProjectIndex | None:
        """The index to lint path with; None (the file alone) outside the workspace or before the build."""
        if not self.covers(path) or not self.knows(path):
            return None
        local = self._local
        if getattr(local, "version", None) != self._version:
            with self._lock:
                summaries = list(self._summaries.values())
                version = self._version
            local.index = ProjectIndex(summaries)
            local.version = version
        return local.index
