"""Flow facts for one file: reachability and graph state per scope, on demand.

- `reach`: where a value can flow (to a backward, out of the scope, into unknown code);
- `graph_state`: which names certainly carry an autograd graph at each statement.
"""

from __future__ import annotations

import ast
from functools import cached_property

from gradlint.analysis.backward import Backward, backwards_by_scope
from gradlint.analysis.graph_state import GRAPH, GraphStates
from gradlint.analysis.reach import CALLBACK, ESCAPE, KEPT, UNKNOWN, Fate, ScopeFlow, calls_handed_in, comprehension_key, is_cut, statement_sinks
from gradlint.analysis.tree import FUNCTION_TYPES, assigned_names


class FlowFacts:
    def __init__(self, facts):
        self.facts = facts
        self._scopes: dict[ast.AST, ScopeFlow] = {}
        self._states: dict[ast.AST, GraphStates] = {}
        self._returns_graph: dict[ast.AST, bool] = {}

    def analysis_scope(self, node: ast.AST) -> ast.AST:
        """The function (or module) whose statements hold node; lambdas belong to their definer."""
        return self.facts.tree.analysis_scope(node)

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

    def unbound_loss_arm(self, node: ast.AST) -> str | None:
        """A name that a backward of node's scope backpropagates and that may be unbound there,
        when node lies in one arm of a branch whose other arm binds that name (`if fp16:
        out = m(x)` / `else: out = m(x); loss = out[0]`, then `loss.backward()`): on node's path
        the backward raises, or its loss comes from another iteration's arm; which forward it
        trains is out of view. None otherwise (an `if`/`elif` without `else` elsewhere in the
        function leaves node's own flow as it is)."""
        scope = self.analysis_scope(node)
        if not self.backwards(scope):
            return None
        tree = self.facts.tree
        for name in self.scope(scope).unbound_backward_roots():
            binds = [b.node for b in self.facts.bindings(scope).names.get(name, ()) if b.binds]
            for bound in binds:
                branch = tree.separating_branch(node, bound, scope)
                if branch is not None and not any(tree.is_inside(other, arm) for arm in tree.arm_holding(branch, node)
                                                  for other in binds):
                    return name
        return None

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
                        sinks.update(key for target in targets for key in flow.target_keys(parent, target))
                break
            if isinstance(parent, ast.comprehension) and parent.iter is current:
                for target in assigned_names(parent.target):
                    if isinstance(target, ast.Name):
                        sinks.add(comprehension_key(target))  # the variable's own node, as ScopeFlow keys it
                # and the elements make the comprehension's result (`sum(o.sum() for o in outputs)`)
                current = facts.tree.parent(parent)
                continue
            if isinstance(parent, ast.NamedExpr):
                sinks.add(parent.target.id)
            if isinstance(parent, (ast.Lambda,)):
                fate.unknown = True
                return fate
            if isinstance(parent, ast.Call) and parent.func is not current and calls_handed_in(facts, parent):
                fate.unknown = fate.callback = True
            current = parent
        for sink in sinks:
            reached = flow.reach(sink) if not sink.startswith("<") else {sink}
            fate.backwards |= flow.backward_nodes(reached)
            if ESCAPE in reached:
                fate.escapes = True
            if KEPT in reached:
                fate.kept = True
            if UNKNOWN in reached:
                fate.unknown = True
            if CALLBACK in reached:
                fate.callback = True
        return fate

    def path_fate(self, path: str, scope: ast.AST) -> Fate:
        """Where a path's value can go, over every definition of its name."""
        flow = self.scope(scope)
        reached = set().union(*(flow.reach(key) for key in flow.keys_of(path)))
        return Fate(flow.backward_nodes(reached), ESCAPE in reached, UNKNOWN in reached, kept=KEPT in reached)

    def returns_graph(self, call: ast.Call) -> bool:
        """Does the call run a function of this file whose every return statement gives a value that
        certainly carries a graph (with grad on where it runs): a module-level function called by
        name, or every definition `self.m(...)` may run (`valid_loss += self.total_loss(x, t)`)?
        Recursion counts as no."""
        definitions = self._definitions_run(call)
        return bool(definitions) and all(self._function_returns_graph(d) for d in definitions)

    def returned_elements(self, call: ast.Call, count: int) -> list[bool] | None:
        """For `loss, preds, targets = self.training_step(...)`: does each position of what the call
        returns certainly carry a graph? Only when every definition it may run returns tuples of
        `count` items at every return; None otherwise."""
        definitions = self._definitions_run(call)
        if not definitions:
            return None
        found = [True] * count
        for function in definitions:
            returns = [n for n in self.facts.tree.scope_nodes(function) if isinstance(n, ast.Return)]
            if not returns or not all(isinstance(r.value, ast.Tuple) and len(r.value.elts) == count for r in returns):
                return None
            states = self.states(function)
            for r in returns:
                for index, element in enumerate(r.value.elts):
                    found[index] = found[index] and states.state_at(element) == GRAPH
        return found

    def _definitions_run(self, call: ast.Call) -> list[ast.AST] | None:
        """The functions of this file a call runs: a module-level function called by name, or every
        definition `self.m(...)` may run; None when any is unknown or elsewhere."""
        facts = self.facts
        func = call.func
        if isinstance(func, ast.Name):
            qualified = facts.symbols.resolve(func, facts.tree.scope_of(func))
            function = facts.symbols.definitions_by_name.get(qualified) if qualified else None
            ok = isinstance(function, FUNCTION_TYPES) and isinstance(facts.tree.parent(function), ast.Module)
            return [function] if ok else None
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
            definitions = facts.self_call_definitions(call)
            if definitions and all(isinstance(d, FUNCTION_TYPES) for d in definitions):
                return definitions
        return None

    def _function_returns_graph(self, function: ast.AST) -> bool:
        facts = self.facts
        known = self._returns_graph.get(function)
        if known is not None:
            return known
        self._returns_graph[function] = False  # while it is worked out: a recursive call is no
        states = self.states(function)
        returns = [n for n in facts.tree.scope_nodes(function) if isinstance(n, ast.Return)]
        found = bool(returns) and not any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in facts.tree.scope_nodes(function)) \
            and all(r.value is not None and states.state_at(r.value) == GRAPH for r in returns)
        self._returns_graph[function] = found
        return found

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
