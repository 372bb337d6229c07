"""Fixture programs: find them and read their declarations without running them.

A fixture declares, at module level and as literals, what gradlint must report
(`EXPECT`), what the fix is claimed to achieve (`CLAIM`) and, optionally, the
codes it tolerates (`ALLOW`), how many iterations its workload runs
(`ITERATIONS`) and a note for the report (`NOTE`). It defines
`workload(device)`, and may define `advised(device)`: the variant popular advice
recommends, measured against the original when gradlint has no fix to offer.
The format is documented in gradlint/fixtures/README.md.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field

# "results": the fix changes what the program computes, as a GL5 rule says (gradients cleared, train or eval mode)
CLAIMS = ("memory", "crash", "leak", "time", "results", "none")
CODE_PATTERN = re.compile(r"^GL\d{3}$")
WORKLOAD = "workload"
ADVISED = "advised"


class FixtureError(Exception):
    """A fixture whose declarations cannot be read; the message names the file."""


@dataclass
class Fixture:
    path: str
    text: str
    expect: tuple[str, ...]
    claim: str
    allow: tuple[str, ...] = ()
    iterations: int = 1
    note: str = ""
    has_advised: bool = False
    # module-level functions, to report a missing workload before running anything
    functions: frozenset[str] = field(default_factory=frozenset)
    label: str = ""  # the name in reports, where it is not the file's (`--call FILE:FUNCTION`)

    @property
    def name(self) -> str:
        return self.label or os.path.splitext(os.path.basename(self.path))[0]


def _literal(node: ast.expr, path: str, name: str):
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError):
        raise FixtureError(f"{path}: {name} must be a literal") from None


def _codes(value, path: str, name: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise FixtureError(f"{path}: {name} must be a list of rule codes such as [\"GL101\"]")
    codes = tuple(v.strip().upper() for v in value)
    for code in codes:
        if not CODE_PATTERN.match(code):
            raise FixtureError(f"{path}: {name} holds {code!r}, which is not a rule code (GLnnn)")
    return codes


def declarations(module: ast.Module) -> dict[str, ast.expr]:
    """Module-level `NAME = literal` assignments (the last one wins, as at run time)."""
    found: dict[str, ast.expr] = {}
    for stmt in module.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            found[stmt.targets[0].id] = stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            found[stmt.target.id] = stmt.value
    return found


def is_fixture_text(text: str) -> bool:
    """Cheap test used when scanning a folder: does the file declare a CLAIM?"""
    return re.search(r"^CLAIM\s*[:=]", text, re.MULTILINE) is not None


def load_fixture(path: str) -> Fixture:
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise FixtureError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FixtureError(f"{path}: not a fixture: not UTF-8 text") from None
    try:
        module = ast.parse(text, filename=path)
    except (SyntaxError, ValueError, RecursionError) as exc:
        line = getattr(exc, "lineno", None)
        where = f" (line {line})" if line else ""
        raise FixtureError(f"{path}: not a fixture: not valid Python{where}") from None
    found = declarations(module)
    if "CLAIM" not in found:
        raise FixtureError(f"{path}: not a fixture: no CLAIM declared (one of {', '.join(CLAIMS)})")
    claim = _literal(found["CLAIM"], path, "CLAIM")
    if claim not in CLAIMS:
        raise FixtureError(f"{path}: CLAIM must be one of {', '.join(CLAIMS)}, not {claim!r}")
    if "EXPECT" not in found:
        raise FixtureError(f"{path}: not a fixture: no EXPECT declared (the codes gradlint must report; [] for none)")
    expect = _codes(_literal(found["EXPECT"], path, "EXPECT"), path, "EXPECT")
    allow = _codes(_literal(found["ALLOW"], path, "ALLOW"), path, "ALLOW") if "ALLOW" in found else ()
    iterations = _literal(found["ITERATIONS"], path, "ITERATIONS") if "ITERATIONS" in found else 1
    if not isinstance(iterations, int) or isinstance(iterations, bool) or iterations < 1:
        raise FixtureError(f"{path}: ITERATIONS must be a positive integer")
    note = _literal(found["NOTE"], path, "NOTE") if "NOTE" in found else ""
    if not isinstance(note, str):
        raise FixtureError(f"{path}: NOTE must be a string")
    functions = frozenset(
        stmt.name for stmt in module.body if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
    )
    if WORKLOAD not in functions:
        raise FixtureError(f"{path}: not a fixture: no module-level `def {WORKLOAD}(device):`")
    return Fixture(
        path=path,
        text=text,
        expect=tuple(dict.fromkeys(expect)),
        claim=claim,
        allow=tuple(dict.fromkeys(allow)),
        iterations=iterations,
        note=" ".join(note.split()),
        has_advised=ADVISED in functions,
        functions=functions,
    )


def find_fixtures(paths: list[str]) -> list[str]:
    """Fixture files among PATHS: files named are taken as fixtures; folders are
    searched (not recursively) for .py files that declare a CLAIM."""
    found: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            for name in sorted(os.listdir(path)):
                full = os.path.join(path, name)
                if not name.endswith(".py") or name.startswith(("_", ".")) or not os.path.isfile(full):
                    continue
                try:
                    with open(full, encoding="utf-8-sig", errors="replace") as handle:
                        if is_fixture_text(handle.read()):
                            found.append(full)
                except OSError:
                    continue
        elif os.path.exists(path):
            found.append(path)
        else:
            raise FixtureError(f"{path}: no such file or folder")
    return list(dict.fromkeys(found))
