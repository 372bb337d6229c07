"""Edits shared by rules: wrap statements in `with torch.no_grad():`, add a decorator,
add `.detach()`, insert text, and make sure torch is imported.

Statement wrapping is a libcst transformation (it keeps comments, strings and
formatting); the small insertions are plain text edits at positions the ast gives.
Every helper returns a `Fix` whose edits are relative to the original source.
"""

from __future__ import annotations

import ast
import contextlib
import contextvars

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from gradlint.finding import Applicability, Edit, Fix, Position
from gradlint.source import apply_edits

# expressions that take a trailing `.detach()` without parentheses
ATOMS = (ast.Name, ast.Attribute, ast.Call, ast.Subscript)


def make_fix(applicability: Applicability, message: str, edits) -> Fix:
    unique = []
    for edit in edits:
        if edit not in unique:
            unique.append(edit)
    return Fix(applicability, message, tuple(sorted(unique, key=lambda e: (e.start, e.end))))


def insert(position: Position, text: str) -> Edit:
    return Edit(position, position, text)


def edit_between(source_text: str, new_text: str, source) -> Edit:
    """One edit turning source_text into new_text (their common prefix and suffix kept)."""
    prefix = 0
    limit = min(len(source_text), len(new_text))
    while prefix < limit and source_text[prefix] == new_text[prefix]:
        prefix += 1
    suffix = 0
    while (suffix < limit - prefix and source_text[len(source_text) - 1 - suffix] == new_text[len(new_text) - 1 - suffix]):
        suffix += 1
    return Edit(source.position(prefix), source.position(len(source_text) - suffix), new_text[prefix:len(new_text) - suffix])


# -- torch name --------------------------------------------------------------


def _import_position(facts) -> Position:
    """Where a new top-level import goes: after the docstring and `from __future__` imports."""
    line = 1
    for stmt in facts.module.body:
        is_docstring = isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)
        is_future = isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__"
        if (is_docstring and stmt is facts.module.body[0]) or is_future:
            line = (stmt.end_lineno or stmt.lineno) + 1
        else:
            break
    return Position(line, 1)


def torch_callable(facts, attribute: str) -> tuple[str, list[Edit]]:
    """Code that names torch.<attribute> in this file, and the import edit if torch is missing."""
    alias = facts.imports.torch_alias()
    if alias is not None:
        return f"{alias}.{attribute}", []
    for local, qualified in facts.imports.aliases.items():
        if qualified == f"torch.{attribute}":
            return local, []
    newline = facts.source.newline
    position = _import_position(facts)
    if position.line > len(facts.source.line_starts()):
        # the file ends without a newline after its docstring
        last = len(facts.source.line_starts())
        return f"torch.{attribute}", [insert(Position(last, len(facts.source.line(last)) + 1), f"{newline}import torch")]
    return f"torch.{attribute}", [insert(position, f"import torch{newline}")]


# -- small insertions ----------------------------------------------------------


def add_call_parentheses(facts, expr: ast.AST) -> Edit:
    return insert(facts.end(expr), "()")


def add_detach(facts, expr: ast.AST, suffix: str = ".detach()") -> list[Edit]:
    """`x` -> `x.detach()`, `a + b` -> `(a + b).detach()`."""
    if isinstance(expr, ATOMS):
        return [insert(facts.end(expr), suffix)]
    return [insert(facts.start(expr), "("), insert(facts.end(expr), ")" + suffix)]


def add_decorator(facts, function: ast.AST, decorator: str) -> list[Edit]:
    first = function.decorator_list[0] if function.decorator_list else function
    line = first.lineno
    indent = facts.source.line(function.lineno)[: function.col_offset]
    return [insert(Position(line, 1), f"{indent}@{decorator}{facts.source.newline}")]


# -- wrapping statements with libcst ---------------------------------------------


class _Wrap(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, first_line: int, last_line: int, header: str, compound: str = "with"):
        super().__init__()
        self.first_line = first_line
        self.last_line = last_line
        self.header = cst.parse_expression(header)
        # "with" wraps in `with <header>:`, "if" guards with `if <header>:`
        self.compound = compound
        self.done = False

    def _wrap_body(self, original_body, body):
        if self.done:
            return None
        chosen = []
        for index, stmt in enumerate(original_body):
            pos = self.get_metadata(PositionProvider, stmt)
            if pos.start.line >= self.first_line and pos.end.line <= self.last_line:
                chosen.append(index)
        if not chosen or chosen != list(range(chosen[0], chosen[-1] + 1)):
            return None
        stmts = list(body[chosen[0]: chosen[-1] + 1])
        first = stmts[0]
        # comments above the first statement stay above the new `with`
        leading = first.leading_lines
        stmts[0] = first.with_changes(leading_lines=())
        if self.compound == "if":
            wrapped = cst.If(test=self.header, body=cst.IndentedBlock(body=stmts), leading_lines=leading)
        else:
            wrapped = cst.With(
                items=[cst.WithItem(item=self.header)],
                body=cst.IndentedBlock(body=stmts),
                leading_lines=leading,
            )
        self.done = True
        return [*body[: chosen[0]], wrapped, *body[chosen[-1] + 1:]]

    def leave_IndentedBlock(self, original, updated):
        body = self._wrap_body(original.body, updated.body)
        return updated if body is None else updated.with_changes(body=body)

    def leave_Module(self, original, updated):
        body = self._wrap_body(original.body, updated.body)
        return updated if body is None else updated.with_changes(body=body)


# The language server lints on every change: there the libcst parse (most of the
# time on a file with a finding) is skipped and the fixes are computed on demand.
_CST_FIXES = contextvars.ContextVar("gradlint_cst_fixes", default=True)


@contextlib.contextmanager
def without_cst_fixes():
    """Lint without the fixes that need libcst (those findings get no fix)."""
    token = _CST_FIXES.set(False)
    try:
        yield
    finally:
        _CST_FIXES.reset(token)


def _cst_wrapper(facts) -> MetadataWrapper | None:
    if not _CST_FIXES.get():
        return None
    cached = getattr(facts, "_cst_wrapper", None)
    if cached is None:
        try:
            cached = MetadataWrapper(cst.parse_module(facts.source.text), unsafe_skip_copy=True)
        except Exception:  # libcst rejects some code ast accepts: no fix then
            cached = False
        facts._cst_wrapper = cached
    return cached or None


def wrap_statements(facts, stmts: list[ast.stmt], header: str) -> list[Edit] | None:
    """Wrap consecutive sibling statements in `with <header>:`; None when it cannot be done cleanly."""
    return wrap_statements_in(facts, stmts, header)


def wrap_statements_in(facts, stmts: list[ast.stmt], header: str, compound: str = "with", replacements=()) -> list[Edit] | None:
    """Put consecutive sibling statements under `with <header>:` or (compound="if") `if <header>:`.

    `replacements` are edits inside the statements applied first (dropping `.data`,
    say); they must keep every line where it is. Returns one edit, or None when
    the change cannot be made cleanly.
    """
    first, last = stmts[0], stmts[-1]
    # a statement sharing its line (`a; b`, `if c: a`) cannot be wrapped alone
    for stmt in (first, last):
        line = facts.source.line(stmt.lineno)
        if line[: stmt.col_offset].strip():
            return None
    end_line = last.end_lineno or last.lineno
    tail = facts.source.line(end_line)[last.end_col_offset:]
    if tail.strip() and not tail.strip().startswith("#"):
        return None
    if replacements:
        text = facts.source.text
        for edit in replacements:
            removed = text[facts.source.offset(edit.start): facts.source.offset(edit.end)]
            if "\n" in removed or "\n" in edit.content or "\r" in removed or "\r" in edit.content:
                return None
        try:
            wrapper = MetadataWrapper(cst.parse_module(apply_edits(facts.source, list(replacements))), unsafe_skip_copy=True)
        except Exception:  # libcst rejects some code ast accepts: no fix then
            return None
    else:
        wrapper = _cst_wrapper(facts)
        if wrapper is None:
            return None
    transformer = _Wrap(first.lineno, end_line, header, compound)
    new_module = wrapper.visit(transformer)
    if not transformer.done:
        return None
    return [edit_between(facts.source.text, new_module.code, facts.source)]


def consecutive_run(facts, stmt: ast.stmt, flagged_statements) -> list[ast.stmt]:
    """stmt and its flagged neighbours in the same block, so one `with` covers them all."""
    from gradlint.analysis.tree import block_of

    found = block_of(facts.tree, stmt)
    if found is None:
        return [stmt]
    block, index = found
    flagged = {id(s) for s in flagged_statements}
    first = last = index
    while first > 0 and id(block[first - 1]) in flagged:
        first -= 1
    while last + 1 < len(block) and id(block[last + 1]) in flagged:
        last += 1
    return block[first: last + 1]


def wrap_in_no_grad(facts, stmt: ast.stmt, flagged_statements, message: str = "Wrap in `with torch.no_grad():`") -> Fix | None:
    """The common fix: the statement (and flagged neighbours) under `with torch.no_grad():`."""
    run = consecutive_run(facts, stmt, flagged_statements)
    header, import_edits = torch_callable(facts, "no_grad")
    edits = wrap_statements(facts, run, f"{header}()")
    if edits is None:
        return None
    return make_fix(Applicability.SAFE, message, [*import_edits, *edits])
