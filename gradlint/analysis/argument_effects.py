"""Which module-level functions only read their arguments: the summary other files ask about.

A call `helper(pred, truth)` of a function defined in another file is opaque to
the one-file analyses: it may update the tensors it is given in place, keep them,
or train the model it gets. This summary says, for each module-level function of
a file, whether its own body does none of that: it binds only plain local names,
calls only torch ops that make new tensors, non-in-place tensor methods, Python
builtins that keep nothing, exceptions, and project functions (listed, so that
the project index can require them to be readers too, to a fixpoint).

Anything else (an in-place method, an augmented assignment, a store into an
attribute or an item, `global`, a `with` block, a generator, a call of an argument
or of anything the file cannot name) makes the function not a reader. A miss
here only keeps a finding quiet; it never makes one.

One exception is kept, for the optional logger or callback a helper takes: a
method called on an argument that defaults to a constant (`logger=None`, then
`logger.error(msg)`) makes the function a reader only where a call leaves that
argument out. There the argument is the constant, whose methods do nothing to a
tensor; the summary names such arguments with their positions (its guards).
"""

from __future__ import annotations

import ast
import builtins

from gradlint.analysis.names import ImportTable
from gradlint.analysis.symbols import Symbols
from gradlint.analysis.tree import Tree, walk
from gradlint.analysis.vocabulary import (
    ARITHMETIC_BUILTINS,
    GRAD_NEEDING_FUNCTIONS,
    GRAD_NEEDING_METHODS,
    GRAD_MODE_CONTEXTS,
    PASSING_BUILTINS,
    PYTHON_BUILTINS,
    PYTHON_VALUE_METHODS,
    MODULE_REWRITING_FUNCTIONS,
    STATEFUL_TORCH_FUNCTIONS,
    STATEFUL_TORCH_NAMESPACES,
    STRING_FORMATTERS,
    TENSOR_OP_METHODS,
    TORCH_ROOTS,
    VALUE_MODULES,
)

# builtins a reader may call: they return values and keep none of their arguments
# (`getattr` hands out an attribute, which is reading; `setattr` is not here)
READING_BUILTINS = PYTHON_BUILTINS | ARITHMETIC_BUILTINS | PASSING_BUILTINS
# methods a reader may call on anything: tensor ops that return new tensors or views, value reads, str formatting
READING_METHODS = (TENSOR_OP_METHODS | PYTHON_VALUE_METHODS | STRING_FORMATTERS) - GRAD_NEEDING_METHODS
_NOT_READING = (ast.Global, ast.Nonlocal, ast.With, ast.AsyncWith, ast.Yield, ast.YieldFrom, ast.Await,
                ast.AugAssign, ast.Delete, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def summarize(tree: Tree, imports: ImportTable, symbols: Symbols) -> tuple[dict[str, list[str]], dict[str, dict[str, int]]]:
    """(qualified name of each module-level function that only reads its arguments -> the project
    functions it calls, each of which must be a reader too; the guards of the readers that have
    some: argument -> position, -1 for a keyword-only one)."""
    readers: dict[str, list[str]] = {}
    guards: dict[str, dict[str, int]] = {}
    for function in tree.module.body:
        if not isinstance(function, ast.FunctionDef) or function.decorator_list:
            continue  # a decorator may run the body anywhere, under any mode
        found = _callees_of_reader(function, imports, symbols)
        name = symbols.qualname_of(function)
        if found is not None and name is not None:
            callees, guarded = found
            readers[name] = sorted(callees)
            if guarded:
                guards[name] = guarded
    return readers, guards


def passes_guarded(call: ast.Call, guards: dict[str, int]) -> bool:
    """May this call pass one of a reader's guarded arguments (by position, by keyword, or
    through `*args`/`**kwargs`)?"""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return bool(guards)
    keywords = {k.arg for k in call.keywords}
    return any(name in keywords or 0 <= position < len(call.args) for name, position in guards.items())


def _callees_of_reader(function: ast.FunctionDef, imports: ImportTable, symbols: Symbols) -> tuple[set[str], dict[str, int]] | None:
    """(the project functions the body calls, its guarded arguments), or None when the body does
    more than read."""
    local = symbols.local_names(function)
    guardable = None  # worked out at the first call that does more than read
    callees: set[str] = set()
    guarded: dict[str, int] = {}
    for stmt in function.body:
        for node in walk(stmt):
            if isinstance(node, _NOT_READING):
                return None
            if isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)) and isinstance(node.ctx, (ast.Store, ast.Del)):
                return None
            if isinstance(node, ast.keyword) and node.arg in ("out", "requires_grad"):
                return None
            if isinstance(node, ast.Call):
                callee = _reading_call(node, function, local, imports, symbols)
                if callee is False:
                    receiver = _method_root(node.func)
                    if guardable is None and receiver is not None:
                        guardable = _constant_default_arguments(function)
                    if receiver is None or receiver not in guardable:
                        return None
                    guarded[receiver] = guardable[receiver]  # `logger.error(msg)`, logger=None
                elif isinstance(callee, str):
                    callees.add(callee)
    return callees, guarded


def _constant_default_arguments(function: ast.FunctionDef) -> dict[str, int]:
    """The arguments that default to a constant and that the body never binds again -> their
    positions (-1 for keyword-only ones)."""
    args = function.args
    positional = [*args.posonlyargs, *args.args]
    found = {}
    for index, (arg, default) in enumerate(zip(positional[len(positional) - len(args.defaults):], args.defaults),
                                           start=len(positional) - len(args.defaults)):
        if isinstance(default, ast.Constant):
            found[arg.arg] = index
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        if isinstance(default, ast.Constant):
            found[arg.arg] = -1
    if not found:
        return found
    for node in walk(function):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            found.pop(node.id, None)
        elif isinstance(node, ast.alias):
            found.pop((node.asname or node.name).split(".")[0], None)
    return found


def _method_root(func: ast.AST) -> str | None:
    """`logger` for `logger.error` or `logger.handlers.clear`: the name a method chain starts from."""
    if not isinstance(func, ast.Attribute):
        return None
    root = func.value
    while isinstance(root, ast.Attribute):
        root = root.value
    return root.id if isinstance(root, ast.Name) else None


def _reading_call(call: ast.Call, function, local: frozenset[str], imports: ImportTable, symbols: Symbols) -> bool | str:
    """True for a call that only reads, a qualified name for a project function's (judged by the
    index), False for anything else."""
    func = call.func
    torch_name = imports.qualname(func)
    if torch_name is not None and torch_name.split(".")[0] in TORCH_ROOTS:
        return _reading_torch_call(torch_name)
    if isinstance(func, ast.Name):
        if func.id in local:
            return False  # an argument or a local object called: it may do anything
        resolved = symbols.resolve(func, function)
        if resolved is not None:
            return resolved
        return func.id in READING_BUILTINS or _is_exception(func.id)
    if isinstance(func, ast.Attribute):
        root = func.value
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name) and root.id not in local:
            resolved = symbols.resolve(func, function)
            if resolved is not None and resolved.startswith(VALUE_MODULES):
                return True
            if resolved is not None:
                return resolved  # `module.function(...)` through an import, or a class of this file
        return func.attr in READING_METHODS and not func.attr.endswith("_")
    return False


def _reading_torch_call(qualified: str) -> bool:
    last = qualified.rsplit(".", 1)[-1]
    if last.endswith("_") or last[:1].isupper():
        return False  # in place, or a class (a module, a parameter, a grad-mode object)
    return not (qualified in GRAD_MODE_CONTEXTS or qualified in STATEFUL_TORCH_FUNCTIONS or qualified.startswith(MODULE_REWRITING_FUNCTIONS)
                or qualified.startswith(GRAD_NEEDING_FUNCTIONS) or qualified.startswith(STATEFUL_TORCH_NAMESPACES))


def _is_exception(name: str) -> bool:
    found = getattr(builtins, name, None)
    return isinstance(found, type) and issubclass(found, BaseException)
