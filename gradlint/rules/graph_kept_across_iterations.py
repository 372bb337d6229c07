from __future__ import annotations

import ast

from gradlint.analysis.graph_state import GRAPH, makes_integer_tensor, requires_grad
from gradlint.analysis.reach import live_paths
from gradlint.analysis.grad_mode import GradMode
from gradlint.analysis.inplace import inplace_receiver
from gradlint.analysis.bindings import holder_scope
from gradlint.analysis.names import dotted
from gradlint.analysis.training import built_here, eval_calls, loop_scopes
from gradlint.analysis.training_queries import optimizer_steps
from gradlint.analysis.tree import FUNCTION_TYPES
from gradlint.analysis.vocabulary import CONCATENATING_FUNCTIONS, ELEMENT_ADDERS
from gradlint.finding import Applicability
from gradlint.fixes import add_detach, make_fix
from gradlint.rules.base import Rule

ACCUMULATE = (
    "Graph-carrying tensor kept across loop iterations: memory grows with every iteration it keeps. "
    "Store `.detach()` (or `.item()`)"
)
SELF_UPDATE = (
    "Tensor updated from itself while carrying a graph: the graph and each backward grow every iteration. "
    "`.detach()` the new value"
)
FROZEN_TARGET = (
    "In-place update of a frozen tensor from graph-carrying values turns it into a growing non-leaf. "
    "Update it under `torch.no_grad()` or `.detach()` the source"
)


class GraphKeptAcrossIterations(Rule):
    """
    ## What it flags
    A graph-carrying tensor stored into something that outlives the loop
    iteration, with grad enabled, in a training loop (its body has a backward)
    or an evaluation loop (a function that called `.eval()` and has no backward):

    - accumulation: `total += loss`, `stats[k] += metric`, `losses.append(loss)`,
      `outputs[i] = out`, where the accumulator was made before the loop;
    - a tensor updated from itself each iteration in a training loop
      (`x_adv = x_adv + alpha * grad.sign()`);
    - a tensor that needs no grad (frozen with `requires_grad_(False)`) updated in
      place from live parameters outside `no_grad` (a Polyak/EMA target).

    Quiet when the stored value is cut (`.item()`, `.detach()`, `float()`) or
    written into an integer tensor (`torch.zeros(n, dtype=int)` keeps no graph), when
    the accumulator is itself backpropagated after the loop (a loss summed on
    purpose), when a collection filled in the loop is itself trained on, in the loop
    or after it (a PPO rollout's log-probabilities stacked into the loss), when a
    gradient-accumulation loop (backwards, no optimizer step) fills a collection the
    loop around it makes anew for every optimizer step, and under any grad-disabled
    region.

    ## Why it matters
    Each stored tensor references its graph. Measured: `total += loss` in a
    training loop keeps the graph's node skeleton after backward, about 6 KB per
    iteration (40,004 nodes after 5,000 iterations); in an evaluation loop without
    `no_grad` everything stays (650 MiB after 5,000 iterations of a small MLP).
    A frozen EMA target updated from live parameters becomes a non-leaf with a
    graph that grows on every update.

    ## Example
    ```python
    for x, y in loader:
        loss = criterion(model(x), y)
        loss.backward()
        opt.step()
        running += loss
    ```

    ## Fix
    ```python
        running += loss.detach()
    ```

    ## Fix safety
    Safe for accumulators and frozen targets: the stored value is never
    backpropagated. Unsafe for a tensor updated from itself: detaching cuts
    gradient flow through earlier iterations, which some algorithms (truncated
    backpropagation through time) rely on; when the tensor is a gradient input
    (`requires_grad_`), the fix re-enables it with `.requires_grad_()`.
    """

    code = "GL201"
    name = "graph-kept-across-iterations"
    summary = "graph-carrying tensor kept across loop iterations"
    fix_applicability = "safe"
    triggers = ("for ", "while ", "_(")

    def check(self, facts):
        yield from self._loops(facts)
        yield from self._frozen_targets(facts)

    # -- loops -------------------------------------------------------------------

    def _loops(self, facts):
        for scope in loop_scopes(facts):
            backwards = facts.flow.backwards(scope)
            evaluating = bool(eval_calls(facts, scope)) and not backwards
            if not backwards and not evaluating:
                continue
            for stmt in _loop_statements(facts, scope):
                loop = self._loop_for(facts, stmt, scope, backwards, evaluating)
                if loop is None or facts.grad_mode_at(stmt) is not GradMode.ENABLED:
                    continue
                found = self._check_statement(facts, scope, loop, stmt, trains=any(facts.tree.is_inside(b.node, loop) for b in backwards))
                if found is not None:
                    yield found

    @staticmethod
    def _loop_for(facts, stmt, scope, backwards, evaluating):
        """The innermost loop around stmt that trains (or any loop of an evaluation scope)."""
        for loop in facts.tree.loops_around(stmt, scope):
            if evaluating or any(facts.tree.is_inside(b.node, loop) for b in backwards):
                return loop
        return None

    def _check_statement(self, facts, scope, loop, stmt, trains: bool):
        if isinstance(stmt, ast.AugAssign):
            path = dotted(stmt.target)
            if path and self._outlives(facts, scope, loop, path) and requires_grad(facts.flow.state_of(stmt.value)):
                return self._report(facts, stmt, stmt.value, ACCUMULATE)  # `acc += p` makes a graph from a leaf
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            call = stmt.value
            if isinstance(call.func, ast.Attribute) and call.func.attr in ELEMENT_ADDERS and call.args:
                path = dotted(call.func.value)
                value = call.args[-1]
                if path and self._outlives(facts, scope, loop, path) and facts.flow.state_of(value) == GRAPH \
                        and not self._trained_on(facts, scope, stmt, path):
                    return self._report(facts, stmt, value, ACCUMULATE)
        elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            if isinstance(target, ast.Subscript):
                path = dotted(target.value)
                if path and self._outlives(facts, scope, loop, path) and facts.flow.state_of(stmt.value) == GRAPH \
                        and not _integer_tensor(facts, scope, path):
                    return self._report(facts, stmt, stmt.value, ACCUMULATE)
            elif isinstance(target, ast.Name) and trains:
                path = target.id
                if path in live_paths(facts, stmt.value) and _bound_before(facts, scope, loop, path) \
                        and _survives_iteration(facts, scope, loop, stmt, path):
                    if facts.flow.state_of(stmt.value) == GRAPH and not self._backpropagated_after(facts, scope, loop, path) \
                            and not self._backpropagated_and_reset(facts, scope, loop, path):
                        return self._self_update(facts, scope, stmt, path)
            elif isinstance(target, ast.Name) and _grown(facts, stmt.value, target.id) \
                    and _bound_before(facts, scope, loop, target.id) and facts.flow.state_of(stmt.value) == GRAPH \
                    and not self._backpropagated_after(facts, scope, loop, target.id):
                # an evaluation loop's `outputs = torch.cat((outputs, logits))`: accumulation by rebinding
                return self._report(facts, stmt, stmt.value, ACCUMULATE)
        return None

    def _report(self, facts, stmt, value, message):
        fix = None
        if not isinstance(value, (ast.List, ast.Tuple, ast.ListComp)):
            fix = make_fix(Applicability.SAFE, "Store `.detach()`ed values", add_detach(facts, value))
        return self.finding(facts, stmt, message, fix)

    def _self_update(self, facts, scope, stmt, path):
        gradient_input = any(
            isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "requires_grad_"
            and dotted(n.func.value) == path
            for n in facts.tree.scope_nodes(scope)
        ) or _cloned_requiring_grad(facts, scope, path)
        if gradient_input:
            edits = add_detach(facts, stmt.value, ".detach().requires_grad_()")
            message = "Detach the new value and make it a fresh gradient input"
        else:
            edits = add_detach(facts, stmt.value)
            message = "Detach the new value (cuts gradient flow through earlier iterations)"
        return self.finding(facts, stmt, SELF_UPDATE, make_fix(Applicability.UNSAFE, message, edits))

    def _outlives(self, facts, scope, loop, path: str) -> bool:
        """Was the accumulator made before the loop (not re-made inside it), and not backpropagated after it?"""
        base = path.split(".")[0]
        if _assigned_in(facts, scope, loop, path) or _one_step_of_micro_batches(facts, scope, loop, path):
            return False
        if not _bound_before(facts, scope, loop, base):
            return False
        return not self._backpropagated_after(facts, scope, loop, path)

    @staticmethod
    def _trained_on(facts, scope, stmt, path: str) -> bool:
        """Does the collection itself reach a backward that comes after the statement filling it,
        in the loop or after it (a rollout's `memory.logprobs` stacked into the PPO loss)? Its
        graphs are then needed, and a backward frees them; were it kept across iterations
        unreset, that backward would raise instead. (A backward earlier in the loop body that
        the flow reaches only through a container it is stored into later is no such use.)"""
        start = (stmt.lineno, stmt.col_offset)
        return any((node.lineno, node.col_offset) > start for node in facts.flow.path_fate(path, scope).backwards)

    @staticmethod
    def _backpropagated_after(facts, scope, loop, path: str) -> bool:
        fate = facts.flow.path_fate(path, scope)
        return any(not facts.tree.is_inside(node, loop) for node in fate.backwards)

    @staticmethod
    def _backpropagated_and_reset(facts, scope, loop, path: str) -> bool:
        """Gradient accumulation: `acc = acc + loss`, then every k steps `acc.backward(); acc = 0.0`.

        The backward frees the graph and the reset drops it, so no graph outlives k iterations
        (and `.detach()` would break the backward)."""
        fate = facts.flow.path_fate(path, scope)
        if not any(facts.tree.is_inside(node, loop) for node in fate.backwards):
            return False
        for binding in facts.bindings(scope).names.get(path, ()):
            if binding.kind == "value" and isinstance(binding.node, ast.Assign) and facts.tree.is_inside(binding.node, loop):
                if path not in live_paths(facts, binding.value) and facts.flow.state_of(binding.value) != GRAPH:
                    return True
        return False

    # -- frozen targets --------------------------------------------------------------

    def _frozen_targets(self, facts):
        params = None
        for call in facts.tree.calls:
            receiver = inplace_receiver(call)
            # chains like `e.mul_(d).add_(p)` are checked call by call: the source sits in one of them
            if receiver is None or call.func.attr == "detach_":
                continue
            if params is None:
                params = facts.parameters
            param = params.parameter(receiver)
            if param is None or not params.is_frozen(param, receiver):
                continue
            if facts.grad_mode_at(call) is not GradMode.ENABLED or _updated_once(facts, call, param):
                continue
            sources = [a for a in [*call.args, *(k.value for k in call.keywords)] if requires_grad(facts.flow.state_of(a))]
            if not sources:
                continue
            edits = [e for a in sources for e in add_detach(facts, a)]
            yield self.finding(facts, call, FROZEN_TARGET, make_fix(Applicability.SAFE, "`.detach()` the source", edits))


def _updated_once(facts, call: ast.Call, param) -> bool:
    """Is the frozen target a module this function builds and updates once, outside any loop
    (`fused = nn.Conv2d(...).requires_grad_(False)` then `fused.weight.copy_(w)`)? Each call
    makes a new one: its graph does not grow (GL203 reports copies of parameters made with grad on)."""
    scope = facts.flow.analysis_scope(call)
    root = param.root.split(".")[0] if param.root else None
    return root is not None and not facts.tree.loops_around(call, scope) and built_here(facts, scope, ast.Name(root))


def _loop_statements(facts, scope):
    for node in facts.tree.scope_nodes(scope):
        if isinstance(node, ast.stmt) and not isinstance(node, (*FUNCTION_TYPES, ast.ClassDef)) and facts.tree.loops_around(node, scope):
            yield node


def _assigned_in(facts, scope, loop, path: str) -> bool:
    """Is the accumulator (re)made inside the loop: a plain assignment (`total = total + x` only
    updates it) or a loop target?"""
    if "." in path:
        bindings = facts.assignments.get((holder_scope(facts.tree, loop, path), path), ())
    else:
        bindings = facts.bindings(scope).names.get(path, ())
    for binding in bindings:
        if not facts.tree.is_inside(binding.node, loop):
            continue
        if binding.kind == "iter":
            return True
        if binding.kind in ("value", "part") and isinstance(binding.node, ast.Assign):
            if "." in path or path not in _self_referencing(binding.node):
                return True
    return False


def _integer_tensor(facts, scope, path: str) -> bool:
    """Is the name bound, every time, to a new integer or boolean tensor (`best = torch.zeros(n,
    dtype=int)`)? What is written into it keeps no graph."""
    bindings = [b for b in facts.bindings(scope).names.get(path, ()) if b.binds] if "." not in path else []
    return bool(bindings) and all(b.kind == "value" and makes_integer_tensor(facts.imports, b.value) for b in bindings)


def _one_step_of_micro_batches(facts, scope, loop, path: str) -> bool:
    """Gradient accumulation: the loop backpropagates micro-batches but steps no optimizer, and
    the loop around it steps one and makes the collection anew every iteration (AllenNLP's batch
    group outputs, handed to its callbacks). The collection holds one optimizer step's
    micro-batches, not the run's."""
    outer = next(iter(facts.tree.loops_around(loop, scope)), None)
    if outer is None or optimizer_steps(facts, loop) or not optimizer_steps(facts, outer):
        return False
    return _assigned_in(facts, scope, outer, path)


def _grown(facts, value: ast.AST, name: str) -> bool:
    """Is value name grown by one more element: `name + v`, or `torch.cat((name, v))` (stack, concat)?"""
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
        return any(isinstance(side, ast.Name) and side.id == name for side in (value.left, value.right))
    if isinstance(value, ast.Call) and facts.imports.qualname(value.func) in CONCATENATING_FUNCTIONS and value.args:
        parts = value.args[0]
        return isinstance(parts, (ast.List, ast.Tuple)) and any(isinstance(p, ast.Name) and p.id == name for p in parts.elts)
    return False


def _self_referencing(assign: ast.Assign) -> set[str]:
    return {n.id for n in ast.walk(assign.value) if isinstance(n, ast.Name)}


def _survives_iteration(facts, scope, loop, stmt, name: str) -> bool:
    """Can the graph of the value stmt binds to name reach the next iteration of loop? Yes when
    the value itself does, or a later binding that does reads it and certainly carries a graph
    (`x_adv = torch.max(torch.min(x_adv, hi), lo)`). Not when the iteration binds name again from
    something the analysis cannot tell carries one (`adv = project(adv)`, a helper that may return
    `adv.detach()`)."""
    definitions = facts.bindings(scope).definitions
    if name not in definitions.versioned:
        return True
    surviving = definitions.reaching(name, loop.body[0])
    if definitions.store_key(name, stmt) in surviving:
        return True
    for binding in facts.bindings(scope).names.get(name, ()):
        later = binding.node
        if binding.kind == "value" and later is not stmt and facts.tree.is_inside(later, loop) \
                and definitions.store_key(name, later) in surviving and name in live_paths(facts, binding.value) \
                and facts.flow.state_of(binding.value) == GRAPH:
            return True
    return False


def _bound_before(facts, scope, loop, name: str) -> bool:
    """Is name bound before the loop starts: a parameter, or assigned earlier in the scope?"""
    if name == "self":
        return True
    start = (loop.lineno, loop.col_offset)
    for binding in facts.bindings(scope).names.get(name, ()):
        if isinstance(binding.node, ast.arg):
            return True
        if binding.kind in ("value", "part", "aug") and isinstance(binding.node, ast.stmt) \
                and (binding.node.lineno, binding.node.col_offset) < start:
            return True
    return False


def _cloned_requiring_grad(facts, scope, name: str) -> bool:
    """Is name assigned a value made with `.requires_grad_()` (a fresh gradient input)?"""
    for binding in facts.bindings(scope).names.get(name, ()):
        if binding.kind == "value" and isinstance(binding.node, ast.Assign):
            for inner in ast.walk(binding.value):
                if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.func.attr == "requires_grad_":
                    return True
    return False
