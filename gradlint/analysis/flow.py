"""Where values flow, and which values carry an autograd graph.

Two analyses per scope (a function, or module-level code), built on demand:

- Reachability (flow-insensitive): edges from each loaded name or attribute path
  to what it is stored into, to the backwards that backpropagate it, to return
  statements ("escape"), and to calls we cannot see into ("unknown").
  `.detach()`, `.item()`, `.tolist()`, `float()`/`int()`, `.numpy()`,
  comparisons and argmax cut the flow.
- Graph state (flow-sensitive, in statement order, loops iterated to a fixed
  point): for each name, does it certainly carry a graph (GRAPH), certainly not
  (NO_GRAPH), or can we not tell (UNKNOWN)?
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cached_property

from gradlint.analysis.backward import Backward, backwards_by_scope
from gradlint.analysis.names import dotted
from gradlint.analysis.parameters import Many, Param
from gradlint.analysis.tree import FUNCTION_TYPES, LOOP_TYPES, assigned_names, is_true, keyword

# methods whose result carries no graph (or no tensor at all)
CUT_METHODS = frozenset({
    "detach", "item", "tolist", "numpy", "argmax", "argmin", "size", "dim", "numel", "nelement", "data_ptr",
    "eq", "ne", "lt", "gt", "le", "ge", "long", "int", "bool", "byte", "short", "sign", "round", "floor", "ceil",
    "isnan", "isinf", "isfinite", "nonzero", "element_size", "stride", "is_floating_point", "get_device",
})
CUT_ATTRIBUTES = frozenset({"shape", "dtype", "device", "ndim", "is_cuda", "requires_grad", "grad_fn", "is_leaf", "T_", "layout"})
CUT_FUNCTIONS = frozenset({"float", "int", "bool", "len", "str", "repr", "round", "isinstance", "type", "id", "hash", "print", "format"})
CUT_TORCH = frozenset({"torch.argmax", "torch.argmin", "torch.eq", "torch.ne", "torch.lt", "torch.gt", "torch.le", "torch.ge",
                        "torch.isnan", "torch.isinf", "torch.isfinite", "torch.is_tensor", "torch.numel", "torch.sign", "torch.round"})
# calls whose arguments go nowhere we care about
SINK_FUNCTIONS = frozenset({"print", "len", "isinstance", "repr", "str", "format"})
SINK_METHODS = frozenset({"info", "debug", "warning", "warn", "error", "write", "set_postfix", "set_description", "add_scalar", "add_scalars"})
# container mutations: the arguments flow into the receiver
STORE_METHODS = frozenset({"append", "extend", "insert", "add", "update", "setdefault", "put", "push", "appendleft", "__setitem__"})
# methods that may hand back the very same tensor object
IDENTITY_METHODS = frozenset({"to", "cpu", "cuda", "contiguous", "float", "type", "half", "double", "type_as"})

BACKWARD = "<backward>"
ESCAPE = "<escape>"
UNKNOWN = "<unknown>"


@dataclass
class Fate:
    """Where one expression's value can end up."""

    backwards: set = field(default_factory=set)  # Backward.node of each backward it reaches
    escapes: bool = False
    unknown: bool = False

    @property
    def reaches_backward(self) -> bool:
        return bool(self.backwards)


class ScopeFlow:
    """Reachability for one scope."""

    def __init__(self, facts, scope: ast.AST):
        self.facts = facts
        self.scope = scope
        self.edges: dict[str, set[str]] = {}
        self.backwards: list[Backward] = facts.flow.backwards(scope)
        self._backward_keys = {id(b.node): f"{BACKWARD}{i}" for i, b in enumerate(self.backwards)}
        self._key_to_node = {f"{BACKWARD}{i}": b.node for i, b in enumerate(self.backwards)}
        self._build()
        self._reach: dict[str, frozenset[str]] = {}

    def _edge(self, source: str, sink: str) -> None:
        self.edges.setdefault(source, set()).add(sink)

    def _build(self) -> None:
        facts = self.facts
        for backward in self.backwards:
            key = self._backward_keys[id(backward.node)]
            for root in backward.roots:
                for path in live_paths(facts, root):
                    self._edge(path, key)
        for node in facts.tree.scope_nodes(self.scope):
            if isinstance(node, ast.stmt):
                for sink in statement_sinks(facts, node):
                    self._add_statement(node, sink)
            elif isinstance(node, ast.NamedExpr):
                for path in live_paths(facts, node.value):
                    self._edge(path, node.target.id)
            elif isinstance(node, ast.comprehension):
                for target in assigned_names(node.target):
                    if isinstance(target, ast.Name):
                        for path in live_paths(facts, node.iter):
                            self._edge(path, target.id)
            elif isinstance(node, (*FUNCTION_TYPES, ast.Lambda)) and node is not self.scope:
                # a nested function may do anything with what it reads from here
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Load):
                        self._edge(inner.id, UNKNOWN)

    def _add_statement(self, stmt: ast.stmt, sink) -> None:
        value, targets = sink
        for path in live_paths(self.facts, value):
            for target in targets:
                self._edge(path, target)

    def reach(self, path: str) -> frozenset[str]:
        """Every sink (path, backward key, ESCAPE, UNKNOWN) reachable from path."""
        if path in self._reach:
            return self._reach[path]
        seen = {path}
        stack = [path]
        while stack:
            current = stack.pop()
            for candidate in _related(current, self.edges):
                for sink in self.edges.get(candidate, ()):
                    if sink not in seen:
                        seen.add(sink)
                        stack.append(sink)
        result = frozenset(seen)
        self._reach[path] = result
        return result

    def backward_nodes(self, sinks) -> set:
        return {self._key_to_node[s] for s in sinks if s in self._key_to_node}

    def paths_reaching_backward(self) -> set[str]:
        return {path for path in list(self.edges) if any(s.startswith(BACKWARD) for s in self.reach(path))}


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
    parent = facts.tree.parent(node)
    if isinstance(parent, ast.Attribute) and parent.value is node:
        if parent.attr in CUT_ATTRIBUTES:
            return True
        grand = facts.tree.parent(parent)
        if isinstance(grand, ast.Call) and grand.func is parent and parent.attr in CUT_METHODS:
            return True
        return False
    if isinstance(parent, ast.Call) and parent.func is not node:
        func = parent.func
        if isinstance(func, ast.Name) and func.id in CUT_FUNCTIONS:
            return True
        if facts.imports.qualname(func) in CUT_TORCH:
            return True
    if isinstance(parent, ast.Compare):
        return True
    if isinstance(parent, ast.Subscript) and parent.slice is node:
        return True
    if isinstance(parent, (ast.FormattedValue, ast.JoinedStr)):
        return True
    return False


def live_paths(facts, expr: ast.AST | None) -> set[str]:
    """Names and attribute paths read by expr whose value is not cut before expr's result."""
    if expr is None:
        return set()
    found: set[str] = set()
    stack = [expr]
    while stack:
        node = stack.pop()
        if node is not expr and is_cut(facts, node):
            continue
        if isinstance(node, (ast.Lambda, *FUNCTION_TYPES)):
            continue
        if isinstance(node, (ast.Name, ast.Attribute)) and isinstance(getattr(node, "ctx", None), ast.Load):
            path = dotted(node)
            if path:
                found.add(path)
                if isinstance(node, ast.Name):
                    continue
        if isinstance(node, ast.Compare) and node is not expr:
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
        stack.extend(ast.iter_child_nodes(node))
    return found


def store_targets(facts, target: ast.AST) -> list[str]:
    """What an assignment target writes: names, attribute paths, containers (a subscript's base)."""
    out = []
    for leaf in assigned_names(target):
        path = dotted(leaf)
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
        if func.id in SINK_FUNCTIONS:
            return
        for arg in args:
            yield arg, [UNKNOWN]
        return
    if isinstance(func, ast.Attribute):
        receiver = dotted(func.value)
        if func.attr in STORE_METHODS and receiver:
            sinks = [receiver]
            if "." in receiver or not _is_local(facts, func.value):
                sinks.append(ESCAPE)
            for arg in args:
                yield arg, sinks
            return
        if func.attr in SINK_METHODS or func.attr == "backward" or facts.imports.qualname(func) in ("torch.autograd.backward", "torch.autograd.grad"):
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

GRAPH, NO_GRAPH, MAYBE = "graph", "no-graph", "unknown"
TENSOR_FACTORIES = frozenset({
    "tensor", "zeros", "ones", "randn", "rand", "empty", "full", "arange", "linspace", "eye", "randint", "normal",
    "zeros_like", "ones_like", "randn_like", "rand_like", "empty_like", "full_like", "randperm", "as_tensor", "from_numpy",
})


def combine(states) -> str:
    states = list(states)
    if GRAPH in states:
        return GRAPH
    if all(s == NO_GRAPH for s in states):
        return NO_GRAPH
    return MAYBE


def join(a: dict, b: dict) -> dict:
    out = {}
    for key in set(a) | set(b):
        out[key] = a[key] if a.get(key) == b.get(key) else MAYBE
    return out


class GraphStates:
    """Flow-sensitive graph state of names in one scope."""

    def __init__(self, facts, scope: ast.AST):
        self.facts = facts
        self.scope = scope
        self.params = facts.parameters
        self.before: dict[ast.stmt, dict] = {}
        body = scope.body if isinstance(scope, (ast.Module, *FUNCTION_TYPES)) else []
        self._run(body, {})

    # -- statements --

    def _run(self, body, env: dict) -> dict:
        for stmt in body:
            env = self._stmt(stmt, env)
        return env

    def _stmt(self, stmt: ast.stmt, env: dict) -> dict:
        self.before[stmt] = dict(env)
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            if stmt.value is None:
                return env
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            env = dict(env)
            for target in targets:
                if isinstance(target, (ast.Tuple, ast.List)) and isinstance(stmt.value, (ast.Tuple, ast.List)) and len(target.elts) == len(stmt.value.elts):
                    for t, v in zip(target.elts, stmt.value.elts):
                        self._assign(t, self.state(v, env), env)
                else:
                    self._assign(target, self.state(stmt.value, env), env)
            return env
        if isinstance(stmt, ast.AugAssign):
            env = dict(env)
            path = dotted(stmt.target)
            if path:
                env[path] = combine([env.get(path, MAYBE), self.state(stmt.value, env)])
            return env
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            return self._call_statement(stmt.value, env)
        if isinstance(stmt, LOOP_TYPES):
            return self._loop(stmt, env)
        if isinstance(stmt, ast.If):
            return join(self._run(stmt.body, dict(env)), self._run(stmt.orelse, dict(env)))
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            env = dict(env)
            for item in stmt.items:
                if item.optional_vars is not None:
                    self._assign(item.optional_vars, MAYBE, env)
            return self._run(stmt.body, env)
        if isinstance(stmt, ast.Try):
            after = self._run(stmt.body, dict(env))
            for handler in stmt.handlers:
                after = join(after, self._run(handler.body, dict(env)))
            after = self._run(stmt.orelse, after)
            return self._run(stmt.finalbody, after)
        return env

    def _loop(self, loop, env: dict) -> dict:
        start = dict(env)
        for _ in range(3):
            entry = dict(start)
            if isinstance(loop, (ast.For, ast.AsyncFor)):
                self._assign_element(loop.target, self.params.element_of(loop.iter), entry)
            end = self._run(loop.body, entry)
            merged = join(start, end)
            if merged == start:
                break
            start = merged
        return join(env, self._run(loop.orelse, dict(start)))

    def _assign(self, target, state: str, env: dict) -> None:
        for leaf in assigned_names(target):
            path = dotted(leaf)
            if path and isinstance(leaf, (ast.Name, ast.Attribute)):
                env[path] = state
                # a new value for `x` forgets what we knew of `x.attr`
                for key in [k for k in env if k.startswith(path + ".")]:
                    del env[key]

    def _assign_element(self, target, descriptor, env: dict) -> None:
        """Loop targets: parameters carry a graph (unless frozen), tuples are matched element by element."""
        if isinstance(target, (ast.Tuple, ast.List)) and isinstance(descriptor, Many):
            for index, element in enumerate(target.elts):
                item = descriptor.items[index] if index < len(descriptor.items) else None
                self._assign_element(element, item, env)
            return
        state = MAYBE
        if isinstance(descriptor, Param):
            frozen = bool(descriptor.root) and any(path == descriptor.root for _, path in self.params.frozen)
            state = MAYBE if frozen else GRAPH
        self._assign(target, state, env)

    def _call_statement(self, call: ast.Call, env: dict) -> dict:
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr.endswith("_") and not func.attr.endswith("__"):
            receiver = func.value
            while isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute) and receiver.func.attr.endswith("_"):
                receiver = receiver.func.value
            path = dotted(receiver) if isinstance(receiver, (ast.Name, ast.Attribute)) else None
            if path:
                env = dict(env)
                if func.attr == "requires_grad_":
                    flag = call.args[0] if call.args else keyword(call, "requires_grad")
                    env[path] = GRAPH if flag is None or is_true(flag) else MAYBE
                elif func.attr == "detach_":
                    env[path] = NO_GRAPH
                elif self.facts.grad_mode_at(call).grad_off:
                    pass
                else:
                    env[path] = combine([env.get(path, MAYBE), *(self.state(a, env) for a in call.args)])
        return env

    # -- expressions --

    def state(self, expr: ast.AST, env: dict) -> str:
        if isinstance(expr, ast.Constant):
            return NO_GRAPH
        if isinstance(expr, (ast.Name, ast.Attribute)):
            if isinstance(expr, ast.Attribute) and expr.attr in CUT_ATTRIBUTES:
                return NO_GRAPH
            path = dotted(expr)
            if path in env:
                return env[path]
            param = self.params.parameter(expr)
            if param is not None and not self.params.is_frozen(param, expr):
                return GRAPH
            return MAYBE
        if isinstance(expr, (ast.Compare, ast.JoinedStr)):
            return NO_GRAPH
        if isinstance(expr, ast.Call):
            return self._call_state(expr, env)
        grad_off = self.facts.grad_mode_at(expr).grad_off
        if isinstance(expr, ast.BinOp):
            return NO_GRAPH if grad_off else combine([self.state(expr.left, env), self.state(expr.right, env)])
        if isinstance(expr, ast.UnaryOp):
            return NO_GRAPH if grad_off or isinstance(expr.op, ast.Not) else self.state(expr.operand, env)
        if isinstance(expr, ast.Subscript):
            return self.state(expr.value, env)
        if isinstance(expr, ast.IfExp):
            a, b = self.state(expr.body, env), self.state(expr.orelse, env)
            return a if a == b else MAYBE
        if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
            return combine(self.state(e, env) for e in expr.elts) if expr.elts else NO_GRAPH
        if isinstance(expr, ast.Starred):
            return self.state(expr.value, env)
        return MAYBE

    def _call_state(self, call: ast.Call, env: dict) -> str:
        facts = self.facts
        func = call.func
        if isinstance(func, ast.Attribute):
            if func.attr in CUT_METHODS:
                return NO_GRAPH
            if func.attr in IDENTITY_METHODS:
                return self.state(func.value, env)
            if func.attr == "requires_grad_":
                flag = call.args[0] if call.args else keyword(call, "requires_grad")
                return GRAPH if flag is None or is_true(flag) else MAYBE
        if isinstance(func, ast.Name) and func.id in CUT_FUNCTIONS:
            return NO_GRAPH
        name = facts.imports.qualname(func)
        if name in CUT_TORCH:
            return NO_GRAPH
        if name == "torch.autograd.grad":
            return MAYBE if keyword(call, "create_graph") is not None else NO_GRAPH
        if facts.grad_mode_at(call).grad_off:
            return NO_GRAPH
        args = [*call.args, *(k.value for k in call.keywords if k.arg not in ("dim", "keepdim", "dtype", "device"))]
        if name is not None and name.startswith("torch."):
            short = name.split(".")[-1]
            if short in TENSOR_FACTORIES:
                return GRAPH if is_true(keyword(call, "requires_grad")) else NO_GRAPH
            if name == "torch.nn.Parameter":
                return GRAPH
            if name.startswith("torch.nn.functional.") or name.count(".") == 1:
                return combine(self.state(a, env) for a in args) if args else MAYBE
            return MAYBE
        if facts.modules.is_forward(call):
            return GRAPH
        if facts.modules.is_loss_call(call):
            return combine(self.state(a, env) for a in args) if args else MAYBE
        if isinstance(func, ast.Attribute) and self.state(func.value, env) == GRAPH and not func.attr[:1].isupper():
            # a tensor method on a graph-carrying tensor (mean, sum, view, ...) keeps the graph
            return GRAPH
        return MAYBE

    def state_at(self, expr: ast.AST) -> str:
        stmt = self.facts.tree.statement_of(expr)
        env = self.before.get(stmt)
        if env is None:
            return MAYBE
        return self.state(expr, env)


class FlowFacts:
    def __init__(self, facts):
        self.facts = facts
        self._scopes: dict[ast.AST, ScopeFlow] = {}
        self._states: dict[ast.AST, GraphStates] = {}

    def analysis_scope(self, node: ast.AST) -> ast.AST:
        """The function (or module) whose statements hold node; lambdas belong to their definer."""
        scope = self.facts.tree.scope_of(node)
        while isinstance(scope, ast.Lambda):
            scope = self.facts.tree.scope_of(scope)
        return scope

    def scope(self, scope: ast.AST) -> ScopeFlow:
        flow = self._scopes.get(scope)
        if flow is None:
            flow = self._scopes[scope] = ScopeFlow(self.facts, scope)
        return flow

    def states(self, scope: ast.AST) -> GraphStates:
        states = self._states.get(scope)
        if states is None:
            states = self._states[scope] = GraphStates(self.facts, scope)
        return states

    @cached_property
    def _backwards(self) -> dict[ast.AST, list[Backward]]:
        return backwards_by_scope(self.facts)

    def backwards_by_scope(self) -> dict[ast.AST, list[Backward]]:
        return self._backwards

    def backwards(self, scope: ast.AST) -> list[Backward]:
        """The backwards that scope's own code runs."""
        return self._backwards.get(scope, [])

    def fate(self, node: ast.AST) -> Fate:
        """Where the value of expression node can go, within its scope."""
        facts = self.facts
        scope = self.analysis_scope(node)
        flow = self.scope(scope)
        fate = Fate()
        sinks: set[str] = set()
        # the expression itself may be (part of) a backward root
        for backward in flow.backwards:
            for root in backward.roots:
                if facts.tree.is_inside(node, root) and not _cut_between(facts, node, root):
                    fate.backwards.add(backward.node)
        current = node
        while True:
            if current is not node and isinstance(current, ast.stmt):
                break
            if current is not node and is_cut(facts, current):
                return fate
            parent = facts.tree.parent(current)
            if parent is None:
                break
            if is_cut(facts, current):
                return fate
            if isinstance(parent, ast.stmt):
                for value, targets in statement_sinks(facts, parent):
                    if facts.tree.is_inside(node, value):
                        sinks.update(targets)
                break
            if isinstance(parent, ast.comprehension) and parent.iter is current:
                for target in assigned_names(parent.target):
                    if isinstance(target, ast.Name):
                        sinks.add(target.id)
                break
            if isinstance(parent, ast.NamedExpr):
                sinks.add(parent.target.id)
            if isinstance(parent, (ast.Lambda,)):
                fate.unknown = True
                return fate
            current = parent
        for sink in sinks:
            reached = flow.reach(sink) if not sink.startswith("<") else {sink}
            fate.backwards |= flow.backward_nodes(reached)
            if ESCAPE in reached:
                fate.escapes = True
            if UNKNOWN in reached:
                fate.unknown = True
        return fate

    def path_fate(self, path: str, scope: ast.AST) -> Fate:
        flow = self.scope(scope)
        reached = flow.reach(path)
        return Fate(flow.backward_nodes(reached), ESCAPE in reached, UNKNOWN in reached)

    def state_of(self, expr: ast.AST) -> str:
        """GRAPH / NO_GRAPH / MAYBE for the value of expr where it is evaluated."""
        return self.states(self.analysis_scope(expr)).state_at(expr)

    @cached_property
    def file_paths_reaching_backward(self) -> set[tuple[ast.AST | None, str]]:
        """(class or None, path) for every path that reaches a backward somewhere in the file.

        `self.x` paths are keyed by their class; other paths by None (module-level names).
        """
        facts = self.facts
        found = set()
        for scope in self._backwards:
            flow = self.scope(scope)
            cls = facts.tree.class_of(scope.body[0]) if isinstance(scope, FUNCTION_TYPES) and scope.body else None
            for path in flow.paths_reaching_backward():
                found.add((cls if path.startswith("self.") else None, path))
        return found


def _cut_between(facts, node: ast.AST, root: ast.AST) -> bool:
    current = node
    while current is not root:
        if is_cut(facts, current):
            return True
        current = facts.tree.parent(current)
        if current is None:
            return False
    return False
