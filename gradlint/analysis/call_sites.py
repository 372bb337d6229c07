"""Call sites: this file's calls of a project function, and what each call passes for one of
the function's parameters.

The project index knows every caller of a function by qualified name (`index.callers`); this
is the same call graph seen from one file's calls, for questions that need the argument
expressions themselves: is the argument a trained parameter (`parameters.py`), which module
does a caller's loop hand to a training step (GL502).
"""

from __future__ import annotations

import ast
from functools import cached_property

from gradlint.analysis.tree import keyword


class CallSites:
    def __init__(self, facts):
        self.facts = facts

    @cached_property
    def _by_name(self) -> dict[str, list[ast.Call]]:
        found: dict[str, list[ast.Call]] = {}
        for call in self.facts.tree.calls:
            func = call.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
            if name is not None:
                found.setdefault(name, []).append(call)
        return found

    def to(self, qualified: str) -> list[ast.Call]:
        """This file's calls that reach the function `qualified` (as the project index keys them)."""
        from gradlint.analysis.call_keys import call_key

        facts = self.facts
        index = facts.index
        return [call for call in self._by_name.get(qualified.rpartition(".")[2], ())
                if (key := call_key(facts.tree, facts.symbols, call)) is not None and index.refers_to(key, qualified)]

    def argument(self, function: ast.AST, call: ast.Call, name: str) -> ast.AST | None:
        """What call (of function) passes for its parameter `name`: by keyword or by position
        (a method's `self` is the receiver); None when it passes nothing that can be matched
        (a default, `*args`)."""
        positional = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
        if is_method(self.facts.tree, function):
            positional = positional[1:]
        passed = keyword(call, name)
        if passed is None and name in positional:
            position = positional.index(name)
            before = call.args[: position + 1]
            if position < len(call.args) and not any(isinstance(a, ast.Starred) for a in before):
                passed = call.args[position]
        return passed


def is_method(tree, function: ast.AST) -> bool:
    """A function defined in a class body and not a staticmethod: its first parameter is the receiver."""
    return isinstance(tree.parent(function), ast.ClassDef) and not any(
        isinstance(d, ast.Name) and d.id == "staticmethod" for d in function.decorator_list)
