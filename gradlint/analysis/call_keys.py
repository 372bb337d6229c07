"""Call keys: what a call, or a use of a function as a value, reaches in the project.

A call's key is the qualified name it runs, resolved where one file can tell: a function of
this file or an import, `self.m()`, `super().m()`, `Cls(...).m()` and `x.m()` for `x =
Cls(...)` in the same function or the function a closure is in, a parameter only called in its
function through its default (`quantizer_cls=AwqQuantizer`); any other `obj.m()` may call every
method named `m` (`?m`). The summary lists every call site by key and every function used as a
value (passed on, it may be called anywhere); `project` joins them into the call graph.
"""

from __future__ import annotations

import ast

from gradlint.analysis.symbols import Symbols
from gradlint.analysis.bindings import assignments
from gradlint.analysis.tree import FUNCTION_TYPES, Tree, is_none, is_true, keyword
from gradlint.analysis.vocabulary import MODULE_SELF_RETURNING

# methods whose calls never reach a project function we could judge
UNINDEXED = frozenset({"forward", "__call__", "__init__", "backward", "step", "zero_grad", "eval", "train", "to", "item"})
# ... but for `forward` on a receiver whose class is known: a plain class's `forward` is its own method,
# called that way only (the index keeps such sites for plain classes alone, `ProjectIndex._sites_by_callee`)
KNOWN_RECEIVER_ONLY = frozenset({"forward"})
MAYBE = "?"  # prefix of a call key whose receiver is unknown: `?evaluate` may be any method `evaluate`


def call_key(tree: Tree, symbols: Symbols, call: ast.Call) -> str | None:
    """The qualified name a call reaches, `?m` for a method of an unknown receiver, None for neither."""
    known = symbols.call_keys
    if call not in known:
        known[call] = _call_key(tree, symbols, call)
    return known[call]


def _call_key(tree: Tree, symbols: Symbols, call: ast.Call) -> str | None:
    func = call.func
    method = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    if method in KNOWN_RECEIVER_ONLY and isinstance(func, ast.Attribute):
        key = _receiver_key(tree, symbols, call, method)
        return key if key is not None and not key.startswith(MAYBE) else None
    if method is None or method in UNINDEXED or method.startswith("__"):
        return None
    if isinstance(func, ast.Name):
        return symbols.resolve(func, tree.scope_of(call)) or _parameter_default(tree, symbols, tree.scope_of(call), func.id)
    return _receiver_key(tree, symbols, call, method)


def _receiver_key(tree: Tree, symbols: Symbols, call: ast.Call, method: str) -> str:
    """The key of `receiver.method(...)`: by the receiver's class where the file shows it."""
    func = call.func
    scope = tree.scope_of(call)
    receiver = func.value
    cls = tree.class_of(call)
    if isinstance(receiver, ast.Name) and receiver.id in ("self", "cls") and cls is not None:
        return f"{symbols.class_qualname(cls)}.{method}"
    if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Name) and receiver.func.id == "super" and cls is not None:
        return f"super:{symbols.class_qualname(cls)}.{method}"
    if isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name) and receiver.value.id == "self" \
            and cls is not None:
        held = held_classes(tree, symbols).get(symbols.class_qualname(cls), {}).get(receiver.attr)
        if held is not None and held != "torch.nn.Parameter":
            return f"{held}.{method}"  # `self.ensemble.forward(x)`, `self.ensemble = SnapshotEns(...)` in a method
    if isinstance(receiver, ast.Call):
        made = symbols.resolve(receiver.func, scope)
        if made is not None:
            return f"{made}.{method}"
    elif isinstance(receiver, ast.Name) and (made := constructed_class(tree, symbols, scope, receiver.id)) is not None:
        return f"{made}.{method}"
    elif isinstance(receiver, ast.Name) and receiver.id in tree.stores_owned(tree.module):
        pass  # a module-level object of no one known class: below
    else:
        resolved = symbols.resolve(func, scope)
        if resolved is not None:
            return resolved  # `module.function()` through an import
    return MAYBE + method


def _parameter_default(tree: Tree, symbols: Symbols, scope: ast.AST, name: str) -> str | None:
    """What a call of a parameter runs when the caller leaves it out: the project class or
    function its default names (`quantizer_cls=AwqQuantizer`, then `quantizer_cls(...)`), if the
    function only calls it. (A caller may pass another; the default's site is one of them.)"""
    if not isinstance(scope, FUNCTION_TYPES):
        return None
    default = next((d for a, d in _defaults(scope) if a.arg == name), None)
    if not isinstance(default, (ast.Name, ast.Attribute)) or not _only_called(tree, scope, name):
        return None
    return symbols.resolve(default, tree.scope_of(scope))


def _defaults(function: ast.AST) -> list[tuple[ast.arg, ast.expr]]:
    """(parameter, default) of each parameter of function that has one."""
    args = function.args
    positional = [*args.posonlyargs, *args.args]
    pairs = list(zip(positional[len(positional) - len(args.defaults):], args.defaults))
    return pairs + [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]


def _only_called(tree: Tree, function: ast.AST, name: str) -> bool:
    """Is every use of the name in function (nested code included) a call of it, and no code rebinds it?"""
    if tree.stores_owned(function).get(name):
        return False
    for node in tree.names_within(function):
        if node.id == name:
            parent = tree.parent(node)
            if not (isinstance(parent, ast.Call) and parent.func is node):
                return False
    return True


def _in_annotation(tree: Tree, node: ast.AST) -> bool:
    """Is node part of a parameter's, a return's or an assignment's annotation?"""
    child = node
    for ancestor in tree.ancestors(node):
        if isinstance(ancestor, ast.arg):
            return ancestor.annotation is child
        if isinstance(ancestor, (*FUNCTION_TYPES, ast.AnnAssign)):
            return child is (ancestor.returns if isinstance(ancestor, FUNCTION_TYPES) else ancestor.annotation)
        if isinstance(ancestor, ast.stmt):
            return False
        child = ancestor
    return False


def _called_default(tree: Tree, node: ast.AST) -> bool:
    """Is node the default of a parameter its function only calls? That use is the call's site."""
    holder = tree.parent(node)
    if not isinstance(holder, ast.arguments):
        return False
    function = tree.parent(holder)
    if not isinstance(function, FUNCTION_TYPES):
        return False
    parameter = next((a for a, d in _defaults(function) if d is node), None)
    return parameter is not None and _only_called(tree, function, parameter.arg)


def held_classes(tree: Tree, symbols: Symbols) -> dict[str, dict[str, str]]:
    """Class -> {attribute: X} where every assignment of `self.attribute` in the class's methods
    (but a `None` placeholder) is a call of the one class X (`self.loss_fn = nn.CrossEntropyLoss()`,
    `self.contrastive_loss = InfoNCELoss(t)`): calling `self.attribute(...)` runs X's instances,
    and `self.attribute.m(...)` X's `m`; `torch.nn.Parameter` for an attribute that is a parameter
    (not one made with `requires_grad=False`). What the file's summary says (`attributes`)."""
    return tree.memo("held_classes", lambda: _held_classes(tree, symbols))


def _held_classes(tree: Tree, symbols: Symbols) -> dict[str, dict[str, str]]:
    imports = symbols.imports
    found: dict[str, dict[str, str]] = {}
    for (holder, path), bindings in assignments(tree).items():
        if not isinstance(holder, ast.ClassDef) or path.count(".") != 1:
            continue
        # a placeholder `self.x = None` (set before the object is built) builds nothing
        kept = [b for b in bindings if not (b.kind == "value" and is_none(b.value))]
        values = [_unchained(b.value) if b.kind == "value" else None for b in kept]
        built = {imports.qualname(v.func) or symbols.resolve(v.func, tree.scope_of(b.node))
                 if isinstance(v, ast.Call) and not _frozen_parameter(imports, v) else None
                 for v, b in zip(values, kept)}
        name = symbols.qualname_of(holder)
        if name is not None and len(built) == 1 and None not in built:
            found.setdefault(name, {})[path[len("self."):]] = next(iter(built))
    return found


def _unchained(value: ast.AST | None) -> ast.AST | None:
    """`Decoder(...)` for `Decoder(...).to(device)`: module methods that hand back the module itself."""
    while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in MODULE_SELF_RETURNING \
            and isinstance(value.func.value, ast.Call):
        value = value.func.value
    return value


def _frozen_parameter(imports, call: ast.Call) -> bool:
    """`nn.Parameter(t, requires_grad=False)`: a tensor that needs no grad."""
    if imports.qualname(call.func) != "torch.nn.Parameter":
        return False
    flag = call.args[1] if len(call.args) > 1 else keyword(call, "requires_grad")
    return flag is not None and not is_true(flag)


def constructed_class(tree: Tree, symbols: Symbols, scope: ast.AST, name: str) -> str | None:
    """The class `name`, read in scope, was built from: every assignment to it in the scope that
    binds it is `name = Cls(...)` of one class (`observer = _ChannelObserver(...)`, then
    `observer.update(x)`). None when a `global` or `nonlocal` statement lets other code rebind it."""
    binder = _binding_scope(tree, symbols, scope, name)
    if binder is None:
        return None
    made = None
    for node in tree.stores_owned(binder).get(name, ()):
        parent = tree.parent(node)
        if not (isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.value, ast.Call)):
            return None
        func = parent.value.func
        if isinstance(func, ast.Attribute) and func.attr in MODULE_SELF_RETURNING and isinstance(func.value, ast.Name) \
                and func.value.id == name:
            continue  # `model = model.to(device)`: the same object
        cls = symbols.resolve(func, binder)
        if cls is None or made not in (None, cls):
            return None
        made = cls
    return made


def possible_classes(tree: Tree, symbols: Symbols, scope: ast.AST, name: str) -> set[str]:
    """The classes any binding of `name` may build it from: `name = Cls(...)`, or a pick from a
    table of classes (`models = {"a": A, "b": B}`, then `name = models[key](...)` or
    `models.get(key)(...)`). A question of what name may be: bindings it cannot read add nothing."""
    binder = _binding_scope(tree, symbols, scope, name)
    if binder is None:
        return set()
    found = set()
    for node in tree.stores_owned(binder).get(name, ()):
        parent = tree.parent(node)
        if not (isinstance(parent, ast.Assign) and isinstance(parent.value, ast.Call)):
            continue
        func = parent.value.func
        cls = symbols.resolve(func, binder)
        if cls is not None:
            found.add(cls)
            continue
        table = func.value if isinstance(func, ast.Subscript) else func.func.value if (
            isinstance(func, ast.Call) and isinstance(func.func, ast.Attribute) and func.func.attr == "get") else None
        if isinstance(table, ast.Name):
            for store in tree.stores_owned(binder).get(table.id, ()):
                made = tree.parent(store)
                if isinstance(made, ast.Assign) and isinstance(made.value, ast.Dict):
                    found.update(q for q in (symbols.resolve(v, binder) for v in made.value.values if v is not None) if q)
    return found


def _binding_scope(tree: Tree, symbols: Symbols, scope: ast.AST, name: str) -> ast.AST | None:
    """The scope that binds `name` as seen from `scope`: the function itself, for a closure
    (`def bar_update(...): pbar.update(n)` inside the function that made `pbar`) the nearest
    enclosing function that binds it, else the module when its own code stores it; None when
    none does, or when a `global` or `nonlocal` statement lets other code rebind it."""
    if any(name in declared.names for declared in tree.nodes(ast.Global, ast.Nonlocal)):
        return None
    while isinstance(scope, (*FUNCTION_TYPES, ast.Lambda)):
        if name in symbols.local_names(scope):
            return scope
        scope = tree.scope_of(scope)
    return tree.module if name in tree.stores_owned(tree.module) else None


def referenced(tree: Tree, symbols: Symbols, methods: set[str]) -> set[tuple[str, str | None]]:
    """(call key, enclosing function) of functions used as values (passed around, they may be
    called anywhere)."""
    keys = set()
    named = symbols.globals.keys() | symbols.imports.everything.keys()  # what a module-level name can resolve through
    roots = named | {d.name for d in symbols.qualified if isinstance(d, (*FUNCTION_TYPES, ast.ClassDef))}  # and nested ones
    for node in tree.nodes(ast.Name, ast.Attribute):
        parent = tree.parents.get(node)
        kind = type(node)
        if kind is ast.Name and node.id not in named:
            continue  # a local, a builtin or an unknown name: it resolves to nothing
        if not isinstance(node.ctx, ast.Load) or (type(parent) is ast.Call and parent.func is node):
            continue
        if type(parent) is ast.Attribute:
            continue  # `a.b` of `a.b.c`: the chain's end is what is used
        if type(parent) is ast.arguments and _called_default(tree, node):
            continue  # `cls=Quantizer`, then `cls(...)`: a call site (`_parameter_default`), not a value passed on
        key = None
        if kind is ast.Attribute and node.attr in methods:
            cls = tree.class_of(node)
            if isinstance(node.value, ast.Name) and node.value.id == "self" and cls is not None:
                key = f"{symbols.class_qualname(cls)}.{node.attr}"
            else:
                key = MAYBE + node.attr
        else:
            if kind is ast.Attribute:
                root = node.value
                while type(root) is ast.Attribute:
                    root = root.value
                if type(root) is not ast.Name or root.id not in roots:
                    continue  # `self.cache`, `x.shape`: no definition or import to resolve through
            key = symbols.resolve(node, tree.scope_of(node))
        if key is not None and not _in_annotation(tree, node):  # a type hint names a class; it passes nothing on
            enclosing = tree.function_of(node)
            keys.add((key, symbols.qualname_of(enclosing) if enclosing is not None else None))
    return keys
