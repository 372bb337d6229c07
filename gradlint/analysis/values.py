"""Which values of a scope are tensors made inside a region, which alias outside
objects, and which are plain Python values (for GL401's escape analysis).

Every value gets two flags relative to one region: INSIDE (may be a tensor made
by an op inside the region) and OUTSIDE (may be, or alias, an object that
existed before it). No flag means a plain Python value. Flags are
flow-insensitive: a name gets the union over all its bindings in the scope.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cached_property

from gradlint.analysis.tree import FUNCTION_TYPES
from gradlint.analysis.vocabulary import (
    ARITHMETIC_BUILTINS,
    CONTAINER_MUTATORS,
    NON_TENSOR_ATTRIBUTES,
    PASSING_BUILTINS,
    PYTHON_BUILTINS,
    PYTHON_VALUE_METHODS,
    TORCH_VIEW_FUNCTIONS,
)

INSIDE = 1
OUTSIDE = 2
BOTH = INSIDE | OUTSIDE


@dataclass(frozen=True)
class Binding:
    node: ast.AST  # the statement or call that binds
    kind: str  # "value", "aug", "iter", "mutate" or "opaque"
    value: ast.AST | None


class ScopeBindings:
    """Every way one scope binds or fills its names (nested functions excluded)."""

    def __init__(self, facts, scope: ast.AST):
        self.scope = scope
        self.names: dict[str, list[Binding]] = {}
        self.declared_outer: set[str] = set()
        if isinstance(scope, FUNCTION_TYPES + (ast.Lambda,)):
            args = scope.args
            for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
                if arg is not None:
                    self._add(arg.arg, Binding(arg, "opaque", None))
        for node in facts.tree.scope_nodes(scope):
            self._visit(node)

    def _add(self, name: str, binding: Binding) -> None:
        self.names.setdefault(name, []).append(binding)

    @cached_property
    def readers(self) -> dict[str, set[str]]:
        """Name -> the names one of whose bound values reads it (what to look at again when it changes)."""
        found: dict[str, set[str]] = {}
        for name, bindings in self.names.items():
            for binding in bindings:
                if binding.value is not None:
                    for node in ast.walk(binding.value):
                        if isinstance(node, ast.Name):
                            found.setdefault(node.id, set()).add(name)
        return found

    def _target(self, node: ast.AST, target: ast.AST, value: ast.AST | None, kind: str) -> None:
        if isinstance(target, ast.Name):
            self._add(target.id, Binding(node, kind, value))
        elif isinstance(target, (ast.Tuple, ast.List)):
            pairwise = (
                kind == "value" and isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts)
                and not any(isinstance(e, ast.Starred) for e in [*value.elts, *target.elts])
            )
            for index, element in enumerate(target.elts):
                self._target(node, element, value.elts[index] if pairwise else value, kind)
        elif isinstance(target, ast.Starred):
            self._target(node, target.value, value, kind)
        elif isinstance(target, (ast.Attribute, ast.Subscript)):
            base = root_name(target)
            if base is not None:
                self._add(base, Binding(node, "mutate", value))

    def _visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                self._target(node, target, node.value, "value")
        elif isinstance(node, ast.AugAssign):
            self._target(node, node.target, node.value, "aug" if isinstance(node.target, ast.Name) else "value")
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self._target(node, node.target, node.value, "value")
        elif isinstance(node, ast.NamedExpr):
            self._target(node, node.target, node.value, "value")
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self._target(node, node.target, node.iter, "iter")
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    self._target(node, item.optional_vars, None, "opaque")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                self._add((alias.asname or alias.name).split(".")[0], Binding(node, "opaque", None))
        elif isinstance(node, ast.ExceptHandler) and node.name:
            self._add(node.name, Binding(node, "opaque", None))
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            self.declared_outer.update(node.names)
        elif isinstance(node, (*FUNCTION_TYPES, ast.ClassDef)) and node is not self.scope:
            self._add(node.name, Binding(node, "opaque", None))
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            self._add(node.name, Binding(node, "opaque", None))
        elif isinstance(node, ast.MatchMapping) and node.rest:
            self._add(node.rest, Binding(node, "opaque", None))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CONTAINER_MUTATORS:
            base = root_name(node.func.value)
            if base is not None:
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    self._add(base, Binding(node, "mutate", arg))


def scope_bindings(facts, scope: ast.AST) -> ScopeBindings:
    found = facts.value_bindings.get(scope)
    if found is None:
        found = facts.value_bindings[scope] = ScopeBindings(facts, scope)
    return found


def root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


# -- value flags ------------------------------------------------------------------


class ValueFlags:
    """INSIDE / OUTSIDE flags of expressions of one scope, relative to one region."""

    def __init__(self, facts, scope: ast.AST, region_nodes: set[int]):
        self.facts = facts
        self.scope = scope
        self.region_nodes = region_nodes
        self.bindings = scope_bindings(facts, scope)
        self.numeric_modules = facts.numeric_modules
        self.table: dict[str, int] = {}
        self._solve()

    def in_region(self, node: ast.AST) -> bool:
        return id(node) in self.region_nodes

    def _solve(self) -> None:
        # flags only grow, so the worklist empties; a name is looked at again only when a name
        # its bindings read has changed
        names = self.bindings.names
        readers = self.bindings.readers
        self.table = {name: 0 for name in names}
        pending = list(names)
        queued = set(pending)
        while pending:
            name = pending.pop()
            queued.discard(name)
            flags = OUTSIDE if name in self.bindings.declared_outer else 0
            for binding in names[name]:
                value_flags = self._binding_flags(binding)
                if self.in_region(binding.node):
                    flags |= value_flags
                elif value_flags:
                    # a tensor made before the region is a normal tensor: an outside object
                    flags |= OUTSIDE
            if flags != self.table[name]:
                self.table[name] = flags
                for reader in readers.get(name, ()):
                    if reader not in queued:
                        queued.add(reader)
                        pending.append(reader)

    def _binding_flags(self, binding: Binding) -> int:
        if binding.kind == "opaque" or binding.value is None:
            return OUTSIDE
        flags = self.of(binding.value)
        if binding.kind == "aug":
            # `n += v`: a number stays a number for Python v; anything else may make a new tensor
            return INSIDE if flags else 0
        return flags

    def name(self, node: ast.Name) -> int:
        comprehension_iter = self._comprehension_source(node)
        if comprehension_iter is not None:
            return self.of(comprehension_iter)
        if node.id not in self.table:
            return OUTSIDE  # a global, a closure variable or a builtin
        return self.table[node.id]

    def _comprehension_source(self, node: ast.Name) -> ast.AST | None:
        """The iterable a comprehension variable runs over, when node is one (the same for every
        region: the search ends at the nearest function, which the scope is or contains)."""
        known = self.facts.comprehension_sources
        if node not in known:
            known[node] = self._find_comprehension_source(node)
        return known[node]

    def _find_comprehension_source(self, node: ast.Name) -> ast.AST | None:
        for ancestor in self.facts.tree.ancestors(node):
            if isinstance(ancestor, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
                for generator in ancestor.generators:
                    if any(isinstance(t, ast.Name) and t.id == node.id for t in ast.walk(generator.target)):
                        return generator.iter
            if isinstance(ancestor, (*FUNCTION_TYPES, ast.Lambda)):
                return None
        return None

    def of(self, expr: ast.AST | None) -> int:
        if expr is None or isinstance(expr, (ast.Constant, ast.JoinedStr, ast.Slice)):
            return 0
        if isinstance(expr, ast.Name):
            return self.name(expr)
        if isinstance(expr, ast.Attribute):
            return 0 if expr.attr in NON_TENSOR_ATTRIBUTES else self.of(expr.value)
        if isinstance(expr, ast.Subscript):
            # indexing a tensor makes a new tensor object inside the region (a view, or a copy for
            # tensor indices): under inference_mode it cannot be modified in place or trained on later
            flags = self.of(expr.value)
            return flags | INSIDE if flags else 0
        if isinstance(expr, ast.Call):
            return self._call(expr)
        if isinstance(expr, ast.BinOp):
            if isinstance(expr.op, ast.Mod) and isinstance(expr.left, ast.Constant) and isinstance(expr.left.value, str):
                return 0  # "%s" % x formats
            return INSIDE if self.of(expr.left) | self.of(expr.right) else 0
        if isinstance(expr, ast.UnaryOp):
            if isinstance(expr.op, ast.Not):
                return 0
            return INSIDE if self.of(expr.operand) else 0
        if isinstance(expr, ast.Compare):
            if all(isinstance(op, (ast.Is, ast.IsNot, ast.In, ast.NotIn)) for op in expr.ops):
                return 0
            return INSIDE if any(self.of(e) for e in [expr.left, *expr.comparators]) else 0
        if isinstance(expr, ast.BoolOp):
            return _union(self.of(v) for v in expr.values)
        if isinstance(expr, ast.IfExp):
            return self.of(expr.body) | self.of(expr.orelse)
        if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
            return _union(self.of(e) for e in expr.elts)
        if isinstance(expr, ast.Dict):
            return _union(self.of(e) for e in [*expr.keys, *expr.values] if e is not None)
        if isinstance(expr, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
            return self.of(expr.elt)
        if isinstance(expr, ast.DictComp):
            return self.of(expr.key) | self.of(expr.value)
        if isinstance(expr, (ast.Starred, ast.NamedExpr)):
            return self.of(expr.value)
        return BOTH  # await, yield, lambda and the rest: assume the worst

    def _arguments(self, call: ast.Call) -> int:
        return _union(self.of(a) for a in [*call.args, *(k.value for k in call.keywords)])

    def _call(self, call: ast.Call) -> int:
        func = call.func
        qualified = self.facts.imports.qualname(func)
        if qualified is not None:
            if qualified.split(".")[-1] in TORCH_VIEW_FUNCTIONS:
                return INSIDE | (self._arguments(call) & OUTSIDE)
            return INSIDE
        if isinstance(func, ast.Attribute):
            if func.attr in PYTHON_VALUE_METHODS:
                return 0
            receiver = func.value
            if isinstance(receiver, ast.Constant):
                return 0  # "{}".format(...), ", ".join(...)
            if isinstance(receiver, ast.Name) and receiver.id in self.numeric_modules and receiver.id not in self.table:
                return 0  # numpy and math give arrays and numbers
            if self.facts.modules.is_forward(call):
                return INSIDE
            receiver_flags = self.of(receiver)
            if not receiver_flags:
                return self._arguments(call)  # a method of a Python value
            # a method of an outside object may hand back that object's own tensors
            return INSIDE | (receiver_flags & OUTSIDE)
        if isinstance(func, ast.Name):
            if func.id == "super" and func.id not in self.table:
                return OUTSIDE  # the object itself
            if returns_python_values(self.facts, func.id) and func.id not in self.table:
                return 0
            if func.id in self.table:
                pass  # a local variable, function or class: below
            elif func.id in PYTHON_BUILTINS:
                return 0
            elif func.id in ARITHMETIC_BUILTINS:
                arguments = self._arguments(call)
                return arguments | INSIDE if arguments else 0
            elif func.id in PASSING_BUILTINS:
                return self._arguments(call)
            if self.facts.modules.is_forward(call) or self.facts.modules.is_loss_call(call):
                return INSIDE
            return INSIDE | (self._arguments(call) & OUTSIDE)
        return BOTH


def returns_python_values(facts, name: str) -> bool:
    """Is `name` a module-level function of this file whose every return gives a Python value?"""
    cache = facts.python_returns
    if name in cache:
        return cache[name]
    cache[name] = False  # a recursive function is not looked into again
    functions = [f for f in facts.tree.functions if f.name == name and isinstance(facts.tree.parent(f), ast.Module)]
    result = False
    if len(functions) == 1 and isinstance(functions[0], ast.FunctionDef):
        function = functions[0]
        nodes = facts.tree.scope_nodes(function)
        returns = [n for n in nodes if isinstance(n, ast.Return)]
        if returns and not any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in nodes):
            flags = ValueFlags(facts, function, region_nodes(function.body))
            result = all(r.value is not None and flags.of(r.value) == 0 for r in returns)
    cache[name] = result
    return result


def _union(values) -> int:
    flags = 0
    for value in values:
        flags |= value
    return flags


# -- the region check ----------------------------------------------------------------


def region_nodes(body: list[ast.stmt]) -> set[int]:
    found = set()
    for stmt in body:
        for node in ast.walk(stmt):
            found.add(id(node))
    return found
