"""Reachability: where a value can flow within one scope.

Edges from each value read (a name or attribute path) to what it is stored
into, to the backwards that backpropagate it, to return statements ("escape"),
and to calls we cannot see into ("unknown"). `.detach()`, `.item()`,
`.tolist()`, `float()`/`int()`, `.numpy()`, comparisons and argmax cut the flow.

A local name bound more than once is one value per definition
(`definitions.Definitions`): the `output` of a validation forward and the
`output` of the training forward that reaches the backward are different
nodes, `output@12:8` and `output@20:12`. Attribute paths (`self.feats`) are
heap locations and stay one node each.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from gradlint.analysis.backward import Backward
from gradlint.analysis.definitions import plain
from gradlint.analysis.names import dotted
from gradlint.analysis.tree import FUNCTION_TYPES, assigned_names
from gradlint.analysis.vocabulary import (
    BACKWARD_FUNCTIONS,
    BACKWARD_METHODS,
    CONTAINER_MUTATORS,
    GRADIENT_CUTTING_BUILTINS,
    GRADIENT_CUTTING_FUNCTIONS,
    GRADIENT_CUTTING_METHODS,
    LOGGING_METHODS,
    NON_TENSOR_ATTRIBUTES,
    PYTHON_BUILTINS,
    gives_values_and_indices,
)

BACKWARD = "<backward>"
ESCAPE = "<escape>"
UNKNOWN = "<unknown>"
CALLBACK = "<callback>"  # a callable handed in from outside (also unknown code)
KEPT = "<kept>"  # stored on self where no file reads it back: kept alive, for no backward and no caller


@dataclass
class Fate:
    """Where one expression's value can end up."""

    backwards: set = field(default_factory=set)  # Backward.node of each backward it reaches
    escapes: bool = False
    unknown: bool = False
    callback: bool = False  # into a callable handed in from outside, which may differentiate it
    kept: bool = False  # stored on self where nothing reads it back (alive, but for nobody)

    @property
    def reaches_backward(self) -> bool:
        return bool(self.backwards)


class ScopeFlow:
    """Reachability for one scope, built on demand: the edges out of a name's values are made
    when a question first reaches that name, from the statements that read it (every edge's
    source is a value the statement reads by name), so a question about one forward's output
    looks at the few statements its value passes through, not at the whole function. Questions
    about every node (`edges`, `paths_reaching_backward`) build the rest first."""

    def __init__(self, facts, scope: ast.AST):
        self.facts = facts
        self.scope = scope
        self._edges: dict[str, set[str]] = {}
        self.backwards: list[Backward] = facts.flow.backwards(scope)
        self.definitions = facts.bindings(scope).definitions
        self._backward_keys = {id(b.node): f"{BACKWARD}{i}" for i, b in enumerate(self.backwards)}
        self._key_to_node = {f"{BACKWARD}{i}": b.node for i, b in enumerate(self.backwards)}
        self._readers: dict[str, list[ast.stmt]] | None = None  # name -> the statements that name it
        self._parts: dict[int, list[ast.AST]] = {}  # statement id -> its own walrus, comprehension and call nodes
        self._built_statements: set[int] = set()
        self._built_names: set[str] = set()
        self._complete = False
        self._reach: dict[str, frozenset[str]] = {}
        for backward in self.backwards:
            key = self._backward_keys[id(backward.node)]
            for root in backward.roots:
                for source in self._read_keys(root):
                    self._edge(source, key)

    @property
    def edges(self) -> dict[str, set[str]]:
        """Every edge of the scope (built in full on first use)."""
        if not self._complete:
            self._complete = True
            for name in list(self._index()):
                self._build_name(name)
        return self._edges

    def _edge(self, source: str, sink: str) -> None:
        self._edges.setdefault(source, set()).add(sink)

    def _index(self) -> dict[str, list[ast.stmt]]:
        """Who names what, in one pass over the scope's nodes; a lambda's edges are made here (the
        names it reads live in its own scope's nodes)."""
        if self._readers is None:
            tree = self.facts.tree
            readers: dict[str, list[ast.stmt]] = {}
            parts = self._parts
            for node in tree.scope_nodes(self.scope):
                kind = type(node)
                if kind is ast.Name:
                    readers.setdefault(node.id, []).append(tree.statement_of(node))
                elif kind is ast.NamedExpr or kind is ast.comprehension or kind is ast.Call:
                    parts.setdefault(id(tree.statement_of(node)), []).append(node)
                elif kind is ast.Lambda and node is not self.scope:
                    # a nested function may do anything with what it reads from here
                    for inner in tree.walk(node):
                        if isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Load):
                            self._edge(inner.id, UNKNOWN)
            self._readers = readers
        return self._readers

    def _build_name(self, name: str) -> None:
        if name not in self._built_names:
            self._built_names.add(name)
            for stmt in self._index().get(name, ()):
                self._build_statement(stmt)

    def _build_statement(self, stmt: ast.stmt) -> None:
        """The edges whose sources stmt reads: its own sinks and those of the walrus targets,
        comprehension variables and handed-in callables in it."""
        if id(stmt) in self._built_statements:
            return
        self._built_statements.add(id(stmt))
        facts = self.facts
        for value, targets in statement_sinks(facts, stmt):
            sinks = [sink for target in targets for sink in self.target_keys(stmt, target)]
            for source in self._read_keys(value):
                for sink in sinks:
                    self._edge(source, sink)
        if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
            # `total += loss`: the old value flows into the new one
            for source in self._read_keys(stmt.target, load=False):
                for sink in self.target_keys(stmt, stmt.target.id):
                    self._edge(source, sink)
        for node in self._parts.get(id(stmt), ()):
            if isinstance(node, ast.NamedExpr):
                for source in self._read_keys(node.value):
                    self._edge(source, node.target.id)
            elif isinstance(node, ast.comprehension):
                for target in assigned_names(node.target):
                    if isinstance(target, ast.Name):
                        for source in self._read_keys(node.iter):
                            self._edge(source, comprehension_key(target))
            elif calls_handed_in(facts, node):
                # `self.op(x, outputs)`, `metric_fn(out)`: the caller's code, which may run a backward
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    for source in self._read_keys(arg):
                        self._edge(source, CALLBACK)
                        self._edge(source, UNKNOWN)

    def _read_keys(self, expr: ast.AST | None, load: bool = True) -> set[str]:
        """The nodes whose values expr reads: live paths, each local name at the definitions that reach it."""
        keys = set()
        for path, head in live_reads(self.facts, expr, load):
            bound = _comprehension_binder(self.facts, head) if isinstance(head, ast.Name) else None
            if bound is not None:  # a comprehension's variable: its own node, not the scope's name
                keys.add(comprehension_key(bound) + path[len(head.id):])
            elif isinstance(head, ast.Name) and head.id in self.definitions.versioned and path.startswith(head.id):
                rest = path[len(head.id):]
                keys.update(key + rest for key in self.definitions.read_keys(head))
            else:
                keys.add(path)
        return keys

    def target_keys(self, stmt: ast.stmt, target: str) -> list[str]:
        """The nodes a statement's sink stands for: a new definition where it binds the name,
        else (an attribute, an item, an in-place call) the value the name holds there."""
        if target.startswith("<"):
            return [target]
        head, dot, rest = target.partition(".")
        if head not in self.definitions.versioned:
            return [target]
        if not dot and self.definitions.binds(stmt, head):
            return [self.definitions.store_key(head, stmt)]
        return [key + dot + rest for key in self.definitions.reaching(head, stmt) or {head + "@in"}]

    def keys_of(self, path: str) -> set[str]:
        """Every node a plain path stands for (a question about a name as a whole)."""
        head, dot, rest = path.partition(".")
        return {key + dot + rest for key in self.definitions.all_keys(head)}

    def reach(self, path: str) -> frozenset[str]:
        """Every sink (path, backward key, ESCAPE, UNKNOWN) reachable from path."""
        if path in self._reach:
            return self._reach[path]
        seen = {path}
        stack = [path]
        edges = self._edges
        while stack:
            current = stack.pop()
            self._build_name(_head_name(current))
            for candidate in _related(current, edges):
                for sink in edges.get(candidate, ()):
                    if sink not in seen:
                        seen.add(sink)
                        stack.append(sink)
        result = frozenset(seen)
        self._reach[path] = result
        return result

    def backward_nodes(self, sinks) -> set:
        return {self._key_to_node[s] for s in sinks if s in self._key_to_node}

    def unbound_backward_roots(self) -> list[str]:
        """The local names that reach a backward from a path where they are never bound (sorted)."""
        found = set()
        for name in sorted(self.definitions.versioned):
            self._build_name(name)
            for key in [k for k in self._edges if _head_name(k) == name]:
                if self.definitions.unbound_entry(key) is not None and any(s.startswith(BACKWARD) for s in self.reach(key)):
                    found.add(name)
                    break
        return sorted(found)

    def paths_reaching_backward(self) -> set[str]:
        """Plain paths (definition marks removed) of every node that reaches a backward."""
        return {plain(path) for path in list(self.edges) if any(s.startswith(BACKWARD) for s in self.reach(path))}


def _head_name(key: str) -> str:
    """The name a node's key starts with (`out` of `out@12:8.logits`, `self` of `self.feats`)."""
    return key.partition(".")[0].partition("@")[0]


def _related(path: str, edges: dict) -> list[str]:
    """A path and its prefixes: storing into `self.feats` is read back through `self.feats[0]` and `self`."""
    out = [path]
    while "." in path:
        path = path.rsplit(".", 1)[0]
        if path in edges:
            out.append(path)
    return out


def is_cut(facts, node: ast.AST) -> bool:
    """Is node's value cut from the graph by its immediate parent?"""
    return cut_by_parent(facts.tree, facts.imports, node)


def cut_by_parent(tree, imports, node: ast.AST) -> bool:
    """`is_cut` from the tree and the imports alone (what a file's summary can ask)."""
    parent = tree.parent(node)
    if isinstance(parent, ast.Attribute) and parent.value is node:
        if parent.attr in NON_TENSOR_ATTRIBUTES:
            return True
        grand = tree.parent(parent)
        if isinstance(grand, ast.Call) and grand.func is parent and parent.attr in GRADIENT_CUTTING_METHODS:
            return True
        return isinstance(grand, ast.Call) and grand.func is parent and _indices_taken(tree, imports, grand)
    if isinstance(parent, ast.Call) and parent.func is not node:
        func = parent.func
        if isinstance(func, ast.Name) and func.id in GRADIENT_CUTTING_BUILTINS:
            return True
        if imports.qualname(func) in GRADIENT_CUTTING_FUNCTIONS:
            return True
    if isinstance(parent, ast.Compare):
        return True
    if isinstance(parent, ast.Subscript) and parent.slice is node:
        return True
    if isinstance(parent, (ast.FormattedValue, ast.JoinedStr)):
        return True
    return False


def _indices_taken(tree, imports, call: ast.Call) -> bool:
    """`x.sort(dim=1)[1]`, `x.topk(k).indices`, `x.max(1)[1]`: only the indices of a (values,
    indices) pair are kept."""
    if not gives_values_and_indices(imports, call):
        return False
    taker = tree.parent(call)
    if isinstance(taker, ast.Attribute):
        return taker.attr == "indices"
    return isinstance(taker, ast.Subscript) and taker.value is call and isinstance(taker.slice, ast.Constant) \
        and taker.slice.value == 1


def read_attributes(tree, imports) -> set[str]:
    """The attribute names this file reads a value through (`x.name` loaded and not cut at once,
    `getattr(x, "name")`): what a file's summary says so that a store into `self.name` that no
    file of the project reads back (`self.output = output` kept for a caller to print) is known to
    reach no backward. Method calls (`x.name(...)`), filling (`x.name.append(v)`, `x.name[k] = v`)
    and cut reads (`x.name.item()`, `x.name.argmax(1)`, `x.name is None`) read no value on."""
    found = set()
    for node in tree.nodes(ast.Attribute):
        if not isinstance(node.ctx, ast.Load) or node.attr in found:
            continue
        parent = tree.parent(node)
        if isinstance(parent, ast.Call) and parent.func is node:
            continue
        if isinstance(parent, ast.Subscript) and parent.value is node and not isinstance(parent.ctx, ast.Load):
            continue
        if isinstance(parent, ast.Attribute) and parent.attr in CONTAINER_MUTATORS and isinstance(tree.parent(parent), ast.Call):
            continue
        if not cut_by_parent(tree, imports, node):
            found.add(node.attr)
    for call in tree.calls:
        if isinstance(call.func, ast.Name) and call.func.id == "getattr" and len(call.args) >= 2 \
                and isinstance(call.args[1], ast.Constant) and isinstance(call.args[1].value, str):
            found.add(call.args[1].value)
    return found


def _unread_self_attribute(facts, target: ast.AST) -> bool:
    """Is target `self.name` (or an item of it) for a name no file of the project reads a value
    through (`read_attributes`)? What is stored there is kept alive (KEPT) but reaches no
    backward and no caller: reading `self` (`self.forward(x)`) does not read it back."""
    while isinstance(target, ast.Subscript):
        target = target.value
    return isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self" \
        and not facts.index.reads_attribute(target.attr)


def live_reads(facts, expr: ast.AST | None, load: bool = True) -> list[tuple[str, ast.AST]]:
    """(path, its leftmost name node) for each name and attribute path read by expr whose
    value is not cut before expr's result. `load=False` also takes expr itself when it is a
    store target (the old value of `total` in `total += loss`)."""
    if expr is None:
        return []
    found: list[tuple[str, ast.AST]] = []
    child_nodes = facts.tree.child_nodes
    stack = [expr]
    while stack:
        node = stack.pop()
        if node is not expr and is_cut(facts, node):
            continue
        if isinstance(node, _DEFINITIONS):
            continue
        if isinstance(node, (ast.Name, ast.Attribute)) and (
                isinstance(getattr(node, "ctx", None), ast.Load) or (not load and node is expr)):
            path = dotted(node)
            if path:
                found.append((path, _head(node)))
                if isinstance(node, ast.Name):
                    continue
        if isinstance(node, ast.Compare) and node is not expr:
            continue
        if isinstance(node, COMPREHENSIONS):
            found.extend(_comprehension_reads(facts, node))
            continue
        if isinstance(node, ast.Call):
            # the callee of a method call is read as the receiver
            stack.extend(node.args)
            stack.extend(k.value for k in node.keywords)
            if isinstance(node.func, ast.Attribute):
                stack.append(node.func.value)
            continue
        if isinstance(node, ast.Subscript):
            stack.append(node.value)
            continue
        if isinstance(node, ast.Attribute):
            stack.append(node.value)
            continue
        stack.extend(child_nodes(node))
    return found


_DEFINITIONS = (ast.Lambda, *FUNCTION_TYPES)


COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


def _comprehension_reads(facts, node: ast.AST) -> list[tuple[str, ast.AST]]:
    """What a comprehension's result carries: the live reads of its element (and key), where a
    variable of the comprehension stands for the live reads of the iterable it runs over
    (`[t.detach().numpy() for t in outputs]` carries nothing of `outputs`; `[t for t in outputs]`
    carries `outputs`). Its conditions are not part of the result."""
    targets = {}
    for generator in node.generators:
        for leaf in assigned_names(generator.target):
            if isinstance(leaf, ast.Name):
                targets[leaf.id] = generator.iter
    parts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
    pending = [read for part in parts for read in live_reads(facts, part)]
    found, seen = [], set()
    while pending:
        path, head = pending.pop()
        if isinstance(head, ast.Name) and head.id in targets and facts.comprehension_target(head) is not None:
            if head.id not in seen:
                seen.add(head.id)
                pending.extend(live_reads(facts, targets[head.id]))
        else:
            found.append((path, head))
    return found


def _comprehension_binder(facts, name: ast.Name) -> ast.Name | None:
    """The target Name of the comprehension that binds this read, when it is a comprehension variable."""
    if facts.comprehension_target(name) is None:
        return None
    for ancestor in facts.tree.ancestors(name):
        if isinstance(ancestor, COMPREHENSIONS):
            for generator in ancestor.generators:
                for leaf in assigned_names(generator.target):
                    if isinstance(leaf, ast.Name) and leaf.id == name.id:
                        return leaf
    return None


def comprehension_key(target: ast.Name) -> str:
    """The flow node of a comprehension variable: its own, apart from any name of the scope."""
    return f"{target.id}@for{target.lineno}:{target.col_offset}"


def live_paths(facts, expr: ast.AST | None) -> set[str]:
    """Names and attribute paths read by expr whose value is not cut before expr's result."""
    return {path for path, _ in live_reads(facts, expr)}


def _head(node: ast.AST) -> ast.AST:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node


def store_targets(facts, target: ast.AST) -> list[str]:
    """What an assignment target writes: names, attribute paths, containers (a subscript's base)."""
    out = []
    for leaf in assigned_names(target):
        path = dotted(leaf)
        if path and _unread_self_attribute(facts, leaf):
            out.append(KEPT)
            continue
        if path:
            out.append(path)
            if isinstance(leaf, (ast.Attribute, ast.Subscript)) and "." in path or path.startswith("self"):
                out.append(ESCAPE)
    return out


def statement_sinks(facts, stmt: ast.stmt):
    """(value expression, [sinks]) pairs for one statement."""
    if isinstance(stmt, ast.Assign):
        targets = []
        for target in stmt.targets:
            targets.extend(store_targets(facts, target))
            if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and not _is_local(facts, target.value):
                targets.append(ESCAPE)
        yield stmt.value, targets
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        yield stmt.value, store_targets(facts, stmt.target)
    elif isinstance(stmt, ast.AugAssign):
        yield stmt.value, store_targets(facts, stmt.target)
    elif isinstance(stmt, (ast.For, ast.AsyncFor)):
        yield stmt.iter, store_targets(facts, stmt.target)
    elif isinstance(stmt, (ast.With, ast.AsyncWith)):
        for item in stmt.items:
            if item.optional_vars is not None:
                yield item.context_expr, store_targets(facts, item.optional_vars)
    elif isinstance(stmt, ast.Return) and stmt.value is not None:
        yield stmt.value, [ESCAPE]
    elif isinstance(stmt, ast.Expr):
        value = stmt.value
        if isinstance(value, (ast.Yield, ast.YieldFrom)) and value.value is not None:
            yield value.value, [ESCAPE]
        elif isinstance(value, ast.Call):
            yield from _call_statement_sinks(facts, value)
    elif isinstance(stmt, (ast.Global, ast.Nonlocal)):
        return


def _call_statement_sinks(facts, call: ast.Call):
    func = call.func
    args = [*call.args, *(k.value for k in call.keywords)]
    if isinstance(func, ast.Name):
        if func.id in PYTHON_BUILTINS:
            return
        for arg in args:
            yield arg, [UNKNOWN]
        return
    if isinstance(func, ast.Attribute):
        receiver = dotted(func.value)
        if func.attr in CONTAINER_MUTATORS and receiver:
            if _unread_self_attribute(facts, func.value):
                for arg in args:  # `self.outputs.append(out)` of a list nothing reads back
                    yield arg, [KEPT]
                return
            sinks = [receiver]
            if "." in receiver or not _is_local(facts, func.value):
                sinks.append(ESCAPE)
            for arg in args:
                yield arg, sinks
            return
        if func.attr in LOGGING_METHODS or func.attr in BACKWARD_METHODS or facts.imports.qualname(func) in BACKWARD_FUNCTIONS:
            return
        if func.attr.endswith("_") and receiver:
            # an in-place tensor method: its arguments flow into the receiver
            for arg in args:
                yield arg, [receiver]
            return
        if facts.modules.is_forward(call):
            # a forward whose result is thrown away: hooks may capture it
            for arg in args:
                yield arg, [UNKNOWN]
            return
        for arg in args:
            yield arg, [UNKNOWN]


def calls_handed_in(facts, call: ast.Call) -> bool:
    """Does call run a callable handed in from outside: an argument of the function
    (`metric_fn(out)`), or `self.op(...)` where every assignment of `self.op` in the class stores
    an argument of the method it is in (`self.op = op`) and the class has no method `op`? A
    module handed in (`decoder(encoder(x))`) runs a forward, not a callback."""
    if facts.modules.is_forward(call) or facts.modules.is_loss_call(call):
        return False
    func = call.func
    scope = facts.tree.scope_of(call)
    if isinstance(func, ast.Name):
        bindings = facts.bindings(scope).names.get(func.id, ())
        return bool(bindings) and all(isinstance(b.node, ast.arg) for b in bindings if b.binds)
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self"):
        return False
    cls = facts.tree.class_of(call)
    if cls is None or any(isinstance(n, FUNCTION_TYPES) and n.name == func.attr for n in cls.body):
        return False
    stored = facts.assignments.get((cls, f"self.{func.attr}"), ())
    return bool(stored) and all(_is_argument(facts, b) for b in stored)


def _is_argument(facts, binding) -> bool:
    value = binding.value if binding.kind == "value" else None
    if not isinstance(value, ast.Name):
        return False
    function = facts.tree.scope_of(binding.node)
    bound = facts.bindings(function).names.get(value.id, ()) if isinstance(function, FUNCTION_TYPES) else ()
    return bool(bound) and all(isinstance(b.node, ast.arg) for b in bound if b.binds)


def _is_local(facts, name: ast.AST) -> bool:
    """Is this name assigned in its own scope (a local), rather than a parameter or a global?"""
    if not isinstance(name, ast.Name):
        return False
    scope = facts.tree.scope_of(name)
    if isinstance(scope, ast.Module):
        return True
    for node in facts.tree.scope_nodes(scope):
        if isinstance(node, (ast.Global, ast.Nonlocal)) and name.id in node.names:
            return False
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == name.id:
                    return True
    return False


# -- graph state -----------------------------------------------------------------
