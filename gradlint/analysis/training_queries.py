"""The questions GL501-GL503 ask about one file's loops and calls, answered from its facts and,
across files, from the project index's training-state summaries (analysis/training_state.py).
"""

from __future__ import annotations

import ast

from gradlint.analysis.bindings import seen_bindings
from gradlint.analysis.names import dotted
from gradlint.analysis.training import steps_an_optimizer
from gradlint.analysis.training_state import (
    BUILTIN_NAMES,
    call_slots,
    covers,
    layer_sensitivity,
    mode_call,
)
from gradlint.analysis.tree import FUNCTION_TYPES, LOOP_TYPES, block_of
from gradlint.analysis.vocabulary import (
    ACCUMULATING_CONTEXTS,
    MODE_NEUTRAL_LIBRARIES,
    MODE_NEUTRAL_METHODS,
    MODE_SHARING_WRAPPERS,
    MODULE_CONTAINERS,
    MODULE_SELF_RETURNING,
    TENSOR_OP_METHODS,
)


def owner_class(tree, scope: ast.AST) -> ast.ClassDef | None:
    """The class a method (or a function nested in one) belongs to."""
    parent = tree.parent(scope)
    return parent if isinstance(parent, ast.ClassDef) else tree.class_of(scope)




def optimizer_steps(facts, container: ast.AST) -> list[tuple[ast.Call, ast.AST]]:
    """(call, optimizer expression) of each optimizer step in container: `opt.step()`,
    `self.optimizer.step()`, `scaler.step(opt)`. A step given a closure (`opt.step(closure)`,
    LBFGS) is left out: the closure computes, and clears, the gradients itself."""
    found = []
    for node in ast.walk(container):
        if not steps_an_optimizer(facts, node):
            continue
        receiver = dotted(node.func.value)
        if "scaler" in receiver.split(".")[-1].lower():
            if node.args and isinstance(node.args[0], (ast.Name, ast.Attribute)) and len(node.args) == 1 and not node.keywords:
                found.append((node, node.args[0]))
        elif not node.args and not node.keywords:
            found.append((node, node.func.value))
    return found


def steps_in_view(facts, scope: ast.AST) -> bool:
    """Does the code around a training forward step an optimizer (`opt.step()`, `scaler.step(opt)`,
    `opt.step(closure)`): the function or one it calls in this file (`self._update()`, a helper),
    for module-level code the whole file? A backward with no step in view may only want gradients
    of the inputs (Langevin sampling from a loaded model, an attack)."""
    if isinstance(scope, ast.Module):
        return _steps(facts, scope)
    pending, seen = [scope], set()
    while pending and len(seen) < 20:
        function = pending.pop()
        if function in seen:
            continue
        seen.add(function)
        if _steps(facts, function):
            return True
        for call in facts.tree.calls_owned(function):
            pending.extend(local_callees(facts, call))
    return False


def local_callees(facts, call: ast.Call) -> list[ast.AST]:
    """The functions of this file a call may run: `self.m(...)` of the class (its overrides in
    this file too), a module-level function called by name."""
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
        return [f for f in facts.self_call_definitions(call) if isinstance(f, FUNCTION_TYPES)]
    if isinstance(func, ast.Name):
        return _module_functions(facts.tree).get(func.id, [])
    return []


def _module_functions(tree) -> dict[str, list[ast.AST]]:
    """The file's module-level functions by name (a name may be defined more than once)."""
    def build():
        found: dict[str, list[ast.AST]] = {}
        for stmt in tree.module.body:
            if isinstance(stmt, FUNCTION_TYPES):
                found.setdefault(stmt.name, []).append(stmt)
        return found

    return tree.memo(_module_functions, build)


def every_iteration_helpers(facts, scope: ast.AST, loop: ast.AST) -> list[ast.AST] | None:
    """The functions of this file (`local_callees`) that the loop runs on every iteration: called
    unconditionally, or under an `if` whose test only reads names the loop never binds
    (`if update: self._update(loss)`: all iterations or none). None when a call may run one of
    several definitions (an override) or the loop's own function."""
    found = []
    for call in calls_in(facts, scope, loop):
        callees = local_callees(facts, call)
        if not callees or not _each_iteration(facts, call, loop):
            continue
        if len(callees) > 1 or callees[0] is scope:
            return None
        if callees[0] not in found:
            found.append(callees[0])
    return found


def _each_iteration(facts, node: ast.AST, loop: ast.AST) -> bool:
    child = node
    for ancestor in facts.tree.ancestors(node):
        if ancestor is loop:
            return child in loop.body
        if isinstance(ancestor, ast.If):
            if child is ancestor.test or not _invariant_test(facts, ancestor.test, loop):
                return False
        elif isinstance(ancestor, ast.Try):
            if child not in ancestor.body and child not in ancestor.finalbody:
                return False
        elif not isinstance(ancestor, (ast.stmt, ast.expr, ast.keyword, ast.withitem)) or isinstance(
                ancestor, (*LOOP_TYPES, *FUNCTION_TYPES, ast.ClassDef, ast.Match, ast.IfExp, ast.BoolOp, ast.Lambda)):
            return False
        child = ancestor
    return False


def _invariant_test(facts, test: ast.AST, loop: ast.AST) -> bool:
    """A test made of names (and constants, `not`, comparisons) that the loop never binds."""
    names = set()
    for node in ast.walk(test):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif not isinstance(node, (ast.Constant, ast.UnaryOp, ast.Compare, ast.BoolOp, ast.unaryop, ast.cmpop, ast.boolop,
                                   ast.expr_context)):
            return False
    bound = {n.id for n in ast.walk(loop) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return not names & bound


def _steps(facts, region: ast.AST) -> bool:
    return any(steps_an_optimizer(facts, node) for node in ast.walk(region))


def step_clears(facts, scope: ast.AST, optimizer: ast.AST) -> bool:
    """Is the optimizer built in view from a project class whose `step` clears the gradients
    (through its own code, its project base classes, the functions it calls)?"""
    path = dotted(optimizer)
    if path is None or "." in path:
        return False
    for value in bindings(facts, scope, path) or ():
        if isinstance(value, ast.Call) and facts.imports.qualname(value.func) is None:
            name = facts.symbols.resolve(value.func, scope)
            if name is not None and facts.index.may_clear_gradients(f"{name}.step"):
                return True
    return False


def accumulating_backwards(facts, scope: ast.AST, container: ast.AST) -> list[ast.Call]:
    """Backwards in container that add into `.grad` (`loss.backward()`, `accelerator.backward(loss)`,
    `torch.autograd.backward`); `torch.autograd.grad` returns its gradients instead."""
    return [b.node for b in facts.flow.backwards(scope)
            if isinstance(b.node, ast.Call) and facts.imports.qualname(b.node.func) != "torch.autograd.grad"
            and facts.tree.is_inside(b.node, container)]


def clearing_in_view(facts, scope: ast.AST) -> bool:
    """Does the code around a training loop clear gradients anywhere: the function (its closures
    too) and, for a method, its whole class; for module-level code, the whole file?"""
    if isinstance(scope, ast.Module):
        return bool(facts.gradient_clearing)
    region = owner_class(facts.tree, scope) or scope
    return region in facts.gradient_clearing_around


def accumulates_on_purpose(facts, region: ast.AST) -> bool:
    """`with accelerator.accumulate(model):`, `with model.no_sync():` in the loop (or a helper it runs):
    the framework makes the step, and the clearing, conditional."""
    for node in ast.walk(region):
        if isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                expr = item.context_expr
                if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in ACCUMULATING_CONTEXTS:
                    return True
    return False


def rebound_in(facts, container: ast.AST, roots: set[str]) -> bool:
    """Is one of these names (or `self.x` paths) bound anew inside container (a loop target, an
    assignment): a new model or optimizer every iteration?"""
    for node in ast.walk(container):
        if isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Store):
            path = dotted(node)
            if path is not None and any(covers(path, root) or covers(root, path) for root in roots if path != "self"):
                return True
    return False


def handed_paths(facts, call: ast.Call) -> set[str]:
    """The objects a call is handed, as paths: its arguments and its receiver (for `self.fn(...)`
    where the class stores a callable in `self.fn`, that callable, not self), not what it gets
    computed from them."""
    paths = set()
    for arg in [*call.args, *(k.value for k in call.keywords)]:
        node = arg.value if isinstance(arg, ast.Starred) else arg
        path = dotted(node) if isinstance(node, (ast.Name, ast.Attribute)) else None
        if path is not None:
            paths.add(path)
    func = call.func
    if isinstance(func, ast.Attribute):
        path = dotted(func.value)
        if path == "self" and (owner := facts.tree.class_of(call)) is not None and _stores_callable(facts, owner, func.attr):
            path = f"self.{func.attr}"  # `self.loss_fn = Loss()` then `self.loss_fn(x)`: self is not handed over
        if path is not None:
            paths.add(path)
    return paths


def _stores_callable(facts, cls: ast.ClassDef, name: str) -> bool:
    """Is `self.name` of this class a stored callable, not a method: assigned in the class, or
    absent from every class of its hierarchy (all of it in the project)?"""
    if (cls, f"self.{name}") in facts.assignments:
        return True
    qualified = facts.symbols.qualname_of(cls)
    return qualified is not None and facts.index.lacks_method(qualified, name)


def out_of_view_touches(facts, call: ast.Call, held: set[str]) -> bool:
    """Is call code out of view (another package's, a callable the analysis cannot name) that is
    handed one of these objects (paths: `model`, `self.net`), a part of one or what holds one?
    torch's own functions and the Module and optimizer API are in view: they never change a mode
    or clear gradients, nor do the functions of numpy and the standard libraries of
    MODE_NEUTRAL_LIBRARIES."""
    name = facts.imports.qualname(call.func) or facts.imports.resolve(call.func)
    if name is not None and name.split(".")[0] in MODE_NEUTRAL_LIBRARIES:
        return False
    func = call.func
    if isinstance(func, ast.Attribute) and (func.attr in MODE_NEUTRAL_METHODS or func.attr in TENSOR_OP_METHODS):
        return False
    if isinstance(func, ast.Name) and func.id in BUILTIN_NAMES:
        return False
    return any(_hands_over(facts, call, h) for h in held)


def may_clear(facts, call: ast.Call, held: set[str], depth: int = 0) -> bool:
    """May this call clear gradients: a project function that does (any depth, the index's
    summaries), a function nested in another whose visible body does (`def _log(p): ...` then
    `_log(p)`, which the index does not summarise), or code out of view handed one of these
    objects (`out_of_view_touches`)?"""
    key = project_key(facts, call)
    verdict = facts.index.may_clear_gradients(key) if key is not None else None
    if verdict is None and depth < 3:
        verdict = _nested_clears(facts, call, depth)
    return verdict if verdict is not None else out_of_view_touches(facts, call, held)


def _nested_clears(facts, call: ast.Call, depth: int) -> bool | None:
    """For a call of a nested function: may its body clear, itself or through the code it hands
    its parameters to? None for any other call."""
    if not isinstance(call.func, ast.Name):
        return None
    found = seen_bindings(facts, call.func)
    functions = [b.node for b in found if isinstance(b.node, FUNCTION_TYPES)]
    if not functions or len(functions) != len(found) or any(isinstance(facts.tree.parent(f), ast.Module) for f in functions):
        return None
    for function in functions:
        if function in facts.gradient_clearing_around:
            return True
        parameters = {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}
        if any(may_clear(facts, inner, parameters, depth + 1) for inner in calls_in(facts, function, function)):
            return True
    return False


def project_key(facts, call: ast.Call) -> str | None:
    from gradlint.analysis.call_keys import call_key

    return call_key(facts.tree, facts.symbols, call)


def calls_in(facts, scope: ast.AST, container: ast.AST) -> list[ast.Call]:
    """The calls of container that scope's own code runs (nested functions are their own)."""
    return [n for n in ast.walk(container) if isinstance(n, ast.Call) and facts.flow.analysis_scope(n) is scope]


def escapes_block(facts, node: ast.AST, loop: ast.AST) -> bool:
    """Does a `break`, `return` or `raise` follow node in its block, or in a block around it
    inside loop: after it, control never comes back to the loop's next iteration?"""
    stmt = facts.tree.statement_of(node)
    while stmt is not loop:
        found = block_of(facts.tree, stmt)
        if found is not None:
            block, index = found
            if any(isinstance(s, (ast.Break, ast.Return, ast.Raise)) for s in block[index + 1:]):
                return True
        parent = facts.tree.parent(stmt)
        if parent is None:
            return False
        stmt = parent if isinstance(parent, ast.stmt) else facts.tree.statement_of(parent)
    return False


def eval_site(facts, call: ast.Call, path: str) -> bool:
    """Does call put the module at path in eval mode, itself (`model.eval()`) or through a project
    function whose summary says it leaves that argument in eval mode (`evaluate(model, loader)`)?"""
    if mode_call(call) == "eval":
        receiver = dotted(call.func.value)
        return receiver is not None and covers(receiver, path)
    key = project_key(facts, call)
    if key is None:
        return False
    for slot, argument in call_slots(call):
        if covers(argument, path) and facts.index.leaves_in_eval(key, slot, path[len(argument):]):
            return True
    return False


def may_train_in(facts, scope: ast.AST, container: ast.AST, path: str) -> bool:
    """May code in container put the module at path (or anything) back in train mode: a `.train()`
    call on anything, a project function that may (itself or through the functions it calls), code
    out of view handed the module, or a project function handed it that hands what it gets to code
    out of view?"""
    for call in calls_in(facts, scope, container):
        if mode_call(call) == "train":
            return True
        if facts.modules.is_forward(call) or mode_call(call) == "eval":
            continue
        key = project_key(facts, call)
        verdict = facts.index.may_set_mode(key, "train") if key is not None else None
        if verdict is None:
            if out_of_view_touches(facts, call, {path}):
                return True
        elif verdict and (facts.index.may_set_mode(key, "train", handing_out=False) or _hands_over(facts, call, path)):
            return True
    return False


def _hands_over(facts, call: ast.Call, path: str) -> bool:
    """Is call handed the module at path, a part of it or what holds it (`self`)?"""
    return any(covers(p, path) or covers(path, p) for p in handed_paths(facts, call))


def may_change_mode_before(facts, scope: ast.AST, node: ast.AST, name: str) -> bool:
    """May something put the module bound to `name` in eval or train mode before node: a mode call
    anywhere in the function (the file, for module-level code), a project function handed the
    module that may, or code out of view handed it?"""
    region = facts.module if isinstance(scope, ast.Module) else scope
    if any(isinstance(n, ast.Call) and mode_call(n) for n in ast.walk(region)):
        return True
    position = (node.lineno, node.col_offset)
    for call in calls_in(facts, scope, scope):
        if (call.lineno, call.col_offset) >= position or facts.modules.is_forward(call):
            continue
        if not any(covers(name, p) for p in handed_paths(facts, call)):
            continue
        key = project_key(facts, call)
        verdict = facts.index.may_set_mode(key) if key is not None else None
        if verdict or (verdict is None and out_of_view_touches(facts, call, {name})):
            return True
    return False


def callers_handing(facts, function: ast.AST, path: str) -> list[tuple[ast.Call, str]]:
    """The calls of function in this file, each with the path, in the caller's own names, of the
    module function reaches as `path`: `self.model` stays itself at a `self.step(...)` call; a
    parameter `model` is what the call passes for it (`train_one_epoch(net, loader)`: `net`).
    A call that passes nothing matchable, or a function that binds the parameter anew, is left out."""
    qualified = facts.symbols.qualname_of(function) if isinstance(function, FUNCTION_TYPES) else None
    if qualified is None:
        return []
    root, dot, rest = path.partition(".")
    if root != "self":
        bindings = facts.bindings(function).names.get(root, ())
        if any(b.binds and not isinstance(b.node, ast.arg) for b in bindings):
            return []
    found = []
    for call in facts.call_sites.to(qualified):
        if root == "self":
            receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
            if isinstance(receiver, ast.Name) and receiver.id == "self":
                found.append((call, path))
            continue
        passed = facts.call_sites.argument(function, call, root)
        outer = dotted(passed) if isinstance(passed, (ast.Name, ast.Attribute)) else None
        if outer is not None:
            found.append((call, outer + dot + rest))
    return found


def module_aliases(facts, expr: ast.AST, depth: int = 0) -> set[str]:
    """The module paths a module expression may stand for: its own, and for a local name bound to
    the same module (`model = self.train()`, `net = net.to(device)`) or to a wrapper that runs it
    (`model = nn.DataParallel(model)`), the paths of that module, transitively. A mode set on
    any of them is the mode the expression's forward runs in."""
    path = dotted(expr) if isinstance(expr, (ast.Name, ast.Attribute)) else None
    found = {path} if path is not None else set()
    if not isinstance(expr, ast.Name) or depth > 4 or facts.comprehension_target(expr) is not None:
        return found
    for binding in seen_bindings(facts, expr):
        inner = _same_module(facts, binding.value) if binding.kind == "value" else None
        if inner is not None:
            found |= module_aliases(facts, inner, depth + 1)
    return found


def _same_module(facts, expr: ast.AST | None) -> ast.AST | None:
    """The module `m` when expr is `m.train()`, `m.to(device)`, `DataParallel(m)`..., else None."""
    if not isinstance(expr, ast.Call):
        return None
    if isinstance(expr.func, ast.Attribute) and expr.func.attr in MODULE_SELF_RETURNING:
        return expr.func.value
    if expr.args and facts.imports.qualname(expr.func) in MODE_SHARING_WRAPPERS:
        return expr.args[0]
    return None


def built_sensitivity(facts, expr: ast.AST, scope: ast.AST | None = None, depth: int = 0) -> bool | None:
    """Does the module this expression builds compute differently in train and eval mode
    (`Net(...)`, `nn.Sequential(nn.Linear(...), nn.Dropout())`, `Net().to(device)`)?
    True, False (visibly not), None (the analysis cannot tell)."""
    if not isinstance(expr, ast.Call) or depth > 8:
        return None
    func = expr.func
    if isinstance(func, ast.Attribute) and func.attr in MODULE_SELF_RETURNING and isinstance(func.value, ast.Call):
        return built_sensitivity(facts, func.value, scope, depth + 1)
    verdict = layer_sensitivity(facts.imports, expr)
    if verdict is False and (facts.imports.qualname(func) or "").split(".")[-1] in MODULE_CONTAINERS:
        parts = [built_sensitivity(facts, arg, scope, depth + 1) for arg in expr.args]
        if True in parts:
            return True
        return False if parts and None not in parts else None
    if verdict is not None:
        return verdict
    if isinstance(func, (ast.Name, ast.Attribute)) and facts.imports.qualname(func) is None:
        name = facts.symbols.resolve(func, scope)
        if name is not None:
            return facts.index.mode_sensitive(name)
    return None


def bindings(facts, scope: ast.AST, name: str) -> list[ast.AST] | None:
    """The values assigned to a local name in scope; None when it is bound some other way too
    (a parameter, a loop or `with` target, an unpacking, a global of a function)."""
    table = facts.bindings(scope)
    bound = [b for b in table.names.get(name, ()) if b.binds]
    if not bound or name in table.declared_outer or any(b.kind != "value" for b in bound):
        return None
    return [b.value for b in bound]


def module_sensitivity(facts, scope: ast.AST, path: str) -> bool | None:
    """The train/eval sensitivity of the module at path, when the analysis sees it built: a local
    name every assignment of which builds one, or `self.x` built in its class's `__init__`."""
    if "." not in path:
        values = bindings(facts, scope, path)
    elif path.startswith("self.") and path.count(".") == 1:
        cls = owner_class(facts.tree, scope)
        init = next((n for n in cls.body if isinstance(n, FUNCTION_TYPES) and n.name == "__init__"), None) if cls else None
        if init is None:
            return None
        values = [node.value for node in ast.walk(init) if isinstance(node, ast.Assign) and len(node.targets) == 1
                  and dotted(node.targets[0]) == path]
        scope = init
    else:
        return None
    if not values:
        return None
    verdicts = [built_sensitivity(facts, value, scope) for value in values]
    if True in verdicts:
        return True
    return False if None not in verdicts else None
