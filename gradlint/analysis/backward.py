"""Backwards: the calls that backpropagate, and the expressions they backpropagate.

`t.backward()`, `scaler.scale(loss).backward()`, `accelerator.backward(loss)`,
`torch.autograd.backward(...)`, `torch.autograd.grad(outputs, ...)`,
`torch.distributed.autograd.backward(context_id, roots)`, `manual_backward(loss)`, an
optimizer wrapper's `update_params(loss)` (MMEngine); the values a Lightning `training_step` returns,
which the framework backpropagates (unless the class optimizes manually); and calls of a module-level function of the file that
backpropagates one of its arguments (`def backward(loss, scaler): scaler.scale(loss).backward()`,
then `backward(total_loss, scaler)`): the call backpropagates what it passes for it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from gradlint.analysis.tree import FUNCTION_TYPES, keyword
from gradlint.analysis.vocabulary import OPTIMIZER_NAME, WRAPPER_BACKWARD_METHODS


@dataclass(frozen=True)
class Backward:
    node: ast.AST  # the call (or the return statement of a training_step)
    roots: tuple[ast.AST, ...]  # the expressions whose graphs are backpropagated


def backward_of(imports, call: ast.Call) -> Backward | None:
    """The backward call is, if it is one (`imports`: the file's ImportTable)."""
    func = call.func
    name = imports.qualname(func)
    if name in ("torch.autograd.backward", "torch.autograd.grad"):
        first = call.args[0] if call.args else keyword(call, "outputs") or keyword(call, "tensors")
        return Backward(call, (first,)) if first is not None else None
    if name == "torch.distributed.autograd.backward":
        # the roots are the second argument; the first is the autograd context's id
        roots = call.args[1] if len(call.args) > 1 else keyword(call, "roots")
        return Backward(call, (roots,)) if roots is not None else None
    if isinstance(func, ast.Attribute) and func.attr == "backward":
        # `loss.backward()`; `accelerator.backward(loss)` / `fabric.backward(loss)` pass the loss as argument
        roots = [func.value, *call.args[:1]]
        return Backward(call, tuple(roots))
    if isinstance(func, ast.Attribute) and func.attr in WRAPPER_BACKWARD_METHODS and len(call.args) == 1 \
            and OPTIMIZER_NAME.search(func.value.attr if isinstance(func.value, ast.Attribute) else getattr(func.value, "id", "")):
        return Backward(call, (call.args[0],))  # `optim_wrapper.update_params(loss)`
    if (isinstance(func, ast.Attribute) and func.attr == "manual_backward") or (isinstance(func, ast.Name) and func.id == "manual_backward"):
        return Backward(call, tuple(call.args[:1])) if call.args else None
    return None


def is_training_step(facts, function: ast.AST) -> bool:
    if not isinstance(function, FUNCTION_TYPES) or function.name != "training_step":
        return False
    cls = facts.tree.parent(function)
    return isinstance(cls, ast.ClassDef) and facts.is_lightning_class(cls)


def _optimizes_manually(facts, function: ast.AST) -> bool:
    """Does the training_step's class turn Lightning's automatic optimization off
    (`self.automatic_optimization = False`), or does the step call `manual_backward` itself?
    Then what it returns is only logged: Lightning backpropagates nothing of it."""
    if any(backward_of(facts.imports, call) is not None and _named(call.func) == "manual_backward"
           for call in facts.tree.calls_owned(function)):
        return True
    cls = facts.tree.parent(function)
    for method in cls.body:
        if not isinstance(method, FUNCTION_TYPES):
            continue
        for node in facts.tree.scope_nodes(method):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and node.value.value is False \
                    and any(isinstance(t, ast.Attribute) and t.attr == "automatic_optimization"
                            and isinstance(t.value, ast.Name) and t.value.id == "self" for t in node.targets):
                return True
    return False


def _named(func: ast.AST) -> str | None:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def backwards_by_scope(facts) -> dict[ast.AST, list[Backward]]:
    """Every backward of the file, grouped by the function (or module) whose code runs it."""
    found: dict[ast.AST, list[Backward]] = {}
    for call in facts.tree.calls:
        backward = backward_of(facts.imports, call)
        if backward is not None:
            found.setdefault(facts.flow.analysis_scope(call), []).append(backward)
    for function in facts.tree.functions:
        if is_training_step(facts, function) and not _optimizes_manually(facts, function):
            for node in facts.tree.scope_nodes(function):
                if isinstance(node, ast.Return) and node.value is not None:
                    found.setdefault(function, []).append(Backward(node, (node.value,)))
    helpers = _backpropagated_arguments(facts, found)
    for call in facts.tree.calls if helpers else ():
        function = helpers.get(facts.symbols.resolve(call.func, facts.tree.scope_of(call))) if isinstance(call.func, ast.Name) else None
        if function is None:
            continue
        definition, names = function
        roots = tuple(r for r in (facts.call_sites.argument(definition, call, name) for name in sorted(names)) if r is not None)
        if roots:
            found.setdefault(facts.flow.analysis_scope(call), []).append(Backward(call, roots))
    return found


def _backpropagated_arguments(facts, found: dict[ast.AST, list[Backward]]) -> dict[str, tuple[ast.AST, set[str]]]:
    """Qualified name -> (definition, its parameters a backward of its own body backpropagates),
    for the module-level functions of the file that have such parameters (never bound again)."""
    helpers = {}
    for function, backwards in found.items():
        if not isinstance(function, ast.FunctionDef) or not isinstance(facts.tree.parent(function), ast.Module):
            continue
        args = function.args
        parameters = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
        rebound = set(facts.tree.scopes_storing().get(function, ()))
        names = {n.id for b in backwards for root in b.roots for n in ast.walk(root)
                 if isinstance(n, ast.Name) and n.id in parameters - rebound}
        qualified = facts.symbols.qualname_of(function)
        if names and qualified is not None:
            helpers[qualified] = (function, names)
    return helpers


def backwards_in(facts, scope: ast.AST) -> list[Backward]:
    """Backwards directly in scope (nested functions are their own scopes; lambdas belong to their definer)."""
    return facts.flow.backwards(scope)
