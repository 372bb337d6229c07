"""What one file contributes to the project index: its summary, plain data cached with the file.

A file's summary says what it defines, the calls it makes and the functions it uses as
values (by their call keys, `call_keys`), its classes' bases, its imports (re-exports of a package's `__init__`), the
grad-mode wrappers it defines (a decorator factory returning `torch.no_grad()` or
`torch.inference_mode()`, a module-level `evaluating = torch.no_grad()`, a
`@contextmanager` that yields inside a grad-disabled block, a class whose
`__enter__` calls `set_grad_enabled(False)`), the methods that run a forward of
their module, the functions that only read their arguments (`argument_effects`)
and its training-state facts (`training_state`). `project` merges them.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field

from gradlint.analysis.bindings import Binding, assignments, root_name
from gradlint.analysis.call_keys import MAYBE, call_key, held_classes, referenced
from gradlint.analysis.frameworks import foreign_code
from gradlint.analysis.grad_mode import GradMode, GradModeResolver, context_effect, effect_of_mode, meet_modes
from gradlint.analysis.modules import named_like_a_module
from gradlint.analysis.names import ImportTable
from gradlint.analysis.symbols import Symbols
from gradlint.analysis.tree import FUNCTION_TYPES, Tree, is_none
from gradlint.analysis import argument_effects, training_state
from gradlint.analysis.training_state import TrainingState
from gradlint.analysis.backward import backward_of
from gradlint.analysis.reach import read_attributes
from gradlint.analysis.training import mode_calls_by_scope, retrained_between
from gradlint.analysis.vocabulary import (
    CONTEXT_MANAGER_DECORATORS,
    GRAD_MODE_WORDS,
    GRADIENT_CUTTING_METHODS,
    MODULE_SETUP_METHODS,
    NON_TENSOR_ATTRIBUTES,
    TENSOR_OP_METHODS,
    is_tensor_op,
)



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
    # class -> {attribute: the class every `self.attribute = X(...)` of its methods builds (torch's or qualified)}
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)  # `module.name` -> what the import binds it to
    wrappers: dict[str, str] = field(default_factory=dict)  # wrapper key -> grad mode it sets
    decorators: dict[str, list[str]] = field(default_factory=dict)  # function -> project wrapper keys on it
    # methods that run a forward of their module -> [] when they do so themselves, else the method names
    # they call on their submodules (`self.encoder.forward_masks(x)`), any of which must run one
    forward_methods: dict[str, list[str]] = field(default_factory=dict)
    # classes whose `forward` computes gradients itself (`torch.autograd.grad`, a backward), directly or through
    # the class's own methods: their forward raises under no_grad
    autograd_forwards: list[str] = field(default_factory=list)
    # classes whose `forward` may run its submodules with grad off by its own choice: a forward of them may
    # build no graph
    grad_off_forwards: list[str] = field(default_factory=list)
    # methods (not `__init__`) that store a tensor they make on their object (`self.ids = torch.vstack(...)`): called
    # under inference_mode, they keep an inference tensor that later training code may save for backward
    tensor_caching: list[str] = field(default_factory=list)
    # attribute names the file reads a value through (`reach.read_attributes`)
    read_attributes: list[str] = field(default_factory=list)
    # module-level functions that only read their arguments -> project functions they call (argument_effects)
    readers: dict[str, list[str]] = field(default_factory=dict)
    # readers that read only where a call leaves these arguments (constant defaults) out -> {argument: position}
    reader_guards: dict[str, dict[str, int]] = field(default_factory=dict)
    training_state: TrainingState = field(default_factory=lambda: {"functions": {}, "classes": {}})  # GL5 facts

    def to_dict(self) -> dict:
        return dict(vars(self))

    @classmethod
    def from_dict(cls, data: dict) -> "FileSummary":
        summary = cls(**data)
        summary.calls = [tuple(c) for c in summary.calls]
        summary.referenced = [tuple(r) for r in summary.referenced]
        return summary

    def to_json(self) -> str:
        """The summary as compact JSON text: how a run holds it between its passes (a tenth of the
        objects' memory) and how the cache stores it."""
        return json.dumps(self.to_dict(), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> "FileSummary":
        return cls.from_dict(json.loads(text))


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
    assigned = assignments(tree)
    summary.attributes = held_classes(tree, symbols)
    summary.forward_methods = _forward_methods(tree, symbols, resolver, assigned)
    summary.autograd_forwards = _autograd_forwards(tree, imports, symbols)
    summary.grad_off_forwards = _grad_off_forwards(tree, imports, symbols)
    summary.tensor_caching = _tensor_caching(tree, imports, symbols) if summary.uses_torch else []
    summary.read_attributes = sorted(read_attributes(tree, imports))
    summary.training_state = training_state.summarize(tree, imports, symbols)
    if summary.uses_torch:
        summary.readers, summary.reader_guards = argument_effects.summarize(tree, imports, symbols)
    evaluating = _evaluating_sites(tree, imports)
    foreign = foreign_code(tree, imports)
    for call in tree.calls:
        key = call_key(tree, symbols, call)
        if key is None or key.startswith(MAYBE) and call in foreign:
            continue  # `model.recognize(x)` in a Chainer branch calls a Chainer model's method
        enclosing = tree.function_of(call)
        if resolver is not None:
            mode = resolver.mode_at(call)
        elif enclosing is None:
            # module-level code runs at import with grad on; a lambda made there, whenever it is called
            mode = GradMode.UNKNOWN if isinstance(tree.scope_of(call), ast.Lambda) else GradMode.ENABLED
        else:
            mode = None
        around = _project_contexts(tree, imports, symbols, call, local_wrappers)
        summary.calls.append((key, mode.value if mode is not None else None,
                              symbols.qualname_of(enclosing) if enclosing is not None else None, around,
                              evaluating(call), _result_kept(tree, call)))
    summary.referenced = sorted(referenced(tree, symbols, methods), key=lambda r: (r[0], r[1] or ""))
    return summary


def _evaluating_sites(tree: Tree, imports: ImportTable):
    """For a `self.m()` call: the `self.` module paths its function put in eval mode before it,
    when that function runs no backward (evaluation code, as `training.evaluation_phase` reads
    it inside a function); else nothing."""
    mode_calls = mode_calls_by_scope(tree)
    trained = {tree.analysis_scope(call) for call in tree.calls if backward_of(imports, call) is not None}

    def paths(call: ast.Call) -> list[str]:
        func = call.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self"):
            return []
        scope = tree.analysis_scope(call)
        if not isinstance(scope, FUNCTION_TYPES) or scope in trained or scope.name == "training_step":
            return []
        position = (call.lineno, call.col_offset)
        scope_calls = mode_calls.get(scope, ())
        return sorted({path for made, path, mode in scope_calls
                       if mode == "eval" and path.startswith("self.") and (made.lineno, made.col_offset) < position
                       and not retrained_between(scope_calls, path, (made.lineno, made.col_offset), position)})

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


def _forward_methods(tree: Tree, symbols: Symbols, resolver, assigned) -> dict[str, list[str]]:
    """Methods (other than `forward`) that run a forward of their own module, or of a module their
    object holds, with grad on: `self(x)`, `self.forward(x)`, or `self.actor(x)` where `__init__`
    made `self.actor` by a constructor call or a method stored a module-named argument there
    (`get_action`, `encode`, `get_logits`), mapped to []; and methods that
    call a method of such a submodule (`self.encoder.forward_masks(x)`), mapped to the names
    called, for the project index to judge."""
    found: dict[str, list[str]] = {}
    # `self.x = X(...)` in the class's __init__, or `self.x = model` of a method's argument named like a module
    held: dict[ast.ClassDef, set[str]] = {}
    for (holder, path), bindings in assigned.items():
        if isinstance(holder, ast.ClassDef) and path.count(".") == 1 and any(
                _gives_module(tree, holder, b) for b in bindings):
            held.setdefault(holder, set()).add(path[len("self."):])
    for cls in tree.classes:
        built = held.get(cls, set())
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


def _autograd_forwards(tree: Tree, imports: ImportTable, symbols: Symbols) -> list[str]:
    """Classes whose `forward` computes gradients (`torch.autograd.grad(...)`, `x.backward()`),
    itself or through what it calls in this file: methods of the same class as `self.m(...)`,
    functions by name (a model whose loss holds a gradient penalty, a Hamiltonian sampler's
    leapfrog steps, a gradient-matching attack's `_weight_grad` closure)."""
    found = []
    for cls in tree.classes:
        methods = {m.name: m for m in cls.body if isinstance(m, FUNCTION_TYPES)}
        if "forward" not in methods:
            continue
        seen: set[int] = set()
        pending = [methods["forward"]]
        while pending:
            function = pending.pop()
            if id(function) in seen:
                continue
            seen.add(id(function))
            calls = tree.calls_owned(function)
            if any(backward_of(imports, call) is not None for call in calls):
                name = symbols.qualname_of(cls)
                if name:
                    found.append(name)
                break
            for call in calls:
                func = call.func
                if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
                    callee = methods.get(func.attr)
                elif isinstance(func, ast.Name):
                    resolved = symbols.resolve(func, tree.scope_of(call))
                    callee = symbols.definitions_by_name.get(resolved) if resolved else None
                else:
                    callee = None
                if isinstance(callee, FUNCTION_TYPES):
                    pending.append(callee)
    return sorted(found)


def _grad_off_forwards(tree: Tree, imports: ImportTable, symbols: Symbols) -> list[str]:
    """Classes whose `forward` may run its submodules with grad off by its own choice: it is
    decorated with no_grad or inference_mode, or an arm of an `if` in it turns grad off around a
    call of a submodule (a feature extractor's `if self.requires_grad: ... else: with
    torch.no_grad(): features = self.backbone(x)`). Whether a forward of such a module builds
    a graph depends on its state, which the analysis does not follow."""
    found = []
    blocks: dict[ast.AST, list[ast.With]] = {}
    for block in tree.nodes(ast.With):
        blocks.setdefault(tree.function_of(block), []).append(block)
    for cls in tree.classes:
        forward = next((m for m in cls.body if isinstance(m, FUNCTION_TYPES) and m.name == "forward"), None)
        if forward is None:
            continue
        decorated = any(_turns_grad_off(context_effect(imports, d, as_decorator=True)) for d in forward.decorator_list)
        if decorated or any(_conditional_grad_off(tree, imports, forward, w) for w in blocks.get(forward, ())):
            name = symbols.qualname_of(cls)
            if name:
                found.append(name)
    return sorted(found)


def _tensor_caching(tree: Tree, imports: ImportTable, symbols: Symbols) -> list[str]:
    """Methods (setup methods aside) whose own body stores on `self` (an attribute or an item of
    one) a value that makes a tensor there: a torch op or a tensor method (`torch.vstack(...)`,
    `ids.to(device)`), or what a method of the class that makes tensors returns
    (`self.ids = self._find_ids(...)`). What a method stores that it was handed was made by its
    caller, whose own region check sees it handed over."""
    stores: dict[ast.AST, list[ast.stmt]] = {}  # method -> its stores on self
    for node in tree.nodes(ast.Assign, ast.AugAssign, ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if node.value is None or not any(isinstance(t, (ast.Attribute, ast.Subscript)) and root_name(t) == "self" for t in targets):
            continue
        method = tree.function_of(node)
        if method is not None and isinstance(tree.parent(method), ast.ClassDef) and method.name not in MODULE_SETUP_METHODS:
            stores.setdefault(method, []).append(node)
    if not stores:
        return []
    found = []
    making_by_class: dict[ast.ClassDef, set[str]] = {}
    for method, nodes in stores.items():
        cls = tree.parent(method)
        if cls not in making_by_class:
            making_by_class[cls] = _making_methods(tree, imports, cls)
        making = making_by_class[cls]
        if any(_stores_made_tensor(imports, node.value, making) for node in nodes):
            name = symbols.qualname_of(method)
            if name:
                found.append(name)
    return sorted(found)


def _making_methods(tree: Tree, imports: ImportTable, cls: ast.ClassDef) -> set[str]:
    """The methods of a class that make tensors: with a torch op or tensor method in their body, or
    calling `self.m(...)` for such an m (to a fixpoint: `_find_ids` -> `self._top_words(...)`)."""
    methods = [m for m in cls.body if isinstance(m, FUNCTION_TYPES)]
    calls = {m.name: tree.calls_owned(m) for m in methods}
    making = {name for name, owned in calls.items() if any(_makes_tensor(imports, c) for c in owned)}
    called = {name: {c.func.attr for c in owned if isinstance(c.func, ast.Attribute)
                     and isinstance(c.func.value, ast.Name) and c.func.value.id == "self"} for name, owned in calls.items()}
    changed = True
    while changed:
        changed = False
        for name, targets in called.items():
            if name not in making and targets & making:
                making.add(name)
                changed = True
    return making


def _makes_tensor(imports: ImportTable, node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and (is_tensor_op(imports.qualname(node.func)) or isinstance(node.func, ast.Attribute)
                                           and node.func.attr in TENSOR_OP_METHODS)


def _stores_made_tensor(imports: ImportTable, value: ast.AST, making: set[str]) -> bool:
    for inner in ast.walk(value):
        if _makes_tensor(imports, inner):
            return True
        if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.func.attr in making \
                and isinstance(inner.func.value, ast.Name) and inner.func.value.id == "self":
            return True
    return False


def _turns_grad_off(effect) -> bool:
    return effect is not None and effect(GradMode.ENABLED).grad_off


def _conditional_grad_off(tree: Tree, imports: ImportTable, forward: ast.AST, block: ast.With) -> bool:
    """Is block a grad-disabling `with` of forward, in an arm of an `if` (or one whose item picks
    no_grad by a condition), around a call of a submodule (`self.backbone(x)`)?"""
    chosen = any(_picks_grad_off(tree, imports, forward, item.context_expr) for item in block.items)
    if not chosen:
        if not any(_turns_grad_off(context_effect(imports, item.context_expr)) for item in block.items):
            return False
        if not any(isinstance(a, ast.If) for a in tree.ancestors(block) if tree.function_of(a) is forward):
            return False
    return any(_submodule_call(node) for stmt in block.body for node in tree.walk(stmt))


def _picks_grad_off(tree: Tree, imports: ImportTable, forward: ast.AST, expr: ast.AST) -> bool:
    """`torch.no_grad() if not self.unfold else nullcontext()`, itself or as the one value of a local
    name of forward (`context = (...)`, then `with context:`): a condition picks no_grad."""
    if isinstance(expr, ast.Name):
        stores = tree.stores_owned(forward).get(expr.id, [])
        assigned = [tree.parent(s) for s in stores]
        if len(assigned) != 1 or not isinstance(assigned[0], ast.Assign) or assigned[0].targets != stores:
            return False
        expr = assigned[0].value
    return isinstance(expr, ast.IfExp) and any(_turns_grad_off(context_effect(imports, arm)) for arm in (expr.body, expr.orelse))


def _submodule_call(node: ast.AST) -> bool:
    """`self.x(...)` or `self.x.forward(...)`."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr == "forward":
        func = func.value
    return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self"


def _gives_module(tree: Tree, cls: ast.ClassDef, binding: Binding) -> bool:
    """Does this binding of a `self.x` give it a module: a constructor call in cls's own
    `__init__`, or an argument named like a module of one of cls's methods (`self.model = model`
    in `__init__` or in `set_model`)?"""
    method = tree.function_of(binding.node)
    if method is None or tree.parent(method) is not cls:
        return False
    value = binding.value
    if isinstance(value, ast.Call):
        return method.name == "__init__"
    return isinstance(value, ast.Name) and named_like_a_module(value.id) \
        and value.id in {a.arg for a in (*method.args.posonlyargs, *method.args.args, *method.args.kwonlyargs)}


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


def _returns(tree: Tree, function) -> list[ast.AST | None]:
    """What the function's own `return` statements return (None for a bare `return`)."""
    return [node.value for node in tree.scope_nodes(function) if type(node) is ast.Return]


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
    returned = [r for r in _returns(tree, function) if not is_none(r)]
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
    returned = _returns(tree, function)
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
