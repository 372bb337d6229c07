"""Which expressions are parameters (tensors that require grad), and which the code froze.

A parameter comes from `.parameters()`, `.named_parameters()`,
`state_dict(keep_vars=True)`, an optimizer's `param_groups`, a module's
`.weight`/`.bias`, `nn.Parameter(...)` or a factory called with
`requires_grad=True`; through loops, `zip`, `enumerate`, `list(...)` and indexing.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cached_property

from gradlint.analysis.bindings import Binding, element_source, holder_scope, seen_bindings
from gradlint.analysis.names import dotted
from gradlint.analysis.training import optimizer_step
from gradlint.analysis.tree import FUNCTION_TYPES, LOOP_TYPES, block_of, is_false, is_true, keyword
from gradlint.analysis.vocabulary import (
    LAYER_PARAMETER_ATTRIBUTES,
    LEAVING_ATTRIBUTES,
    MODULE_REWRITING_FUNCTIONS,
    MODULE_SELF_RETURNING,
    SAME_ELEMENTS_BUILTINS,
    TENSOR_FACTORIES,
)


@dataclass(frozen=True)
class Param:
    """A parameter and the module expression it came from ('' when unknown)."""

    root: str


@dataclass(frozen=True)
class ParamGroup:
    """A tuple of parameters, one per model: what `zip(*[m.parameters() for m in models])` yields."""

    root: str


@dataclass(frozen=True)
class Many:
    """A tuple of element descriptors (from zip, enumerate, named_parameters)."""

    items: tuple


class ParameterFacts:
    def __init__(self, facts):
        self.facts = facts
        self.tree = facts.tree
        self.imports = facts.imports

    # -- bindings ------------------------------------------------------------

    def _lookup(self, name: ast.Name) -> list[tuple[tuple[str, ast.AST | None], tuple]]:
        """((kind, expression), index path) of each way the read name may be bound (the one bindings
        table, `bindings.py`): a loop or comprehension over an iterable ("iter"), an assigned value
        ("value"), a function's argument ("arg", with its annotation), anything else ("other")."""
        found = self.facts.comprehension_target(name)
        if found is not None:
            return [(("iter", found[0]), found[1])]
        return [_source(b) for b in seen_bindings(self.facts, name, through_updates=True)]

    # -- descriptors ---------------------------------------------------------

    def element_of(self, iterable: ast.AST, depth: int = 0):
        """What iterating over `iterable` yields: Param, Many, or None."""
        if depth > 6:
            return None
        if isinstance(iterable, ast.Call):
            func = iterable.func
            if isinstance(func, ast.Attribute):
                method = func.attr
                if method == "parameters":
                    return Param(dotted(func.value) or "")
                if method == "named_parameters":
                    return Many((None, Param(dotted(func.value) or "")))
                if method in ("values", "items") and isinstance(func.value, ast.Call):
                    inner = func.value
                    if isinstance(inner.func, ast.Attribute) and inner.func.attr == "state_dict" and is_true(keyword(inner, "keep_vars")):
                        root = Param(dotted(inner.func.value) or "")
                        return root if method == "values" else Many((None, root))
            if isinstance(func, ast.Name):
                if func.id == "zip" and len(iterable.args) == 1 and isinstance(iterable.args[0], ast.Starred):
                    inner = iterable.args[0].value
                    if isinstance(inner, (ast.ListComp, ast.GeneratorExp)):
                        element = self.element_of(inner.elt, depth + 1)
                        if isinstance(element, Param):
                            return ParamGroup(element.root)
                    return None
                if func.id in SAME_ELEMENTS_BUILTINS and iterable.args:
                    return self.element_of(iterable.args[0], depth + 1)
            return None
        if isinstance(iterable, ast.Subscript) and isinstance(iterable.slice, ast.Constant) and iterable.slice.value == "params":
            # for p in group["params"], group from an optimizer's param_groups
            return self._param_group_owner(iterable.value, depth)
        if isinstance(iterable, ast.Name):
            return self._name_collection(iterable, depth)
        if isinstance(iterable, ast.Attribute) and isinstance(iterable.value, ast.Name) and iterable.value.id == "self":
            if self.facts.attribute_path_class(iterable) == "torch.nn.ParameterList":
                return Param(dotted(iterable))  # `for w in self.loss_weights`, an nn.ParameterList
            return None
        if isinstance(iterable, (ast.ListComp, ast.GeneratorExp)):
            if isinstance(iterable.elt, ast.Name) and len(iterable.generators) == 1:
                gen = iterable.generators[0]
                if isinstance(gen.target, ast.Name) and gen.target.id == iterable.elt.id:
                    return self.element_of(gen.iter, depth + 1)
        return None

    def element_at(self, iterable: ast.AST, path: tuple, depth: int = 0):
        """What sits at path in each element of iterable: through `zip` and `enumerate`
        (`bindings.element_source`), then the descriptor of the iterable reached."""
        source = element_source(iterable, path)
        if source is None:
            return None  # enumerate's index
        inner, rest = source
        return _select(self.element_of(inner, depth), rest)

    def _param_group_owner(self, group: ast.AST, depth: int) -> Param | None:
        """`group` is an element of an optimizer's `param_groups`: bound by a loop over them, or an
        argument every caller passes one in (`self.update(group)` inside that loop)."""
        if not isinstance(group, ast.Name) or depth > 6:
            return None
        for source, path in self._lookup(group):
            kind, expr = source
            if kind == "iter":
                # `for group, base_lr in zip(self.param_groups, self.base_lrs)`: through zip and enumerate
                expr, path = element_source(expr, path) or (None, path)
            if kind == "iter" and not path and isinstance(expr, ast.Attribute) and expr.attr == "param_groups":
                return Param(dotted(expr.value) or "")
            if kind == "arg":
                passed = self._passed(group)
                owners = [self._param_group_owner(p, depth + 1) for p in passed or ()]
                if owners and all(owners):
                    return owners[0]
                if passed is None and self._in_optimizer_step(group):
                    # callers out of view (`x.update(...)` elsewhere may be any object's): in an
                    # optimizer's own update method, `group["params"]` is a parameter group
                    return Param(group.id)
        return None

    def _in_optimizer_step(self, name: ast.Name) -> bool:
        function = self.tree.scope_of(name)
        return isinstance(function, FUNCTION_TYPES) and isinstance(self.tree.parent(function), ast.ClassDef) \
            and optimizer_step(function)

    def _name_collection(self, name: ast.Name, depth: int):
        """A name bound to a collection of parameters, e.g. `params = list(model.parameters())`."""
        bindings = self._lookup(name)
        if len(bindings) != 1:
            return None
        source, path = bindings[0]
        kind, expr = source
        if kind == "value" and not path and expr is not None:
            return self.element_of(expr, depth + 1)
        if kind == "iter":
            # `for ps in zip(*[m.parameters() for m in models])`: each ps is a tuple of parameters
            element = self.element_at(expr, path, depth + 1)
            if isinstance(element, ParamGroup):
                return Param(element.root)
        if kind == "arg":
            # `def replace(params, values)` where every call passes `list(model.parameters())`
            elements = [self.element_of(passed, depth + 1) for passed in self._passed(name) or ()]
            if elements and all(isinstance(e, Param) for e in elements):
                return elements[0]
        return None

    # -- expressions -----------------------------------------------------------

    def parameter(self, expr: ast.AST, depth: int = 0) -> Param | None:
        """The Param an expression is, or None when not provably a parameter."""
        if depth > 8:
            return None
        if isinstance(expr, ast.Name):
            bindings = self._lookup(expr)
            if not bindings:
                return None
            results = []
            for source, path in bindings:
                kind, value = source
                if kind == "iter":
                    results.append(self.element_at(value, path, depth + 1))
                elif kind == "value" and value is not None and not path:
                    results.append(self._value_parameter(value, expr.id, depth))
                elif kind == "arg":
                    results.append(self._annotated(value, expr.id) or self._argument(expr, depth))
                else:
                    results.append(None)
            if results and all(isinstance(r, Param) for r in results):
                return results[0]
            return None
        if isinstance(expr, ast.Attribute):
            if expr.attr in LAYER_PARAMETER_ATTRIBUTES and self._module_like(expr.value):
                return Param(dotted(expr.value) or "")
            if isinstance(expr.value, ast.Name) and expr.value.id == "self":
                if dotted(expr) in self._self_parameters(expr) and not self._plain_tensor_here(expr):
                    return Param(dotted(expr))
            elif self._submodule_parameter(expr):
                return Param(dotted(expr))
            return None
        if isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Name):
            element = self._name_collection(expr.value, depth + 1) or self._mapping_value(expr.value, depth + 1)
            return element if isinstance(element, Param) else None
        return None

    def _mapping_value(self, name: ast.Name, depth: int) -> Param | None:
        """What indexing a name bound to `dict(pairs)` gives, when the pairs are (name, parameter):
        `params = dict(model.named_parameters())`, then `params[k]`."""
        bindings = self._lookup(name)
        if len(bindings) != 1:
            return None
        (kind, value), path = bindings[0]
        if kind != "value" or path or not isinstance(value, ast.Call) or not isinstance(value.func, ast.Name) \
                or value.func.id != "dict" or len(value.args) != 1 or value.keywords:
            return None
        return self.element_at(value.args[0], (1,), depth + 1)

    def _value_parameter(self, value: ast.AST, name: str, depth: int) -> Param | None:
        if isinstance(value, ast.Call):
            qual = self.imports.qualname(value.func)
            if qual == "torch.nn.Parameter":
                if is_false(keyword(value, "requires_grad")):
                    return None
                return Param(name)
            if qual and qual.startswith("torch.") and qual.split(".")[-1] in TENSOR_FACTORIES and is_true(keyword(value, "requires_grad")):
                return Param(name)
        if isinstance(value, (ast.Attribute, ast.Subscript)):
            return self.parameter(value, depth + 1)
        return None

    def _argument(self, name: ast.Name, depth: int) -> Param | None:
        """A function's argument is a parameter when every call of the function passes one:
        `self._step_param(group, p)` inside `for p in group["params"]`."""
        passed = self._passed(name)
        found = [self.parameter(expr, depth + 1) for expr in passed or ()]
        return found[0] if found and all(found) else None

    def _passed(self, name: ast.Name) -> list[ast.AST] | None:
        """What every call of the function whose argument `name` is passes for it; None when a call
        cannot be matched or the function is called from elsewhere (only functions called from this
        file alone are followed: the project index tells)."""
        function = self.tree.scope_of(name)
        while not isinstance(function, FUNCTION_TYPES):
            if isinstance(function, ast.Module):
                return None
            function = self.tree.scope_of(function)
        qualified = self.facts.symbols.qualname_of(function)
        if qualified is None:
            return None
        callers = self.facts.index.local_callers(qualified, self.facts.module_name)
        if callers is None:
            return None
        call_sites = self.facts.call_sites
        sites = call_sites.to(qualified)
        if len(sites) != len(callers):
            return None  # a call this file's view cannot match to an argument
        found = [call_sites.argument(function, call, name.id) for call in sites]
        return None if None in found else found

    def _submodule_parameter(self, expr: ast.Attribute) -> bool:
        """`self.decoder.sigma`, where the class builds `self.decoder` from a project class whose
        methods assign `self.sigma = nn.Parameter(...)` (the project index: this file or another)."""
        holder = expr.value
        if not (isinstance(holder, ast.Attribute) and isinstance(holder.value, ast.Name) and holder.value.id == "self"):
            return False
        cls = self.tree.class_of(expr)
        name = self.facts.symbols.qualname_of(cls) if cls is not None else None
        index = self.facts.index
        built = index.attribute_class(name, holder.attr) if name is not None else None
        return built is not None and index.attribute_class(built, expr.attr) == "torch.nn.Parameter"

    def _annotated(self, annotation: ast.AST | None, name: str) -> Param | None:
        if annotation is not None and self.imports.qualname(annotation) == "torch.nn.Parameter":
            return Param(name)
        return None

    def _module_like(self, base: ast.AST) -> bool:
        """`.weight` of this base is a parameter unless the code shows otherwise."""
        if isinstance(base, ast.Attribute) and base.attr in LEAVING_ATTRIBUTES:
            return False
        if isinstance(base, ast.Name) and base.id == "self":
            # `self.weight` is a parameter in a subclass of an nn layer (nn.Linear, nn.Conv2d...);
            # a plain Module subclass may hold a buffer or a metric state there (assigned Parameters are found apart)
            cls = self.tree.class_of(base)
            return cls is not None and any(_is_layer_class(self.imports.qualname(b)) for b in cls.bases)
        if isinstance(base, (ast.Name, ast.Attribute, ast.Subscript)):
            # trusted in torch code; a file that never imports torch (plain Python handed objects
            # from elsewhere: `sum(split.weight for split in splits)`) needs the holder known as a module
            return self.imports.uses_torch() or self.facts.modules.kind_of(base) == "module"
        return False

    def _plain_tensor_here(self, expr: ast.Attribute) -> bool:
        """Does `self.x` hold something else than a parameter where expr reads it: the nearest
        assignment of `self.x` before it, in the statements that certainly run first in its
        function, binds no `nn.Parameter` (`self.table = torch.rand(n) * 2 - 1; self.table *= s`,
        then `self.table = nn.Parameter(self.table)`)?"""
        path = dotted(expr)
        stmt = self.tree.statement_of(expr)
        function = self.tree.function_of(expr)
        while stmt is not None and stmt is not function:
            found = block_of(self.tree, stmt)
            if found is None:
                return False
            block, index = found
            for before in reversed(block[:index]):
                if self._leaves_if_parameter(before, path):
                    return True  # `if isinstance(self.x, nn.Parameter): return` came first
                if isinstance(before, ast.Assign) and any(dotted(t) == path for t in before.targets):
                    value = before.value
                    return not (isinstance(value, ast.Call) and self.imports.qualname(value.func) == "torch.nn.Parameter")
            stmt = self.tree.parent(stmt)
            while stmt is not None and not isinstance(stmt, ast.stmt):
                stmt = self.tree.parent(stmt)
            if isinstance(stmt, LOOP_TYPES):
                return False  # a later iteration may see the parameter bound below
        return False

    def _leaves_if_parameter(self, stmt: ast.stmt, path: str) -> bool:
        """`if isinstance(path, nn.Parameter) [or ...]: return` (or raise): past it, path is none."""
        if not (isinstance(stmt, ast.If) and not stmt.orelse and stmt.body and isinstance(stmt.body[-1], (ast.Return, ast.Raise))):
            return False
        tests = stmt.test.values if isinstance(stmt.test, ast.BoolOp) and isinstance(stmt.test.op, ast.Or) else [stmt.test]
        return any(isinstance(t, ast.Call) and isinstance(t.func, ast.Name) and t.func.id == "isinstance" and len(t.args) == 2
                   and dotted(t.args[0]) == path and self.imports.qualname(t.args[1]) == "torch.nn.Parameter" for t in tests)

    def _self_parameters(self, node: ast.AST) -> frozenset[str]:
        cls = self.tree.class_of(node)
        if cls is None:
            return frozenset()
        return self._class_parameters.get(cls, frozenset())

    @cached_property
    def _class_parameters(self) -> dict[ast.ClassDef, frozenset[str]]:
        """Class -> the `self.x` paths its methods assign an `nn.Parameter(...)`."""
        result: dict[ast.ClassDef, set[str]] = {}
        for (holder, path), bindings in self.facts.assignments.items():
            if isinstance(holder, ast.ClassDef) and any(
                    b.kind == "value" and isinstance(b.value, ast.Call) and self.imports.qualname(b.value.func) == "torch.nn.Parameter"
                    for b in bindings):
                result.setdefault(holder, set()).add(path)
        return {cls: frozenset(names) for cls, names in result.items()}

    # -- frozen modules and tensors ------------------------------------------------

    @cached_property
    def frozen(self) -> frozenset[tuple[ast.AST, str]]:
        """(scope, root) pairs the code froze: `m.requires_grad_(False)`, `p.requires_grad = False`.

        `self.x` is keyed by its class, other names by their function (module-level names by the module).
        """
        roots = set()

        def freeze(expr):
            param = self.parameter(expr)
            if param is not None and param.root:
                roots.add((holder_scope(self.tree, expr, param.root), param.root))
                container = self._iterated(expr, param.root)
                if container:  # `for proto in self.prototypes: for p in proto.parameters(): p.requires_grad = False`
                    roots.add((holder_scope(self.tree, expr, container), container))
            path = dotted(expr)
            if path:
                roots.add((holder_scope(self.tree, expr, path), path))

        for call in self.tree.calls:
            if isinstance(call.func, ast.Attribute) and call.func.attr == "requires_grad_":
                flag = call.args[0] if call.args else keyword(call, "requires_grad")
                if is_false(flag):
                    freeze(call.func.value)
            elif isinstance(call.func, ast.Attribute) and call.func.attr == "detach_":
                freeze(call.func.value)  # a detached leaf no longer requires grad
        for node in self.tree.nodes(ast.Assign):  # `p.requires_grad = False`, also where the target has no dotted path
            if is_false(node.value):
                for target in node.targets:
                    if isinstance(target, ast.Attribute) and target.attr == "requires_grad":
                        freeze(target.value)
        assigned = [b for bindings in self.facts.assignments.values() for b in bindings if b.kind == "value"]
        for binding in assigned:
            if self._frozen_parameter(binding.value) or _frozen_at_construction(binding.value):
                freeze(binding.target)  # `self.eps = nn.Parameter(t, requires_grad=False)`, `nn.Conv2d(...).requires_grad_(False)`
        # a class of this file whose __init__ freezes the module itself: what it builds is frozen
        symbols = self.facts.symbols
        self_freezing = set()
        for cls in self.tree.classes:
            init = next((n for n in cls.body if isinstance(n, FUNCTION_TYPES) and n.name == "__init__"), None)
            if init is not None and symbols.qualname_of(cls) and ((init, "self") in roots or self._freezes_every_part(cls, roots)):
                self_freezing.add(symbols.qualname_of(cls))
        if self_freezing:
            for binding in assigned:
                value = binding.value
                if isinstance(value, ast.Call) and symbols.resolve(value.func, self.tree.scope_of(binding.node)) in self_freezing:
                    freeze(binding.target)  # `model = _SNN(...)`, whose __init__ calls self.requires_grad_(False)
        return frozenset(roots)

    def _freezes_every_part(self, cls: ast.ClassDef, roots: set) -> bool:
        """Does the class freeze every module or parameter it builds on `self` (`self.features =
        nn.Sequential(...)`, then `self.features.requires_grad_(False)`): is all of it frozen?"""
        built = [path for (holder, path), bindings in self.facts.assignments.items()
                 if holder is cls and path.count(".") == 1 and any(isinstance(b.value, ast.Call) for b in bindings)]
        return bool(built) and all((cls, path) in roots for path in built)

    def _frozen_parameter(self, value: ast.AST) -> bool:
        if not (isinstance(value, ast.Call) and self.facts.imports.qualname(value.func) == "torch.nn.Parameter"):
            return False
        flag = value.args[1] if len(value.args) > 1 else keyword(value, "requires_grad")
        return is_false(flag)

    @cached_property
    def rewritten(self) -> frozenset[tuple[ast.AST, str]]:
        """(scope, path) pairs of modules handed to a function that swaps their parameters or
        submodules in place: torch's pruning, parametrization and quantization preparation
        (MODULE_REWRITING_FUNCTIONS) and, by the trailing-underscore naming of in-place functions,
        a project's or library's `convert_(model, ...)` given a module (torchao's `quantize_`).
        Whether such a module's `.weight` still requires grad afterwards is not known."""
        found = set()
        for call in self.tree.calls:
            if not call.args or not isinstance(call.args[0], (ast.Name, ast.Attribute)):
                continue
            func, module = call.func, call.args[0]
            name = self.imports.qualname(func) or ""
            last = name.rpartition(".")[2] if name else getattr(func, "id", "")
            by_name = last.endswith("_") and not last.endswith("__") and not name.startswith("torch.") \
                and (name or isinstance(func, ast.Name)) and self.facts.modules.kind_of(module) == "module"
            if name.startswith(MODULE_REWRITING_FUNCTIONS) or by_name:
                path = dotted(module)
                if path:
                    found.add((holder_scope(self.tree, module, path), path))
        return frozenset(found)

    def is_rewritten(self, param: Param, expr: ast.AST) -> bool:
        """Was the module this parameter belongs to (or one it is part of) handed to a rewriting function?"""
        if not self.rewritten:
            return False
        for path in (param.root, dotted(expr)):
            while path:
                if (holder_scope(self.tree, expr, path), path) in self.rewritten:
                    return True
                path = path.rpartition(".")[0]
        return False

    def is_frozen(self, param: Param, expr: ast.AST) -> bool:
        """Did the analysed code freeze this parameter, the module it came from, or a module that
        module is part of (`requires_grad_(False)` reaches every submodule)? Or does expr run only
        where the tensor needs no grad (`if not p.requires_grad:`)?"""
        for path in (param.root, dotted(expr), self._iterated(expr, param.root)):
            while path:
                if (holder_scope(self.tree, expr, path), path) in self.frozen or (self.tree.module, path) in self.frozen:
                    return True
                path = path.rpartition(".")[0]
        return self._guarded_frozen(expr)

    def _iterated(self, expr: ast.AST, root: str | None) -> str | None:
        """The container path a loop variable root runs over at every binding of it in expr's scope
        (`self.prototypes` for `proto` in `for proto, c in zip(self.prototypes, centroids)`), or None."""
        if not root or "." in root:
            return None
        sources = self.facts.bindings(self.tree.scope_of(expr)).loop_sources(root)
        paths = {dotted(s) if isinstance(s, (ast.Name, ast.Attribute)) else None for s in sources or ()}
        return paths.pop() if len(paths) == 1 and None not in paths else None

    def _guarded_frozen(self, expr: ast.AST) -> bool:
        """Does expr run only where it needs no grad: in the arm of an `if not p.requires_grad:`
        (or the `else` of `if p.requires_grad:`) that tests this very tensor?"""
        path = dotted(expr)
        if not path:
            return False
        child = expr
        for ancestor in self.tree.ancestors(expr):
            if isinstance(ancestor, (*FUNCTION_TYPES, ast.Lambda, ast.ClassDef)):
                return False
            if isinstance(ancestor, ast.If):
                test = ancestor.test
                negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
                tested = test.operand if negated else test
                if isinstance(tested, ast.Attribute) and tested.attr == "requires_grad" and dotted(tested.value) == path \
                        and (child in ancestor.body if negated else child in ancestor.orelse):
                    return True
            child = ancestor
        return False


def _frozen_at_construction(value: ast.AST) -> bool:
    """`nn.Conv2d(...).requires_grad_(False).to(device)`: a freeze in the chain of self-returning
    module methods the assigned value ends with."""
    while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in MODULE_SELF_RETURNING:
        if value.func.attr == "requires_grad_" and is_false(value.args[0] if value.args else keyword(value, "requires_grad")):
            return True
        value = value.func.value
    return False


def _is_layer_class(name: str | None) -> bool:
    if not name or not name.startswith("torch.nn."):
        return False
    last = name.split(".")[-1]
    return last[:1].isupper() and last not in ("Module", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict")


def _source(binding: Binding) -> tuple[tuple[str, ast.AST | None], tuple]:
    if binding.kind == "iter":
        return ("iter", binding.value), binding.path
    if binding.kind in ("value", "part"):
        return ("value", binding.value), binding.path
    if isinstance(binding.node, ast.arg):
        return ("arg", binding.node.annotation), ()
    return ("other", None), ()


def _select(descriptor, path: tuple):
    for index in path:
        if isinstance(descriptor, Many) and isinstance(index, int) and index < len(descriptor.items):
            descriptor = descriptor.items[index]
        else:
            return None
    return descriptor
