"""Which grad mode a node runs in: enabled, disabled (no_grad), inference, or unknown.

Covers `with` items (several per statement too), decorators with and without
parentheses, `set_grad_enabled` as a block and as a statement, `enable_grad`,
`inference_mode(False)`, framework entry points, and functions whose every
call site runs with grad disabled (from the project index).
"""

from __future__ import annotations

import ast
import enum
from functools import cached_property
from typing import Callable

from gradlint.analysis.dataflow import ForwardAnalysis
from gradlint.analysis.names import ImportTable
from gradlint.analysis.tree import FUNCTION_TYPES, Tree, is_false, is_true
from gradlint.analysis.vocabulary import TORCHSCRIPT_ONLY_TESTS


class GradMode(str, enum.Enum):
    ENABLED = "enabled"
    DISABLED = "disabled"
    INFERENCE = "inference"
    UNKNOWN = "unknown"

    @property
    def grad_off(self) -> bool:
        return self in (GradMode.DISABLED, GradMode.INFERENCE)


LIGHTNING_BASES = frozenset({"lightning.LightningModule", "lightning.pytorch.LightningModule"})
MMENGINE_BASES = frozenset({"mmengine.model.BaseModel", "mmengine.model.base_model.BaseModel"})
# methods a framework runs with grad off, by the base class whose protocol defines them, and the mode:
# Lightning's evaluation hooks (inference_mode by default in Lightning 2); MMEngine's `val_step`,
# `test_step` and the `predict` mode they dispatch to (its ValLoop/TestLoop run them under no_grad)
FRAMEWORK_NO_GRAD_METHODS: dict[str, tuple[frozenset[str], "GradMode"]] = {
    **{base: (frozenset({"validation_step", "test_step", "predict_step"}), GradMode.INFERENCE) for base in LIGHTNING_BASES},
    **{base: (frozenset({"val_step", "test_step", "predict"}), GradMode.DISABLED) for base in MMENGINE_BASES},
}

Effect = Callable[[GradMode], GradMode]


def _inference_flag(call: ast.Call) -> bool | None:
    """inference_mode(mode=True): True, False, or None when not a literal."""
    arg = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "mode"), None)
    if arg is None or is_true(arg):
        return True
    if is_false(arg):
        return False
    return None


def _grad_flag(call: ast.Call) -> bool | None:
    arg = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "mode"), None)
    if is_true(arg):
        return True
    if is_false(arg):
        return False
    return None


def _enable(outer: GradMode) -> GradMode:
    # enable_grad cannot leave inference mode
    return GradMode.INFERENCE if outer is GradMode.INFERENCE else GradMode.ENABLED


def _disable(outer: GradMode) -> GradMode:
    return GradMode.INFERENCE if outer is GradMode.INFERENCE else GradMode.DISABLED


def _leave_inference(outer: GradMode) -> GradMode:
    # inference_mode(False) keeps the surrounding grad mode; inside inference mode that is "off"
    return GradMode.DISABLED if outer is GradMode.INFERENCE else outer


def context_effect(imports: ImportTable, expr: ast.AST, as_decorator: bool = False) -> Effect | None:
    """How a `with` item or decorator changes the grad mode; None if it is not a grad-mode object.

    A bare `torch.no_grad` works as a decorator but raises in a `with` (GL302): no effect there.
    """
    if isinstance(expr, ast.Call):
        name = imports.qualname(expr.func)
        if name == "torch.no_grad":
            return _disable
        if name == "torch.enable_grad":
            return _enable
        if name == "torch.inference_mode":
            flag = _inference_flag(expr)
            if flag is True:
                return lambda outer: GradMode.INFERENCE
            if flag is False:
                return _leave_inference
            return lambda outer: GradMode.UNKNOWN
        if name == "torch.set_grad_enabled":
            flag = _grad_flag(expr)
            if flag is True:
                return _enable
            if flag is False:
                return _disable
            return lambda outer: GradMode.INFERENCE if outer is GradMode.INFERENCE else GradMode.UNKNOWN
        return None
    if as_decorator:
        name = imports.qualname(expr)
        if name == "torch.no_grad":
            return _disable
        if name == "torch.enable_grad":
            return _enable
        if name == "torch.inference_mode":
            return lambda outer: GradMode.INFERENCE
    return None


def set_grad_statement(imports: ImportTable, stmt: ast.stmt) -> Effect | None:
    """`torch.set_grad_enabled(False)` used as a statement changes the mode from there on."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        if imports.qualname(stmt.value.func) == "torch.set_grad_enabled":
            return context_effect(imports, stmt.value)
    return None


def decorator_effect(imports: ImportTable, function) -> Effect | None:
    effect = None
    # the decorator nearest the def is applied first
    for decorator in reversed(function.decorator_list):
        found = context_effect(imports, decorator, as_decorator=True)
        if found is not None:
            effect = found if effect is None else (lambda outer, a=effect, b=found: b(a(outer)))
    return effect


def effect_of_mode(mode: str | GradMode | None) -> Effect | None:
    """The effect of a wrapper that sets `mode` (a project wrapper that disables grad, say)."""
    if mode is None:
        return None
    mode = GradMode(mode)
    if mode is GradMode.INFERENCE:
        return lambda outer: GradMode.INFERENCE
    if mode is GradMode.DISABLED:
        return _disable
    if mode is GradMode.ENABLED:
        return _enable
    return None


def meet_modes(modes) -> GradMode | None:
    """The grad-off mode all of these share: INFERENCE when all are, DISABLED when all are off, else
    None (also for none at all). Reads `modes` only up to the first that is not off: a method name
    shared with other objects (`?update`) may have thousands of call sites."""
    inference, any_mode = True, False
    for mode in modes:
        if mode is None or not mode.grad_off:
            return None
        any_mode = True
        inference = inference and mode is GradMode.INFERENCE
    if not any_mode:
        return None
    return GradMode.INFERENCE if inference else GradMode.DISABLED


# the mode of a body whose callers decide (while the project index is built)
_INHERIT = object()


def _concrete(mode) -> GradMode:
    """A mode to apply a change to: an inherited mode counts as enabled, as in most callers."""
    return GradMode.ENABLED if mode is None or mode is _INHERIT else mode


class _GradModeFlow(ForwardAnalysis):
    """The grad mode statement by statement through one body: `set_grad_enabled(False)` as a
    statement changes it from there on, a grad-mode `with` block sets it for its body and
    restores it after, branches that disagree leave it unknown."""

    def __init__(self, resolver: "GradModeResolver", entry):
        super().__init__()
        self.resolver = resolver
        self.entry = entry  # the mode the body starts in (`_INHERIT`: its callers')

    def join(self, a, b):
        return a if a == b else GradMode.UNKNOWN

    def transfer(self, stmt: ast.stmt, state):
        effect = set_grad_statement(self.resolver.imports, stmt)
        return effect(_concrete(state)) if effect is not None else state

    def header(self, stmt: ast.stmt, expr: ast.AST, state):
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            return self.resolver.after_item(stmt, expr, state)
        return state

    def leave(self, stmt: ast.stmt, entry, end):
        # torch's grad-mode context managers restore on exit the mode they found
        scope = self.resolver.tree.scope_of(stmt)
        if any(self.resolver.effect(item.context_expr, False, scope) is not None for item in stmt.items):
            return entry
        return end


def _then(first: Effect | None, second: Effect | None) -> Effect | None:
    if first is None:
        return second
    if second is None:
        return first
    return lambda outer: second(first(outer))


class GradModeResolver:
    """Answers grad_mode_at(node) for one file.

    `function_base` gives the mode a function body starts in when no decorator
    says otherwise (framework entries, the project index); None means "inherit
    from the caller", used while building the project index.
    """

    def __init__(self, tree: Tree, imports: ImportTable, function_base: Callable[[ast.AST], GradMode | None],
                 project_effect: Callable[[ast.AST, bool, ast.AST], Effect | None] | None = None):
        self.tree = tree
        self.imports = imports
        self.function_base = function_base
        # the effect of the project's own wrappers (`@smart_inference_mode()`, `with evaluating:`)
        self.project_effect = project_effect
        self._before: dict[ast.stmt, GradMode | None] = {}
        self._flows: dict[ast.AST, _GradModeFlow] = {}

    def effect(self, expr: ast.AST, as_decorator: bool, scope: ast.AST) -> Effect | None:
        """How a `with` item or decorator changes the mode: torch's own, or a project wrapper."""
        found = context_effect(self.imports, expr, as_decorator)
        if found is None and self.project_effect is not None:
            found = self.project_effect(expr, as_decorator, scope)
        return found

    def function_mode(self, function: ast.AST) -> GradMode | None:
        """The mode a function body starts in."""
        base = self.function_base(function)
        if isinstance(function, FUNCTION_TYPES):
            effect = None
            scope = self.tree.scope_of(function)
            # the decorator nearest the def is applied first
            for decorator in reversed(function.decorator_list):
                effect = _then(effect, self.effect(decorator, True, scope))
            if effect is not None:
                return effect(base or GradMode.ENABLED)
        return base

    def mode_before(self, stmt: ast.stmt) -> GradMode | None:
        if stmt in self._before:
            return self._before[stmt]
        if self._statements_set_grad:
            mode = self._flow_mode(stmt)
        else:
            mode = self._nested_mode(stmt)
        self._before[stmt] = mode
        return mode

    @cached_property
    def _statements_set_grad(self) -> bool:
        """Does the file change the grad mode by statement anywhere? (Most files don't: the
        blocks and decorators around a statement then decide alone.)"""
        return any(set_grad_statement(self.imports, node) for node in self.tree.nodes(ast.Expr))

    def _nested_mode(self, stmt: ast.stmt) -> GradMode | None:
        """The mode the `with` blocks, decorators and callers around a statement give it."""
        parent = self.tree.parent(stmt)
        if parent is None or isinstance(parent, ast.Module):
            return GradMode.ENABLED
        if isinstance(parent, FUNCTION_TYPES):
            return self.function_mode(parent)
        if isinstance(parent, (ast.With, ast.AsyncWith)) and any(s is stmt for s in parent.body):
            return self._entered(parent, self.mode_before(parent))
        if isinstance(parent, ast.stmt):
            return self.mode_before(parent)
        # an except handler or match case: its statement's parent
        return self.mode_before(self.tree.statement_of(parent))

    def _entered(self, with_node: ast.stmt, mode: GradMode | None) -> GradMode | None:
        """The mode in a `with` statement's body, given the mode before it."""
        for item in with_node.items:
            mode = self.after_item(with_node, item.context_expr, mode)
        return mode

    def after_item(self, with_node: ast.stmt, expr: ast.AST, mode):
        """The mode after one `with` item's context expression is entered."""
        effect = self.effect(expr, False, self.tree.scope_of(with_node))
        return mode if effect is None else effect(_concrete(mode))

    def _flow_mode(self, stmt: ast.stmt) -> GradMode | None:
        """The mode before a statement of a file that sets it by statement, from the dataflow
        solver run over the body the statement is in (a function's, a class's, the module's)."""
        unit = next((a for a in self.tree.ancestors(stmt) if isinstance(a, (*FUNCTION_TYPES, ast.ClassDef, ast.Module))), None)
        if unit is None:
            return GradMode.ENABLED
        flow = self._flows.get(unit)
        if flow is None:
            if isinstance(unit, ast.Module):
                entry = GradMode.ENABLED
            elif isinstance(unit, ast.ClassDef):
                entry = self.mode_before(unit)
            else:
                entry = self.function_mode(unit)
            flow = self._flows[unit] = _GradModeFlow(self, _INHERIT if entry is None else entry)
            flow.run(unit.body, flow.entry)
        found = flow.before.get(stmt)
        if found is None:
            return self._nested_mode(stmt)  # after a return (never runs): judged by its blocks alone
        return None if found is _INHERIT else found

    def mode_at(self, node: ast.AST) -> GradMode | None:
        """The grad mode node runs in (None: inherited from an unknown caller)."""
        if isinstance(node, ast.stmt):
            return self.mode_before(node)
        # a lambda's body runs where it is called; judge it where it is defined, in a function (`model.apply(lambda
        # m: ...)`). One made outside any function (a module-level table of callbacks) runs whenever its holder
        # calls it: no mode is known there
        if isinstance(self.tree.scope_of(node), ast.Lambda) and self.tree.function_of(node) is None:
            return GradMode.UNKNOWN
        stmt = self.tree.statement_of(node)
        return self.mode_before(stmt)

    def grad_mode_at(self, node: ast.AST) -> GradMode:
        if self._scripting_arms and self._scripting_only(node):
            return GradMode.UNKNOWN
        mode = self.mode_at(node)
        return GradMode.ENABLED if mode is None else mode

    @cached_property
    def _scripting_arms(self) -> frozenset[int]:
        """The ids of the statements that run only while TorchScript compiles the code: the body
        of `if torch.jit.is_scripting():` (the `else` of `if not ...`). Eager code never runs them,
        so no eager grad mode holds there."""
        arms = set()
        for branch in self.tree.nodes(ast.If):
            test, negated = branch.test, False
            if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
                test, negated = test.operand, True
            if isinstance(test, ast.Call) and self.imports.qualname(test.func) in TORCHSCRIPT_ONLY_TESTS:
                arms.update(id(stmt) for stmt in (branch.orelse if negated else branch.body))
        return frozenset(arms)

    def _scripting_only(self, node: ast.AST) -> bool:
        arms = self._scripting_arms
        return id(node) in arms or any(id(a) in arms for a in self.tree.ancestors(node))
