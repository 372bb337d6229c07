"""Output formats. Each module renders a list of findings to a string."""

from __future__ import annotations

from dataclasses import dataclass, field

FORMATS = ("text", "json", "sarif", "github", "lsp")


@dataclass
class ReportContext:
    """What renderers may need besides the findings."""

    root: str = "."
    color: bool = False
    unsafe_fixes: bool = False
    statistics: bool = False
    fixed: int = 0
    # problems reported on stderr (unreadable files, internal errors): never "All checks passed!"
    errors: int = 0
    show_fixes: bool = True
    sources: dict = field(default_factory=dict)


def render(fmt: str, findings, context: ReportContext) -> str:
    if fmt == "text":
        from gradlint.report.text import render_text as renderer
    elif fmt == "json":
        from gradlint.report.json import render_json as renderer
    elif fmt == "sarif":
        from gradlint.report.sarif import render_sarif as renderer
    elif fmt == "github":
        from gradlint.report.github import render_github as renderer
    elif fmt == "lsp":
        from gradlint.report.lsp import render_lsp as renderer
    else:
        raise ValueError(fmt)
    return renderer(findings, context)
