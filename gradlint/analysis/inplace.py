"""In-place tensor methods: which write data, and how to see through chains like `e.mul_(d).add_(p)`."""

from __future__ import annotations

import ast

from gradlint.analysis.vocabulary import NON_DATA_INPLACE_METHODS


def is_inplace_method(name: str) -> bool:
    """`add_`, `clamp_`, `copy_`...: names ending in one underscore, not dunders, not flag setters."""
    return name.endswith("_") and not name.endswith("__") and not name.startswith("_") and name not in NON_DATA_INPLACE_METHODS


def inplace_receiver(call: ast.Call) -> ast.AST | None:
    """The tensor an in-place call writes, looking through earlier in-place calls in a chain."""
    if not (isinstance(call.func, ast.Attribute) and is_inplace_method(call.func.attr)):
        return None
    receiver = call.func.value
    while isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute) and is_inplace_method(receiver.func.attr):
        receiver = receiver.func.value
    return receiver


def is_chained_inplace(call: ast.Call) -> bool:
    """True for the outer call of `x.mul_(a).add_(b)`: the inner call already names x."""
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    return isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute) and is_inplace_method(receiver.func.attr)
