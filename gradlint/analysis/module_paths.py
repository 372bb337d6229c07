"""A file's module name, from its place among `__init__.py` files (`pkg/sub/mod.py` is
`pkg.sub.mod`; a script outside a package is its stem). Only `os`: a run computes it for
every file it reads, warm runs too, without importing the analysis."""

from __future__ import annotations

import os


def _is_package(folder: str) -> bool:
    # not memoised: a long-lived process (the language server) must see a package made meanwhile
    return os.path.isfile(os.path.join(folder, "__init__.py"))


def module_identity(path: str | None) -> tuple[str, str]:
    """(module name, package its relative imports start from) for a file path."""
    if not path or path == "-":
        return "", ""
    folder, filename = os.path.split(os.path.abspath(path))
    stem = filename.rsplit(".", 1)[0]
    parts = [] if stem == "__init__" else [stem]
    while _is_package(folder):
        folder, name = os.path.split(folder)
        if not name:
            break
        parts.insert(0, name)
    module = ".".join(parts)
    package = module if stem == "__init__" else module.rpartition(".")[0]
    return module, package
