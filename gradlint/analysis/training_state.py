"""Training state (GL5): which functions put modules in eval or train mode, which clear
gradients, and which module classes compute differently in the two modes.

Per file, `summarize` gives plain data for the project summary, each function's and each
class's facts as compact JSON text (`FunctionState`, `ClassState`), decoded only when the
index is asked about them: a project holds tens of thousands and a run asks about a few:

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
import json
from typing import Annotated, TypedDict

from gradlint.analysis.names import dotted
from gradlint.analysis.tree import FUNCTION_TYPES, LOOP_TYPES, is_false, keyword, walk
from gradlint.analysis.vocabulary import (
    GRADIENT_CLEARING_NAME,
    GRADIENT_OVERWRITING_METHODS,
    MODE_NEUTRAL_LIBRARIES,
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


# a state kept as its JSON text (the cache checks that the text decodes to the state's shape)
FunctionText = Annotated[str, FunctionState]
ClassText = Annotated[str, ClassState]


class TrainingState(TypedDict):
    functions: dict[str, FunctionText]  # qualified name -> its FunctionState as JSON text
    classes: dict[str, ClassText]


def _packed(state: dict) -> str:
    return json.dumps(state, separators=(",", ":"))


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
        return any(type(target) is not ast.Name and any(_through_grad(t) for t in walk(target)) for target in node.targets)
    if kind is ast.AugAssign or kind is ast.AnnAssign:
        return type(node.target) is not ast.Name and any(_through_grad(t) for t in walk(node.target))
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


def positional_parameters(function) -> list[str]:
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


_CONTAINERS = (*FUNCTION_TYPES, ast.ClassDef)


class _Occurrences:
    """What the summaries look for, found in one pass over the file's indexed nodes and filed
    under every function and class that contains each node (a nested function's nodes count for
    the functions around it too, as when each body is walked whole)."""

    def __init__(self, tree):
        self.clearing: set[ast.AST] = set()  # functions with a gradient-clearing node
        self.mode_calls: dict[ast.AST, list[ast.Call]] = {}  # function -> `.eval()`/`.train()` calls in it
        self.own_calls: dict[ast.AST, list[ast.Call]] = {}  # function -> calls directly in its body
        self.class_nodes: dict[ast.AST, list[ast.AST]] = {}  # class -> its `.training` reads, calls, attribute stores
        chains: dict[ast.AST, list[ast.AST]] = {}  # function or class -> it and the ones around it, innermost first

        def around(node: ast.AST) -> list[ast.AST]:
            parent = tree.parent(node)
            while parent is not None and not isinstance(parent, _CONTAINERS):
                parent = tree.parent(parent)
            if parent is None:
                return []
            found = chains.get(parent)
            if found is None:
                found = chains[parent] = [parent, *around(parent)]
            return found

        for node in clearing_nodes(tree):
            self.clearing.update(a for a in around(node) if isinstance(a, FUNCTION_TYPES))
        for call in tree.calls:
            containers = around(call)
            functions = [a for a in containers if not isinstance(a, ast.ClassDef)]
            if mode_call(call) is not None:
                for function in functions:
                    self.mode_calls.setdefault(function, []).append(call)
            elif functions:
                self.own_calls.setdefault(functions[0], []).append(call)
            for cls in containers:
                if isinstance(cls, ast.ClassDef):
                    self.class_nodes.setdefault(cls, []).append(call)
        for node in tree.nodes(ast.Attribute, ast.Assign):
            if isinstance(node, ast.Attribute) and not (node.attr == "training" and isinstance(node.ctx, ast.Load)):
                continue
            if isinstance(node, ast.Assign) and not any(isinstance(t, ast.Attribute) for t in node.targets):
                continue
            for cls in around(node):
                if isinstance(cls, ast.ClassDef):
                    self.class_nodes.setdefault(cls, []).append(node)


def _function_summary(tree, symbols, function, found: _Occurrences) -> dict:
    from gradlint.analysis.call_keys import call_key

    params = positional_parameters(function)
    names = set(params) | {"self"}
    evaluated, trained, modes, trains, calls = set(), set(), False, False, []
    for node in found.mode_calls.get(function, ()):
        modes = True
        path = dotted(node.func.value)
        if mode_call(node) == "train":
            trains = True
            if path is not None:
                trained.add(path)
        elif _rooted(path, names) and unconditional(tree, node, function):
            evaluated.add(path)
    for node in found.own_calls.get(function, ()):
        key = call_key(tree, symbols, node)
        if key is not None:
            calls.append([key, call_slots(node, names), unconditional(tree, node, function)])
    if trains:
        evaluated = set()  # restored somewhere (`model.train()` at the end, `model.train(was_training)`)
    if evaluated:  # a parameter bound anew (`model = copy.deepcopy(model)`) is no longer the caller's module
        rebound = {n.id for n in walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        evaluated = {path for path in evaluated if path.split(".")[0] not in rebound}
    return {"params": params, "eval": sorted(evaluated), "modes": modes, "trains": trains,
            "clears": function in found.clearing, "calls": calls}


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


def _class_summary(tree, imports, symbols, cls: ast.ClassDef, found: _Occurrences) -> dict:
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
    for node in found.class_nodes.get(cls, ()):
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
    params = set(positional_parameters(function)) | {a.arg for a in function.args.kwonlyargs} - {"self"}
    if function.args.vararg is not None:
        params.add(function.args.vararg.arg)
    node = value.value if isinstance(value, ast.Starred) else value
    if isinstance(node, (ast.List, ast.Tuple)):
        return any(_handed_in(tree, e) for e in node.elts)
    path = dotted(node) if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)) else None
    if isinstance(node, ast.Subscript):
        path = dotted(node.value) if isinstance(node.value, (ast.Name, ast.Attribute)) else None
    return path is not None and path.split(".")[0] in params and path.split(".")[0] != "self"


OTHER_CLEARING_KINDS = (ast.Call, ast.keyword, ast.Assign, ast.Delete, ast.AugAssign, ast.AnnAssign)  # besides names


def clearing_nodes(tree) -> list[ast.AST]:
    """The file's nodes that clear gradients (`clears_gradients`), in one pass over its nodes
    (once per tree)."""
    return tree.memo(clearing_nodes, lambda: _clearing_nodes(tree))


def _clearing_nodes(tree) -> list[ast.AST]:
    # a file repeats its identifiers: each distinct one is matched once
    found = [node for name, nodes in tree.names_by_id.items() if GRADIENT_CLEARING_NAME.search(name) for node in nodes]
    attributes: dict[str, bool] = {}
    for node in tree.nodes(ast.Attribute):
        attr = node.attr
        clears = attributes.get(attr)
        if clears is None:
            clears = attributes[attr] = GRADIENT_CLEARING_NAME.search(attr) is not None
        if clears:
            found.append(node)
    found += [node for node in tree.nodes(*OTHER_CLEARING_KINDS) if clears_gradients(node)]
    return found


def summarize(tree, imports, symbols) -> TrainingState:
    functions, classes = {}, {}
    found = _Occurrences(tree)
    for definition, name in symbols.qualified.items():
        if isinstance(definition, FUNCTION_TYPES):
            functions[name] = _packed(_function_summary(tree, symbols, definition, found))
        elif isinstance(definition, ast.ClassDef):
            classes[name] = _packed(_class_summary(tree, imports, symbols, definition, found))
    return {"functions": functions, "classes": classes}


def covers(module_path: str, path: str) -> bool:
    """Does a mode set on module_path hold for path (itself or a submodule)?"""
    return path == module_path or path.startswith(module_path + ".")


# -- across files ----------------------------------------------------------------------


class TrainingStateIndex:
    """The summaries of every file, answered through the project's call resolution."""

    def __init__(self, summaries: list[TrainingState], resolve, methods_named, canonical):
        self._functions: dict[str, str | FunctionState] = {}  # JSON text until first asked
        self._classes: dict[str, str | ClassState] = {}
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
        found = [_decoded(self._functions, name) for name in names]
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
            if self._runs_forward(callee):
                continue
            if self.may_set_mode(callee, "train") if self._known(callee) else self._hands_out(callee, slots):
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

    def may_set_mode(self, key: str, which: str = "any", handing_out: bool = True) -> bool | None:
        """May the call put some module in eval or train mode (`which`: 'train' or 'any')? True when it
        (or a project function it calls, at any depth) does or, unless `handing_out` is False, hands
        a module of its own to code out of view; None when the called code itself is not in the project."""
        if self._targets(key) is None:
            return None

        def changes(target: dict) -> bool:
            if target["trains"] if which == "train" else target["modes"]:
                return True
            # hands a module of its own to code out of view (`self.x(...)` of no project method is a submodule)
            return handing_out and any(not self._known(k) and not self._runs_forward(k) and self._hands_out(k, slots)
                                       for k, slots, _ in target["calls"])

        return self._reaches(key, ("mode", which, handing_out), changes)

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
                    if callee not in seen and not self._runs_forward(callee):
                        seen.add(callee)
                        pending.append(callee)
        memo[key] = found
        return found

    def _known(self, key: str) -> bool:
        return self._targets(key) is not None

    def _runs_forward(self, key: str) -> bool:
        """Is the call a module's forward (`self.encoder(x)` of `self.encoder = Encoder()`, a torch
        layer)? A forward computes; like the forwards of a file's own code, it changes no mode and
        clears no gradients."""
        if key.startswith("?"):
            return False
        name = self._resolve(key)
        return name.endswith(".forward") or name.startswith("torch.nn.") and name.endswith(".__call__")

    def _hands_out(self, key: str, slots) -> bool:
        """Does a call to code out of view get a module it may change the mode of: an argument,
        to anything but a library that never changes modes (numpy, math, torch's functions and
        layers: `self.loss_fn(out, y)` of `self.loss_fn = nn.CrossEntropyLoss()`)?"""
        name = key if key.startswith("?") else self._resolve(key)
        return name.split(".")[0] not in MODE_NEUTRAL_LIBRARIES and any(slot != "self" for slot, _ in slots)

    def mode_sensitive(self, cls: str, depth: int = 0) -> bool | None:
        """True when the class (or a project class it builds or derives from) has a layer that
        computes differently in train and eval mode; False when every layer it builds is in view and
        none does; None when the analysis cannot tell (a module handed in, a factory out of view)."""
        cls = self._canonical(cls)
        if cls in self._sensitivity:
            return self._sensitivity[cls]
        self._sensitivity[cls] = None  # a cycle tells nothing
        found = _decoded(self._classes, cls)
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


def _decoded(states: dict, name: str) -> dict | None:
    """A function's or class's state, decoded from its JSON text the first time it is asked for."""
    state = states.get(name)
    if type(state) is str:
        state = states[name] = json.loads(state)
    return state
