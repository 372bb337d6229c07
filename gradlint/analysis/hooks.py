"""Forward hooks: which functions are hooks, and what they store that outlives the call.

A hook is found from its registration (`register_forward_hook`,
`register_forward_pre_hook`, the full backward hooks, the global
`register_module_forward_hook`), resolving plain functions, closures returned
by a factory (`get_activation(name)`), bound methods, lambdas and
`functools.partial`; or, when never registered in the file, by its shape: a
function named like a hook taking `(module, input, output)`.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cached_property

from gradlint.analysis.bindings import root_name
from gradlint.analysis.names import dotted
from gradlint.analysis.reach import ESCAPE, KEPT, UNKNOWN, live_paths
from gradlint.analysis.call_keys import constructed_class
from gradlint.analysis.tree import FUNCTION_TYPES, assigned_names, is_true, keyword
from gradlint.analysis.vocabulary import (
    BACKWARD_HOOK_REGISTRATIONS,
    CONTAINER_MUTATORS,
    DETACH_METHODS,
    FORWARD_HOOK_REGISTRATIONS,
    GRAPH_CUTTING_METHODS,
    GRAPH_KEEPING_METHODS,
    METADATA_ATTRIBUTES,
    SHAPE_ATTRIBUTES,
    is_tensor_op,
)

OUTPUT_NAMES = re.compile(r"^(output|outputs|out|outs|o|y|result|res|feat|feats|features|activation|act)$")


@dataclass(frozen=True)
class Hook:
    function: ast.AST  # FunctionDef or Lambda
    kind: str  # forward, pre, backward, backward-pre
    tensors: tuple[str, ...]  # parameter names that receive tensors carrying the forward's graph


@dataclass(frozen=True)
class Store:
    hook: Hook
    statement: ast.stmt
    value: ast.AST  # the stored expression
    container: str  # the path stored into (`activations`, `self.feats`)


def _detached(value: ast.AST) -> bool:
    """Is the stored value a detached copy (`out.detach()`, `out.cpu().detach()`)?"""
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in DETACH_METHODS
               for n in ast.walk(value))


def _metadata_read(tree, name: ast.Name, tensors: set[str]) -> bool:
    """Is this use of a tensor (or of an item of a tuple of them) only of its metadata:
    `inputs[0].shape`, `out.dtype`, `out.size(1)`, `len(inputs)`? Taking an item under the
    same kind of name (`input = input[0]`) passes too: its own reads are checked in turn."""
    if isinstance(name.ctx, ast.Store):
        parent = tree.parent(name)
        return (isinstance(parent, ast.Assign) and parent.targets == [name]
                and _item_of(parent.value, tensors))
    node = name
    parent = tree.parent(node)
    while isinstance(parent, ast.Subscript) and parent.value is node:
        node, parent = parent, tree.parent(parent)
    if isinstance(parent, ast.Call) and parent.args == [node] and not parent.keywords:
        return isinstance(parent.func, ast.Name) and parent.func.id == "len"
    if isinstance(parent, ast.Assign) and parent.value is node and node is not name:
        return len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name) and parent.targets[0].id in tensors
    if not (isinstance(parent, ast.Attribute) and parent.value is node):
        return False
    return parent.attr in METADATA_ATTRIBUTES or parent.attr in SHAPE_ATTRIBUTES


def _item_of(value: ast.AST, tensors: set[str]) -> bool:
    """Is value an item of one of these names (`inputs[0]`, `outputs[0][1]`)?"""
    if not isinstance(value, ast.Subscript):
        return False
    while isinstance(value, ast.Subscript):
        value = value.value
    return isinstance(value, ast.Name) and value.id in tensors


def _self_call(call: ast.Call) -> bool:
    func = call.func
    return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self"


def _positional(function) -> list[str]:
    args = function.args
    names = [a.arg for a in [*args.posonlyargs, *args.args]]
    if names and names[0] in ("self", "cls") and isinstance(function, FUNCTION_TYPES):
        names = names[1:]
    return names


class HookFacts:
    def __init__(self, facts):
        self.facts = facts
        self.tree = facts.tree

    # -- finding hooks -----------------------------------------------------------

    @cached_property
    def hooks(self) -> list[Hook]:
        return list(self._found[0].values())

    def registered_in(self, scope) -> list[Hook]:
        """Hooks whose registration call is directly in scope."""
        return [hook for hook, where in self._found[1] if where is scope]

    @cached_property
    def _found(self):
        found: dict[int, Hook] = {}
        registrations = []
        calls = []  # (hook, its registration call)
        create_graph = any(is_true(keyword(c, "create_graph")) for c in self.tree.calls)
        for call in self.tree.calls:
            method = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)
            kind = FORWARD_HOOK_REGISTRATIONS.get(method) or BACKWARD_HOOK_REGISTRATIONS.get(method)
            if kind is None or (kind.startswith("backward") and not create_graph):
                continue
            target = call.args[0] if call.args else keyword(call, "hook")
            if target is None:
                continue
            resolved = self._resolve(target, call, 0)
            if resolved is None:
                continue
            function, offset = resolved
            hook = self._hook(function, kind, offset)
            if hook is not None:
                found[id(function)] = hook
                registrations.append((hook, self.facts.flow.analysis_scope(call)))
                calls.append((hook, call))
        for function in self.tree.functions:
            if id(function) in found or "hook" not in function.name.lower():
                continue
            names = _positional(function)
            if len(names) == 3 and OUTPUT_NAMES.match(names[2]):
                found[id(function)] = Hook(function, "forward", (names[1], names[2]))
        return found, registrations, calls

    def records_no_activations(self, hooks: list[Hook]) -> bool:
        """Do these hooks read their tensor arguments for metadata at most (`modules.append(module)`,
        `shapes.append(tuple(inputs[0].shape))`, `order.append(id(module))`)? Such hooks record
        which modules ran and how, no activation: a forward run for them is no feature extraction."""
        if not hooks:
            return False
        for hook in hooks:
            if not self._reads_metadata_only(hook.function, set(hook.tensors), 0):
                return False
        return True

    def _reads_metadata_only(self, function: ast.AST, tensors: set[str], depth: int) -> bool:
        """Does function read these parameters of its for metadata at most, itself or in the method
        of its class it hands them to (`return self.update_compute_cost(module, inputs, output)`,
        which reads `output.shape`)?"""
        if isinstance(function, ast.Lambda) or function.args.vararg or function.args.kwarg:
            return False
        for name in self.tree.names_within(function):
            if name.id not in tensors or _metadata_read(self.tree, name, tensors):
                continue
            call = self.tree.parent(name)
            if depth >= 2 or not isinstance(call, ast.Call) or name not in call.args or call.keywords \
                    or not _self_call(call):
                return False
            methods = self.facts.self_call_definitions(call)  # every definition it may run, in this file
            position = call.args.index(name)
            if not methods or not all(
                    method is not None and position < len(_positional(method))
                    and self._reads_metadata_only(method, {_positional(method)[position]}, depth + 1)
                    for method in methods):
                return False
        return True

    def _fires_without_grad(self, hook: Hook) -> bool:
        """Do the hook's modules run only with grad off: it is registered (only) on a module
        built in that function (`vgg16 = models.vgg16()`, `vgg16.features[20].register_...`),
        that module never leaves the function, and every forward of it there runs under no_grad
        or inference_mode? Then nothing the hook receives carries a graph."""
        registrations = [call for registered, call in self._found[2] if registered is hook]
        if not registrations or not isinstance(hook.function, ast.AST):
            return False
        facts = self.facts
        scopes = {facts.flow.analysis_scope(call) for call in registrations}
        roots = {root_name(call.func.value) for call in registrations if isinstance(call.func, ast.Attribute)}
        if len(scopes) != 1 or len(roots) != 1 or None in roots or len(registrations) != len(
                [c for c in registrations if isinstance(c.func, ast.Attribute)]):
            return False
        scope, root = next(iter(scopes)), next(iter(roots))
        if not isinstance(scope, FUNCTION_TYPES) or root == "self":
            return False
        bindings = [b for b in facts.bindings(scope).names.get(root, ()) if b.binds]
        if not bindings or not all(b.kind == "value" and isinstance(b.value, ast.Call) for b in bindings):
            return False  # an argument, or bound another way: callers may run it with grad
        fate = facts.flow.path_fate(root, scope)
        if fate.escapes or fate.kept or fate.unknown or fate.reaches_backward:
            return False
        forwards = [call for call in facts.modules.forwards if facts.flow.analysis_scope(call) is scope
                    and root_name(facts.modules.callee(call)) == root]
        return bool(forwards) and all(facts.grad_mode_at(call).grad_off for call in forwards)

    def _hook(self, function, kind: str, offset: int) -> Hook | None:
        names = _positional(function)[offset:]
        if kind == "forward" and len(names) >= 3:
            return Hook(function, kind, (names[1], names[-1]))
        if kind == "pre" and len(names) >= 2:
            return Hook(function, kind, (names[1],))
        if kind.startswith("backward") and len(names) >= 2:
            return Hook(function, kind, tuple(names[1:3]))
        return None

    def _resolve(self, expr, at, offset: int, depth: int = 0):
        """(function node, number of arguments already bound) for a hook expression."""
        if depth > 4:
            return None
        if isinstance(expr, ast.Lambda):
            return expr, offset
        if isinstance(expr, ast.Name):
            function = self._function_named(expr.id, at)
            return (function, offset) if function is not None else None
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id == "self":
            cls = self.tree.class_of(at)
            if cls is not None:
                for item in cls.body:
                    if isinstance(item, FUNCTION_TYPES) and item.name == expr.attr:
                        return item, offset
            return None
        if isinstance(expr, ast.Call):
            if self.facts.imports.qualname(expr.func) == "functools.partial" or (isinstance(expr.func, ast.Name) and expr.func.id == "partial"):
                if expr.args:
                    return self._resolve(expr.args[0], at, offset + len(expr.args) - 1 + 0, depth + 1)
                return None
            factory = self._resolve(expr.func, at, 0, depth + 1)
            if factory is None or not isinstance(factory[0], FUNCTION_TYPES):
                return None
            for node in self.tree.scope_nodes(factory[0]):
                if isinstance(node, ast.Return) and node.value is not None:
                    returned = node.value
                    if isinstance(returned, ast.Lambda):
                        return returned, offset
                    if isinstance(returned, ast.Name):
                        for item in ast.walk(factory[0]):
                            if isinstance(item, FUNCTION_TYPES) and item.name == returned.id and item is not factory[0]:
                                return item, offset
            return None
        return None

    def _function_named(self, name: str, at):
        scope = self.tree.scope_of(at)
        candidates = [f for f in self.tree.functions if f.name == name]
        while True:
            for function in candidates:
                if self.tree.scope_of(function) is scope or (isinstance(scope, ast.Module) and self.tree.parent(function) is scope):
                    return function
            if isinstance(scope, ast.Module):
                break
            scope = self.tree.scope_of(scope)
        return candidates[0] if len(candidates) == 1 else None

    # -- what hooks store ------------------------------------------------------------

    def stores(self, hook: Hook) -> list[Store]:
        """Stores of graph-carrying values into things that outlive the call."""
        if self._fires_without_grad(hook):
            return []
        if isinstance(hook.function, ast.Lambda):
            return self._lambda_stores(hook)
        facts = self.facts
        graph = self._graph_reader(hook)  # does a read of a name carry the forward's graph?
        outside = self._outside_names(hook.function)
        found, kept = [], []  # graph-carrying stores; (statement, container) of detached ones
        for node in self.tree.scope_nodes(hook.function):
            if not isinstance(node, ast.stmt):
                continue
            grad_off = facts.grad_mode_at(node).grad_off
            for container, value, method, slot in self._writes(node, outside):
                if self._carries(value, graph, grad_off) and self._may_keep(method, slot, value):
                    found.append(Store(hook, node, value, container))
                elif _detached(value):
                    kept.append((node, container))
        return [store for store in found if not self._chosen(store, kept, hook.function)]

    def _writes(self, node: ast.stmt, outside: set[str]):
        """(container, value, method, slot) for each value the statement writes into something
        outliving the call; method and slot name where a mutator call of this file's classes takes it."""
        if isinstance(node, ast.Assign):
            containers = {self._container(leaf, outside) for target in node.targets for leaf in assigned_names(target)}
            for container in sorted(c for c in containers if c):
                yield container, node.value, None, None
        elif isinstance(node, ast.AugAssign):
            container = self._container(node.target, outside)
            if container is not None:
                yield container, node.value, None, None
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            call = node.value
            if isinstance(call.func, ast.Attribute) and call.func.attr in CONTAINER_MUTATORS:
                receiver = call.func.value
                container = self._container(receiver, outside, as_receiver=True)
                if container is not None:
                    method = self._own_method(receiver, call.func.attr)
                    for position, arg in enumerate(call.args):
                        yield container, arg, method, position
                    for named in call.keywords:
                        yield container, named.value, method, named.arg

    def _chosen(self, store: Store, kept: list[tuple[ast.stmt, str]], function) -> bool:
        """Is keeping the graph a configured choice? Another arm of a branch around the store writes
        the same container detached (`if self.detach: acts.append(out.detach())
        else: acts.append(out)`)."""
        return any(container == store.container and self.tree.separating_branch(store.statement, stmt, function) is not None
                   for stmt, container in kept)

    def _graph_reader(self, hook: Hook):
        """A test of one read of a name in the hook: does its value carry the forward's graph? A
        tensor parameter of the hook does; a local does when an assignment of it that reaches the
        read (the hook's bindings table) stores a graph-carrying value, judged in the grad mode
        of that assignment."""
        table = self.facts.bindings(hook.function)
        known: dict[int, bool] = {}

        def binding_carries(binding) -> bool:
            if isinstance(binding.node, ast.arg):
                return binding.node.arg in hook.tensors
            if binding.kind not in ("value", "part") or binding.value is None:
                return False
            if id(binding) not in known:
                known[id(binding)] = False  # a cycle through a loop proves nothing
                grad_off = self.facts.grad_mode_at(binding.node).grad_off
                known[id(binding)] = self._carries(binding.value, reads, grad_off)
            return known[id(binding)]

        def reads(name: ast.Name) -> bool:
            if self.facts.comprehension_target(name) is not None:
                return False
            return any(binding_carries(b) for b in table.reaching(name))

        return reads

    def _own_method(self, receiver: ast.AST, name: str):
        """The method `name` of a class of this file that receiver was built from
        (`observer = _ChannelObserver(...)` in the hook's function or one around it), or None."""
        if not isinstance(receiver, ast.Name):
            return None
        symbols = self.facts.symbols
        qualified = constructed_class(self.tree, symbols, self.tree.scope_of(receiver), receiver.id)
        cls = symbols.definitions_by_name.get(qualified) if qualified else None
        if not isinstance(cls, ast.ClassDef):
            return None
        return next((n for n in cls.body if isinstance(n, FUNCTION_TYPES) and n.name == name), None)

    def _may_keep(self, method, slot, arg: ast.AST) -> bool:
        """May the method keep (store, return, hand on) the value passed in slot? Unknown methods may."""
        if method is None or slot is None:
            return True
        names = [a.arg for a in (*method.args.posonlyargs, *method.args.args)][1:]  # without self
        if isinstance(slot, int):
            if slot >= len(names):
                return True
            slot = names[slot]
        elif slot not in names and slot not in [a.arg for a in method.args.kwonlyargs]:
            return True
        flow = self.facts.flow.scope(method)
        reached = set().union(*(flow.reach(key) for key in flow.keys_of(slot)))
        return ESCAPE in reached or KEPT in reached or UNKNOWN in reached

    def _lambda_stores(self, hook: Hook) -> list[Store]:
        body = hook.function.body
        if isinstance(body, ast.Call) and isinstance(body.func, ast.Attribute) and body.func.attr in CONTAINER_MUTATORS:
            container = dotted(body.func.value)
            stmt = self.tree.statement_of(hook.function)
            grad_off = self.facts.grad_mode_at(hook.function).grad_off
            tensors = set(hook.tensors)
            return [Store(hook, stmt, arg, container) for arg in body.args
                    if container and self._carries(arg, lambda name: name.id in tensors, grad_off)]
        return []

    def _outside_names(self, function) -> set[str]:
        """Names in the hook that refer to something outliving the call: what its bindings table
        does not bind (closures, globals), what it declares `global`/`nonlocal`, and `self`."""
        table = self.facts.bindings(function)
        read = {n.id for n in self.tree.names_within(function)}
        params = {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}
        return {name for name in read if not table.binds(name)} | table.declared_outer | ({"self"} & params)

    def _container(self, target, outside: set[str], as_receiver: bool = False) -> str | None:
        """The outliving path a store writes into, or None for a local."""
        if isinstance(target, ast.Name):
            return target.id if target.id in outside and (as_receiver or self._declared(target)) else None
        base = target
        while isinstance(base, (ast.Subscript, ast.Attribute)):
            base = base.value
        if isinstance(base, ast.Name) and (base.id in outside):
            return dotted(target.value if isinstance(target, ast.Subscript) else target) if not as_receiver else dotted(target)
        return None

    def _declared(self, name: ast.Name) -> bool:
        function = self.tree.function_of(name)
        if function is None:
            return False
        return any(isinstance(n, (ast.Global, ast.Nonlocal)) and name.id in n.names for n in self.tree.scope_nodes(function))

    def _carries(self, expr, graph, grad_off: bool) -> bool:
        """Does the stored value keep the forward's graph alive? (`graph` tells whether a read name
        carries it.)

        With grad enabled anything derived from a hook tensor does; under no_grad
        only the tensor object itself (and views or same-object conversions of it).
        """
        if isinstance(expr, ast.Name):
            return graph(expr)
        if isinstance(expr, ast.Subscript):
            return self._carries(expr.value, graph, grad_off)
        if isinstance(expr, ast.Attribute):
            return expr.attr not in METADATA_ATTRIBUTES and self._carries(expr.value, graph, grad_off)
        if isinstance(expr, (ast.Tuple, ast.List, ast.Set)):
            return any(self._carries(e, graph, grad_off) for e in expr.elts)
        if isinstance(expr, ast.Dict):
            return any(self._carries(v, graph, grad_off) for v in expr.values if v is not None)
        if isinstance(expr, ast.Call):
            func = expr.func
            if isinstance(func, ast.Attribute):
                if func.attr in GRAPH_CUTTING_METHODS:
                    return False
                if func.attr in GRAPH_KEEPING_METHODS:
                    return self._carries(func.value, graph, grad_off)
                if grad_off:
                    return False
                if self._carries(func.value, graph, grad_off):
                    return True  # a tensor method of the hook's tensor
                if self.facts.modules.is_forward(expr):
                    return any(self._carries(a, graph, grad_off) for a in expr.args)
                return False
            if grad_off:
                return False
            # torch functions and forwards carry their inputs' graph; what an unknown function returns is not provable
            name = self.facts.imports.qualname(func)
            if is_tensor_op(name) or self.facts.modules.is_forward(expr):
                return any(self._carries(a, graph, grad_off) for a in expr.args)
            return False
        if isinstance(expr, (ast.BinOp, ast.UnaryOp)):
            if grad_off:
                return False
            return any(self._carries(child, graph, grad_off) for child in ast.iter_child_nodes(expr))
        if isinstance(expr, (ast.ListComp, ast.GeneratorExp)):
            if grad_off:
                return False
            return any(isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and graph(n) for n in ast.walk(expr))
        return False

    # -- reaching a backward ---------------------------------------------------------

    @cached_property
    def _returned_by_forward(self) -> set[tuple]:
        """(None, name) for the names a module's `forward` returns: its caller trains on them.
        (What `self.` paths `forward`, or any function of the class, hands out is `_handed_out`.)"""
        found = set()
        for cls in self.tree.classes:
            for method in cls.body:
                if isinstance(method, FUNCTION_TYPES) and method.name == "forward":
                    for node in self.tree.scope_nodes(method):
                        if isinstance(node, ast.Return) and node.value is not None:
                            found.update((None, path) for path in live_paths(self.facts, node.value)
                                         if not path.startswith("self."))
        return found

    @cached_property
    def _handed_out(self) -> set[tuple]:
        """(class, path) of each `self.` path whose value some function of the class (a method, a
        hook nested in one) hands out: returns it, or stores it where the caller sees it
        (`kwargs[name] = self._captured[path]` in a pre-hook feeding another module's forward)."""
        from gradlint.analysis.definitions import plain

        found = set()
        for function in self.tree.functions:
            cls = self._class_holding(function)
            if cls is None:
                continue
            flow = self.facts.flow.scope(function)
            for path in list(flow.edges):
                if path.startswith("self.") and ESCAPE in flow.reach(path):
                    found.add((cls, plain(path)))
        return found

    def hands_out_captures(self, hooks: list[Hook], function: ast.AST) -> bool:
        """May function hand out what the hooks captured, graph and all (a caller may train on it)?
        It returns a hook's container (or a path around it), or a value made from what a hook
        object its class registers on `self` holds (AHIQ's `get_vit_feature`: `torch.cat` of
        `self.save_output.outputs[...]`, filled by the object's `__call__`)."""
        from gradlint.analysis.definitions import plain

        containers = {store.container for hook in hooks for store in self.stores(hook)}
        returned = set()
        for node in self.tree.scope_nodes(function):
            if isinstance(node, ast.Return) and node.value is not None:
                returned |= live_paths(self.facts, node.value)
        if any(c == r or c.startswith(r + ".") or r.startswith(c + ".") for c in containers for r in returned):
            return True
        hooks_on_self = self._registered_on_self.get(self._class_holding(function), ())
        if not returned or not hooks_on_self:
            return False
        flow = self.facts.flow.scope(function)
        return any(any(path == hook or path.startswith(hook + ".") for hook in hooks_on_self)
                   and {plain(key) for key in flow.reach(path)} & returned for path in list(flow.edges))

    @cached_property
    def _registered_on_self(self) -> dict[ast.ClassDef, set[str]]:
        """Class -> the `self.` paths its methods register as forward hooks (`self.save_output`, an
        object with `__call__`; `self.record`, a bound method): what they capture lives under them."""
        found: dict[ast.ClassDef, set[str]] = {}
        for call in self.tree.calls:
            method = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)
            target = call.args[0] if call.args else keyword(call, "hook")
            path = dotted(target) if method in FORWARD_HOOK_REGISTRATIONS and target is not None else None
            cls = self._class_holding(self.facts.flow.analysis_scope(call)) if path and path.startswith("self.") else None
            if cls is not None:
                found.setdefault(cls, set()).add(path)
        return found

    def _class_holding(self, function: ast.AST | None) -> ast.ClassDef | None:
        """The class function is a method of (or, for a function nested in a method, that method's)."""
        if not isinstance(function, FUNCTION_TYPES):
            return None
        parent = self.tree.parent(function)
        return parent if isinstance(parent, ast.ClassDef) else self.tree.class_of(function)

    def store_reaches_backward(self, store: Store) -> bool:
        """May the stored values reach a backward: they do in this file, they leave a module's
        forward, or the hook's closure container is handed out by the function that binds it
        (`captured` returned by `capture_activations`: its callers may train on it)?"""
        if self._closure_container_leaves(store):
            return True
        cls = self.tree.class_of(store.statement) if store.container.startswith("self.") else None
        if cls is not None and self._inherits_unseen(cls):
            return True  # a project base in another file may hand the path out (mmrazor's recorders)
        # a base class of this file may hand the path out (`retrieve()` returning what the hooks gathered)
        classes = [None, *self._lineage(cls)] if cls is not None else [None]
        reaching = self.facts.flow.file_paths_reaching_backward | self._returned_by_forward | self._handed_out
        path = store.container
        while True:
            if any((c, path) in reaching for c in classes):
                return True
            if "." not in path:
                return False
            path = path.rsplit(".", 1)[0]
            if path == "self":
                return False

    def _inherits_unseen(self, cls: ast.ClassDef) -> bool:
        """Does cls derive from a project class another file defines (whose methods this file's
        flows cannot see)?"""
        symbols = self.facts.symbols
        name = symbols.qualname_of(cls)
        return name is not None and any(symbols.definitions_by_name.get(c) is None for c in self.facts.index.lineage(name))

    def _lineage(self, cls: ast.ClassDef) -> list[ast.ClassDef]:
        """cls and those of its project base classes this file defines."""
        symbols = self.facts.symbols
        name = symbols.qualname_of(cls)
        if name is None:
            return [cls]
        found = [symbols.definitions_by_name.get(c) for c in self.facts.index.lineage(name)]
        return [cls, *(c for c in found if isinstance(c, ast.ClassDef) and c is not cls)]

    def _closure_container_leaves(self, store: Store) -> bool:
        root = store.container.split(".")[0]
        if root == "self":
            return False
        scope = self.tree.scope_of(store.hook.function) if isinstance(store.hook.function, ast.AST) else None
        while isinstance(scope, FUNCTION_TYPES) and root not in self.facts.bindings(scope).names:
            scope = self.tree.scope_of(scope)
        if not isinstance(scope, FUNCTION_TYPES):
            return False  # a module-level container: judged by where its paths go in the file
        fate = self.facts.flow.path_fate(root, scope)
        return bool(fate.backwards) or fate.escapes or fate.kept or fate.unknown

    def stores_reach_backward(self, hooks) -> bool:
        return any(self.store_reaches_backward(s) for hook in hooks for s in self.stores(hook))
