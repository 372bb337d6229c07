"""Which values of a scope are tensors made inside a region, which alias outside
objects, and which are plain Python values (for GL401's escape analysis).

Every value gets two flags relative to one region: INSIDE (may be a tensor made
by an op inside the region) and OUTSIDE (may be, or alias, an object that
existed before it). No flag means a plain Python value. Flags belong to
definitions (`bindings.py`): a read gets the union over the definitions that
reach it, so a name bound again after the region is a new value. Fills of an
object (`xs.append(t)`) add to the definitions they fill.
"""

from __future__ import annotations

import ast

from gradlint.analysis.bindings import Binding, element_source
from gradlint.analysis.tree import walk
from gradlint.analysis.vocabulary import (
    ARITHMETIC_BUILTINS,
    COMPUTING_METHODS,
    NON_TENSOR_ATTRIBUTES,
    PASSING_BUILTINS,
    PYTHON_BUILTINS,
    PYTHON_VALUE_METHODS,
    STRING_FORMATTERS,
    TORCH_VIEW_FUNCTIONS,
)

INSIDE = 1
OUTSIDE = 2
BOTH = INSIDE | OUTSIDE


# -- value flags ------------------------------------------------------------------


class ValueFlags:
    """INSIDE / OUTSIDE flags of expressions of one scope, relative to one region."""

    def __init__(self, facts, scope: ast.AST, region_nodes: set[int]):
        self.facts = facts
        self.scope = scope
        self.region_nodes = region_nodes
        self.bindings = facts.bindings(scope)
        self.numeric_modules = facts.numeric_modules
        self.table: dict[str, int] = {}  # definition key -> flags, for the definitions asked about so far

    def numeric_call(self, func: ast.Attribute) -> bool:
        """A function of numpy or math, or of their submodules (`np.mean`, `np.random.choice`)?"""
        root = func.value
        while isinstance(root, ast.Attribute):
            root = root.value
        return isinstance(root, ast.Name) and root.id in self.numeric_modules and not self.is_local(root.id)

    def in_region(self, node: ast.AST) -> bool:
        return id(node) in self.region_nodes

    def is_local(self, name: str) -> bool:
        """Does the scope bind or fill name (else it is a global, a closure variable or a builtin)?"""
        return name in self.bindings.names

    def key_flags(self, key: str) -> int:
        """The flags of one definition."""
        return self._keys_flags((key,))

    def _solve(self, keys) -> None:
        """Solve the definitions keys depend on (their bindings read them), on demand: a region
        check asks about a few names of a scope, not all of them. Flags only grow, so the
        worklist empties; a definition is looked at again only when one it reads has changed."""
        by_key, depends = self.bindings.by_key, self.bindings.depends
        table = self.table
        closure: set[str] = set()
        stack = [key for key in keys if key not in table and key in by_key]
        while stack:
            key = stack.pop()
            if key in closure or key in table or key not in by_key:
                continue
            closure.add(key)
            stack.extend(depends.get(key, ()))
        if not closure:
            return
        readers: dict[str, list[str]] = {}
        for key in closure:
            table[key] = 0
            for read in depends.get(key, ()):
                if read in closure:
                    readers.setdefault(read, []).append(key)
        outer = self.bindings.declared_outer
        name_of = self.bindings.name_of_key
        pending = list(closure)
        queued = set(pending)
        while pending:
            key = pending.pop()
            queued.discard(key)
            # declared global, or only filled here (`activations[k] = v` on a module-level dict): the object is an outside one
            flags = OUTSIDE if name_of[key] in outer or not any(b.binds for b in by_key[key]) else 0
            for binding in by_key[key]:
                value_flags = self._binding_flags(binding, name_of[key])
                if self.in_region(binding.node):
                    flags |= value_flags
                elif value_flags:
                    # a tensor made before the region is a normal tensor: an outside object
                    flags |= OUTSIDE
            if flags != table[key]:
                table[key] = flags
                for reader in readers.get(key, ()):
                    if reader not in queued:
                        queued.add(reader)
                        pending.append(reader)

    def _binding_flags(self, binding: Binding, name: str) -> int:
        if isinstance(binding.node, ast.arg) and _python_annotation(binding.node.annotation):
            return 0  # `p: float = 2`: the signature says a Python value
        if binding.kind == "opaque" or binding.value is None:
            return OUTSIDE
        flags = self.of(binding.value)
        if binding.kind == "mutate" and isinstance(binding.node, ast.AugAssign):
            # `x[i] *= v`: the element is edited in place or replaced by a value computed from it
            # and v, never by v's own object
            return INSIDE if flags else 0
        if binding.kind == "aug":
            # `n += v`: what n held before, and a new tensor unless v is a Python value
            before = self._keys_flags(self.bindings.reaching_keys(name, binding.node))
            return before | (INSIDE if flags else 0)
        return flags

    def _keys_flags(self, keys) -> int:
        table = self.table
        if not all(key in table for key in keys):
            self._solve(keys)
        # a definition with no binding in the scope (read before any assignment) is not known here
        return _union(table.get(key, OUTSIDE) for key in keys)

    def keys(self, node: ast.Name) -> frozenset[str]:
        """The definitions a read of node sees."""
        return self.bindings.read_keys(node)

    def name(self, node: ast.Name) -> int:
        found = self.facts.comprehension_target(node)
        if found is not None:
            source = element_source(*found)
            return self.of(source[0]) if source is not None else 0
        if not self.is_local(node.id):
            return OUTSIDE  # a global, a closure variable or a builtin
        if node.id in self.facts.nested_fills(self.scope):
            return BOTH  # a closure of the scope fills it (a hook's `found.append(t)`), whenever it runs
        return self._keys_flags(self.keys(node))

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
            parts = qualified.split(".")
            if parts[-1] in TORCH_VIEW_FUNCTIONS:
                return INSIDE | (self._arguments(call) & OUTSIDE)
            if len(parts) > 2 and parts[-2][:1].isupper() and call.args:
                # a class's method called on its object (`nn.Module.modules(model)`): it may hand back
                # the object's own tensors and submodules
                return INSIDE | (self.of(call.args[0]) & OUTSIDE)
            return INSIDE
        if isinstance(func, ast.Attribute):
            if func.attr in PYTHON_VALUE_METHODS:
                return 0
            receiver = func.value
            if isinstance(receiver, ast.Constant):
                return 0  # "{}".format(...), ", ".join(...)
            if self.numeric_call(func):
                return 0  # numpy and math give arrays and numbers
            if isinstance(receiver, ast.Name) and receiver.id == "self" and self_call_returns_python_values(self.facts, call):
                return 0  # before the forward test: a method may run a forward and hand back numbers
            if self.facts.modules.is_forward(call):
                return INSIDE
            receiver_flags = self.of(receiver)
            if not receiver_flags:
                if func.attr in STRING_FORMATTERS:
                    return 0  # `msg.format(loss)`, `sep.join(parts)`: a string
                return self._arguments(call)  # a method of a Python value
            if func.attr in COMPUTING_METHODS:
                return INSIDE  # a new tensor from the receiver's values (`w = sim[:, :bs].clone()`), no alias of it
            # a method of an outside object may hand back that object's own tensors
            return INSIDE | (receiver_flags & OUTSIDE)
        if isinstance(func, ast.Name):
            if func.id == "super" and not self.is_local(func.id):
                return OUTSIDE  # the object itself
            if returns_python_values(self.facts, func.id) and not self.is_local(func.id):
                return 0
            if self.is_local(func.id):
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
    functions = [f for f in facts.tree.functions if f.name == name and isinstance(facts.tree.parent(f), ast.Module)]
    return len(functions) == 1 and _returns_python(facts, functions[0])


def self_call_returns_python_values(facts, call: ast.Call) -> bool:
    """`self.method(...)`: does every method it may run (the one its class finds, overrides in
    subclasses included) live in this file and give a Python value at each of its returns?"""
    definitions = facts.self_call_definitions(call)
    return bool(definitions) and all(d is not None and _returns_python(facts, d) for d in definitions)


def _returns_python(facts, function: ast.AST) -> bool:
    cache = facts.python_returns
    if function in cache:
        return cache[function]
    cache[function] = False  # a recursive function is not looked into again
    result = False
    if isinstance(function, ast.FunctionDef):
        nodes = facts.tree.scope_nodes(function)
        returns = [n for n in nodes if isinstance(n, ast.Return)]
        if returns and not any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in nodes):
            flags = ValueFlags(facts, function, region_nodes(function.body))
            result = all(r.value is not None and flags.of(r.value) == 0 for r in returns)
    cache[function] = result
    return result


PYTHON_ANNOTATIONS = frozenset({"int", "float", "bool", "str", "complex", "bytes"})


def _python_annotation(annotation: ast.AST | None) -> bool:
    """`float`, `int | None`, `Optional[str]`: an annotation of Python scalars only."""
    if isinstance(annotation, ast.Name):
        return annotation.id in PYTHON_ANNOTATIONS
    if isinstance(annotation, ast.Constant):
        return annotation.value is None or isinstance(annotation.value, str) and annotation.value in PYTHON_ANNOTATIONS
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        return _python_annotation(annotation.left) and _python_annotation(annotation.right)
    if isinstance(annotation, ast.Subscript) and isinstance(annotation.value, ast.Name) and annotation.value.id == "Optional":
        return _python_annotation(annotation.slice)
    return False


def is_string(expr: ast.AST) -> bool:
    """Is expr visibly a str: a literal, an f-string, `str(...)`/`repr(...)`, `"...".format(...)`,
    `"..." % x` or a sum with a literal? (Nothing a tensor could be combined with.)"""
    if isinstance(expr, ast.JoinedStr) or isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return True
    if isinstance(expr, ast.BinOp):
        if isinstance(expr.op, ast.Mod):
            return is_string(expr.left)
        return isinstance(expr.op, ast.Add) and (is_string(expr.left) or is_string(expr.right))
    if isinstance(expr, ast.Call):
        func = expr.func
        if isinstance(func, ast.Name):
            return func.id in ("str", "repr", "format")
        return isinstance(func, ast.Attribute) and func.attr in STRING_FORMATTERS and is_string(func.value)
    return False


def _union(values) -> int:
    flags = 0
    for value in values:
        flags |= value
    return flags


# -- the region check ----------------------------------------------------------------


def region_nodes(body: list[ast.stmt]) -> set[int]:
    found = set()
    for stmt in body:
        found.update(map(id, walk(stmt)))
    return found
