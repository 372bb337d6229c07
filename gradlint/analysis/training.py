"""Evaluation code and training code, as GL1xx and GL201 see them.

- evaluation code: a scope that put a module in eval mode (`.eval()`,
  `.train(False)`) and has no backward; module-level script code after `.eval()`.
- training code: a function, or a loop body, with a backward.
"""

from __future__ import annotations

import ast
import os

from gradlint.analysis.names import dotted
from gradlint.analysis.training_state import mode_call
from gradlint.analysis.tree import FUNCTION_TYPES, LOOP_TYPES, is_true, keyword
from gradlint.analysis.vocabulary import CLIPPING_METHODS, CONTAINER_TYPES, MODULE_SELF_RETURNING, OPTIMIZER_NAME, OPTIMIZER_STEP_NAME, SETUP_FUNCTION_NAME, SHAPE_ATTRIBUTES, SUBMODULE_ITERATORS
from gradlint.analysis.vocabulary import FORWARD_HOOK_REGISTRATIONS as HOOK_REGISTRATIONS
from gradlint.analysis.modules import LOSS_NAME


def mode_calls_by_scope(tree) -> dict[ast.AST, list[tuple[ast.Call, str, str]]]:
    """(call, module path, 'eval' or 'train') of every `m.eval()`, `m.train(False)` and `m.train()`
    / `m.train(mode)`, grouped by the scope whose code runs it (once per tree)."""
    return tree.memo(mode_calls_by_scope, lambda: _mode_calls_by_scope(tree))


def _mode_calls_by_scope(tree) -> dict[ast.AST, list[tuple[ast.Call, str, str]]]:
    found: dict[ast.AST, list[tuple[ast.Call, str, str]]] = {}
    for node in tree.calls:
        mode = mode_call(node)
        if mode is not None:
            path = dotted(node.func.value) or _constructed_into(tree, node)
            if path:
                found.setdefault(tree.analysis_scope(node), []).append((node, path, mode))
    return found


def _constructed_into(tree, call: ast.Call) -> str | None:
    """`encoder = Encoder().eval()`, `back = Backbone().eval().cuda()`: eval mode chained at
    construction (and through the module methods that return the module) puts the name in eval mode."""
    if not isinstance(call.func.value, ast.Call):
        return None
    parent = tree.parent(call)
    while isinstance(parent, ast.Attribute) and parent.attr in MODULE_SELF_RETURNING:
        outer = tree.parent(parent)
        if not (isinstance(outer, ast.Call) and outer.func is parent):
            return None
        call, parent = outer, tree.parent(outer)
    if isinstance(parent, (ast.Assign, ast.AnnAssign)) and parent.value is call:
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        if len(targets) == 1:
            return dotted(targets[0])
    return None


def evaluation_phase(facts, scope: ast.AST, call: ast.Call, callee_path: str) -> bool:
    """Does call run in evaluation code: after its module was put in eval mode, with no training
    to come? In a function: the function has no backward. In module-level script code, which
    often trains and then evaluates: every backward comes before that `.eval()` and shares no
    loop with it (a training loop followed by an evaluation loop are two phases)."""
    backwards = facts.flow.backwards(scope)
    if backwards and not isinstance(scope, ast.Module):
        return False
    if isinstance(scope, FUNCTION_TYPES) and (_evaluated_by_callers(facts, scope, callee_path)
                                              or _evaluated_since_init(facts, scope, callee_path)):
        return True
    position = (call.lineno, call.col_offset)
    for eval_call, path in eval_calls(facts, scope):
        made = (eval_call.lineno, eval_call.col_offset)
        if not covers(path, callee_path) or made >= position \
                or retrained_between(facts.mode_calls.get(scope, ()), callee_path, made, position):
            continue
        loops = set(facts.tree.loops_around(eval_call, scope))
        if all((b.node.lineno, b.node.col_offset) < (eval_call.lineno, eval_call.col_offset)
               and not loops.intersection(facts.tree.loops_around(b.node, scope)) for b in backwards):
            return True
    return False


def _evaluated_by_callers(facts, function: ast.AST, callee_path: str) -> bool:
    """A method every caller runs in evaluation code, after putting this module in eval mode
    (`self.network.eval()` then `self._predict_batch(x)`, which runs `self.network(x)`)."""
    name = facts.symbols.qualname_of(function)
    if name is None:
        return False
    return any(covers(path, callee_path) for path in facts.index.evaluated_paths(name))


def _evaluated_since_init(facts, function: ast.AST, callee_path: str) -> bool:
    """A method of a class whose `__init__` puts a model it holds (`self.model`, not `self`) in
    eval mode and none of whose methods puts anything back in train mode or runs a backward (an
    explainer holding the model it explains)."""
    cls = facts.tree.parent(function)
    if not (callee_path.startswith("self.") and isinstance(cls, ast.ClassDef)):
        return False
    methods = [m for m in cls.body if isinstance(m, FUNCTION_TYPES)]
    init = next((m for m in methods if m.name == "__init__"), None)
    # (`self.eval()` after loading weights says nothing: a module is still trained by whoever calls it)
    if init is None or not any(path != "self" and covers(path, callee_path) for _, path in eval_calls(facts, init)):
        return False
    return not any(mode != "eval" for m in methods for _, _, mode in facts.mode_calls.get(m, ())) \
        and not any(facts.flow.backwards(m) for m in methods)


def output_may_be_trained(facts, function: ast.AST) -> bool:
    """May a caller backpropagate through what this function returns? True for the `forward` or
    `__call__` of an `nn.Module` (whoever calls the module) or of a class named as a loss, and for a function with a call site
    in the project that keeps its result with grad on, outside evaluation code."""
    if not isinstance(function, FUNCTION_TYPES):
        return False
    cls = facts.tree.parent(function)
    if function.name in ("forward", "__call__") and isinstance(cls, ast.ClassDef) and (
            facts.modules.is_module_class(cls) or LOSS_NAME.search(cls.name)):
        return True  # a module's output, or what a loss object gives (mmrazor's `SumPseudoLoss`): a caller's to train on
    name = facts.symbols.qualname_of(function)
    return name is not None and facts.index.result_may_be_trained(name)


def eval_calls(facts, scope: ast.AST) -> list[tuple[ast.Call, str]]:
    """(call, module path) for each `m.eval()` / `m.train(False)` directly in scope."""
    return [(call, path) for call, path, mode in facts.mode_calls.get(scope, ()) if mode == "eval"]


def retrained_between(mode_calls, module_path: str, start: tuple, end: tuple) -> bool:
    """Among one scope's mode calls (`mode_calls_by_scope`): is a module covering module_path put
    back in train mode (`m.train()`, `m.train(flag)`) between positions start and end
    (`if freeze: m.eval() else: m.train()`)?"""
    return any(mode == "train" and covers(path, module_path) and start < (call.lineno, call.col_offset) < end
               for call, path, mode in mode_calls)


def covers(module_path: str, callee_path: str) -> bool:
    """Does putting module_path in eval mode cover a forward of callee_path (itself or a submodule)?"""
    return callee_path == module_path or callee_path.startswith(module_path + ".")


def is_test_code(facts, scope: ast.AST) -> bool:
    """Test code is what pytest collects: test files (`test_*.py`, `*_test.py`), `conftest.py`,
    `test_*` functions and methods of `Test*` classes (wherever they are defined), and a
    module-level function that the module docstring's examples call (`>>> test()`, run by
    `--doctest-modules`).

    A script's function named `test` or `_do_test` is ordinary code: a tutorial's
    `def test(model, loader)` evaluation loop is exactly what the rules look for."""
    name = os.path.basename(facts.path)
    if name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py":
        return True
    function = scope if isinstance(scope, FUNCTION_TYPES) else facts.tree.function_of(scope)
    while function is not None:
        if function.name.startswith("test_"):
            return True
        owner = facts.tree.parent(function)
        if isinstance(owner, ast.ClassDef) and owner.name.startswith("Test"):
            return True
        if isinstance(owner, ast.Module) and function.name in facts.doctest_calls:
            return True
        function = facts.tree.function_of(function)
    return False


def test_function_name(qualified: str) -> bool:
    """Is a qualified function name test code as pytest collects it: a `test_*` function or a
    method of a `Test*` class, or anything in a `test_*`/`*_test` module or a conftest?"""
    parts = qualified.split(".")
    return any(part.startswith("test_") or part.startswith("Test") or part == "conftest" or part.endswith("_test")
               for part in parts)


def training_region(facts, node: ast.AST) -> ast.AST | None:
    """The innermost loop (whose body has a backward) or function with a backward around node."""
    scope = facts.flow.analysis_scope(node)
    backwards = facts.flow.backwards(scope)
    if not backwards:
        return None
    for loop in facts.tree.loops_around(node, scope):
        if any(facts.tree.is_inside(b.node, loop) for b in backwards):
            return loop
    if isinstance(scope, FUNCTION_TYPES):
        return scope
    return None


def registers_forward_hooks(facts) -> bool:
    for call in facts.tree.calls:
        name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)
        if name in HOOK_REGISTRATIONS:
            return True
    return False


def result_discarded(facts, call: ast.Call) -> bool:
    """`model(x)` as a statement, or assigned to `_`: the value is only seen through hooks."""
    parent = facts.tree.parent(call)
    if isinstance(parent, ast.Expr):
        return True
    if isinstance(parent, ast.Assign) and all(isinstance(t, ast.Name) and t.id == "_" for t in parent.targets):
        return True
    return False


def builds_no_graph(facts, call: ast.Call) -> bool:
    """A forward of a module the analysed code froze (`requires_grad_(False)` on it or its
    parameters), none of whose inputs carries a graph: it saves nothing for a backward."""
    from gradlint.analysis.graph_state import requires_grad
    from gradlint.analysis.parameters import Param

    callee = facts.modules.callee(call)
    if callee is None or not facts.parameters.is_frozen(Param(dotted(callee) or ""), callee):
        return False
    return not any(requires_grad(facts.flow.state_of(arg)) for arg in [*call.args, *(k.value for k in call.keywords)])


def retried_with_grad(facts, call: ast.Call) -> bool:
    """Is call in an `except` handler of a `try` whose body runs code with grad off (`try: with
    torch.no_grad(): out = model(x)` / `except RuntimeError: out = model(x)`)? The code falls back
    to grad on because the grad-off attempt raised: the model needs autograd in its forward (a
    model that calls `torch.autograd.grad` inside it)."""
    tree = facts.tree
    scope = facts.flow.analysis_scope(call)
    for ancestor in tree.ancestors(call):
        if ancestor is scope:
            return False
        if isinstance(ancestor, ast.ExceptHandler):
            attempt = tree.parent(ancestor)
            if any(isinstance(node, ast.Call) and facts.grad_mode_at(node).grad_off
                   for stmt in attempt.body for node in tree.walk(stmt)):
                return True
    return False


def result_only_probed(facts, call: ast.Call) -> bool:
    """`model(x).shape[1]`, `net(x).size(-1)`, or `out = cnn(x)` whose every use is `out.shape`: a
    forward run to learn an output's shape (often the first forward of a model, which makes a lazy
    module create its parameters)."""
    parent = facts.tree.parent(call)
    if isinstance(parent, ast.Assign) and parent.value is call and len(parent.targets) == 1 \
            and isinstance(parent.targets[0], ast.Name):
        scope = facts.flow.analysis_scope(call)
        uses = facts.flow.scope(scope).definitions.uses(parent.targets[0].id, parent)
        return bool(uses) and all(_reads_shape(facts, use) for use in uses)
    return _reads_shape(facts, call)


def _reads_shape(facts, node: ast.AST) -> bool:
    parent = facts.tree.parent(node)
    return isinstance(parent, ast.Attribute) and parent.value is node and parent.attr in SHAPE_ATTRIBUTES


def loop_scopes(facts) -> dict[ast.AST, list[ast.AST]]:
    """Loops grouped by the function (or module) whose code they are in."""
    found: dict[ast.AST, list[ast.AST]] = {}
    for loop in facts.tree.nodes(*LOOP_TYPES):
        found.setdefault(facts.flow.analysis_scope(loop), []).append(loop)
    return found


def setup_function(function) -> bool:
    """`__init__`, `_init_weights`, `reset_parameters`, `load_pretrained`, `fuse_conv_bn`, ...:
    weights are made, loaded or fused there, not trained."""
    return setup_name(function.name)


def setup_name(name: str) -> bool:
    return name == "__init__" or SETUP_FUNCTION_NAME.search(name) is not None


def trains(facts, scope: ast.AST) -> bool:
    """Training code: the scope runs a backward or an optimizer step (`opt.step()`, `scaler.step(opt)`)."""
    return next(_training_calls(facts, scope), None) is not None


def trains_with(facts, scope: ast.AST, node: ast.AST) -> bool:
    """Does the scope run a backward or an optimizer step that can run in the same call as node
    (not in another arm of an `if` that no loop repeats)?"""
    return any(not facts.tree.exclusive(node, call, scope) for call in _training_calls(facts, scope))


def _training_calls(facts, scope: ast.AST):
    """The scope's backwards, then its optimizer steps. `torch.autograd.grad` of inputs the scope
    itself made require grad (`x.requires_grad_(True)`: saliency, LRP, an attack) trains nothing."""
    for backward in facts.flow.backwards(scope):
        if not _input_gradients(facts, scope, backward.node):
            yield backward.node
    for node in facts.tree.scope_nodes(scope):
        if steps_an_optimizer(facts, node):
            yield node


def steps_an_optimizer(facts, node: ast.AST) -> bool:
    """Is node `x.step(...)` on an optimizer: named like one (`opt`, `self.optimizer`, `scaler`) or
    built from an optimizer class in view (`facts.built_optimizers`)?"""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "step"):
        return False
    receiver = dotted(node.func.value)
    return receiver is not None and (OPTIMIZER_NAME.search(receiver.split(".")[-1]) is not None
                                     or receiver in facts.built_optimizers)


def _input_gradients(facts, scope: ast.AST, call: ast.AST) -> bool:
    """Is call `torch.autograd.grad(out, inputs)` whose inputs are names only, each made to require
    grad in this scope (`x.requires_grad_(True)`, `h = x.requires_grad_()`, `x.requires_grad = True`)?"""
    if not (isinstance(call, ast.Call) and facts.imports.qualname(call.func) == "torch.autograd.grad"):
        return False
    inputs = call.args[1] if len(call.args) > 1 else keyword(call, "inputs")
    elements = inputs.elts if isinstance(inputs, (ast.Tuple, ast.List)) else [inputs]
    if not elements or not all(isinstance(e, ast.Name) for e in elements):
        return False
    enabled = set()
    for node in facts.tree.scope_nodes(scope):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "requires_grad_" \
                and isinstance(node.func.value, ast.Name) and (not node.args or is_true(node.args[0])):
            enabled.add(node.func.value.id)
        elif isinstance(node, ast.Assign) and is_true(node.value):
            enabled.update(t.value.id for t in node.targets if isinstance(t, ast.Attribute) and t.attr == "requires_grad"
                           and isinstance(t.value, ast.Name))
    return all(e.id in enabled for e in elements)


def updates_during_training(facts, scope: ast.AST, edit: ast.AST, sources: list[ast.AST], method: str | None) -> str | None:
    """Why a `.data` edit runs while a model trains, or None when the analysis cannot show it:

    - "training": the scope runs a backward or an optimizer step (not only in another arm of an
      `if` than the edit: a model built at random in one branch and trained in the other);
    - "optimizer": a manual update from gradients (`p.data -= lr * p.grad`), or an optimizer's
      `step`/update function that reads its state (`param_groups`, `state`);
    - "clipping": weights clipped in place (`clamp_`, WGAN's critic);
    - "target": a parameter updated from another parameter (soft, EMA or hard target update,
      Lookahead, fp16 master weights).
    Setup code (`__init__`, `_init_weights`, `reset_parameters`, loading, fusing) is never training,
    nor is a function filling the module it returns or copying from a checkpoint it loads."""
    function = scope if isinstance(scope, FUNCTION_TYPES) else None
    if function is not None and (setup_function(function) or _setup_only(facts, function)):
        return None
    if trains_with(facts, scope, edit) or (function is not None and _run_only_by(facts, function, lambda f: trains(facts, f))):
        return "training"
    if any(isinstance(n, ast.Attribute) and n.attr == "grad" for s in sources for n in ast.walk(s)):
        return "optimizer"
    params = facts.parameters
    edited = edit.value if isinstance(edit, ast.Attribute) else edit
    path = dotted(edited)
    owner = path.rpartition(".")[0] if path else ""  # `self` of `self.weight`
    holder = edit.value.value if isinstance(edit, ast.Attribute) and isinstance(edit.value, ast.Attribute) else None
    if path is not None and built_here(facts, scope, ast.Name(path.split(".")[0])) \
            or holder is not None and built_here(facts, scope, holder):
        return None  # a module this function just built is being initialised (model surgery)
    edited_param = params.parameter(edited)
    if function is not None and edited_param is not None and _hands_back(facts, function, edited_param.root):
        return None  # it fills (or converts) the module it returns (`preserve_parameters(old, new)`, a transform's `apply`)
    if function is not None and any(isinstance(c.func, ast.Attribute) and c.func.attr == "load_state_dict"
                                    and not _repeated_apart(facts, function, edit, c) for c in facts.tree.calls_owned(function)):
        return None  # it loads a checkpoint and copies from it (MOPED's priors): loading, no training
    if method in CLIPPING_METHODS:
        return "clipping"
    if function is not None and (optimizer_step(function) or _run_only_by(facts, function, optimizer_step)
                                 or _optimizer_method(facts, function)):
        return "optimizer"
    receiver = _location(facts, edited)
    for source in sources:
        for node in ast.walk(source):
            path = _location(facts, node)
            if path is None or receiver is None or path == receiver or path.startswith(receiver + "."):
                continue
            if owner and path.rpartition(".")[0] == owner:
                continue  # the same module's own parameters (a LoRA delta merged into its weight): a reparameterisation
            if params.parameter(node) is not None:
                return "target"
    return None


def _repeated_apart(facts, function: ast.AST, edit: ast.AST, load: ast.Call) -> bool:
    """Does the edit repeat where the load does not: inside a `while` or a `for ... in range(...)`
    of function that the load stays out of (a script that resumes from a checkpoint, then updates
    its target network every iteration of its training loop)?"""
    for loop in facts.tree.loops_around(edit, function):
        if facts.tree.is_inside(load, loop):
            return False
        if isinstance(loop, ast.While) or isinstance(loop.iter, ast.Call) and isinstance(loop.iter.func, ast.Name) \
                and loop.iter.func.id == "range":
            return True
    return False


def _hands_back(facts, function: ast.AST, path: str) -> bool:
    """Does function return the object at path (`return new_net`), or the module whose submodules
    a loop variable at path runs over (`for m in model.modules(): ...`, then `return model`)?"""
    if not path:
        return False
    held = {path, *_submodules_of(facts, function, path.split(".")[0])}
    return any(isinstance(node, ast.Return) and node.value is not None and dotted(node.value) in held
               for node in facts.tree.scope_nodes(function))


def _submodules_of(facts, function: ast.AST, name: str) -> set[str]:
    """The modules whose submodules name runs over, when every binding of it is such a loop."""
    found = set()
    for iterable in facts.bindings(function).loop_sources(name) or ():
        if not (isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute)
                and iterable.func.attr in SUBMODULE_ITERATORS and dotted(iterable.func.value)):
            return set()
        found.add(dotted(iterable.func.value))
    return found


def _location(facts, node: ast.AST) -> str | None:
    """The storage an expression spells: a name or attribute path (`self.weight`), or an item of a
    named collection (`params[k]`, by its text)."""
    if isinstance(node, (ast.Name, ast.Attribute)):
        return dotted(node)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        return facts.text(node)
    return None


def _setup_only(facts, function: ast.AST) -> bool:
    """Is the function run only by setup code (`_modify_pcawt`, called and referenced only from
    `load_whitening_parameters`)?"""
    name = facts.symbols.qualname_of(function)
    return name is not None and facts.index.setup_only(name)


def built_here(facts, scope: ast.AST, target: ast.AST) -> bool:
    """Is `target` (a name or a holder expression: `fc`, `model._modules[name]`) assigned a
    call's result, a newly built module, in this function (`fc = self._generate_fc(...)`,
    `model._modules[name] = Layer(...)`)?"""
    if not isinstance(scope, FUNCTION_TYPES):
        return False
    text = ast.unparse(target)
    return any(isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and not container_call(node.value)
               and any(ast.unparse(t) == text for t in node.targets)
               for node in facts.tree.scope_nodes(scope)) or _element_of_built(facts, scope, target)


def _element_of_built(facts, scope: ast.AST, target: ast.AST) -> bool:
    """Is target a loop variable over modules this function builds (`chunks = [type(bn)(n) for n
    in sizes]`, then `for i, chunk in enumerate(chunks)`), at each of its bindings?"""
    table = facts.bindings(scope)
    sources = table.loop_sources(target.id) if isinstance(target, ast.Name) else None
    for iterable in sources or ():
        if isinstance(iterable, ast.Name):
            bindings = table.names.get(iterable.id, ())
            values = [b.value for b in bindings if b.binds]
            if not values or any(b.kind != "value" for b in bindings):
                return False
        else:
            values = [iterable]
        if not all(_builds_modules(value) for value in values):
            return False
    return bool(sources)


def _builds_modules(value: ast.AST | None) -> bool:
    """A list of calls' results made here: `[Layer(n) for n in sizes]`, `[Layer(a), Layer(b)]`."""
    def built(element):
        return isinstance(element, ast.Call) and not container_call(element)
    if isinstance(value, (ast.ListComp, ast.GeneratorExp)):
        return built(value.elt)
    return isinstance(value, (ast.List, ast.Tuple)) and bool(value.elts) and all(built(e) for e in value.elts)


def container_call(value: ast.AST | None) -> bool:
    """`dict(model.named_parameters())`, `list(...)`: a Python container of what exists (no module built)."""
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in CONTAINER_TYPES


def _optimizer_method(facts, function) -> bool:
    """A method of a `torch.optim.Optimizer` subclass that reads its state: it updates or swaps the
    weights it trains (schedule-free `eval()`/`train()`, Lookahead's slow weights)."""
    cls = facts.tree.parent(function)
    name = facts.symbols.qualname_of(cls) if isinstance(cls, ast.ClassDef) else None
    return name is not None and name in facts.index.optimizer_classes and _reads_optimizer_state(function)


def optimizer_step(function) -> bool:
    """An optimizer's `step` or update function: named so, and reading the optimizer's state."""
    return OPTIMIZER_STEP_NAME.match(function.name) is not None and _reads_optimizer_state(function)


def _run_only_by(facts, function: ast.AST, judge, depth: int = 0) -> bool:
    """Is every caller of the function a function of this file that `judge` accepts, or that is
    itself run only by such functions (TRPO's `_update_policy` -> `_line_search` ->
    `_replace_params_data`; `DCTAdam.step` calling `self._step_param(group, p)`)? Setup callers
    (`__init__`, `reset_parameters`) never count."""
    name = facts.symbols.qualname_of(function)
    callers = facts.index.local_callers(name, facts.module_name) if name is not None else None
    if not callers or depth > 3:
        return False
    by_name = facts.symbols.definitions_by_name
    for caller in set(callers):
        definition = by_name.get(caller) if caller != name else None
        if not isinstance(definition, FUNCTION_TYPES) or setup_function(definition):
            return False
        if not (judge(definition) or _run_only_by(facts, definition, judge, depth + 1)):
            return False
    return True


def _reads_optimizer_state(function) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr in ("param_groups", "state") for n in ast.walk(function))
