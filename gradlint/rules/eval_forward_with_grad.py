from __future__ import annotations

import ast

from gradlint.analysis.escape import calls_unseen_code, inference_mode_proven
from gradlint.analysis.grad_mode import GradMode
from gradlint.analysis.names import dotted
from gradlint.analysis.training import (
    builds_no_graph,
    evaluation_phase,
    is_test_code,
    output_may_be_trained,
    result_discarded,
    retried_with_grad,
)
from gradlint.analysis.tree import FUNCTION_TYPES
from gradlint.analysis.vocabulary import GRAD_ENABLING_CONTEXTS
from gradlint.finding import Applicability
from gradlint.fixes import add_decorator, kept_applicability, make_fix, torch_callable, wrap_in_no_grad
from gradlint.rules.base import Rule

MESSAGE = (
    "Forward in evaluation code with grad enabled saves activations for a backward that never comes. "
    "Run it under `torch.no_grad()` (`gradlint explain GL101`: the measured cost)"
)


class EvalForwardWithGrad(Rule):
    """
    ## What it flags
    A forward (a call of a module object: `model(x)`, `self.net(x)`, `self(x)`,
    `model.forward(x)`) with grad enabled in evaluation code: a function that put
    the module in eval mode (`model.eval()`, `model.train(False)`) and has no
    backward anywhere, a method that every caller runs in such code after putting
    its module in eval mode (`self.net.eval()` then `self._predict_batch(x)`), a method
    of a class whose `__init__` puts a model it holds in eval mode (`self.model.eval()`; not
    `self.eval()` after loading weights) and none of whose methods trains or backpropagates
    (an explainer holding the model it explains), or
    module-level script code after `model.eval()`, with no `.train()` of the module
    between the two (`if freeze: m.eval() else: m.train()` may leave it training).
    The outputs never reach a backward.

    Quiet when grad is disabled there in any way, including a function whose every
    call site in the analysed files runs under `no_grad`, Lightning's
    `validation_step`/`test_step`/`predict_step`, MMEngine's `val_step`/`test_step`/`predict`
    (its loops run them under `no_grad`), and test code (`test_*` files and functions, test helpers).
    `eval()` in a function that also calls a backward only freezes BatchNorm and
    dropout: that forward is trained and not flagged. Nor is a forward whose output
    the function hands back to a caller that may train on it: a module's `forward`,
    the `__call__` of a class named as a loss (`SumPseudoLoss`),
    or a helper whose result a caller keeps with grad on outside evaluation code
    (a descriptor run in eval mode inside a differentiable pipeline). A forward whose result
    is thrown away (a warm-up, a check; hooks are GL103's) is not flagged either, nor one
    whose output goes into a callable handed in from outside (an argument, or `self.op`
    stored from one), which may differentiate it (a PDE residual's derivatives), nor a
    fallback in the `except` of a `try` that ran the work under `no_grad` first (the
    model needs grad in its forward), nor a forward of a project module class whose
    `forward` computes gradients itself (`torch.autograd.grad` for a gradient penalty;
    for an argument typed by a base class, that of any subclass): under `no_grad` it raises.

    ## Why it matters
    With grad enabled every forward saves its activations for a backward. In
    evaluation nobody calls backward, so the memory and time are wasted: on a
    4-block CNN (batch 32, 3x64x64) the forward saves 113.5 MiB for backward and
    peaks 55-61% higher than under `no_grad`. Outputs kept across batches keep
    their whole graphs alive.

    ## Example
    ```python
    def evaluate(model, loader):
        model.eval()
        correct = 0
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
        return correct
    ```

    ## Fix
    ```python
    @torch.no_grad()
    def evaluate(model, loader):
        ...
    ```
    Module-level code is wrapped in `with torch.no_grad():` instead, and so are
    the flagged statements alone in a function that calls an object the analysis
    cannot name (a callable handed in, such as an attribution method, may compute
    gradients that a decorator would turn off).

    ## Fix safety
    Safe: the function has no backward, so no gradient it computes is used. Unsafe when the output
    is stored on `self` under a name no file of the project reads back: code outside the
    project could still read it and backpropagate.
    No fix is offered for `async` functions or when the function turns grad back
    on (`enable_grad`, `requires_grad_`).
    """

    code = "GL101"
    name = "eval-forward-with-grad"
    summary = "forward with grad enabled in evaluation code"
    fix_applicability = "safe"
    triggers = (".eval()", ".train(False)")

    def check(self, facts):
        hits = [(call, facts.flow.analysis_scope(call)) for call in facts.modules.forwards
                if self.why_quiet(facts, call) is None]
        statements = [facts.tree.statement_of(call) for call, _ in hits]
        for (call, scope), stmt in zip(hits, statements):
            yield self.finding(facts, call, MESSAGE, self._fix(facts, scope, stmt, statements, kept_applicability(facts, call)))

    def why_quiet(self, facts, call):
        mode = facts.grad_mode_at(call)
        if mode is not GradMode.ENABLED:
            return f"grad mode is {mode.value}"
        scope = facts.flow.analysis_scope(call)
        if is_test_code(facts, scope):
            return "test code"
        callee = facts.modules.callee(call)
        path = dotted(callee) if callee is not None else None
        if path is None:
            return "the module is not a plain name or attribute path"
        if not evaluation_phase(facts, scope, call, path):
            if facts.flow.backwards(scope) and not isinstance(scope, ast.Module):
                return "the scope has a backward"
            return f"not evaluation code: no .eval() of {path} before it here or at every call site"
        fate = facts.flow.fate(call)
        if fate.reaches_backward:
            return "the output reaches a backward"
        if fate.escapes and output_may_be_trained(facts, scope):
            return "the output goes back to a caller that may train on it"
        if fate.callback:
            return "the output goes into a callable handed in from outside, which may differentiate it"
        if result_discarded(facts, call):
            return "the result is discarded (a warm-up or check; hooks are GL103's)"
        if builds_no_graph(facts, call):
            return "a frozen module on inputs without a graph saves nothing"
        if facts.modules.may_run_without_grad(call):
            return "the module's own forward may turn grad off (its class decides): no graph is proven"
        if retried_with_grad(facts, call):
            return "a fallback after the same work under no_grad raised: the model needs grad"
        if facts.modules.runs_autograd(call):
            return "the module's forward computes gradients itself (torch.autograd.grad): no_grad would make it raise"
        return None

    def _fix(self, facts, scope, stmt, statements, applicability):
        if isinstance(scope, FUNCTION_TYPES) and calls_unseen_code(facts, scope):
            # that code may need grad: turn it off around the forwards only
            return wrap_in_no_grad(facts, stmt, statements, applicability=applicability)
        if isinstance(scope, FUNCTION_TYPES):
            if isinstance(scope, ast.AsyncFunctionDef) or _turns_grad_on(facts, scope):
                return None
            if inference_mode_proven(facts, scope):
                # what GL401 would ask for next: write the final form at once
                name, imports = torch_callable(facts, "inference_mode")
                message = ("Decorate the function with `@torch.inference_mode()` (nothing it makes reaches autograd "
                           "later, and it also skips view tracking)")
            else:
                name, imports = torch_callable(facts, "no_grad")
                message = "Decorate the function with `@torch.no_grad()`"
            return make_fix(applicability, message, [*imports, *add_decorator(facts, scope, f"{name}()")])
        return wrap_in_no_grad(facts, stmt, statements, applicability=applicability)


def _turns_grad_on(facts, function) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            name = facts.imports.qualname(node.func)
            if name in GRAD_ENABLING_CONTEXTS:
                return True
            if isinstance(node.func, ast.Attribute) and node.func.attr == "requires_grad_":
                return True
    return False
