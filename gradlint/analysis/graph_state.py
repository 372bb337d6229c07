"""Graph state: does a name's value certainly carry an autograd graph?

Flow-sensitive, on the one dataflow solver (analysis/dataflow.py): each name
is GRAPH (certainly carries a graph), LEAF (a leaf that requires grad: a parameter,
`requires_grad_()`, a factory with `requires_grad=True`; it holds no graph, but any op
on it makes one), TRACKED (one of those two: a join of paths), NO_GRAPH (certainly none
of them) or MAYBE.
"""

from __future__ import annotations

import ast

from gradlint.analysis.backward import backward_of
from gradlint.analysis.dataflow import ForwardAnalysis
from gradlint.analysis.definitions import target_names
from gradlint.analysis.names import dotted
from gradlint.analysis.parameters import Param
from gradlint.analysis.tree import FUNCTION_TYPES, assigned_names, is_true, keyword
from gradlint.analysis.vocabulary import (
    COMPUTING_METHODS,
    INTEGER_CONVERSIONS,
    INTEGER_DTYPE_BUILTINS,
    INTEGER_DTYPE_NAMES,
    GRAPH_CUTTING_FUNCTIONS,
    GRAPH_CUTTING_METHODS,
    IDENTITY_METHODS,
    NON_TENSOR_ATTRIBUTES,
    PYTHON_BUILTINS,
    TENSOR_FACTORIES,
    gives_values_and_indices,
)

GRAPH, LEAF, TRACKED, NO_GRAPH, MAYBE = "graph", "leaf", "tracked", "no-graph", "unknown"
AUTOGRAD_STATES = frozenset({GRAPH, LEAF, TRACKED})


def makes_integer_tensor(imports, value: ast.AST) -> bool:
    """Is value a new integer or boolean tensor: a factory given such a dtype
    (`torch.zeros(n, dtype=torch.long)`, `dtype=int`) or an integer conversion (`x.long()`)?"""
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    if isinstance(func, ast.Attribute) and func.attr in INTEGER_CONVERSIONS and not value.args and not value.keywords:
        return True
    name = imports.qualname(func)
    if not (name and name.startswith("torch.") and name.rsplit(".", 1)[-1] in TENSOR_FACTORIES):
        return False
    dtype = keyword(value, "dtype")
    if isinstance(dtype, ast.Name) and dtype.id in INTEGER_DTYPE_BUILTINS:
        return True
    return dtype is not None and imports.qualname(dtype) in INTEGER_DTYPE_NAMES


def _sole_operand(root: ast.AST) -> ast.AST:
    """The tensor a backpropagated expression is computed from alone: `loss` of `loss.mean()`,
    `-loss.sum(dim=0)` (a method with constant arguments, a negation). It takes part in autograd
    whenever the expression does."""
    while True:
        if isinstance(root, ast.UnaryOp) and isinstance(root.op, ast.USub):
            root = root.operand
        elif isinstance(root, ast.Call) and isinstance(root.func, ast.Attribute) and root.func.attr in COMPUTING_METHODS \
                and all(isinstance(a, ast.Constant) for a in [*root.args, *(k.value for k in root.keywords)]):
            root = root.func.value
        else:
            return root


def requires_grad(state: str) -> bool:
    """Does a value in this state take part in autograd (a graph, or a leaf that requires grad)?"""
    return state in AUTOGRAD_STATES


def combine(states) -> str:
    """The state of an op's result from its operands' states: an op on a leaf makes a graph."""
    states = list(states)
    if any(state in AUTOGRAD_STATES for state in states):
        return GRAPH
    if all(s == NO_GRAPH for s in states):
        return NO_GRAPH
    return MAYBE


def _gather(states) -> str:
    """A container's state from its elements': holding leaves holds no graph."""
    states = set(states)
    for state in (GRAPH, MAYBE, TRACKED, LEAF):
        if state in states:
            return state
    return NO_GRAPH


def join(a: dict, b: dict) -> dict:
    out = {}
    for key in set(a) | set(b):
        left, right = a.get(key), b.get(key)
        if left == right:
            out[key] = left
        elif left in AUTOGRAD_STATES and right in AUTOGRAD_STATES:
            out[key] = TRACKED
        else:
            out[key] = MAYBE
    return out


class GraphStates(ForwardAnalysis):
    """Flow-sensitive graph state of names in one scope (run by the dataflow solver)."""

    def __init__(self, facts, scope: ast.AST):
        super().__init__()
        self.facts = facts
        self.scope = scope
        self.params = facts.parameters
        body = scope.body if isinstance(scope, (ast.Module, *FUNCTION_TYPES)) else []
        self.run(body, {})

    # -- the analysis --

    def join(self, a: dict, b: dict) -> dict:
        return join(a, b)

    def transfer(self, stmt: ast.stmt, env: dict) -> dict:
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            if stmt.value is None:
                return env
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            env = dict(env)
            for target in targets:
                if isinstance(target, (ast.Tuple, ast.List)) and isinstance(stmt.value, (ast.Tuple, ast.List)) and len(target.elts) == len(stmt.value.elts):
                    for t, v in zip(target.elts, stmt.value.elts):
                        self._assign(t, self.state(v, env), env)
                elif isinstance(target, (ast.Tuple, ast.List)) and len(target.elts) == 2 and isinstance(stmt.value, ast.Call) \
                        and gives_values_and_indices(self.facts.imports, stmt.value):
                    self._assign(target.elts[0], self.state(stmt.value, env), env)
                    self._assign(target.elts[1], NO_GRAPH, env)  # `values, indices = x.max(dim=1)`
                elif isinstance(target, (ast.Tuple, ast.List)) and (parts := self._returned_parts(target, stmt.value, env)):
                    for t, state in zip(target.elts, parts):
                        self._assign(t, state, env)
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
        return env

    def bind(self, stmt: ast.stmt, target: ast.AST | None, env: dict) -> dict:
        if target is None:
            return env
        env = dict(env)
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            self._assign_element(target, stmt.iter, (), env)
        elif isinstance(target, ast.pattern):
            for name in target_names(target):
                self._assign(ast.Name(id=name, ctx=ast.Store()), MAYBE, env)
        else:
            self._assign(target, MAYBE, env)
        return env

    def _assign(self, target, state: str, env: dict) -> None:
        for leaf in assigned_names(target):
            path = dotted(leaf)
            if path and isinstance(leaf, (ast.Name, ast.Attribute)):
                env[path] = state
                # a new value for `x` forgets what we knew of `x.attr`
                for key in [k for k in env if k.startswith(path + ".")]:
                    del env[key]

    def _returned_parts(self, target, value: ast.AST, env: dict) -> list[str] | None:
        """`loss, preds, targets = self.training_step(batch)` of a function of this file that returns
        tuples: the state of each position (a graph where every return certainly has one there),
        not the whole tuple's; None when the call is no such function's."""
        if not isinstance(value, ast.Call) or any(isinstance(e, ast.Starred) for e in target.elts):
            return None
        positions = self.facts.flow.returned_elements(value, len(target.elts))
        if positions is None:
            return None
        whole = self.state(value, env)
        other = MAYBE if requires_grad(whole) else whole
        return [GRAPH if graph else other for graph in positions]

    def _assign_element(self, target, iterable: ast.AST, path: tuple, env: dict) -> None:
        """Loop targets: parameters carry a graph (unless frozen); a tuple target is matched
        element by element, each by where it sits in the iterable's elements."""
        if isinstance(target, (ast.Tuple, ast.List)):
            for index, element in enumerate(target.elts):
                self._assign_element(element, iterable, (*path, index), env)
            return
        descriptor = self.params.element_at(iterable, path)
        state = MAYBE
        if isinstance(descriptor, Param):
            frozen = bool(descriptor.root) and any(path == descriptor.root for _, path in self.params.frozen)
            state = MAYBE if frozen else LEAF
        self._assign(target, state, env)

    def _call_statement(self, call: ast.Call, env: dict) -> dict:
        func = call.func
        backward = backward_of(self.facts.imports, call)
        if backward is not None:
            return self._backpropagated(call, backward, env)
        if isinstance(func, ast.Attribute) and func.attr.endswith("_") and not func.attr.endswith("__"):
            receiver = func.value
            while isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute) and receiver.func.attr.endswith("_"):
                receiver = receiver.func.value
            path = dotted(receiver) if isinstance(receiver, (ast.Name, ast.Attribute)) else None
            if path:
                env = dict(env)
                if func.attr == "requires_grad_":
                    flag = call.args[0] if call.args else keyword(call, "requires_grad")
                    env[path] = LEAF if flag is None or is_true(flag) else MAYBE
                elif func.attr == "detach_":
                    env[path] = NO_GRAPH
                elif self.facts.grad_mode_at(call).grad_off:
                    pass
                else:
                    env[path] = combine([env.get(path, MAYBE), *(self.state(a, env) for a in call.args)])
        return env

    def _backpropagated(self, call: ast.Call, backward, env: dict) -> dict:
        """After `loss.backward()` (or `accelerator.backward(loss)`, `torch.autograd.backward(loss)`)
        the loss took part in autograd, or the backward would have raised: a value the analysis
        could not tell is now a graph or a leaf that requires grad."""
        roots = backward.roots
        if isinstance(call.func, ast.Attribute) and call.func.attr == "backward" and call.args:
            roots = call.args[:1]  # `accelerator.backward(loss)`: the loss, not the accelerator
        roots = [_sole_operand(root) for root in roots]
        paths = [dotted(root) for root in roots if isinstance(root, (ast.Name, ast.Attribute))]
        if not any(path and env.get(path, MAYBE) == MAYBE for path in paths):
            return env
        env = dict(env)
        for path in paths:
            if path and env.get(path, MAYBE) == MAYBE:
                env[path] = TRACKED
        return env

    # -- expressions --

    def state(self, expr: ast.AST, env: dict) -> str:
        if isinstance(expr, ast.Constant):
            return NO_GRAPH
        if isinstance(expr, (ast.Name, ast.Attribute)):
            if isinstance(expr, ast.Attribute) and expr.attr in NON_TENSOR_ATTRIBUTES:
                return NO_GRAPH
            path = dotted(expr)
            if path in env:
                return env[path]
            param = self.params.parameter(expr)
            if param is not None and not self.params.is_frozen(param, expr) and not self.params.is_rewritten(param, expr):
                return LEAF
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
            if isinstance(expr.value, ast.Call) and isinstance(expr.slice, ast.Constant) and expr.slice.value == 1 \
                    and gives_values_and_indices(self.facts.imports, expr.value):
                return NO_GRAPH  # `x.topk(k)[1]`: the indices
            return self.state(expr.value, env)
        if isinstance(expr, ast.IfExp):
            a, b = self.state(expr.body, env), self.state(expr.orelse, env)
            return a if a == b else MAYBE
        if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
            return _gather(self.state(e, env) for e in expr.elts)
        if isinstance(expr, ast.Starred):
            return self.state(expr.value, env)
        return MAYBE

    def _call_state(self, call: ast.Call, env: dict) -> str:
        facts = self.facts
        func = call.func
        if isinstance(func, ast.Attribute):
            if func.attr in GRAPH_CUTTING_METHODS:
                return NO_GRAPH
            if func.attr in IDENTITY_METHODS:
                return self.state(func.value, env)
            if func.attr == "requires_grad_":
                flag = call.args[0] if call.args else keyword(call, "requires_grad")
                return LEAF if flag is None or is_true(flag) else MAYBE
            if func.attr == "state_dict" and not is_true(keyword(call, "keep_vars")):
                return NO_GRAPH  # detached copies of the parameters and buffers
        if isinstance(func, ast.Name) and func.id in PYTHON_BUILTINS:
            return NO_GRAPH
        name = facts.imports.qualname(func)
        if name in GRAPH_CUTTING_FUNCTIONS:
            return NO_GRAPH
        if name == "torch.autograd.grad":
            return MAYBE if keyword(call, "create_graph") is not None else NO_GRAPH
        if facts.grad_mode_at(call).grad_off:
            return NO_GRAPH
        args = [*call.args, *(k.value for k in call.keywords if k.arg not in ("dim", "keepdim", "dtype", "device"))]
        if name is not None and name.startswith("torch."):
            short = name.split(".")[-1]
            if short in TENSOR_FACTORIES:
                return LEAF if is_true(keyword(call, "requires_grad")) else NO_GRAPH
            if name == "torch.nn.Parameter":
                return LEAF
            if name.startswith("torch.nn.functional.") or name.count(".") == 1:
                return combine(self.state(a, env) for a in args) if args else MAYBE
            return MAYBE
        if facts.modules.is_forward(call):
            if facts.modules.gives_output(call):
                return MAYBE if facts.modules.may_run_without_grad(call) else GRAPH
            # a method that runs forwards hands back what it likes, a forward's graph where all its returns do
            return GRAPH if facts.flow.returns_graph(call) else MAYBE
        if facts.modules.is_loss_call(call):
            return combine(self.state(a, env) for a in args) if args else MAYBE
        if isinstance(func, ast.Attribute) and requires_grad(self.state(func.value, env)) and not func.attr[:1].isupper():
            # a tensor method on a graph-carrying tensor (mean, sum, view, ...) keeps the graph
            return GRAPH
        if facts.flow.returns_graph(call):
            return GRAPH  # `loss = compute_loss(model, x)`, a function of this file that returns a forward's graph
        return MAYBE

    def state_at(self, expr: ast.AST) -> str:
        stmt = self.facts.tree.statement_of(expr)
        env = self.before.get(stmt)
        if env is None:
            return MAYBE
        return self.state(expr, env)
