"""Copies of parameters (clones, stacks, concatenations, sums) that are kept, and where a graph is wanted.

A copy made with grad enabled carries a grad_fn and references the parameters it
came from. It matters when the copy is kept: assigned, returned, stored in a
container. A copy used on the spot (compared, printed, copied into another
tensor, wrapped in a new `nn.Parameter`) or cut (`.detach()`, `.item()`) keeps
nothing.

Copies are wanted as graph-carrying values in meta-learning (functional weights)
and in forward computations; `wants_graph` answers conservatively until the flow
analysis can say where the copies go.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cached_property

from gradlint.analysis.bindings import holder_scope
from gradlint.analysis.names import dotted
from gradlint.analysis.parameters import Param, ParameterFacts
from gradlint.analysis.state_dicts import is_state_dict
from gradlint.analysis.tree import FUNCTION_TYPES
from gradlint.analysis.vocabulary import (
    CONCATENATING_FUNCTIONS,
    CONTAINER_MUTATORS,
    CONTAINER_TYPES,
    GRAPH_CUTTING_FUNCTIONS,
    GRAPH_CUTTING_METHODS,
    LAYER_PARAMETER_ATTRIBUTES,
    PARAMETER_CONTAINERS,
    VALUE_CONSUMING_BUILTINS,
    VALUE_CONSUMING_METHODS,
)

# signs of meta-learning code: copies there are functional weights that must keep their graph
META_LEARNING_MARKERS = ("create_graph=True", "functional_call", "import higher", "learn2learn", "torch.func", "functorch")


@dataclass(frozen=True)
class ParameterCopy:
    node: ast.Call  # the copying call: `p.clone()`, `torch.stack(ps)`, `sum(ps)`
    source: ast.AST  # the parameter or the collection of parameters copied
    param: Param
    grad_fn: str  # what the copy's grad_fn is (as torch prints it)


class CopyFacts:
    def __init__(self, facts, params: ParameterFacts | None = None):
        self.facts = facts
        self.tree = facts.tree
        self.params = params or facts.parameters

    # -- what is a parameter, and a collection of them --------------------------

    def parameter(self, expr: ast.AST) -> Param | None:
        param = self.params.parameter(expr)
        if param is not None:
            return None if registered_buffer(self.facts, expr) else param
        # sd[k] for sd = m.state_dict(keep_vars=True)
        if isinstance(expr, ast.Subscript) and is_state_dict(self.facts, expr.value, keep_vars=True):
            return Param(dotted(expr.value) or "")
        return None

    def collection(self, expr: ast.AST) -> Param | None:
        """The Param each element of expr is, when expr is a collection of parameters."""
        element = self.params.element_of(expr)
        if isinstance(element, Param):
            return element
        if isinstance(expr, (ast.List, ast.Tuple)) and expr.elts:
            found = [self.parameter(e) for e in expr.elts]
            return found[0] if all(found) else None
        if isinstance(expr, (ast.ListComp, ast.GeneratorExp)):
            return self.parameter(expr.elt)
        return None

    # -- copies ----------------------------------------------------------------

    @cached_property
    def copies(self) -> list[ParameterCopy]:
        found = []
        imports = self.facts.imports
        for call in self.tree.calls:
            func = call.func
            if isinstance(func, ast.Attribute) and func.attr == "clone" and not call.args:
                source, grad_fn, param = func.value, "CloneBackward0", self.parameter(func.value)
            elif imports.qualname(func) == "torch.clone" and call.args:
                source, grad_fn, param = call.args[0], "CloneBackward0", self.parameter(call.args[0])
            elif imports.qualname(func) in CONCATENATING_FUNCTIONS and call.args:
                source, grad_fn, param = call.args[0], CONCATENATING_FUNCTIONS[imports.qualname(func)], self.collection(call.args[0])
            elif isinstance(func, ast.Name) and func.id == "sum" and "sum" not in imports.aliases and call.args:
                source, grad_fn, param = call.args[0], "AddBackward0", self.collection(call.args[0])
            else:
                continue
            if param is not None:
                found.append(ParameterCopy(call, source, param, grad_fn))
        return found

    def is_kept(self, node: ast.AST) -> bool:
        """Is the value of node (or a value computed from it) assigned, returned or stored?"""
        while True:
            parent = self.tree.parent(node)
            if isinstance(parent, ast.Attribute):
                call = self.tree.parent(parent)
                # `.shape` keeps no copy, `.detach()` cuts; `copy.mul_(2)` or `.mean(0)` carry it on
                if not (isinstance(call, ast.Call) and call.func is parent) or parent.attr in GRAPH_CUTTING_METHODS:
                    return False
                node = call
            elif isinstance(parent, (ast.BinOp, ast.UnaryOp, ast.Starred, ast.IfExp)):
                node = parent
            elif isinstance(parent, ast.Subscript) and parent.value is node:
                node = parent
            elif isinstance(parent, (ast.List, ast.Tuple, ast.Set, ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp, ast.Dict)):
                node = parent
            elif isinstance(parent, (ast.Call, ast.keyword)):
                call = parent if isinstance(parent, ast.Call) else self.tree.parent(parent)
                if node is call.func:
                    return False
                effect = self._argument_effect(call)
                if effect != "passes":
                    return effect == "stored"
                node = call
            elif isinstance(parent, (ast.Return, ast.Yield, ast.YieldFrom, ast.NamedExpr, ast.AugAssign, ast.AnnAssign)):
                return True
            elif isinstance(parent, ast.Assign):
                # `p.data = copy` replaces the storage: no graph is kept (GL402 speaks about that line)
                if all(isinstance(t, ast.Attribute) and t.attr == "data" for t in parent.targets):
                    return False
                if all(isinstance(t, ast.Subscript) and self._parameter_container(t.value) for t in parent.targets):
                    return False  # `self.weights[i] = copy`: stored as a new Parameter
                names = [t for t in parent.targets if isinstance(t, ast.Name)]
                return not any(self._handed_to_unknown(name) or self._only_wrapped(name) for name in names)
            else:
                # a comprehension's iterable, a condition, an expression statement: nothing kept
                return False

    def _handed_to_unknown(self, target: ast.Name) -> bool:
        """Is the local bound here passed to code we cannot see (`fmodule.update_params(params)`)?

        Such code may well need the graph (functional weights): the copy is not provably a snapshot.
        """
        scope = self.tree.scope_of(target)
        for node in self.tree.scope_nodes(scope):
            if not (isinstance(node, ast.Name) and node.id == target.id and isinstance(node.ctx, ast.Load)):
                continue
            use = node
            parent = self.tree.parent(use)
            while isinstance(parent, (ast.List, ast.Tuple, ast.Starred, ast.keyword)):
                use, parent = parent, self.tree.parent(parent)
            if isinstance(parent, ast.Call) and use is not parent.func and self._argument_effect(parent) == "drops":
                if not self._harmless_consumer(parent):
                    return True
        return False

    def _only_wrapped(self, target: ast.Name) -> bool:
        """Is the local bound here read only to be stored in a ParameterList or ParameterDict
        (`weight = w.clone()`, `self.weights.append(weight)`)? Only the new Parameter lives on."""
        uses = [node for node in self.tree.scope_nodes(self.tree.scope_of(target))
                if isinstance(node, ast.Name) and node.id == target.id and isinstance(node.ctx, ast.Load)]
        for use in uses:
            call = self.tree.parent(use)
            if not (isinstance(call, ast.Call) and use in call.args and isinstance(call.func, ast.Attribute)
                    and call.func.attr in CONTAINER_MUTATORS and self._parameter_container(call.func.value)):
                return False
        return bool(uses)

    def _harmless_consumer(self, call: ast.Call) -> bool:
        """Calls known not to need a graph from their arguments."""
        func = call.func
        if isinstance(func, ast.Name):
            return func.id in VALUE_CONSUMING_BUILTINS
        if isinstance(func, ast.Attribute):
            return func.attr in VALUE_CONSUMING_METHODS
        return False

    def _argument_effect(self, call: ast.Call) -> str:
        """What a call does with an argument: 'stored' in a container, 'passes' it on in its result, or 'drops' it."""
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in CONTAINER_MUTATORS:
            # `self.weights.append(copy)` on a ParameterList: a new leaf Parameter is stored, not the copy
            return "drops" if self._parameter_container(func.value) else "stored"
        name = self.facts.imports.qualname(func) or (func.id if isinstance(func, ast.Name) else None)
        if name in CONTAINER_TYPES or name == "sum" or isinstance(func, ast.Attribute) and func.attr == "OrderedDict":
            return "passes"
        if name and name.startswith("torch.") and name not in GRAPH_CUTTING_FUNCTIONS and name != "torch.nn.Parameter":
            return "passes"  # `torch.mean(torch.stack(ps), 0)`: the result carries the graph on
        # used on the spot (compared, printed, copied into another tensor) or handed to code we cannot see
        return "drops"

    def _parameter_container(self, expr: ast.AST) -> bool:
        """Is expr a ParameterList or ParameterDict (every assignment of its path builds one)?"""
        path = dotted(expr)
        if not path:
            return False
        values = [b.value for b in self.facts.assignments.get((holder_scope(self.tree, expr, path), path), ()) if b.kind == "value"]
        return bool(values) and all(isinstance(v, ast.Call) and self.facts.imports.qualname(v.func) in PARAMETER_CONTAINERS
                                    for v in values)

    # -- where a graph-carrying copy is wanted -------------------------------------------

    @cached_property
    def meta_learning_file(self) -> bool:
        text = self.facts.source.text
        return any(marker in text for marker in META_LEARNING_MARKERS)

    def _takes_gradients(self, function: ast.AST) -> bool:
        """`torch.autograd.grad(...)` in the function: copies there may be the inputs it differentiates."""
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and self.facts.imports.qualname(node.func) == "torch.autograd.grad":
                return True
        return False

    @cached_property
    def _callers(self) -> dict[str, list[ast.Call]]:
        """Function name -> calls of that name (`f(...)`, `self.f(...)`, `obj.f(...)`) in this file."""
        found: dict[str, list[ast.Call]] = {}
        for call in self.tree.calls:
            func = call.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if name:
                found.setdefault(name, []).append(call)
        return found

    def wants_graph(self, node: ast.AST) -> bool:
        """Could the value made at node be meant to carry its graph (forward code, code that backpropagates it)?"""
        if self.meta_learning_file:
            return True
        return self._graph_wanted(node, set())

    def _graph_wanted(self, node: ast.AST, seen: set) -> bool:
        fate = self.facts.flow.fate(node)
        # (code we cannot follow is judged by is_kept: the flow counts `model.load_state_dict(best)` as unknown too)
        if fate.reaches_backward:
            return True
        functions = [a for a in self.tree.ancestors(node) if isinstance(a, FUNCTION_TYPES)]
        if any(is_forward_method(f) or self._takes_gradients(f) for f in functions):
            return True
        if functions and fate.escapes:
            function = functions[0]
            if function in seen:
                return False
            seen.add(function)
            # a helper whose result a caller backpropagates (or uses in its forward)
            return any(self._graph_wanted(call, seen) for call in self._callers.get(function.name, []))
        return False

    def in_module_code(self, copy: ParameterCopy) -> bool:
        """`self.weight.clone()` in a Module's method: part of its computation (weight standardisation,
        reparametrisation, `torch.cat([self.emb.weight, self.extra.weight])` for a tied embedding)."""
        source = copy.source
        parts = source.elts if isinstance(source, (ast.List, ast.Tuple)) else [source]
        paths = [dotted(p) if isinstance(p, (ast.Attribute, ast.Name)) else None for p in parts]
        if not paths or not all(path and path.startswith("self.") for path in paths):
            return False
        cls = self.tree.class_of(copy.node)
        return cls is not None and self.facts.modules.is_module_class(cls)


def registered_buffer(facts, expr: ast.AST) -> bool:
    """`self.weight` in a class that registers `weight` as a buffer (FrozenBatchNorm), or a loss's `weight`: a tensor, not a parameter."""
    if isinstance(expr, ast.Attribute) and expr.attr in LAYER_PARAMETER_ATTRIBUTES and facts.modules.kind_of(expr.value) == "loss":
        return True
    if not (isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id == "self"):
        return False
    cls = facts.tree.class_of(expr)
    if cls is None:
        return False
    return expr.attr in facts.registered_buffers.get(cls, ())


def is_forward_method(function: ast.AST) -> bool:
    name = function.name
    return name == "forward" or name.startswith("forward_") or name.endswith("_forward")
