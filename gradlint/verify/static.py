"""The static half of a verification: lint the fixture, apply every fix in memory."""

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
