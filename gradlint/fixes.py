"""Edits shared by rules: wrap statements in `with torch.no_grad():`, add a decorator,
add `.detach()`, insert text, and make sure torch is imported.

Statement wrapping is a libcst transformation (it keeps comments, strings and
formatting); the small insertions are plain text edits at positions the ast gives.
Every helper returns a `Fix` whose edits are relative to the original source.
"""

from __future__ import annotations

import ast

from gradlint.finding import Applicability, Edit, Fix, Position

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
            if line == 1:
                # below the leading comments: a shebang and an encoding declaration must stay on top
                line = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])
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
    position = _import_position(facts)
    if position.line > len(facts.source.line_starts()):
        # the file ends without a newline after its docstring
        last = len(facts.source.line_starts())
        newline = facts.source.newline_at(last)
        return f"torch.{attribute}", [insert(Position(last, len(facts.source.line(last)) + 1), f"{newline}import torch")]
    # an inserted line ends like the line it goes next to (files may mix CRLF and LF)
    return f"torch.{attribute}", [insert(position, f"import torch{facts.source.newline_at(position.line)}")]


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
    return [insert(Position(line, 1), f"{indent}@{decorator}{facts.source.newline_at(line)}")]


# -- wrapping statements with libcst ---------------------------------------------

def indent_unit(facts) -> str:
    """The file's indentation step: the indent of the first block, else four spaces."""
    cached = getattr(facts, "_indent_unit", None)
    if cached is None:
        cached = "    "
        for node in ast.walk(facts.module):
            body = getattr(node, "body", None)
            if isinstance(node, ast.stmt) and isinstance(body, list) and body and node.col_offset == 0:
                line = facts.source.line(body[0].lineno)
                unit = line[: len(line) - len(line.lstrip())]
                if unit and not line.lstrip().startswith("#"):
                    cached = unit
                    break
        facts._indent_unit = cached
    return cached


def wrap_statements(facts, stmts: list[ast.stmt], header: str) -> list[Edit] | None:
    """Wrap consecutive sibling statements in `with <header>:`; None when it cannot be done cleanly."""
    return wrap_statements_in(facts, stmts, header)


def wrap_statements_in(facts, stmts: list[ast.stmt], header: str, compound: str = "with", replacements=()) -> list[Edit] | None:
    """Put consecutive sibling statements under `with <header>:` or (compound="if") `if <header>:`.

    Only the lines of the statements are parsed with libcst (parsing the whole
    file for each fix would cost seconds on a large one): they are wrapped in a
    throw-away `if True:` at their own indentation, transformed, and printed back.
    `replacements` are edits inside the statements applied first (dropping
    `.data`, say); they must keep every line where it is. Returns one edit, or
    None when the change cannot be made cleanly.
    """
    import libcst as cst

    source = facts.source
    first, last = stmts[0], stmts[-1]
    indent = source.line(first.lineno)[: first.col_offset]
    # a statement sharing its line (`a; b`, `if c: a`) cannot be wrapped alone
    if indent.strip() or source.line(last.lineno)[: last.col_offset].strip():
        return None
    end_line = last.end_lineno or last.lineno
    tail = source.line(end_line)[source.char_column(end_line, last.end_col_offset) - 1:]
    if tail.strip() and not tail.strip().startswith("#"):
        return None
    begin = source.offset(Position(first.lineno, 1))
    finish = source.offset(Position(end_line, len(source.line(end_line)) + 1))
    region = source.text[begin:finish]
    for edit in sorted(replacements, key=lambda e: e.start, reverse=True):
        start, stop = source.offset(edit.start) - begin, source.offset(edit.end) - begin
        removed = region[start:stop]
        if not (0 <= start <= stop <= len(region)) or any(c in removed + edit.content for c in "\r\n"):
            return None
        region = region[:start] + edit.content + region[stop:]
    newline = source.newline_at(first.lineno)  # the `with` line ends like the first line it wraps
    snippet = f"if True:{newline}{region}{newline}" if indent else f"{region}{newline}"
    try:
        module = cst.parse_module(snippet)
        header_node = cst.parse_expression(header)
    except Exception:  # libcst rejects some code ast accepts: no fix then
        return None
    body = list(module.body[0].body.body) if indent else list(module.body)
    block = cst.IndentedBlock(body=body, indent=indent_unit(facts))
    if compound == "if":
        wrapped = cst.If(test=header_node, body=block)
    else:
        wrapped = cst.With(items=[cst.WithItem(item=header_node)], body=block)
    if indent:
        holder = module.body[0]
        module = module.with_changes(body=[holder.with_changes(body=holder.body.with_changes(body=[wrapped]))])
        code = module.code
        code = code[code.index(newline) + len(newline):]
    else:
        code = module.with_changes(body=[wrapped]).code
    if code.endswith(newline):
        code = code[: -len(newline)]
    return [Edit(source.position(begin), source.position(finish), code)]


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


def wrap_in_no_grad(facts, stmt: ast.stmt, flagged_statements, message: str = "Wrap in `with torch.no_grad():`",
                    applicability: Applicability = Applicability.SAFE) -> Fix | None:
    """The common fix: the statement (and flagged neighbours) under `with torch.no_grad():`."""
    run = consecutive_run(facts, stmt, flagged_statements)
    header, import_edits = torch_callable(facts, "no_grad")
    edits = wrap_statements(facts, run, f"{header}()")
    if edits is None:
        return None
    return make_fix(applicability, message, [*import_edits, *edits])


def kept_applicability(facts, call: ast.Call) -> Applicability:
    """A no_grad fix for a forward whose output is stored on `self` where no file of the project
    reads it back (`Fate.kept`) is unsafe: code outside the project could read it and backpropagate."""
    return Applicability.UNSAFE if facts.flow.fate(call).kept else Applicability.SAFE
