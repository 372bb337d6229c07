"""Inference tensors that leave an `inference_mode` region and later meet autograd (GL304).

An inference tensor is one made by an op under `torch.inference_mode()`: a
forward's output, a torch function's result, a tensor method's result, and
views of those. `.detach()`, `.cpu()`, `.cuda()`, `.to(device)`, `.T`, slices
and views (`.view`, `.reshape`, `.permute`, `.transpose`, `.t()`, `.squeeze`,
`.unsqueeze`, `.flatten`, `.expand`, `.narrow`, `.select`) keep it one, through
assignments. `.clone()`, arithmetic, `torch.cat`/`torch.stack` and dtype
changes made outside inference mode give normal tensors; so does anything the
analysis cannot prove (`.float()` and `.contiguous()` may return the same tensor
or a copy, so they end the tracking: a miss, never a false finding).

It raises (torch 2.13) where, with grad enabled, an op saves it for backward:

- the input of a trained layer: a forward of a module the code did not freeze,
  in a function that has a backward;
- a loss target: an argument of a loss next to another, non-inference argument,
  in a function that has a backward;
- a factor of `*`, `@`, `torch.mul`/`matmul`/`mm`/`bmm`, `F.linear` whose other
  factor is a parameter the code did not freeze (`feat + param` saves nothing);

and where it is updated in place outside inference mode (even under no_grad),
except through `.detach()` or `.data`, which torch allows.

Both halves run on the one dataflow solver. Inside the region a name may hold
an inference tensor when some path made one (a loop that may run no time still
counts; nested functions bind their own names). After the region only the
statements that can follow it are walked (the other branch of an `if` cannot),
and after an `if` or a loop a name stays an inference tensor only when every
path kept it one.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from gradlint.analysis.backward import backwards_in
from gradlint.analysis.dataflow import ForwardAnalysis
from gradlint.analysis.bindings import holder_scope
from gradlint.analysis.definitions import target_names
from gradlint.analysis.escape import Region, grad_regions
from gradlint.analysis.grad_mode import GradMode
from gradlint.analysis.inplace import inplace_receiver, is_inplace_method
from gradlint.analysis.names import dotted
from gradlint.analysis.tree import FUNCTION_TYPES, assigned_names, block_of, is_true, keyword
from gradlint.analysis.vocabulary import (
    ADOPTING_FUNCTIONS,
    COMPUTING_METHODS,
    DTYPE_NAMES,
    INFERENCE_KEEPING_FUNCTIONS,
    INFERENCE_KEEPING_METHODS,
    LIST_GROWERS,
    NON_TENSOR_ATTRIBUTES,
    OP_NAMESPACES,
    PRODUCT_FUNCTIONS,
    PYTHON_VALUE_METHODS,
    VIEW_ATTRIBUTES,
    torch_not_op,
)

SAVED = "saved"
IN_PLACE = "in-place"

# what a tracked name holds: an inference tensor, one seen through `.detach()`/`.data`
# (torch lets those be updated in place), or a list or tuple of inference tensors
TENSOR = "tensor"
DETACHED = "detached"
CONTAINER = "container"


@dataclass(frozen=True)
class Misuse:
    node: ast.AST  # where it raises
    name: str  # the inference tensor's name (or the call that made it)
    kind: str  # SAVED or IN_PLACE
    what: str  # which op, in words


def inference_regions(facts):
    """`with torch.inference_mode():` items and decorators that really enter inference mode."""
    for region in grad_regions(facts, "torch.inference_mode"):
        anchor = region.anchor
        if isinstance(anchor, ast.Call):
            flag = anchor.args[0] if anchor.args else keyword(anchor, "mode")
            if flag is not None and not is_true(flag):
                continue
        yield region


class InferenceTensors(ForwardAnalysis):
    """Misuses of the inference tensors of one region."""

    def __init__(self, facts, region: Region):
        super().__init__()
        self.facts = facts
        self.region = region
        self.misuses: list[Misuse] = []
        self.inference_functions: frozenset[str] = frozenset()
        self._params = facts.parameters
        self._backward_scopes: dict[ast.AST, bool] = {}
        self._inside = False  # solving the region itself (`made`), not the flow after it

    # -- what the region makes ---------------------------------------------------

    def made(self, body: list[ast.stmt]) -> dict[str, str]:
        """Names that may hold inference tensors (or lists of them) when the body ends -> TENSOR or
        CONTAINER, on the dataflow solver: inside the region a name assigned on one path only may
        hold what it made there (a loop that may run no time still counts), so paths are united."""
        self._inside = True
        try:
            return self.run(body, {}) or {}
        finally:
            self._inside = False

    def returned(self, function) -> bool:
        """Does every `return` of the function (solved by `made`) give inference tensors?"""
        tree = self.facts.tree
        returns = [n for n in ast.walk(function) if isinstance(n, ast.Return) and tree.function_of(n) is function]
        return bool(returns) and all(
            n.value is not None and self.before.get(n) is not None and self.makes_inference(n.value, self.before[n])
            for n in returns)

    def _made_by(self, stmt: ast.stmt, state: dict[str, str]) -> dict[str, str]:
        """Inside the region: what one simple statement makes (`feats.append(model(x))` makes
        feats a list of inference tensors) or rebinds."""
        state = dict(state)
        for node in _own_nodes(stmt):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in LIST_GROWERS:
                base = node.func.value
                if isinstance(base, ast.Name) and node.args and self.makes_inference(node.args[-1], state):
                    state[base.id] = CONTAINER
        return _rebound(stmt, state, self._bind_made)

    def _bind_made(self, target, value, state) -> None:
        made = self.makes_inference(value, state)
        container = isinstance(value, (ast.List, ast.Tuple, ast.ListComp)) and isinstance(target, ast.Name)
        for leaf in assigned_names(target):
            if isinstance(leaf, ast.Name):
                if made:
                    state[leaf.id] = CONTAINER if container else TENSOR
                else:
                    state.pop(leaf.id, None)

    def makes_inference(self, expr: ast.AST | None, state: dict[str, str]) -> bool:
        """Does expr, evaluated inside inference mode, give an inference tensor (or a container of them)?"""
        facts = self.facts
        if expr is None:
            return False
        if isinstance(expr, ast.Name):
            return expr.id in state
        if isinstance(expr, ast.Attribute):
            return expr.attr not in NON_TENSOR_ATTRIBUTES and self.makes_inference(expr.value, state)
        if isinstance(expr, ast.Subscript):
            return self.makes_inference(expr.value, state)
        if isinstance(expr, ast.BinOp):
            return self.makes_inference(expr.left, state) or self.makes_inference(expr.right, state)
        if isinstance(expr, (ast.List, ast.Tuple)):
            return bool(expr.elts) and all(self.makes_inference(e, state) for e in expr.elts)
        if isinstance(expr, ast.ListComp):
            return self.makes_inference(expr.elt, state)
        if isinstance(expr, ast.Call):
            func = expr.func
            qualified = facts.imports.qualname(func)
            if qualified is not None:
                last = qualified.split(".")[-1]
                if qualified in INFERENCE_KEEPING_FUNCTIONS or last == "detach":
                    return bool(expr.args) and self.makes_inference(expr.args[0], state)
                if qualified.startswith(OP_NAMESPACES):
                    return True
                return qualified.count(".") == 1 and qualified.startswith("torch.") and last[:1].islower() and not torch_not_op(qualified) and last not in ADOPTING_FUNCTIONS
            if facts.modules.gives_output(expr):
                return True
            if isinstance(func, ast.Attribute):
                if func.attr in PYTHON_VALUE_METHODS:
                    return False
                if self.makes_inference(func.value, state):
                    return True
                return func.attr in COMPUTING_METHODS and not isinstance(func.value, ast.Constant)
            return False
        return False

    # -- where the tensors go afterwards ---------------------------------------------

    def resolve(self, expr: ast.AST, state: dict[str, str]) -> tuple[str, str] | None:
        """(name, kind) when expr is one of the tracked inference tensors, a view of one, or a list of them."""
        if isinstance(expr, ast.Name):
            if expr.id in state:
                return expr.id, state[expr.id]
            return None
        if isinstance(expr, ast.Starred):
            return self.resolve(expr.value, state)
        if isinstance(expr, ast.Subscript):
            found = self.resolve(expr.value, state)
            if found and found[1] == CONTAINER:
                return found[0], TENSOR  # an element of the list
            return found
        if isinstance(expr, ast.Call):
            func = expr.func
            name = func.id if isinstance(func, ast.Name) else None
            if name in self.inference_functions:
                return f"{name}(...)", TENSOR
        return self._tensor_view(expr, state)

    def _tensor_view(self, expr: ast.AST, state: dict[str, str]) -> tuple[str, str] | None:
        """Views and moves of a tracked tensor (never of a list)."""
        detaching = False
        inner = None
        if isinstance(expr, ast.Attribute):
            if expr.attr in VIEW_ATTRIBUTES or expr.attr == "data":
                inner, detaching = expr.value, expr.attr == "data"
        elif isinstance(expr, ast.Call):
            func = expr.func
            qualified = self.facts.imports.qualname(func)
            if qualified in INFERENCE_KEEPING_FUNCTIONS or qualified == "torch.detach":
                inner, detaching = (expr.args[0] if expr.args else None), qualified == "torch.detach"
            elif isinstance(func, ast.Attribute) and qualified is None:
                if func.attr == "detach" or func.attr in INFERENCE_KEEPING_METHODS or (func.attr == "to" and not self._changes_dtype(expr)):
                    inner, detaching = func.value, func.attr == "detach"
        if inner is None:
            return None
        found = self.resolve(inner, state)
        if found is None or found[1] == CONTAINER:
            return None
        return found[0], DETACHED if detaching else found[1]

    def _changes_dtype(self, call: ast.Call) -> bool:
        """`.to(torch.float16)`, `.to(dtype=...)`, `.to(other)`: may be a real conversion, giving a normal tensor."""
        if keyword(call, "dtype") is not None:
            return True
        for arg in call.args:
            qualified = self.facts.imports.qualname(arg)
            if qualified in DTYPE_NAMES:
                return True
            text = self.facts.text(arg)
            if "dtype" in text or "type" in text:
                return True
            if isinstance(arg, ast.Name) and arg.id not in ("device", "dev") and "device" not in arg.id:
                return True  # `.to(other_tensor)` takes its dtype too
        return False

    def follow(self, stmt: ast.stmt, state: dict[str, str]) -> None:
        """Walk the statements that can run after stmt in its function, tracking state: the rest
        of its block, then of each enclosing block (a loop is left, not run again)."""
        self.before = {}
        tree = self.facts.tree
        current = stmt
        while True:
            found = block_of(tree, current)
            if found is None:
                return
            block, index = found
            state = self.run(block[index + 1:], state)
            if not state:  # nothing tracked any more, or no way on
                return
            parent = tree.parent(current)
            if parent is None or isinstance(parent, (*FUNCTION_TYPES, ast.Module, ast.ClassDef, ast.Lambda)):
                return
            if isinstance(parent, ast.ExceptHandler):
                parent = tree.parent(parent)
            current = parent

    # -- the flow after the region (the dataflow solver runs it) --------------------

    def join(self, a: dict[str, str], b: dict[str, str]) -> dict[str, str]:
        return _either(a, b) if self._inside else _both(a, b)

    def transfer(self, stmt: ast.stmt, state: dict[str, str]) -> dict[str, str]:
        if isinstance(stmt, (*FUNCTION_TYPES, ast.ClassDef)):
            return _without(state, [stmt.name])
        if self._inside:
            return self._made_by(stmt, state)
        if not state:
            return state
        self.sinks(stmt, state)
        return self._rebind(stmt, state)

    def header(self, stmt: ast.stmt, expr: ast.AST, state: dict[str, str]) -> dict[str, str]:
        if not self._inside:
            self.sinks(expr, state)
        return state

    def bind(self, stmt: ast.stmt, target: ast.AST | None, state: dict[str, str]) -> dict[str, str]:
        if target is None or not state:
            return state
        names = target_names(target)
        return _without(state, names) if names else state

    def _rebind(self, stmt: ast.stmt, state: dict[str, str]) -> dict[str, str]:
        return _rebound(stmt, dict(state), self._bind_after)

    def _bind_after(self, target, value, state) -> None:
        found = self.resolve(value, state)
        unpacked = not isinstance(target, ast.Name)
        for leaf in assigned_names(target):
            if isinstance(leaf, ast.Name):
                if found is not None:
                    # unpacking a list gives its tensors; unpacking a tensor gives views
                    state[leaf.id] = TENSOR if unpacked and found[1] == CONTAINER else found[1]
                else:
                    state.pop(leaf.id, None)

    # -- sinks ---------------------------------------------------------------------

    def sinks(self, root: ast.AST, state: dict[str, str]) -> None:
        if not state:
            return
        for node, visible in _expression_nodes(root, state):
            misuse = self._sink(node, visible)
            if misuse is not None:
                self.misuses.append(misuse)

    def _mode(self, node: ast.AST) -> GradMode:
        return self.facts.grad_mode_at(node)

    def _sink(self, node: ast.AST, state: dict[str, str]) -> Misuse | None:
        facts = self.facts
        if isinstance(node, ast.AugAssign):
            target = node.target
            found = self.resolve(target if isinstance(target, ast.Name) else target.value, state) if isinstance(target, (ast.Name, ast.Subscript)) else None
            if found and found[1] == TENSOR and self._outside_inference(node):
                return Misuse(node, found[0], IN_PLACE, f"`{facts.text(target)} {_op(node.op)}= ...`")
            return None
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Subscript):
                    found = self.resolve(target.value, state)
                    if found and found[1] == TENSOR and self._outside_inference(node):
                        return Misuse(node, found[0], IN_PLACE, f"`{facts.text(target)} = ...`")
            return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.MatMult)):
            return self._product(node, [node.left, node.right], state)
        if not isinstance(node, ast.Call):
            return None
        func = node.func
        qualified = facts.imports.qualname(func)
        if isinstance(func, ast.Attribute) and is_inplace_method(func.attr):
            receiver = inplace_receiver(node)
            found = self.resolve(receiver, state) if receiver is not None else None
            if found and found[1] == TENSOR and self._outside_inference(node):
                return Misuse(node, found[0], IN_PLACE, f"`.{func.attr}()`")
            return None
        if qualified is not None and qualified.split(".")[-1].endswith("_") and node.args:
            found = self.resolve(node.args[0], state)
            if found and found[1] == TENSOR and self._outside_inference(node):
                return Misuse(node, found[0], IN_PLACE, f"`{qualified}`")
            return None
        if qualified in PRODUCT_FUNCTIONS:
            return self._product(node, list(node.args), state)
        arguments = [*node.args, *(k.value for k in node.keywords)]
        if facts.modules.is_forward(node):
            found = self._first_resolved(arguments, state)
            if found and self._mode(node) is GradMode.ENABLED and self._has_backward(node) and not self._frozen_module(node):
                return Misuse(node, found, SAVED, f"the input of the trained module `{facts.text(func)}`")
            return None
        if facts.modules.is_loss_call(node):
            resolved = [self.resolve(a, state) for a in arguments]
            resolved = [r if r and r[1] != CONTAINER else None for r in resolved]
            found = next((r[0] for r in resolved if r), None)
            others = [a for a, r in zip(arguments, resolved) if r is None and not isinstance(a, ast.Constant)]
            if found and others and self._mode(node) is GradMode.ENABLED and self._has_backward(node):
                return Misuse(node, found, SAVED, f"an argument of the loss `{facts.text(func)}`")
        return None

    def _product(self, node: ast.AST, factors: list[ast.AST], state) -> Misuse | None:
        if self._mode(node) is not GradMode.ENABLED:
            return None
        for index, factor in enumerate(factors):
            found = self.resolve(factor, state)
            if not found or found[1] == CONTAINER:
                continue
            for other in factors[:index] + factors[index + 1:]:
                param = self._params.parameter(other)
                if param is not None and not self._params.is_frozen(param, other):
                    return Misuse(node, found[0], SAVED, f"a factor of a product with the parameter `{self.facts.text(other)}`")
        return None

    def _first_resolved(self, arguments, state) -> str | None:
        for argument in arguments:
            found = self.resolve(argument, state)
            if found:
                return found[0]
        return None

    def _outside_inference(self, node: ast.AST) -> bool:
        return self._mode(node) in (GradMode.ENABLED, GradMode.DISABLED)

    def _has_backward(self, node: ast.AST) -> bool:
        scope = self.facts.tree.scope_of(node)
        if scope not in self._backward_scopes:
            self._backward_scopes[scope] = bool(backwards_in(self.facts, scope))
        return self._backward_scopes[scope]

    def _frozen_module(self, call: ast.Call) -> bool:
        callee = self.facts.modules.callee(call)
        path = dotted(callee) if callee is not None else None
        if path is None:
            return False
        frozen = self._params.frozen
        scope_key = holder_scope(self.facts.tree, callee, path)
        return (scope_key, path) in frozen or (self.facts.tree.module, path) in frozen


def region_misuses(facts, region: Region) -> list[Misuse]:
    """The first misuses of the tensors a `with` region makes (after the block, in its function)."""
    tracker = InferenceTensors(facts, region)
    state = tracker.made(region.body)
    if state and region.with_node is not None:
        tracker.follow(region.with_node, state)
    return tracker.misuses


def decorated_misuses(facts, region: Region) -> list[Misuse]:
    """Misuses of what an `@inference_mode` function of this file returns, at its call sites in this file."""
    function = region.function
    tracker = InferenceTensors(facts, region)
    tracker.made(function.body)
    if not tracker.returned(function):
        return []
    if not isinstance(facts.tree.parent(function), ast.Module):
        return []  # a method or a nested function: its calls are not followed
    if sum(1 for f in facts.tree.functions if f.name == function.name) > 1:
        return []
    tracker.inference_functions = frozenset({function.name})
    for call in facts.tree.calls:
        if isinstance(call.func, ast.Name) and call.func.id == function.name and not facts.tree.is_inside(call, function):
            stmt = facts.tree.statement_of(call)
            tracker.before = {}
            after = dict(tracker.run([stmt], {f"{function.name}(...)": TENSOR}) or {})
            after.pop(f"{function.name}(...)", None)
            if after:
                tracker.follow(stmt, after)
    return tracker.misuses


# -- small helpers ---------------------------------------------------------------------


def _rebound(stmt: ast.stmt, state: dict[str, str], bind) -> dict[str, str]:
    """state (edited) after the names one simple statement binds: `bind(target, value, state)` for
    each `:=` in it, then for its assignment; `del` and imports drop names."""
    for node in _own_nodes(stmt):
        if isinstance(node, ast.NamedExpr):
            bind(node.target, node.value, state)
    if isinstance(stmt, ast.Assign):
        for target in stmt.targets:
            bind(target, stmt.value, state)
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        bind(stmt.target, stmt.value, state)
    elif isinstance(stmt, ast.Delete):
        for target in stmt.targets:
            if isinstance(target, ast.Name):
                state.pop(target.id, None)
    elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
        for alias in stmt.names:
            state.pop((alias.asname or alias.name).split(".")[0], None)
    return state


def _own_nodes(stmt: ast.stmt):
    """The nodes of a simple statement, depth first in source order, not those of a lambda's body
    (it runs elsewhere)."""
    stack = [stmt]
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, ast.Lambda):
            stack.extend(reversed(list(ast.iter_child_nodes(node))))


def _without(state: dict[str, str], names) -> dict[str, str]:
    return {k: v for k, v in state.items() if k not in names}


def _either(a: dict[str, str], b: dict[str, str]) -> dict[str, str]:
    """Names that may hold inference tensors on either path (of two different kinds: untracked)."""
    merged = dict(a)
    for name, kind in b.items():
        if merged.setdefault(name, kind) != kind:
            del merged[name]
    return merged


def _both(a: dict[str, str], b: dict[str, str]) -> dict[str, str]:
    """Names that hold the same kind of value on both paths (a detached view wins: torch allows its in-place updates)."""
    merged = {}
    for name, kind in a.items():
        other = b.get(name)
        if other == kind:
            merged[name] = kind
        elif {kind, other} == {TENSOR, DETACHED}:
            merged[name] = DETACHED
    return merged


COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _expression_nodes(root: ast.AST, state: dict[str, str]):
    """(node, the names visible there) for the nodes of a simple statement or a header expression.

    Nested function bodies run elsewhere; a comprehension's own variables hide the outer names
    they spell (`[f(x) for x in batch]` does not read an outer `x`), except in its first iterable,
    which is evaluated outside it."""
    stack = [(root, state)]
    while stack:
        node, visible = stack.pop()
        yield node, visible
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, COMPREHENSIONS):
            bound = {leaf.id for g in node.generators for leaf in assigned_names(g.target) if isinstance(leaf, ast.Name)}
            inner = _without(visible, bound)
            stack.extend(reversed([(c, visible if c is node.generators[0].iter else inner) for c in _comprehension_parts(node)]))
            continue
        stack.extend(reversed([(c, visible) for c in ast.iter_child_nodes(node)]))


def _comprehension_parts(node) -> list[ast.AST]:
    parts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
    for generator in node.generators:
        parts += [generator.iter, *generator.ifs]
    return parts


def _op(op: ast.operator) -> str:
    return {
        ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**",
        ast.MatMult: "@", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>",
    }.get(type(op), "?")
