"""Training state (GL5): which functions put modules in eval or train mode, which clear
gradients, and which module classes compute differently in the two modes.

Per file, `summarize` gives plain data for the project summary:

- functions: qualified name -> `params` (positional parameter names), `eval` (module paths it
  leaves in eval mode on every path: a parameter name or `self.x`, put in eval mode by a
  statement that always runs, with no `.train()` anywhere in the function), `modes` (does it call
  `.eval()`/`.train()` on anything at all), `trains` (does it call `.train()` on anything),
  `clears` (does it clear gradients: `zero_grad`, `p.grad = None`, `p.grad.zero_()`, ...),
  `calls`: [call key, [[slot, path], ...], always] for each call (slot: position, keyword or
  "self"; path: what it hands over, a parameter or `self.`; always: the call runs on every path);
- classes: qualified name -> `sensitive` (it builds Dropout, BatchNorm, a Transformer layer, a
  recurrent layer with `dropout=`, calls `F.dropout`, or reads `self.training`), `parts` (project
  names it calls: its layer classes, its base classes), `opaque` (it builds or stores modules the
  analysis cannot see: a module handed to `__init__`, a factory from another package).

`TrainingStateIndex` answers across files, transitively through project calls:
`leaves_in_eval(key, slot, rest)`, `may_set_mode(key, which)`, `may_clear_gradients(key)`,
`mode_sensitive(class)`; the project index exposes them by the same names.
"""

from __future__ import annotations

import ast
import builtins
from typing import TypedDict

from gradlint.analysis.names import dotted
from gradlint.analysis.tree import FUNCTION_TYPES, LOOP_TYPES, block_of, is_false, keyword, walk
from gradlint.analysis.vocabulary import (
    ACCUMULATING_CONTEXTS,
    MODE_NEUTRAL_METHODS,
    OPTIMIZER_NAME,
    TENSOR_OP_METHODS,
    GRADIENT_CLEARING_NAME,
    GRADIENT_OVERWRITING_METHODS,
    MODE_SENSITIVE_FUNCTIONS,
    MODE_SENSITIVE_LAYERS,
    MODULE_CONTAINERS,
    RECURRENT_LAYERS,
)

MAX_DEPTH = 12
BUILTIN_NAMES = frozenset(dir(builtins))


# -- the summary's shape (plain JSON data; the cache checks entries against it) ---------


class FunctionState(TypedDict):
    params: list[str]  # positional parameters, in order
    eval: list[str]  # paths rooted at a parameter (or self) it always puts in eval mode
    modes: bool  # calls .eval()/.train() on anything
    trains: bool  # calls .train() (restores train mode)
    clears: bool  # clears gradients
    calls: list[tuple[str, list[tuple[int | str, str]], bool]]  # (call key, [slot, path], always runs)


class ClassState(TypedDict):
    sensitive: bool  # visibly has Dropout/BatchNorm-like layers or reads self.training
    opaque: bool  # has parts the analysis cannot see
    parts: list[str]  # project classes it is built from


class TrainingState(TypedDict):
    functions: dict[str, FunctionState]
    classes: dict[str, ClassState]


# -- what one call or statement does --------------------------------------------------


def mode_call(call: ast.Call) -> str | None:
    """'eval' for `m.eval()` / `m.train(False)`, 'train' for `m.train()` / `m.train(mode)`, else None."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    if func.attr == "eval" and not call.args and not call.keywords:
        return "eval"
    if func.attr == "train":
        arg = call.args[0] if call.args else keyword(call, "mode")
        return "eval" if arg is not None and is_false(arg) else "train"
    return None


def _through_grad(node: ast.AST) -> bool:
    """`p.grad`, `p.grad.data`: an expression whose chain goes through `.grad`."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        if isinstance(node, ast.Attribute) and node.attr == "grad":
            return True
        node = node.value
    return False


def clears_gradients(node: ast.AST) -> bool:
    """Does this node clear (or overwrite) gradients? `opt.zero_grad()`, `model.zero_grad()`,
    `zero_grad(set_to_none=True)`, `p.grad = None`, `del p.grad`, `p.grad.zero_()`, or a reference
    to a clearing method (`hooks.append(opt.zero_grad)`)."""
    kind = type(node)  # one test per node kind: this runs on every node of every function
    if kind is ast.Name:
        return GRADIENT_CLEARING_NAME.search(node.id) is not None
    if kind is ast.Attribute:
        return GRADIENT_CLEARING_NAME.search(node.attr) is not None
    if kind is ast.Call:
        func = node.func
        return type(func) is ast.Attribute and func.attr in GRADIENT_OVERWRITING_METHODS and _through_grad(func.value)
    if kind is ast.keyword:
        return node.arg == "set_to_none"
    if kind is ast.Assign or kind is ast.Delete:
        return any(_through_grad(t) for target in node.targets for t in ast.walk(target))
    if kind is ast.AugAssign or kind is ast.AnnAssign:
        return any(_through_grad(t) for t in ast.walk(node.target))
    return False


def unconditional(tree, node: ast.AST, container: ast.AST) -> bool:
    """Does node run every time container's body runs (no `if`, loop, `except`, short-circuit
    or conditional expression in between)?"""
    child = node
    for ancestor in tree.ancestors(node):
        if ancestor is container:
            return True
        if isinstance(ancestor, (ast.If, ast.IfExp, ast.BoolOp, ast.Match, *LOOP_TYPES, ast.comprehension,
                                 ast.ExceptHandler, *FUNCTION_TYPES, ast.Lambda, ast.ClassDef)):
            return False
        if isinstance(ancestor, ast.Try) and child not in ancestor.body and child not in ancestor.finalbody:
            return False
        child = ancestor
    return False


# -- per-file summary ----------------------------------------------------------------


def _parameters(function) -> list[str]:
    return [a.arg for a in [*function.args.posonlyargs, *function.args.args]]


def _rooted(path: str | None, names: set[str]) -> bool:
    return path is not None and path.split(".")[0] in names


def call_slots(call: ast.Call, names: set[str] | None = None) -> list[list]:
    """[slot, path] for each argument that is a dotted path (rooted at one of `names`, when given),
    and ["self", path] for the receiver of a `self.m()` call."""
    slots: list[list] = []
    for position, arg in enumerate(call.args):
        path = dotted(arg) if isinstance(arg, (ast.Name, ast.Attribute)) else None
        if path is not None and (names is None or _rooted(path, names)):
            slots.append([position, path])
    for kw in call.keywords:
        path = dotted(kw.value) if kw.arg and isinstance(kw.value, (ast.Name, ast.Attribute)) else None
        if path is not None and (names is None or _rooted(path, names)):
            slots.append([kw.arg, path])
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
        slots.append(["self", "self"])
    return slots


def _function_summary(tree, symbols, function) -> dict:
    from gradlint.analysis.project import call_key

    params = _parameters(function)
    names = set(params) | {"self"}
    evaluated, trained, modes, trains, clears, calls = set(), set(), False, False, False, []
    for node in walk(function):
        if clears_gradients(node):
            clears = True
        if not isinstance(node, ast.Call):
            continue
        mode = mode_call(node)
        if mode is not None:
            modes = True
            path = dotted(node.func.value)
            if mode == "train":
                trains = True
                if path is not None:
                    trained.add(path)
            elif _rooted(path, names) and unconditional(tree, node, function):
                evaluated.add(path)
            continue
        if tree.function_of(node) is not function:
            continue  # a nested function's calls are its own
        key = call_key(tree, symbols, node)
        if key is not None:
            calls.append([key, call_slots(node, names), unconditional(tree, node, function)])
    if trains:
        evaluated = set()  # restored somewhere (`model.train()` at the end, `model.train(was_training)`)
    if evaluated:  # a parameter bound anew (`model = copy.deepcopy(model)`) is no longer the caller's module
        rebound = {n.id for n in walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        evaluated = {path for path in evaluated if path.split(".")[0] not in rebound}
    return {"params": params, "eval": sorted(evaluated), "modes": modes, "trains": trains, "clears": clears, "calls": calls}


def layer_sensitivity(imports, call: ast.Call) -> bool | None:
    """True for a torch.nn layer (or function) that computes differently in train and eval mode,
    False for another torch.nn layer, None for anything else."""
    name = imports.qualname(call.func)
    if name is None or not name.startswith("torch."):
        return None
    if name in MODE_SENSITIVE_FUNCTIONS:
        return True
    if not name.startswith("torch.nn."):
        return None
    last = name.split(".")[-1]
    if not last[:1].isupper():
        return None
    if last in RECURRENT_LAYERS:
        dropout = keyword(call, "dropout")
        return dropout is not None and not (isinstance(dropout, ast.Constant) and not dropout.value)
    if MODE_SENSITIVE_LAYERS.match(last):
        if "Dropout" in last:
            p = call.args[0] if call.args else keyword(call, "p")
            return not (isinstance(p, ast.Constant) and p.value == 0)
        if "BatchNorm" in last:
            return not is_false(keyword(call, "track_running_stats"))
        return True
    return False


def _class_summary(tree, imports, symbols, cls: ast.ClassDef) -> dict:
    sensitive, opaque, parts = False, False, set()
    for base in cls.bases:
        name = imports.qualname(base)
        if name is not None and name.startswith("torch.nn."):
            last = name.split(".")[-1]
            if MODE_SENSITIVE_LAYERS.match(last):
                sensitive = True
            elif last not in ("Module", *MODULE_CONTAINERS):
                opaque = True
        else:
            resolved = symbols.resolve(base)
            if resolved is not None and name is None:
                parts.add(resolved)
            else:
                opaque = True  # a base from another package (PreTrainedModel, a framework's class)
    for node in walk(cls):
        if isinstance(node, ast.Attribute) and node.attr == "training" and isinstance(node.ctx, ast.Load):
            sensitive = True
        elif isinstance(node, ast.Call):
            verdict = layer_sensitivity(imports, node)
            if verdict:
                sensitive = True
            elif verdict is None:
                opaque |= _opaque_call(imports, symbols, tree, node, parts)
            if verdict is False and imports.qualname(node.func).split(".")[-1] in MODULE_CONTAINERS:
                opaque |= any(_handed_in(tree, arg) for arg in node.args)
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Attribute) for t in node.targets):
            opaque |= _handed_in(tree, node.value)
    return {"sensitive": sensitive, "opaque": opaque, "parts": sorted(parts)}


def _opaque_call(imports, symbols, tree, call: ast.Call, parts: set[str]) -> bool:
    """A call in a class body that may build a module the analysis cannot judge."""
    func = call.func
    if isinstance(func, ast.Name):
        scope = tree.scope_of(call)
        resolved = symbols.resolve(func, scope)
        if resolved is None:
            return func.id not in BUILTIN_NAMES and func.id not in symbols.local_names(scope)
        if imports.qualname(func) is None:
            parts.add(resolved)  # a project class or function
            return False
        return not resolved.startswith(("torch.", "math.", "numpy.", "functools.", "itertools.", "collections."))
    if isinstance(func, ast.Attribute):
        name = imports.qualname(func)
        if name is not None:
            return not name.startswith(("torch.", "math.", "numpy.", "functools.", "itertools.", "collections."))
        resolved = symbols.resolve(func)
        if resolved is not None:
            parts.add(resolved)
        return False  # a method of an object (`self._make_layer`, `x.view`): its own code is in view or no layer
    return True  # `getattr(nn, name)()`, `layer_cls(...)()`


def _handed_in(tree, value: ast.AST) -> bool:
    """A module handed to the class from outside: a parameter (or its elements) stored as an attribute."""
    function = tree.function_of(value)
    if function is None:
        return False
    params = set(_parameters(function)) | {a.arg for a in function.args.kwonlyargs} - {"self"}
    if function.args.vararg is not None:
        params.add(function.args.vararg.arg)
    node = value.value if isinstance(value, ast.Starred) else value
    if isinstance(node, (ast.List, ast.Tuple)):
        return any(_handed_in(tree, e) for e in node.elts)
    path = dotted(node) if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)) else None
    if isinstance(node, ast.Subscript):
        path = dotted(node.value) if isinstance(node.value, (ast.Name, ast.Attribute)) else None
    return path is not None and path.split(".")[0] in params and path.split(".")[0] != "self"


def summarize(tree, imports, symbols) -> TrainingState:
    functions, classes = {}, {}
    for definition, name in symbols.qualified.items():
        if isinstance(definition, FUNCTION_TYPES):
            functions[name] = _function_summary(tree, symbols, definition)
        elif isinstance(definition, ast.ClassDef):
            classes[name] = _class_summary(tree, imports, symbols, definition)
    return {"functions": functions, "classes": classes}


# -- across files ----------------------------------------------------------------------


class TrainingStateIndex:
    """The summaries of every file, answered through the project's call resolution."""

    def __init__(self, summaries: list[dict], resolve, methods_named, canonical):
        self._functions: dict[str, dict] = {}
        self._classes: dict[str, dict] = {}
        for summary in summaries:
            self._functions.update(summary.get("functions", {}))
            self._classes.update(summary.get("classes", {}))
        self._resolve = resolve  # call key -> qualified name
        self._methods_named = methods_named  # bare method name -> qualified methods
        self._canonical = canonical
        self._sensitivity: dict[str, bool | None] = {}
        self._answers: dict[tuple, dict[str, bool]] = {}

    def _targets(self, key: str) -> list[dict] | None:
        """The summaries a call key may run; None when one of them is not in the project."""
        if key.startswith("?"):
            names = sorted(self._methods_named(key[1:]))
        else:
            names = [self._resolve(key)]
        found = [self._functions.get(name) for name in names]
        return found if found and None not in found else None

    def leaves_in_eval(self, key: str, slot, rest: str, depth: int = 0) -> bool:
        """Does the call leave what the caller passed in `slot` (plus `rest`, `.backbone`) in eval mode?"""
        targets = self._targets(key) if depth < MAX_DEPTH else None
        if not targets:
            return False
        return all(self._leaves(target, slot, rest, depth) for target in targets)

    def _leaves(self, target: dict, slot, rest: str, depth: int) -> bool:
        if target["trains"]:
            return False
        for callee, slots, _ in target["calls"]:  # a helper that may put a module back in train mode
            if self.may_set_mode(callee, "train") if self._known(callee) else any(s != "self" for s, _ in slots):
                return False
        if slot == "self":
            path = "self"
        elif isinstance(slot, int):
            params = target["params"]
            offset = 1 if params[:1] in (["self"], ["cls"]) else 0
            if slot + offset >= len(params):
                return False
            path = params[slot + offset]
        else:
            path = slot
        path += rest
        if any(covers(e, path) for e in target["eval"]):
            return True
        # through a call it always makes: `validate(net)` runs `evaluate(net)`
        return any(covers(argument, path) and self.leaves_in_eval(key, slot, path[len(argument):], depth + 1)
                   for key, slots, always in target["calls"] if always for slot, argument in slots)

    def may_set_mode(self, key: str, which: str = "any") -> bool | None:
        """May the call put some module in eval or train mode (`which`: 'train' or 'any')? True when it
        (or a project function it calls, at any depth) does or hands a module of its own to code out
        of view; None when the called code itself is not in the project."""
        if self._targets(key) is None:
            return None

        def changes(target: dict) -> bool:
            if target["trains"] if which == "train" else target["modes"]:
                return True
            # hands a module of its own to code out of view (`self.x(...)` of no project method is a submodule)
            return any(not self._known(k) and any(slot != "self" for slot, _ in slots) for k, slots, _ in target["calls"])

        return self._reaches(key, ("mode", which), changes)

    def may_clear_gradients(self, key: str) -> bool | None:
        """Does the call (or a project function it calls, at any depth) clear gradients? None when the
        called code is not in the project."""
        if self._targets(key) is None:
            return None
        return self._reaches(key, ("clears",), lambda target: target["clears"])

    def _reaches(self, key: str, question: tuple, holds) -> bool:
        """Does `holds` hold for a summary the call may run, itself or through the project calls it
        makes (a walk over the call graph, each function once, cycles included)?"""
        memo = self._answers.setdefault(question, {})
        if key in memo:
            return memo[key]
        seen, pending, found = {key}, [key], False
        while pending and not found:
            for target in self._targets(pending.pop()) or ():
                if holds(target):
                    found = True
                    break
                for callee, _, _ in target["calls"]:
                    if callee not in seen:
                        seen.add(callee)
                        pending.append(callee)
        memo[key] = found
        return found

    def _known(self, key: str) -> bool:
        return self._targets(key) is not None

    def mode_sensitive(self, cls: str, depth: int = 0) -> bool | None:
        """True when the class (or a project class it builds or derives from) has a layer that
        computes differently in train and eval mode; False when every layer it builds is in view and
        none does; None when the analysis cannot tell (a module handed in, a factory out of view)."""
        cls = self._canonical(cls)
        if cls in self._sensitivity:
            return self._sensitivity[cls]
        self._sensitivity[cls] = None  # a cycle tells nothing
        found = self._classes.get(cls)
        if found is None or depth >= MAX_DEPTH:
            verdict = None
        elif found["sensitive"]:
            verdict = True
        else:
            verdicts = []
            for part in found["parts"]:
                part = self._canonical(part)
                if part in self._classes:
                    verdicts.append(self.mode_sensitive(part, depth + 1))
                elif part in self._functions:
                    verdicts.append(None)  # a project function that may build layers
            if True in verdicts:
                verdict = True
            elif found["opaque"] or None in verdicts:
                verdict = None
            else:
                verdict = False
        self._sensitivity[cls] = verdict
        return verdict


# -- queries on one file (FileFacts) -----------------------------------------------------


def owner_class(tree, scope: ast.AST) -> ast.ClassDef | None:
    """The class a method (or a function nested in one) belongs to."""
    parent = tree.parent(scope)
    return parent if isinstance(parent, ast.ClassDef) else tree.class_of(scope)


def covers(module_path: str, path: str) -> bool:
    """Does a mode set on module_path hold for path (itself or a submodule)?"""
    return path == module_path or path.startswith(module_path + ".")


def optimizer_steps(facts, container: ast.AST) -> list[tuple[ast.Call, ast.AST]]:
    """(call, optimizer expression) of each optimizer step in container: `opt.step()`,
    `self.optimizer.step()`, `scaler.step(opt)`. A step given a closure (`opt.step(closure)`,
    LBFGS) is left out: the closure computes, and clears, the gradients itself."""
    found = []
    for node in ast.walk(container):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "step"):
            continue
        receiver = dotted(node.func.value)
        if receiver is None or not (OPTIMIZER_NAME.search(receiver.split(".")[-1]) or receiver in facts.built_optimizers):
            continue
        if "scaler" in receiver.split(".")[-1].lower():
            if node.args and isinstance(node.args[0], (ast.Name, ast.Attribute)) and len(node.args) == 1 and not node.keywords:
                found.append((node, node.args[0]))
        elif not node.args and not node.keywords:
            found.append((node, node.func.value))
    return found


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
        region = scope
    else:
        region = owner_class(facts.tree, scope) or scope
    return any(clears_gradients(node) for node in ast.walk(region))


def accumulates_on_purpose(facts, loop: ast.AST) -> bool:
    """`with accelerator.accumulate(model):`, `with model.no_sync():` in the loop: the framework
    makes the step, and the clearing, conditional."""
    for node in ast.walk(loop):
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


def _roots_of(call: ast.Call) -> set[str]:
    """The names a call is handed (its arguments, its receiver), not what it gets computed from them."""
    roots = set()
    for arg in [*call.args, *(k.value for k in call.keywords)]:
        node = arg.value if isinstance(arg, ast.Starred) else arg
        path = dotted(node) if isinstance(node, (ast.Name, ast.Attribute)) else None
        if path is not None:
            roots.add(path.split(".")[0])
    if isinstance(call.func, ast.Attribute):
        path = dotted(call.func.value)
        if path is not None:
            roots.add(path.split(".")[0])
    return roots


def out_of_view_touches(facts, call: ast.Call, roots: set[str]) -> bool:
    """Is call code out of view (another package's, a callable the analysis cannot name) that is
    handed one of these objects (or called on one)? torch's own functions and the Module and
    optimizer API are in view: they never change a mode or clear gradients."""
    name = facts.imports.qualname(call.func)
    if name is not None and name.split(".")[0] == "torch":
        return False
    func = call.func
    if isinstance(func, ast.Attribute) and (func.attr in MODE_NEUTRAL_METHODS or func.attr in TENSOR_OP_METHODS):
        return False
    if isinstance(func, ast.Name) and func.id in BUILTIN_NAMES:
        return False
    return bool(_roots_of(call) & roots)


def project_key(facts, call: ast.Call) -> str | None:
    from gradlint.analysis.project import call_key

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
    call on anything, a project function that may, code out of view handed the module?"""
    root = {path.split(".")[0]}
    for call in calls_in(facts, scope, container):
        if mode_call(call) == "train":
            return True
        if facts.modules.is_forward(call) or mode_call(call) == "eval":
            continue
        key = project_key(facts, call)
        verdict = facts.index.may_set_mode(key, "train") if key is not None else None
        if verdict:
            return True
        if verdict is None and out_of_view_touches(facts, call, root):
            return True
    return False


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
        if name not in _roots_of(call):
            continue
        key = project_key(facts, call)
        verdict = facts.index.may_set_mode(key) if key is not None else None
        if verdict or (verdict is None and out_of_view_touches(facts, call, {name})):
            return True
    return False


_SELF_RETURNING = frozenset({"to", "cuda", "cpu", "float", "double", "half", "bfloat16", "requires_grad_", "share_memory"})


def built_sensitivity(facts, expr: ast.AST, scope: ast.AST | None = None, depth: int = 0) -> bool | None:
    """Does the module this expression builds compute differently in train and eval mode
    (`Net(...)`, `nn.Sequential(nn.Linear(...), nn.Dropout())`, `Net().to(device)`)?
    True, False (visibly not), None (the analysis cannot tell)."""
    if not isinstance(expr, ast.Call) or depth > 8:
        return None
    func = expr.func
    if isinstance(func, ast.Attribute) and func.attr in _SELF_RETURNING and isinstance(func.value, ast.Call):
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
    if isinstance(scope, FUNCTION_TYPES) and name in _parameters(scope) + [a.arg for a in scope.args.kwonlyargs]:
        return None
    values = []
    for node in facts.tree.scope_nodes(scope):
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store):
            parent = facts.tree.parent(node)
            if isinstance(parent, ast.Assign) and parent.targets == [node]:
                values.append(parent.value)
            elif isinstance(parent, ast.AnnAssign) and parent.value is not None:
                values.append(parent.value)
            else:
                return None
    return values or None


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
