"""Facts across files: per-file summaries merged into one project index, by qualified name.

A file's summary (plain data, cached with the file) says what it defines, the
calls it makes (resolved to qualified names where the analysis can: a function
of this file or an import, `self.m()`, `super().m()`, `Cls(...).m()` and
`x.m()` for `x = Cls(...)` in the same function; any other `obj.m()` may call
every method named `m`), its classes' bases, its imports (re-exports of a
package's `__init__`), and the grad-mode wrappers it defines: a decorator
factory returning `torch.no_grad()` or `torch.inference_mode()`, a module-level
`evaluating = torch.no_grad()`, a `@contextmanager` that yields inside a
grad-disabled block, a class whose `__enter__` calls `set_grad_enabled(False)`.

The index answers, by qualified name:
- `function_mode(q)`: the grad mode every call site of `q` runs with, transitively
  (a caller's mode is its own callers' mode, to a fixpoint; recursion ends);
  None when a site runs with grad, when `q` is passed around as a value, or
  when it has no call site (it is judged by its own body);
- `evaluated_paths(q)`: the `self.` module paths every call site of method `q` has put in
  eval mode, in evaluation code (a batch helper called only by an evaluation loop);
- `result_may_be_trained(q)`: does a call site keep `q`'s result with grad on outside
  evaluation code (its caller may backpropagate through it)?
- `wrapper_mode(key)`: the mode a project wrapper sets (`call:q` for `q()`, `bare:q` for `q`);
- `module_classes` / `lightning_classes`: qualified names of `nn.Module` and
  LightningModule subclasses, through any number of project classes;
- `uses_torch(module)`: does the module use torch, itself or through the
  project modules it imports.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cached_property

from gradlint.analysis.grad_mode import GradMode, GradModeResolver, LIGHTNING_BASES, context_effect, effect_of_mode, meet_modes
from gradlint.analysis.names import ImportTable
from gradlint.analysis.symbols import Symbols
from gradlint.analysis.tree import FUNCTION_TYPES, Tree
from gradlint.analysis import argument_effects, training_state
from gradlint.analysis.training_state import TrainingState
from gradlint.analysis.backward import backward_of
from gradlint.analysis.training import eval_calls_by_scope, setup_name, test_function_name
from gradlint.analysis.vocabulary import (
    CONTEXT_MANAGER_DECORATORS,
    GRAD_MODE_WORDS,
    GRADIENT_CUTTING_METHODS,
    MODULE_CLASS_ROOTS,
    NON_TENSOR_ATTRIBUTES,
)

# methods whose calls never reach a project function we could judge
UNINDEXED = frozenset({"forward", "__call__", "__init__", "backward", "step", "zero_grad", "eval", "train", "to", "item"})
MAYBE = "?"  # prefix of a call key whose receiver is unknown: `?evaluate` may be any method `evaluate`
MAX_ALIAS_STEPS = 20
NOTHING: frozenset[str] = frozenset()


@dataclass
class FileSummary:
    """What one file contributes to the project index (cacheable, plain data)."""

    module: str = ""
    uses_torch: bool = False
    defined: list[str] = field(default_factory=list)  # qualified names of functions and methods
    # (callee key, mode fixed at the site or None to inherit, enclosing function or None, project wrappers
    # around it, `self.` module paths in eval mode at a `self.m()` site in evaluation code, result kept)
    calls: list[tuple[str, str | None, str | None, list[str], list[str], bool]] = field(default_factory=list)
    # (call key, enclosing function or None) of each function used as a value
    referenced: list[tuple[str, str | None]] = field(default_factory=list)
    classes: dict[str, list[str]] = field(default_factory=dict)  # class -> base names (torch's or qualified)
    aliases: dict[str, str] = field(default_factory=dict)  # `module.name` -> what the import binds it to
    wrappers: dict[str, str] = field(default_factory=dict)  # wrapper key -> grad mode it sets
    decorators: dict[str, list[str]] = field(default_factory=dict)  # function -> project wrapper keys on it
    # methods that run a forward of their module -> [] when they do so themselves, else the method names
    # they call on their submodules (`self.encoder.forward_masks(x)`), any of which must run one
    forward_methods: dict[str, list[str]] = field(default_factory=dict)
    # module-level functions that only read their arguments -> project functions they call (argument_effects)
    readers: dict[str, list[str]] = field(default_factory=dict)
    training_state: TrainingState = field(default_factory=lambda: {"functions": {}, "classes": {}})  # GL5 facts

    def to_dict(self) -> dict:
        return dict(vars(self))

    @classmethod
    def from_dict(cls, data: dict) -> "FileSummary":
        summary = cls(**data)
        summary.calls = [tuple(c) for c in summary.calls]
        summary.referenced = [tuple(r) for r in summary.referenced]
        return summary


def wrapper_key(symbols: Symbols, expr: ast.AST, as_decorator: bool, scope: ast.AST | None = None) -> str | None:
    """`call:q` for `q(...)`, `bare:q` for `q` used as a decorator or context object."""
    if isinstance(expr, ast.Call):
        name = symbols.resolve(expr.func, scope)
        return f"call:{name}" if name else None
    if isinstance(expr, (ast.Name, ast.Attribute)):
        name = symbols.resolve(expr, scope)
        return f"bare:{name}" if name else None
    return None


# -- what one file contributes ----------------------------------------------------


def summarize(tree: Tree, imports: ImportTable, symbols: Symbols, text: str | None = None) -> FileSummary:
    """What this file adds to the project index. `text`, when given, lets a file that never
    names a grad-mode function skip the grad-mode resolution (all its call sites inherit)."""
    summary = FileSummary(module=symbols.module, uses_torch=imports.uses_torch())
    summary.aliases = {f"{symbols.module}.{local}" if symbols.module else local: target
                       for local, target in imports.everything.items()}
    # a wrapper names torch's grad mode in its own file: most files cannot define one
    names_grad_mode = text is None or any(word in text for word in GRAD_MODE_WORDS)
    summary.wrappers = _wrappers(tree, imports, symbols) if names_grad_mode else {}
    local_wrappers = summary.wrappers

    def project_effect(expr, as_decorator, scope):
        key = wrapper_key(symbols, expr, as_decorator, scope)
        mode = local_wrappers.get(key) if key else None
        return effect_of_mode(mode)

    resolver = None
    if names_grad_mode or local_wrappers:
        resolver = GradModeResolver(tree, imports, lambda function: None, project_effect)
    methods = set()
    for definition, name in symbols.qualified.items():
        if isinstance(definition, FUNCTION_TYPES):
            summary.defined.append(name)
            if isinstance(tree.parent(definition), ast.ClassDef):
                methods.add(definition.name)
            keys = [k for k in (wrapper_key(symbols, d, True, tree.scope_of(definition)) for d in definition.decorator_list)
                    if k and k not in local_wrappers and not _is_torch(imports, k)]
            if keys:
                summary.decorators[name] = keys
        elif isinstance(definition, ast.ClassDef):
            summary.classes[name] = [b for b in (_base_label(imports, symbols, base) for base in definition.bases) if b]
    summary.defined.sort()
    summary.forward_methods = _forward_methods(tree, symbols, resolver)
    summary.training_state = training_state.summarize(tree, imports, symbols)
    if summary.uses_torch:
        summary.readers = argument_effects.summarize(tree, imports, symbols)
    evaluating = _evaluating_sites(tree, imports)
    for call in tree.calls:
        key = call_key(tree, symbols, call)
        if key is None:
            continue
        enclosing = tree.function_of(call)
        if resolver is not None:
            mode = resolver.mode_at(call)
        else:
            mode = None if enclosing is not None else GradMode.ENABLED
        around = _project_contexts(tree, imports, symbols, call, local_wrappers)
        summary.calls.append((key, mode.value if mode is not None else None,
                              symbols.qualname_of(enclosing) if enclosing is not None else None, around,
                              evaluating(call), _result_kept(tree, call)))
    summary.referenced = sorted(_referenced(tree, symbols, methods), key=lambda r: (r[0], r[1] or ""))
    return summary


def _evaluating_sites(tree: Tree, imports: ImportTable):
    """For a `self.m()` call: the `self.` module paths its function put in eval mode before it,
    when that function runs no backward (evaluation code, as `training.evaluation_phase` reads
    it inside a function); else nothing."""
    eval_calls = eval_calls_by_scope(tree)
    trained = {tree.analysis_scope(call) for call in tree.calls if backward_of(imports, call) is not None}

    def paths(call: ast.Call) -> list[str]:
        func = call.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self"):
            return []
        scope = tree.analysis_scope(call)
        if not isinstance(scope, FUNCTION_TYPES) or scope in trained or scope.name == "training_step":
            return []
        position = (call.lineno, call.col_offset)
        return sorted({path for made, path in eval_calls.get(scope, ())
                       if path.startswith("self.") and (made.lineno, made.col_offset) < position})

    return paths


def _result_kept(tree: Tree, call: ast.Call) -> bool:
    """Is a call's result used, rather than thrown away or turned into a number or an array at once?"""
    current = call
    while True:
        parent = tree.parent(current)
        if isinstance(parent, ast.Expr):
            return False
        if not (isinstance(parent, ast.Attribute) and parent.value is current):
            return True
        if parent.attr in NON_TENSOR_ATTRIBUTES or parent.attr in GRADIENT_CUTTING_METHODS:
            return False
        method_call = tree.parent(parent)
        if not (isinstance(method_call, ast.Call) and method_call.func is parent):
            return True
        current = method_call  # `.mean()`, `.cpu()`: look at what the chain ends in


def _forward_methods(tree: Tree, symbols: Symbols, resolver) -> dict[str, list[str]]:
    """Methods (other than `forward`) that run a forward of their own module with grad on:
    `self(x)`, `self.forward(x)`, or `self.actor(x)` where `__init__` made `self.actor` by a
    constructor call (`get_action`, `encode`, `forward_masks`), mapped to []; and methods that
    call a method of such a submodule (`self.encoder.forward_masks(x)`), mapped to the names
    called, for the project index to judge."""
    found: dict[str, list[str]] = {}
    for cls in tree.classes:
        init = next((n for n in cls.body if isinstance(n, FUNCTION_TYPES) and n.name == "__init__"), None)
        built = set()
        for call in tree.calls_owned(init) if init is not None else ():
            node = tree.parent(call)
            if isinstance(node, ast.Assign) and node.value is call:
                for target in node.targets:
                    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                        built.add(target.attr)
        for method in cls.body:
            if not isinstance(method, FUNCTION_TYPES) or method.name == "forward" or method.name.startswith("__"):
                continue
            name = symbols.qualname_of(method)
            delegated: set[str] = set()
            for node in tree.calls_owned(method):
                own = _runs_own_module(node.func, built)
                called = _submodule_method(node.func, built)
                if not own and called is None:
                    continue
                mode = resolver.mode_at(node) if resolver is not None else None
                if mode is not None and mode.grad_off:
                    continue
                if own:
                    delegated = set()
                    break
                delegated.add(called)
            else:
                if not delegated:
                    continue
            if name:
                found[name] = sorted(delegated)
    return found


def _submodule_method(func: ast.AST, built: set[str]) -> str | None:
    """`m` of `self.encoder.m(...)` where `__init__` built `self.encoder`."""
    if isinstance(func, ast.Attribute) and not func.attr.startswith("__"):
        owner = func.value
        if isinstance(owner, ast.Attribute) and owner.attr in built and isinstance(owner.value, ast.Name) and owner.value.id == "self":
            return func.attr
    return None


def _runs_own_module(func: ast.AST, built: set[str]) -> bool:
    if isinstance(func, ast.Name):
        return func.id == "self"
    return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self" \
        and (func.attr == "forward" or func.attr in built)


def _is_torch(imports: ImportTable, key: str) -> bool:
    return key.split(":", 1)[1].split(".")[0] in ("torch", "contextlib", "functools")


def _base_label(imports: ImportTable, symbols: Symbols, base: ast.AST) -> str | None:
    name = imports.qualname(base) or symbols.resolve(base)
    if name is not None:
        return name
    if isinstance(base, ast.Name):
        return base.id
    if isinstance(base, ast.Attribute):
        return base.attr
    return None


def call_key(tree: Tree, symbols: Symbols, call: ast.Call) -> str | None:
    """The qualified name a call reaches, `?m` for a method of an unknown receiver, None for neither."""
    known = symbols.call_keys
    if call not in known:
        known[call] = _call_key(tree, symbols, call)
    return known[call]


def _call_key(tree: Tree, symbols: Symbols, call: ast.Call) -> str | None:
    func = call.func
    method = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    if method is None or method in UNINDEXED or method.startswith("__"):
        return None
    scope = tree.scope_of(call)
    if isinstance(func, ast.Name):
        return symbols.resolve(func, scope)
    receiver = func.value
    cls = tree.class_of(call)
    if isinstance(receiver, ast.Name) and receiver.id in ("self", "cls") and cls is not None:
        return f"{symbols.class_qualname(cls)}.{method}"
    if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Name) and receiver.func.id == "super" and cls is not None:
        return f"super:{symbols.class_qualname(cls)}.{method}"
    if isinstance(receiver, ast.Call):
        made = symbols.resolve(receiver.func, scope)
        if made is not None:
            return f"{made}.{method}"
    elif isinstance(receiver, ast.Name) and (binder := _binding_scope(tree, symbols, scope, receiver.id)) is not None:
        made = _constructed_class(tree, symbols, binder, receiver.id)
        if made is not None:
            return f"{made}.{method}"
    else:
        resolved = symbols.resolve(func, scope)
        if resolved is not None:
            return resolved  # `module.function()` through an import
    return MAYBE + method


def _binding_scope(tree: Tree, symbols: Symbols, scope: ast.AST, name: str) -> ast.AST | None:
    """The function that binds `name` as seen from `scope`: the scope itself, or for a closure
    (`def bar_update(...): pbar.update(n)` inside the function that made `pbar`) the nearest
    enclosing function that binds it; None at module level, when no function does, or when a
    `global` or `nonlocal` statement lets other code rebind it."""
    if any(name in declared.names for declared in tree.nodes(ast.Global, ast.Nonlocal)):
        return None
    while isinstance(scope, (*FUNCTION_TYPES, ast.Lambda)):
        if name in symbols.local_names(scope):
            return scope
        scope = tree.scope_of(scope)
    return None


def _constructed_class(tree: Tree, symbols: Symbols, scope: ast.AST, name: str) -> str | None:
    """The class of `name` when the scope's only assignment to it is `name = Cls(...)`."""
    made = None
    for node in tree.stores_owned(scope).get(name, ()):
        parent = tree.parent(node)
        if not (isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.value, ast.Call)):
            return None
        cls = symbols.resolve(parent.value.func, scope)
        if cls is None or made not in (None, cls):
            return None
        made = cls
    return made


def _project_contexts(tree: Tree, imports: ImportTable, symbols: Symbols, call: ast.Call, local: dict[str, str]) -> list[str]:
    """Keys of the project wrappers from other files around a call, up to its function's decorators."""
    keys = []
    for ancestor in tree.ancestors(call):
        if isinstance(ancestor, (ast.With, ast.AsyncWith)):
            for item in ancestor.items:
                key = wrapper_key(symbols, item.context_expr, False, tree.scope_of(ancestor))
                if key and key not in local and not _is_torch(imports, key) and context_effect(imports, item.context_expr) is None:
                    keys.append(key)
        elif isinstance(ancestor, (*FUNCTION_TYPES, ast.Lambda, ast.ClassDef)):
            break  # the function's own decorators are in `decorators`
    return keys


def _referenced(tree: Tree, symbols: Symbols, methods: set[str]) -> set[tuple[str, str | None]]:
    """(call key, enclosing function) of functions used as values (passed around, they may be
    called anywhere)."""
    keys = set()
    named = symbols.globals.keys() | symbols.imports.everything.keys()  # what a module-level name can resolve through
    for node in tree.nodes(ast.Name, ast.Attribute):
        parent = tree.parents.get(node)
        kind = type(node)
        if kind is ast.Name and node.id not in named:
            continue  # a local, a builtin or an unknown name: it resolves to nothing
        if not isinstance(node.ctx, ast.Load) or (type(parent) is ast.Call and parent.func is node):
            continue
        if type(parent) is ast.Attribute:
            continue  # `a.b` of `a.b.c`: the chain's end is what is used
        key = None
        if kind is ast.Attribute and node.attr in methods:
            cls = tree.class_of(node)
            if isinstance(node.value, ast.Name) and node.value.id == "self" and cls is not None:
                key = f"{symbols.class_qualname(cls)}.{node.attr}"
            else:
                key = MAYBE + node.attr
        else:
            key = symbols.resolve(node, tree.scope_of(node))
        if key is not None:
            enclosing = tree.function_of(node)
            keys.add((key, symbols.qualname_of(enclosing) if enclosing is not None else None))
    return keys


# -- user-defined grad-mode wrappers ------------------------------------------------------


def _wrappers(tree: Tree, imports: ImportTable, symbols: Symbols) -> dict[str, str]:
    """Wrapper key -> grad mode, for the grad-disabling wrappers this file defines."""
    found: dict[str, str] = {}
    for stmt in tree.module.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            mode = _grad_object(imports, stmt.value, {})
            if mode is not None:
                found[f"bare:{symbols.globals[stmt.targets[0].id]}"] = mode.value
    for definition, name in symbols.qualified.items():
        if isinstance(definition, FUNCTION_TYPES):
            call, bare = _function_wrapper(tree, imports, symbols, definition)
            if call is not None:
                found[f"call:{name}"] = call.value
            if bare is not None:
                found[f"bare:{name}"] = bare.value
        elif isinstance(definition, ast.ClassDef):
            mode = _class_wrapper(imports, definition)
            if mode is not None:
                found[f"call:{name}"] = mode.value
    return found


def _grad_object(imports: ImportTable, expr: ast.AST | None, nested: dict[str, GradMode]) -> GradMode | None:
    """The grad-off mode of an expression that makes a grad-mode object (`torch.no_grad()`,
    `(torch.inference_mode if new else torch.no_grad)()`, a nested decorator)."""
    if expr is None:
        return None
    if isinstance(expr, ast.IfExp):
        return meet_modes([_grad_object(imports, expr.body, nested), _grad_object(imports, expr.orelse, nested)])
    if isinstance(expr, ast.Name) and expr.id in nested:
        return nested[expr.id]
    if isinstance(expr, ast.Call):
        if isinstance(expr.func, ast.IfExp):
            return meet_modes([_grad_class(imports, expr.func.body), _grad_class(imports, expr.func.orelse)])
        effect = context_effect(imports, expr)
        if effect is not None:
            mode = effect(GradMode.ENABLED)
            return mode if mode.grad_off else None
    return None


def _grad_class(imports: ImportTable, expr: ast.AST) -> GradMode | None:
    """The grad-off mode of a grad-mode class named bare (`torch.no_grad`, `torch.inference_mode`)."""
    effect = context_effect(imports, expr, as_decorator=True)
    mode = effect(GradMode.ENABLED) if effect is not None else None
    return mode if mode is not None and mode.grad_off else None


def _returns(function) -> list[ast.AST | None]:
    found = []
    stack = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Return):
            found.append(node.value)
        elif not isinstance(node, (*FUNCTION_TYPES, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))
    return found


def _function_wrapper(tree: Tree, imports: ImportTable, symbols: Symbols, function) -> tuple[GradMode | None, GradMode | None]:
    """(mode of `f()` used as decorator or context, mode of `f` used as a decorator)."""
    decorators = {imports.resolve(d) or symbols.resolve(d) for d in function.decorator_list}
    if decorators & CONTEXT_MANAGER_DECORATORS:
        return _yields_under(tree, imports, function), None
    # nested decorators: `def decorate(fn): return torch.no_grad()(fn)` or a `wraps` wrapper running fn under no_grad
    nested: dict[str, GradMode] = {}
    for node in function.body:
        if isinstance(node, FUNCTION_TYPES):
            mode = _applies_grad_object(tree, imports, node)
            if mode is not None:
                nested[node.name] = mode
    returned = [r for r in _returns(function) if not (isinstance(r, ast.Constant) and r.value is None)]
    if returned and None not in returned:
        call = meet_modes([_grad_object(imports, r, nested) for r in returned])
        if call is not None:
            return call, None
    return None, _applies_grad_object(tree, imports, function)


def _applies_grad_object(tree: Tree, imports: ImportTable, function) -> GradMode | None:
    """Is `function(fn)` a decorator that runs fn with grad off? (`return torch.no_grad()(fn)`,
    or returns a wrapper whose body calls fn inside a grad-disabled `with`)"""
    args = function.args.args
    if len(args) != 1:
        return None
    parameter = args[0].arg
    returned = _returns(function)
    if not returned:
        return None
    modes = []
    for value in returned:
        if isinstance(value, ast.Name) and value.id == parameter and _only_with_grad_off(tree, imports, value):
            continue  # `if torch.is_inference_mode_enabled(): return fn`: already runs with grad off
        if isinstance(value, ast.Call) and len(value.args) == 1 and isinstance(value.args[0], ast.Name) and value.args[0].id == parameter:
            modes.append(_grad_object(imports, value.func, {}))
        elif isinstance(value, ast.Name):
            inner = next((n for n in function.body if isinstance(n, FUNCTION_TYPES) and n.name == value.id), None)
            modes.append(_runs_under(tree, imports, inner, parameter) if inner is not None else None)
        else:
            modes.append(None)
    return meet_modes(modes)


def _only_with_grad_off(tree: Tree, imports: ImportTable, node: ast.AST) -> bool:
    """Is node in the body of an `if` whose test requires grad to be off already
    (`torch.is_inference_mode_enabled()`, `not torch.is_grad_enabled()`)?"""
    child = node
    for ancestor in tree.ancestors(node):
        if isinstance(ancestor, FUNCTION_TYPES):
            return False
        if isinstance(ancestor, ast.If) and child in ancestor.body and _requires_grad_off(imports, ancestor.test):
            return True
        child = ancestor
    return False


def _requires_grad_off(imports: ImportTable, test: ast.AST) -> bool:
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(_requires_grad_off(imports, value) for value in test.values)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and isinstance(test.operand, ast.Call):
        return imports.qualname(test.operand.func) == "torch.is_grad_enabled"
    return isinstance(test, ast.Call) and imports.qualname(test.func) == "torch.is_inference_mode_enabled"


def _runs_under(tree: Tree, imports: ImportTable, wrapper, parameter: str) -> GradMode | None:
    """The grad-off mode every call of `parameter` inside wrapper runs in (None: some runs with grad)."""
    resolver = GradModeResolver(tree, imports, lambda function: None)
    modes = [resolver.mode_at(node) for node in ast.walk(wrapper)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == parameter]
    return meet_modes(modes) if modes else None


def _yields_under(tree: Tree, imports: ImportTable, function) -> GradMode | None:
    resolver = GradModeResolver(tree, imports, lambda function: None)
    yields = [n for n in tree.scope_nodes(function) if isinstance(n, (ast.Yield, ast.YieldFrom))]
    return meet_modes([resolver.mode_at(y) for y in yields]) if yields else None


def _class_wrapper(imports: ImportTable, cls: ast.ClassDef) -> GradMode | None:
    """A class whose instances disable grad: it subclasses `torch.no_grad`, or its `__enter__`
    calls `torch.set_grad_enabled(False)`."""
    for base in cls.bases:
        mode = _grad_class(imports, base)
        if mode is not None:
            return mode
    enter = next((n for n in cls.body if isinstance(n, FUNCTION_TYPES) and n.name == "__enter__"), None)
    if enter is None:
        return None
    for node in ast.walk(enter):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            mode = _grad_object(imports, node.value, {})
            if mode is not None and imports.qualname(node.value.func) == "torch.set_grad_enabled":
                return mode
    return None


# -- the index ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Site:
    """One call site of a project function, as the index keeps it (one per call in the project:
    slots and shared empty values keep a million-line project's index small)."""

    mode: str | None  # grad mode fixed at the site, or None: the enclosing function's
    enclosing: str | None  # qualified name of the function that makes the call
    around: tuple[str, ...]  # project grad-mode wrappers around the call
    evaluating: frozenset[str]  # `self.` module paths in eval mode there (evaluation code)
    kept: bool  # is the result used (not discarded, not made a number at once)?


class ProjectIndex:
    def __init__(self, summaries: list[FileSummary]):
        self.defined: set[str] = set()
        self._sites: dict[str, list[Site]] = {}
        self._referenced: set[str] = set()
        self._references: dict[str, list[str | None]] = {}  # call key -> enclosing function of each reference
        self._aliases: dict[str, str] = {}
        self._wrappers: dict[str, str] = {}
        self._decorators: dict[str, list[str]] = {}
        self._torch_modules: set[str] = set()
        self._imports: dict[str, set[str]] = {}
        self._methods: dict[str, set[str]] = {}  # bare method name -> qualified methods
        self._forward_delegates: dict[str, list[str]] = {}
        self._training_states: list[dict] = []
        self._readers: dict[str, list[str]] = {}
        self._canonical: dict[str, str] = {}  # what `canonical` found, per name
        bases: dict[str, set[str]] = {}
        for summary in summaries:
            self.defined.update(summary.defined)
            for key, enclosing in summary.referenced:
                self._referenced.add(key)
                self._references.setdefault(key, []).append(enclosing)
            self._aliases.update(summary.aliases)
            self._wrappers.update(summary.wrappers)
            self._decorators.update(summary.decorators)
            self._forward_delegates.update(summary.forward_methods)
            self._training_states.append(summary.training_state)
            self._readers.update(summary.readers)
            if summary.uses_torch:
                self._torch_modules.add(summary.module)
            self._imports.setdefault(summary.module, set()).update(summary.aliases.values())
            for callee, mode, enclosing, around, evaluating, kept in summary.calls:
                self._sites.setdefault(callee, []).append(
                    Site(mode, enclosing, tuple(around), frozenset(evaluating) if evaluating else NOTHING, kept))
            for name, labels in summary.classes.items():
                bases.setdefault(name, set()).update(labels)
        self._bases = bases
        for name in self.defined:
            owner = name.rpartition(".")[0]
            if owner in bases:
                self._methods.setdefault(name.rpartition(".")[2], set()).add(name)
        self._torch_users: dict[str, bool] = {}
        self.module_classes = self._subclasses(lambda label: label.startswith(MODULE_CLASS_ROOTS) and label.split(".")[-1][:1].isupper())
        self.lightning_classes = self._subclasses(lambda label: label in LIGHTNING_BASES)

    # -- names ---------------------------------------------------------------------

    def canonical(self, name: str) -> str:
        """Follow imports and re-exports to the definition a name refers to."""
        found = self._canonical.get(name)
        if found is None:
            found = self._canonical[name] = self._follow_aliases(name)
        return found

    def _follow_aliases(self, name: str) -> str:
        for _ in range(MAX_ALIAS_STEPS):
            if name in self.defined or name in self._bases or name in self._wrappers_by_name:
                return name
            target = self._aliases.get(name)
            if target is None:
                parts = name.split(".")
                for cut in range(len(parts) - 1, 0, -1):
                    prefix = ".".join(parts[:cut])
                    if prefix in self._aliases:
                        target = ".".join([self._aliases[prefix], *parts[cut:]])
                        break
                if target is None:
                    return name
            if target == name:
                return name
            name = target
        return name

    @cached_property
    def _wrappers_by_name(self) -> set[str]:
        return {k.split(":", 1)[1] for k in self._wrappers}

    def _method(self, cls: str, method: str, seen: frozenset = frozenset()) -> str | None:
        """`cls.method` looked up through the project's base classes."""
        if f"{cls}.{method}" in self.defined:
            return f"{cls}.{method}"
        for base in sorted(self._bases.get(cls, ())):
            base = self.canonical(base)
            if base in self._bases and base not in seen:
                found = self._method(base, method, seen | {cls})
                if found is not None:
                    return found
        return None

    def _callee(self, key: str) -> str:
        if key.startswith("super:"):
            cls, _, method = key[len("super:"):].rpartition(".")
            for base in sorted(self._bases.get(cls, ())):
                found = self._method(self.canonical(base), method)
                if found is not None:
                    return found
            return key
        name = self.canonical(key)
        if name not in self.defined:
            cls, _, method = name.rpartition(".")
            if cls in self._bases:
                return self._method(cls, method) or name
        return name

    @cached_property
    def _sites_by_callee(self) -> dict[str, list]:
        found: dict[str, list] = {}
        for key, sites in self._sites.items():
            found.setdefault(key if key.startswith(MAYBE) else self._callee(key), []).extend(sites)
        return found

    @cached_property
    def _referenced_names(self) -> set[str]:
        return {r if r.startswith(MAYBE) else self._callee(r) for r in self._referenced}

    def runs_forward(self, method: str) -> bool:
        """Does calling a module's method of this name run its forward? True when every project
        method of that name does (`agent.get_action(obs)` where `get_action` runs `self.actor(...)`)."""
        candidates = self._methods.get(method)
        return bool(candidates) and candidates <= self._forward_methods

    @cached_property
    def _forward_methods(self) -> frozenset[str]:
        """Methods that run a forward: directly, or through a submodule's method that does
        (kept while some name they call is run only by such methods, one of them direct)."""
        direct = {name for name, called in self._forward_delegates.items() if not called}
        found = set(self._forward_delegates)
        changed = True
        while changed:
            changed = False
            for name, called in self._forward_delegates.items():
                if name in found and called and not any(
                        (candidates := self._methods.get(m)) and candidates <= found and candidates & direct for m in called):
                    found.discard(name)
                    changed = True
        return frozenset(found)

    # -- grad mode -------------------------------------------------------------------

    def function_mode(self, name: str) -> GradMode | None:
        """DISABLED/INFERENCE when every call site of `name` runs with grad off; else None."""
        return self._function_modes.get(self.canonical(name))

    def entry_mode(self, function: str) -> GradMode | None:
        """The mode a function's body starts in: what its project decorators set, else its callers'.
        (Its torch decorators are read from its own file.)"""
        return self._decorated_mode(function) or self.function_mode(function)

    def _decorated_mode(self, function: str) -> GradMode | None:
        for key in self._decorators.get(function, ()):
            mode = self.wrapper_mode(key)
            if mode is not None:
                return mode
        return None

    def _call_sites(self, name: str) -> list | None:
        """The call sites that may run `name`; None when it is passed around as a value (it may be
        called anywhere) or has no call site (it is judged by its own body)."""
        bare = name.rpartition(".")[2]
        is_method = name in self._methods.get(bare, ())
        references = self._referenced_names
        if name in references or (is_method and MAYBE + bare in references):
            return None
        sites = list(self._sites_by_callee.get(name, ()))
        if is_method:
            sites += self._sites_by_callee.get(MAYBE + bare, ())
        return sites or None

    @cached_property
    def _function_modes(self) -> dict[str, GradMode]:
        """Every function's mode from its callers, to a fixpoint over the call graph.

        All start as "grad enabled"; a function turns grad-off once every call site is, and its
        callees are then looked at again. Modes only ever change from enabled to off, so this
        ends; a cycle with no caller outside it that disables grad stays enabled. (A worklist,
        not recursion: real call chains are deeper than Python's stack.)"""
        sites = {name: found for name in self.defined if (found := self._call_sites(name)) is not None}
        dependents: dict[str, set[str]] = {}
        for name, found in sites.items():
            for site in found:
                enclosing = site.enclosing
                if enclosing is not None and enclosing != name:
                    dependents.setdefault(self.canonical(enclosing), set()).add(name)
        modes: dict[str, GradMode] = {}
        pending = sorted(sites)
        queued = set(pending)
        while pending:
            name = pending.pop()
            queued.discard(name)
            mode = self._sites_mode(name, sites[name], modes)
            if mode is not None and modes.get(name) != mode:
                modes[name] = mode
                for dependent in dependents.get(name, ()):
                    if dependent not in queued:
                        queued.add(dependent)
                        pending.append(dependent)
        return modes

    def _sites_mode(self, callee: str, sites: list, modes: dict[str, GradMode]) -> GradMode | None:
        """The meet of the sites' modes (as `meet_modes`), ending at the first site with grad on:
        a method name shared with other objects (`?update`) has thousands of sites."""
        if not sites:
            return None
        inference = True
        for site in sites:
            mode = self._site_mode(callee, site, modes)
            if not mode.grad_off:
                return None
            inference = inference and mode is GradMode.INFERENCE
        return GradMode.INFERENCE if inference else GradMode.DISABLED

    def _site_mode(self, callee: str, site: Site, modes: dict[str, GradMode]) -> GradMode:
        mode, enclosing, around = site.mode, site.enclosing, site.around
        if mode is not None:
            found = GradMode(mode)
        elif enclosing is not None and enclosing != callee:
            enclosing = self.canonical(enclosing)
            found = self._decorated_mode(enclosing) or modes.get(enclosing) or GradMode.ENABLED
        else:
            found = GradMode.ENABLED
        if not found.grad_off:
            wrapped = [m for m in map(self.wrapper_mode, around) if m is not None]
            if wrapped:
                found = meet_modes(wrapped) or found
        return found

    # -- train and eval mode -----------------------------------------------------------

    def evaluated_paths(self, function: str) -> frozenset[str]:
        """The `self.` module paths every call site of a method puts in eval mode, in evaluation
        code (`_predict_batch` called only after `self.network.eval()` in code with no backward);
        empty when a site does not, or the method is passed around or never called."""
        sites = self._call_sites(self.canonical(function))
        if not sites:
            return frozenset()
        return frozenset.intersection(*(site.evaluating for site in sites))

    def result_may_be_trained(self, function: str) -> bool:
        """Does some call site keep the function's result, with grad on, outside evaluation code
        (so that its caller may backpropagate through it)?"""
        sites = self._call_sites(self.canonical(function)) or ()
        modes = self._function_modes
        return any(site.kept and not site.evaluating and not self._site_mode(function, site, modes).grad_off
                   for site in sites)

    def callers(self, function: str) -> list[str | None] | None:
        """The enclosing function (None: module level) of every call site that may run `function`;
        None when it is passed around as a value or never called."""
        sites = self._call_sites(self.canonical(function))
        return None if sites is None else [site.enclosing for site in sites]

    # -- setup code ------------------------------------------------------------------

    def setup_only(self, function: str) -> bool:
        """Is every call and every reference of the function in setup code (`__init__`,
        `reset_parameters`, `load_*`, ... or a function that is itself run only by setup code)?
        Uses in test code do not count against it: tests exercise setup code too."""
        return self.canonical(function) in self._setup_only

    def _uses(self, name: str) -> list[str | None]:
        """The enclosing function of every call and every reference that may run `name`."""
        bare = name.rpartition(".")[2]
        is_method = name in self._methods.get(bare, ())
        found = [site.enclosing for site in self._sites_by_callee.get(name, ())]
        found += self._references_by_callee.get(name, [])
        if is_method:
            found += [site.enclosing for site in self._sites_by_callee.get(MAYBE + bare, ())]
            found += self._references_by_callee.get(MAYBE + bare, [])
        return found

    @cached_property
    def _references_by_callee(self) -> dict[str, list[str | None]]:
        found: dict[str, list[str | None]] = {}
        for key, enclosing in self._references.items():
            found.setdefault(key if key.startswith(MAYBE) else self._callee(key), []).extend(enclosing)
        return found

    @cached_property
    def _setup_only(self) -> set[str]:
        """A worklist, like the grad modes: a function joins once all its users are setup code.
        A user is setup or test code by its name, or by having joined; a function used at module
        level or by itself never joins. Each function counts the users it still waits for."""
        by_name: dict[str, bool] = {}

        def named_setup(user: str) -> bool:
            found = by_name.get(user)
            if found is None:
                found = by_name[user] = setup_name(user.rpartition(".")[2]) or test_function_name(user)
            return found

        waiting: dict[str, int] = {}
        dependents: dict[str, list[str]] = {}
        ready: list[str] = []
        for name in self.defined:
            found = self._uses(name)
            if not found or None in found:
                continue
            users = {self.canonical(u) for u in found}
            if name in users:
                continue
            others = [u for u in users if not named_setup(u)]
            waiting[name] = len(others)
            for user in others:
                dependents.setdefault(user, []).append(name)
            if not others:
                ready.append(name)
        setup: set[str] = set()
        while ready:
            name = ready.pop()
            setup.add(name)
            for dependent in dependents.get(name, ()):
                waiting[dependent] -= 1
                if waiting[dependent] == 0:
                    ready.append(dependent)
        return setup

    # -- argument effects (analysis/argument_effects.py) ---------------------------------

    def reads_arguments_only(self, function: str) -> bool:
        """Does calling the function only read what it is given: no in-place update, no store,
        no call of anything that might do more (its project callees read only, too)?"""
        return self.canonical(function) in self._readers_closed

    @cached_property
    def _readers_closed(self) -> frozenset[str]:
        """The readers whose project callees are all readers, to a fixpoint (recursion stays in)."""
        callees = {name: [self.canonical(c) for c in found] for name, found in self._readers.items()}
        readers = set(callees)
        changed = True
        while changed:
            changed = False
            for name in list(readers):
                if any(c not in readers for c in callees[name]):
                    readers.discard(name)
                    changed = True
        return frozenset(readers)

    # -- training state (GL5: analysis/training_state.py) ----------------------------------

    @cached_property
    def _training_state(self) -> training_state.TrainingStateIndex:
        return training_state.TrainingStateIndex(
            self._training_states, self._callee, lambda method: self._methods.get(method, ()), self.canonical)

    def leaves_in_eval(self, key: str, slot, rest: str = "") -> bool:
        """Does a call leave the module passed in `slot` (a position, a keyword or "self"; `rest`: a
        submodule path below it) in eval mode on every path?"""
        return self._training_state.leaves_in_eval(key, slot, rest)

    def may_set_mode(self, key: str, which: str = "any") -> bool | None:
        """May a call put a module in eval or train mode ('train': in train mode)? None when out of view."""
        return self._training_state.may_set_mode(key, which)

    def may_clear_gradients(self, key: str) -> bool | None:
        """Does a call (or a project function it calls) clear gradients? None when out of view."""
        return self._training_state.may_clear_gradients(key)

    def mode_sensitive(self, cls: str) -> bool | None:
        """Has the class a Dropout/BatchNorm-like layer (True), visibly none (False), or out of view (None)?"""
        return self._training_state.mode_sensitive(cls)

    def wrapper_mode(self, key: str) -> str | None:
        """The grad mode a project wrapper sets: `call:q` for `q()`, `bare:q` for `q`."""
        kind, _, name = key.partition(":")
        found = self._wrappers.get(f"{kind}:{self.canonical(name)}")
        return GradMode(found) if found else None

    # -- classes and modules -----------------------------------------------------------

    def _subclasses(self, is_root) -> frozenset[str]:
        found: set[str] = set()
        labels = {name: {self.canonical(label) for label in labels} | labels for name, labels in self._bases.items()}
        changed = True
        while changed:
            changed = False
            for name, bases in labels.items():
                if name not in found and any(is_root(b) or b in found for b in bases):
                    found.add(name)
                    changed = True
        return frozenset(found)

    def uses_torch(self, module: str) -> bool:
        """Does the module use torch, itself or through project modules it imports (transitively)?"""
        if module not in self._torch_users:
            seen, pending = {module}, [module]
            while pending:
                current = pending.pop()
                if current in self._torch_modules or self._torch_users.get(current):
                    break
                for target in self._imports.get(current, ()):
                    imported = self._module_of(target)
                    if imported is not None and imported not in seen:
                        seen.add(imported)
                        pending.append(imported)
            else:
                self._torch_users[module] = False
                return False
            self._torch_users[module] = True
        return self._torch_users[module]

    def _module_of(self, target: str) -> str | None:
        """The project module an import target names or is in (`pkg.utils.f` -> `pkg.utils`)."""
        parts = target.split(".")
        for cut in range(len(parts), 0, -1):
            prefix = ".".join(parts[:cut])
            if prefix in self._imports:
                return prefix
        return None
