"""Which files to lint: recursive, .gitignore-aware, with default and configured excludes."""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

from gradlint.analysis.module_paths import module_identity
from gradlint.config import Settings

PYTHON_SUFFIXES = (".py", ".pyi")
# what a folder scan lints: Python files and Jupyter notebooks (gradlint.notebook)
LINTED_SUFFIXES = (*PYTHON_SUFFIXES, ".ipynb")


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
        self._specs: dict[str, object | None] = {}

    def _spec(self, folder: str):
        if folder not in self._specs:
            spec = None
            path = os.path.join(folder, ".gitignore")
            if os.path.isfile(path):
                try:
                    with open(path, encoding="utf-8", errors="replace") as handle:
                        # imported here: pathspec pulls in asyncio (~30 ms), wasted on runs without .gitignore
                        import pathspec

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


def project_root(path: str, settings: Settings) -> str | None:
    """The folder whose Python files form the project of a file named alone: the configuration's
    folder; else the git repository's, unless its .gitignore excludes the file (a downloaded or
    vendored copy: then the folder above the file's top package); None outside both."""
    if settings.source:
        return settings.root
    path = os.path.abspath(path)
    root = _git_root(path)
    if root is None or not _GitIgnores().ignored(path, False, root):
        return root
    folder = os.path.dirname(path)
    for _ in range(module_identity(path)[0].count(".")):
        folder = os.path.dirname(folder)
    return folder


def _inside(path: str, base: str) -> bool:
    return path == base or path.startswith(base.rstrip(os.sep) + os.sep)


def discover(paths: list[str], settings: Settings, force_exclude: bool = False) -> list[str]:
    """Files to lint, sorted, each once. Raises DiscoveryError for a path that does not exist.

    While walking, an entry is excluded by its own name (or, for patterns with a
    `/`, by its path from the project root); the folders above a path the user
    named are never held against it, unless --force-exclude asks for that.
    """
    patterns = tuple(p.rstrip("/") for p in settings.exclude + settings.extend_exclude)
    name_patterns = tuple(p for p in patterns if "/" not in p)
    path_patterns = tuple(p for p in patterns if "/" in p)
    root = os.path.abspath(settings.root)
    cwd = os.getcwd()
    # without a configuration file the project is the current folder, as in Ruff
    anchors = [root, cwd] if settings.source else [cwd, root]
    found: dict[str, None] = {}
    ignores = _GitIgnores()
    git_roots: dict[str, str | None] = {}

    def git_root_of(folder: str) -> str | None:
        if folder not in git_roots:
            git_roots[folder] = _git_root(folder)
        return git_roots[folder]

    def rel_parts(path: str) -> tuple[str, ...]:
        absolute = os.path.abspath(path)
        base = next((a for a in anchors if _inside(absolute, a)), None)
        rel = os.path.relpath(absolute, base) if base else absolute.lstrip(os.sep)
        return tuple(p for p in Path(rel).parts if p not in (".", ""))

    def gitignored(path: str, is_dir: bool, stop: str | None = None) -> bool:
        if not settings.respect_gitignore:
            return False
        git_root = git_root_of(os.path.dirname(os.path.abspath(path)))
        if not git_root:
            return False
        if stop is None or _inside(git_root, stop):
            stop = git_root  # the deeper of the two: a nested repository has its own ignores
        return ignores.ignored(path, is_dir, stop)

    def skip_named(path: str, is_dir: bool) -> bool:
        """--force-exclude: every folder on the path counts."""
        return _excluded(rel_parts(path), patterns) or gitignored(path, is_dir)

    def skip_walked(path: str, is_dir: bool, stop: str | None) -> bool:
        name = os.path.basename(path)
        if any(fnmatch.fnmatch(name, p) for p in name_patterns):
            return True
        if path_patterns and _excluded(rel_parts(path), path_patterns):
            return True
        return gitignored(path, is_dir, stop)

    for given in paths:
        try:
            os.lstat(given)
        except PermissionError:  # a folder on the way may not be searched
            raise DiscoveryError(f"{given}: permission denied") from None
        except OSError:
            raise DiscoveryError(f"{given}: no such file or directory") from None
        if os.path.isfile(given) or not os.path.isdir(given):
            if force_exclude and skip_named(given, False):
                continue
            found[os.path.normpath(given)] = None
            continue
        if force_exclude and skip_named(given, True):
            continue
        # a folder named on the command line is linted even when a .gitignore above
        # it ignores it: then only the .gitignore files inside it count
        absolute = os.path.abspath(given)
        stop = absolute if gitignored(given, True) else None
        try:
            with os.scandir(given):
                pass  # os.walk below would say nothing about a folder it may not list
        except PermissionError:
            raise DiscoveryError(f"{given}: permission denied") from None
        except OSError as exc:
            raise DiscoveryError(f"{given}: {exc.strerror or exc}") from None
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
            dirs[:] = sorted(d for d in dirs if not skip_walked(os.path.join(folder, d), True, stop))
            for name in sorted(files):
                if not name.endswith(LINTED_SUFFIXES):
                    continue
                path = os.path.join(folder, name)
                if not os.path.isfile(path):
                    continue  # a dangling link, or a FIFO or device that would block the read
                if skip_walked(path, False, stop):
                    continue
                found[os.path.normpath(path)] = None
    return sorted(found)
