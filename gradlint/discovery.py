"""Which files to lint: recursive, .gitignore-aware, with default and configured excludes."""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

import pathspec

from gradlint.config import Settings

PYTHON_SUFFIXES = (".py", ".pyi")


class DiscoveryError(Exception):
    """A path the user named that cannot be linted (exit 2)."""


def _excluded(rel_parts: tuple[str, ...], patterns: tuple[str, ...]) -> bool:
    rel = "/".join(rel_parts)
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if any(fnmatch.fnmatch(part, pattern) for part in rel_parts):
            return True
        if fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(rel, pattern + "/*"):
            return True
    return False


class _GitIgnores:
    """The .gitignore files from the repository root down to each folder."""

    def __init__(self) -> None:
        self._specs: dict[str, pathspec.PathSpec | None] = {}

    def _spec(self, folder: str):
        if folder not in self._specs:
            spec = None
            path = os.path.join(folder, ".gitignore")
            if os.path.isfile(path):
                try:
                    with open(path, encoding="utf-8", errors="replace") as handle:
                        spec = pathspec.GitIgnoreSpec.from_lines(handle)
                except OSError:
                    spec = None
            self._specs[folder] = spec
        return self._specs[folder]

    def ignored(self, path: str, is_dir: bool, stop: str) -> bool:
        """Check every .gitignore between `stop` (the repository root) and the path."""
        path = os.path.abspath(path)
        folder = os.path.dirname(path)
        while True:
            spec = self._spec(folder)
            if spec is not None:
                rel = os.path.relpath(path, folder).replace(os.sep, "/")
                if spec.match_file(rel + ("/" if is_dir else "")):
                    return True
            if folder == stop or os.path.dirname(folder) == folder:
                return False
            folder = os.path.dirname(folder)


def _git_root(path: str) -> str | None:
    folder = Path(os.path.abspath(path))
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return str(candidate)
    return None


def discover(paths: list[str], settings: Settings, force_exclude: bool = False) -> list[str]:
    """Files to lint, sorted, each once. Raises DiscoveryError for a path that does not exist."""
    patterns = settings.exclude + settings.extend_exclude
    root = os.path.abspath(settings.root)
    found: dict[str, None] = {}
    ignores = _GitIgnores()

    def rel_parts(path: str) -> tuple[str, ...]:
        absolute = os.path.abspath(path)
        try:
            rel = os.path.relpath(absolute, root)
        except ValueError:
            rel = absolute
        if rel.startswith(".."):
            rel = absolute.lstrip(os.sep)
        return tuple(p for p in Path(rel).parts if p not in (".", ""))

    def skip(path: str, is_dir: bool) -> bool:
        if _excluded(rel_parts(path), patterns):
            return True
        if settings.respect_gitignore:
            git_root = _git_root(path)
            if git_root and ignores.ignored(path, is_dir, git_root):
                return True
        return False

    for given in paths:
        if not os.path.lexists(given):
            raise DiscoveryError(f"{given}: no such file or directory")
        if os.path.isfile(given) or not os.path.isdir(given):
            if force_exclude and skip(given, False):
                continue
            found[os.path.normpath(given)] = None
            continue
        if force_exclude and skip(given, True):
            continue
        seen_dirs: set[tuple[int, int]] = set()
        for folder, dirs, files in os.walk(given, followlinks=False):
            try:
                st = os.stat(folder)
                key = (st.st_dev, st.st_ino)
            except OSError:
                dirs[:] = []
                continue
            if key in seen_dirs:
                dirs[:] = []
                continue
            seen_dirs.add(key)
            dirs[:] = sorted(d for d in dirs if not skip(os.path.join(folder, d), True))
            for name in sorted(files):
                if not name.endswith(PYTHON_SUFFIXES):
                    continue
                path = os.path.join(folder, name)
                if os.path.islink(path) and not os.path.exists(path):
                    continue  # dangling link
                if skip(path, False):
                    continue
                found[os.path.normpath(path)] = None
    return sorted(found)
