"""What the editor shows: diagnostics, and the code actions that act on them.

Everything here is plain computation on one document's text and its findings,
so it runs in the lint thread and is easy to test without a client.
"""

from __future__ import annotations

import io
import tokenize

from lsprotocol import types

from gradlint.finding import Applicability, Edit, Finding, Position
from gradlint.fixes import edit_between
from gradlint.noqa import FILE_NOQA, LINE_NOQA
from gradlint.report.lsp import diagnostic as diagnostic_dict
from gradlint.rules import SYNTAX_ERROR_CODE
from gradlint.server.positions import Converter
from gradlint.source import SourceText

FIX_ALL_KIND = "source.fixAll.gradlint"
FIX_ALL_TITLE = "gradlint: fix all auto-fixable problems"


def to_diagnostic(finding: Finding, convert: Converter) -> types.Diagnostic:
    # the CLI's `--output-format lsp` builds the same fields
    fields = diagnostic_dict(finding)
    href = fields.get("codeDescription", {}).get("href")
    return types.Diagnostic(
        range=convert.range(finding.start, finding.end),
        message=fields["message"],
        severity=types.DiagnosticSeverity(fields["severity"]),
        code=fields["code"],
        code_description=types.CodeDescription(href=href) if href else None,
        source=fields["source"],
        data=fields["data"],
    )


def diagnostics(findings: list[Finding], source: SourceText, encoding: str) -> list[types.Diagnostic]:
    convert = Converter(source, encoding)
    return [to_diagnostic(f, convert) for f in findings]


# -- noqa ---------------------------------------------------------------------


class LineComments:
    """The comments on some lines, and which of those lines can take a comment at their end.

    A line cannot when it ends inside a string or with a backslash continuation.
    One tokenize pass up to the last wanted line serves every line of a request.
    """

    def __init__(self, text: str, lines: set[int]):
        self.comments: dict[int, tokenize.TokenInfo] = {}
        self.closed: set[int] = set()
        if not lines:
            return
        last = max(lines)
        try:
            for tok in tokenize.generate_tokens(io.StringIO(text).readline):
                if tok.start[0] > last:
                    break
                if tok.type == tokenize.COMMENT and tok.start[0] in lines:
                    self.comments[tok.start[0]] = tok
                elif tok.end[0] > tok.start[0] and tok.type not in (tokenize.NL, tokenize.NEWLINE):
                    # a multi-line string crosses the end of each line it spans
                    self.closed.update(n for n in range(tok.start[0], tok.end[0]) if n in lines)
        except (tokenize.TokenError, SyntaxError):
            pass  # an unfinished file: the lines themselves are all we know


def noqa_edit(source: SourceText, line: int, code: str, comments: LineComments | None = None) -> Edit | None:
    """Add `# noqa: CODE` to a line, or add CODE to the noqa comment already there."""
    if comments is None:
        comments = LineComments(source.text, {line})
    if line in comments.closed:
        return None
    text = source.line(line)
    comment = comments.comments.get(line)
    if comment is not None:
        if FILE_NOQA.search(comment.string):
            return None  # that comment is the file's noqa; a line noqa cannot share it
        match = LINE_NOQA.search(comment.string)
        if match is not None:
            if not match.group("codes"):
                return None  # a bare `# noqa` silences everything already
            codes = {c.strip().upper() for c in match.group("codes").replace(",", " ").split()}
            if code in codes:
                return None
            # tokenize counts characters on str input, as Position does
            at = Position(line, comment.start[1] + match.end("codes") + 1)
            return Edit(at, at, f", {code}")
    code_end = len(text.rstrip())
    if code_end == 0 or text.rstrip().endswith("\\"):
        return None
    return Edit(Position(line, code_end + 1), Position(line, len(text) + 1), f"  # noqa: {code}")


# -- code actions ---------------------------------------------------------------


def _workspace_edit(uri: str, version: int | None, edits: list[types.TextEdit], versioned: bool) -> types.WorkspaceEdit:
    if versioned:
        document = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(text_document=document, edits=edits)])
    return types.WorkspaceEdit(changes={uri: edits})


def wanted(kind: str, only) -> bool:
    """LSP's `only` filter: a kind matches when it equals or extends one of the wanted kinds."""
    if not only:
        return True
    return any(kind == want or kind.startswith(f"{want}.") for want in only)


def _overlaps(finding: Finding, first_line: int, last_line: int) -> bool:
    # line granularity: editors ask for actions at the cursor, anywhere on the line
    return finding.start.line <= last_line and first_line <= finding.end.line


def _matching(finding: Finding, convert: Converter, sent: list[types.Diagnostic]) -> types.Diagnostic:
    """The client's diagnostic for this finding (so the editor links them), else a fresh one."""
    fresh = to_diagnostic(finding, convert)
    for diag in sent:
        if diag.source == "gradlint" and diag.code == finding.code and diag.range == fresh.range:
            return diag
    return fresh


def line_actions(
    uri: str,
    version: int | None,
    source: SourceText,
    findings: list[Finding],
    params: types.CodeActionParams,
    encoding: str,
    versioned: bool,
) -> list[types.CodeAction]:
    """Per finding in the requested lines: its fix, then "Disable CODE for this line"."""
    only = params.context.only
    if not wanted(types.CodeActionKind.QuickFix, only):
        return []
    convert = Converter(source, encoding)
    first = convert.from_lsp(params.range.start).line
    last = convert.from_lsp(params.range.end).line
    sent = list(params.context.diagnostics or [])
    fixes: list[types.CodeAction] = []
    disables: list[types.CodeAction] = []
    disabled_lines: dict[tuple[int, str], None] = {}
    findings = [f for f in findings if _overlaps(f, first, last)]
    comments = LineComments(source.text, {f.start.line for f in findings if f.code != SYNTAX_ERROR_CODE})
    for finding in findings:
        diag = _matching(finding, convert, sent)
        fix = finding.fix
        if fix is not None and fix.applicability is not Applicability.DISPLAY_ONLY and fix.edits:
            safe = fix.applicability is Applicability.SAFE
            title = f"{fix.message} ({finding.code})" if safe else f"{fix.message} ({finding.code}, unsafe)"
            edits = [convert.text_edit(e) for e in fix.edits]
            fixes.append(types.CodeAction(
                title=title,
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diag],
                is_preferred=safe,
                edit=_workspace_edit(uri, version, edits, versioned),
            ))
        if finding.code == SYNTAX_ERROR_CODE or (finding.start.line, finding.code) in disabled_lines:
            continue
        edit = noqa_edit(source, finding.start.line, finding.code, comments)
        if edit is None:
            continue
        disabled_lines[(finding.start.line, finding.code)] = None
        disables.append(types.CodeAction(
            title=f"Disable {finding.code} for this line",
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[diag],
            edit=_workspace_edit(uri, version, [convert.text_edit(edit)], versioned),
        ))
    return fixes + disables


def fix_all_action(
    uri: str,
    version: int | None,
    source: SourceText,
    fixed_text: str,
    encoding: str,
    versioned: bool,
) -> types.CodeAction | None:
    """One minimal edit from the document to its fixed text; None when nothing changes."""
    if fixed_text == source.text:
        return None
    edit = edit_between(source.text, fixed_text, source)
    convert = Converter(source, encoding)
    return types.CodeAction(
        title=FIX_ALL_TITLE,
        kind=FIX_ALL_KIND,
        edit=_workspace_edit(uri, version, [convert.text_edit(edit)], versioned),
    )
