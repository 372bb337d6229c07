"""The edit GL401 and GL304 share: turn a `torch.<old>` with item or decorator into `torch.<new>()`.

Every spelling is handled: `torch.no_grad()`, `th.no_grad`, `torch.autograd.no_grad()`
(rewritten with the file's torch alias when it has one), and a name imported
with `from torch import no_grad` (the import gains `inference_mode`, and loses
`no_grad` once no use is left). The result always has parentheses: a bare
`@torch.inference_mode` decorator needs torch 2.0, the call works from 1.9.
"""

from __future__ import annotations

import ast

from gradlint.analysis.names import canonical
from gradlint.finding import Applicability, Edit, Fix, Position
from gradlint.fixes import insert, make_fix

IMPORT_MODULES = ("torch", "torch.autograd", "torch.autograd.grad_mode")


def switch_fixes(facts, anchors: list[ast.expr], old: str, new: str) -> dict[int, Fix | None]:
    """id(anchor) -> the fix for that anchor (None where it cannot be done cleanly).

    Anchors spelled with an imported name share one fix: it rewrites all of them
    and the import together, so that dropping the old name never leaves a use behind.
    """
    fixes: dict[int, Fix | None] = {}
    by_name: dict[str, list[ast.expr]] = {}
    for anchor in anchors:
        func = anchor.func if isinstance(anchor, ast.Call) else anchor
        if isinstance(func, ast.Attribute):
            # `th.no_grad` keeps its alias; `torch.autograd.no_grad` is shortened to the file's torch name
            alias = facts.imports.torch_alias()
            if facts.imports.qualname(func.value) == "torch" or alias is None:
                callable_text = f"{facts.text(func.value)}.{new}"
            else:
                callable_text = f"{alias}.{new}"
            fixes[id(anchor)] = make_fix(Applicability.SAFE, f"Use `{callable_text}()`", [_replace(facts, anchor, f"{callable_text}()")])
        elif isinstance(func, ast.Name):
            by_name.setdefault(func.id, []).append(anchor)
        else:
            fixes[id(anchor)] = None
    for local, group in by_name.items():
        fix = _imported_name_fix(facts, local, group, old, new)
        for anchor in group:
            fixes[id(anchor)] = fix
    return fixes


def _replace(facts, node: ast.AST, text: str) -> Edit:
    return Edit(facts.start(node), facts.end(node), text)


def _find_import(facts, local: str, old: str) -> tuple[ast.ImportFrom, ast.alias] | None:
    for node in ast.walk(facts.module):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in IMPORT_MODULES:
            for alias in node.names:
                if alias.name == old and (alias.asname or alias.name) == local:
                    return node, alias
    return None


def _imported_name_fix(facts, local: str, group: list[ast.expr], old: str, new: str) -> Fix | None:
    found = _find_import(facts, local, old)
    if found is None:
        return None
    statement, alias = found
    existing = next((name for name, q in facts.imports.aliases.items() if canonical(q) == f"torch.{new}"), None)
    needs_import = existing is None
    callable_text = existing or new
    if needs_import and _name_taken(facts, new):
        torch_alias = facts.imports.torch_alias()
        if torch_alias is None:
            return None
        callable_text, needs_import = f"{torch_alias}.{new}", False
    anchor_funcs = {id(a.func if isinstance(a, ast.Call) else a) for a in group}
    other_uses = [n for n in ast.walk(facts.module) if isinstance(n, ast.Name) and n.id == local and id(n) not in anchor_funcs]
    drop = not other_uses
    edits = [_replace(facts, anchor, f"{callable_text}()") for anchor in group]
    import_edit = _import_edit(facts, statement, alias, new, drop, needs_import)
    if import_edit is False:
        return None
    if import_edit is not None:
        edits.append(import_edit)
    where = f" (all {len(group)} uses of `{local}`)" if len(group) > 1 else ""
    return make_fix(Applicability.SAFE, f"Use `{callable_text}()`{where}", edits)


def _name_taken(facts, name: str) -> bool:
    """Is `name` already a name of this file (so importing it would shadow something)?"""
    for node in ast.walk(facts.module):
        if isinstance(node, ast.Name) and node.id == name:
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            return True
        if isinstance(node, ast.arg) and node.arg == name:
            return True
        if isinstance(node, ast.alias) and (node.asname or node.name).split(".")[0] == name:
            return True
    return False


def _import_edit(facts, statement: ast.ImportFrom, alias: ast.alias, new: str, drop: bool, add: bool):
    """The edit of `from torch import ..., old, ...`; None for no edit, False when it cannot be made cleanly."""
    names = statement.names
    if drop and add:
        return _replace(facts, alias, new)
    if add:
        return insert(facts.end(names[-1]), f", {new}")
    if not drop:
        return None
    if len(names) == 1:
        # the whole statement goes, when it stands alone on its lines
        first_line = facts.source.line(statement.lineno)
        last_line = facts.source.line(statement.end_lineno)
        if first_line[: statement.col_offset].strip() or last_line[statement.end_col_offset:].strip():
            return False
        end = Position(statement.end_lineno + 1, 1)
        if statement.end_lineno >= len(facts.source.line_starts()):
            end = facts.end(statement)  # the last line, without a line ending
        return Edit(Position(statement.lineno, 1), end, "")
    index = next(i for i, a in enumerate(names) if a is alias)
    if index + 1 < len(names):
        return Edit(facts.start(alias), facts.start(names[index + 1]), "")
    return Edit(facts.end(names[index - 1]), facts.end(alias), "")
