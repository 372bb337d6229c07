"""The rule interface: a class per rule, in a module named after the rule.

A rule's docstring is its user documentation, in fixed sections:
What it flags / Why it matters / Example / Fix / Fix safety.
`gradlint explain CODE` prints it and `rules/CODE.md` is generated from it.
"""

from __future__ import annotations

import ast
from typing import ClassVar, Iterator

from gradlint.finding import Finding, Fix, Severity

DOCS_URL = "https://github.com/gradlint/gradlint/blob/main/rules/{code}.md"

# Severity by family (../shared/RULES.md): GL3 raises; GL1, GL2 and GL5 waste, leak or train wrong;
# GL4 names a better API. GL000 (a file that does not parse) is an error.
FAMILY_SEVERITY = {
    "GL0": Severity.ERROR, "GL1": Severity.WARNING, "GL2": Severity.WARNING,
    "GL3": Severity.ERROR, "GL4": Severity.INFO, "GL5": Severity.WARNING,
}
# exceptions to the family: GL402's edit is hidden from autograd, a bug waiting, not a better API
RULE_SEVERITY = {"GL402": Severity.WARNING}


def default_severity(code: str) -> Severity:
    """A rule's severity before `[tool.gradlint] severity` overrides it."""
    return RULE_SEVERITY.get(code) or FAMILY_SEVERITY.get(code[:3], Severity.WARNING)


SECTIONS = ("What it flags", "Why it matters", "Example", "Fix", "Fix safety")


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    # "safe", "unsafe", "display-only" or None (no fix offered)
    fix_applicability: ClassVar[str | None] = None
    # the rule can fire only in a file containing one of these substrings (a cheap prefilter)
    triggers: ClassVar[tuple[str, ...]] = ()

    def check(self, facts) -> Iterator[Finding]:
        raise NotImplementedError

    # what the rule judges one by one, as `gradlint debug` names it ("no forward on this line")
    candidate: ClassVar[str] = "forward"

    def candidates(self, facts) -> list[ast.AST]:
        """The nodes the rule judges one by one (for most rules: each forward call)."""
        return facts.modules.forwards

    def why_quiet(self, facts, node: ast.AST) -> str | None:
        """For a rule that judges candidates one by one (GL101/GL102: each forward; GL401: each
        `no_grad` block): why it stays quiet at this candidate, or None where it fires.
        `gradlint debug` prints it; check uses the same verdict, so the two cannot disagree.
        Rules without it return None."""
        return None

    @classmethod
    def severity(cls) -> Severity:
        return default_severity(cls.code)

    @classmethod
    def url(cls) -> str:
        return DOCS_URL.format(code=cls.code)

    def finding(self, facts, node: ast.AST, message: str, fix: Fix | None = None, end_node: ast.AST | None = None) -> Finding:
        return Finding(
            code=self.code,
            name=self.name,
            message=message,
            path=facts.path,
            start=facts.start(node),
            end=facts.end(end_node or node),
            fix=fix,
            url=self.url(),
        )

    @classmethod
    def documentation(cls) -> str:
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def fixable(cls) -> bool:
        return cls.fix_applicability in ("safe", "unsafe")
