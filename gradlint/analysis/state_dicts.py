"""State dicts: which expressions hold one, and loops over every entry of one.

A state dict is `m.state_dict(...)`, a `copy.deepcopy`, `.copy()`, `dict(...)` or
`OrderedDict(...)` of one, a name bound only to such values, or an item of a list
of them (`sds[0]` for `sds = [m.state_dict() for m in models]`). A loop over
every entry is `for k in sd`, `for k in sd.keys()`, `for k, v in sd.items()`
(also through `list(...)`/`sorted(...)`, and as a comprehension).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from gradlint.analysis.bindings import bound_values
from gradlint.analysis.tree import keyword, is_true
from gradlint.analysis.vocabulary import MAPPING_COPIES, SAME_ELEMENTS_BUILTINS


def is_state_dict(facts, expr: ast.AST | None, depth: int = 0, keep_vars: bool | None = None) -> bool:
    """Does expr certainly hold a state dict? With keep_vars=True: one made with `state_dict(keep_vars=True)`."""
    if expr is None or depth > 6:
        return False
    if isinstance(expr, ast.Call):
        func = expr.func
        if isinstance(func, ast.Attribute) and func.attr == "state_dict":
            return keep_vars is None or is_true(keyword(expr, "keep_vars")) == keep_vars
        if isinstance(func, ast.Attribute) and func.attr == "copy" and not expr.args:
            return is_state_dict(facts, func.value, depth + 1, keep_vars)
        copies = facts.imports.qualname(func) == "copy.deepcopy" or (isinstance(func, ast.Name) and func.id in MAPPING_COPIES)
        if copies and len(expr.args) == 1:
            return is_state_dict(facts, expr.args[0], depth + 1, keep_vars)
        return False
    if isinstance(expr, ast.Name):
        values = bound_values(facts, expr)
        return bool(values) and all(is_state_dict(facts, v, depth + 1, keep_vars) for v in values)
    if isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Name):
        # sds[0] for a list of state dicts
        values = bound_values(facts, expr.value)
        return bool(values) and all(_holds_state_dicts(facts, v, depth + 1, keep_vars) for v in values)
    return False


def _holds_state_dicts(facts, expr: ast.AST | None, depth: int, keep_vars: bool | None) -> bool:
    if isinstance(expr, (ast.ListComp, ast.GeneratorExp)):
        return is_state_dict(facts, expr.elt, depth + 1, keep_vars)
    if isinstance(expr, (ast.List, ast.Tuple)):
        return bool(expr.elts) and all(is_state_dict(facts, e, depth + 1, keep_vars) for e in expr.elts)
    return False


@dataclass(frozen=True)
class EntryLoop:
    """A loop over every entry of a state dict."""

    node: ast.AST  # the For or the comprehension
    state_dict: ast.AST  # the expression iterated (without .keys()/.items())
    key: str  # the loop's key name
    value: str | None  # the value name of an `.items()` loop


def entry_loop(facts, node: ast.AST) -> EntryLoop | None:
    """node (a For or a comprehension) as a loop over a state dict's entries, or None."""
    if not isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
        return None
    iterable = node.iter
    while isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) and iterable.func.id in SAME_ELEMENTS_BUILTINS and len(iterable.args) == 1:
        iterable = iterable.args[0]
    method = None
    if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute) and iterable.func.attr in ("keys", "items") and not iterable.args:
        method = iterable.func.attr
        iterable = iterable.func.value
    if not is_state_dict(facts, iterable):
        return None
    target = node.target
    if method == "items":
        if isinstance(target, ast.Tuple) and len(target.elts) == 2 and all(isinstance(e, ast.Name) for e in target.elts):
            return EntryLoop(node, iterable, target.elts[0].id, target.elts[1].id)
        return None
    if isinstance(target, ast.Name):
        return EntryLoop(node, iterable, target.id, None)
    return None


def entry_loops(facts) -> list[EntryLoop]:
    found = []
    for node in facts.tree.nodes(ast.For, ast.AsyncFor, ast.comprehension):
        loop = entry_loop(facts, node)
        if loop is not None:
            found.append(loop)
    return found
