"""The static half of a verification: lint the fixture (or a user's module), apply every fix in memory."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from gradlint.engine import build_index, fix_source, lint_source
from gradlint.verify.fixture import Fixture


@dataclass
class StaticCheck:
    reported: list[str] = field(default_factory=list)  # "GL301 20:9", in file order
    missing: list[str] = field(default_factory=list)  # declared, not reported
    unexpected: list[str] = field(default_factory=list)  # reported, neither expected nor allowed
    no_fix: list[str] = field(default_factory=list)  # declared codes gradlint cannot fix (display only)
    not_removed: list[str] = field(default_factory=list)  # fixable codes still reported after fixing
    fixes_applied: int = 0
    fixed_text: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        out = [f"gradlint did not report {code}" for code in self.missing]
        out += [f"unexpected finding {where}" for where in self.unexpected]
        out += [f"{code} is still reported after its fix" for code in self.not_removed]
        return out + self.errors


def check_fixture(fixture: Fixture) -> StaticCheck:
    result = StaticCheck(fixed_text=fixture.text)
    index = build_index([fixture.path], texts={fixture.path: fixture.text})
    linted = lint_source(fixture.text, fixture.path, index=index)
    result.errors += linted.errors
    codes = [f.code for f in linted.findings]
    result.reported = [f"{f.code} {f.start.line}:{f.start.column}" for f in linted.findings]
    result.missing = [code for code in fixture.expect if code not in codes]
    declared = set(fixture.expect) | set(fixture.allow)
    result.unexpected = [
        f"{f.code} at {f.start.line}:{f.start.column} ({f.message})" for f in linted.findings if f.code not in declared
    ]
    fixable = {f.code for f in linted.findings if f.fixable}
    result.no_fix = [code for code in fixture.expect if code in codes and code not in fixable]

    fixed = fix_source(fixture.text, fixture.path, index=index, unsafe=True)
    result.fixes_applied = fixed.fixed
    result.fixed_text = fixed.text
    result.errors += [e for e in fixed.remaining.errors if e not in result.errors]
    left = {f.code for f in fixed.remaining.findings}
    result.not_removed = [code for code in fixture.expect if code in fixable and code in left]
    try:
        ast.parse(fixed.text)
    except (SyntaxError, ValueError, RecursionError) as exc:
        result.errors.append(f"the fixed program does not parse: {exc}")
    return result


# what a fix for each family of rules is claimed to change at run time, strongest first:
# a crash decides the outcome, then what the program computes (GL5: its training state),
# a leak outweighs a peak, a peak outweighs time
CLAIM_OF_FAMILY = (("GL3", "crash"), ("GL5", "results"), ("GL2", "leak"), ("GL1", "memory"), ("GL401", "time"),
                   ("GL402", "none"))


def claim_of(codes) -> str:
    """The claim the fixed findings make about a user's function (`gradlint verify --call`)."""
    for prefix, claim in CLAIM_OF_FAMILY:
        if any(code.startswith(prefix) for code in codes):
            return claim
    return "none"


def check_module(path: str, text: str, lines: tuple[int, int] | None = None,
                 claim: str | None = None) -> tuple[Fixture, StaticCheck]:
    """A user's module seen as a fixture: the codes reported within `lines` (the called
    function; the whole module when none is reported there) are expected, the others
    allowed, and the claim follows from the expected codes unless one is given. Every
    fix in the module is applied."""
    index = build_index([path], texts={path: text})
    findings = lint_source(text, path, index=index).findings
    inside = [f for f in findings if lines is None or lines[0] <= f.start.line <= lines[1]] or findings
    expect = tuple(dict.fromkeys(f.code for f in inside))
    allow = tuple(dict.fromkeys(f.code for f in findings if f.code not in expect))
    fixture = Fixture(path=path, text=text, expect=expect, allow=allow, claim=claim or claim_of(expect))
    return fixture, check_fixture(fixture)
