from __future__ import annotations

import ast

from gradlint.analysis.grad_mode import GradMode
from gradlint.analysis.training import builds_no_graph, is_test_code, result_discarded, retried_with_grad, training_region
from gradlint.fixes import kept_applicability, wrap_in_no_grad
from gradlint.rules.base import Rule

MESSAGE = (
    "Forward in training code whose output never reaches the backward saves its activations for nothing. "
    "Run it under `torch.no_grad()`"
)


class UntrainedForwardInTraining(Rule):
    """
    ## What it flags
    In training code (a function or loop body with a backward), a forward with
    grad enabled whose outputs never reach that backward: a validation batch
    evaluated every N steps, a target network in DQN, a teacher whose output is
    only used `.detach()`ed.

    Quiet when the output flows into the loss (GAN steps, distillation students),
    leaves the function (returned, stored on `self`), goes into a call we cannot
    see into, when the analysed code froze that module (`requires_grad_(False)`
    on it or its parameters) and its input carries no graph, and when the output
    is thrown away (`model(x)` as a statement: run for its side effects, such as
    BatchNorm statistics or forward hooks that may feed the loss). Quiet also for
    a forward in one arm of a branch whose other arm alone binds the loss the
    backward reads (`loss = out[0]` indented under the `else`): on the forward's
    path the backward raises or reads another iteration's loss, so which forward
    trains is out of view. Nor a fallback in the `except` of a `try` that ran the
    work under `no_grad` first, nor a forward of a project module class whose
    `forward` computes gradients itself (`torch.autograd.grad`): under `no_grad`
    it raises.

    ## Why it matters
    The forward saves activations for a backward that will not use them: the
    same waste as an evaluation forward (55-61% of peak memory on a CNN), inside
    the training step, where memory is tightest.

    ## Example
    ```python
    for step, (x, y) in enumerate(loader):
        loss = criterion(model(x), y)
        loss.backward()
        opt.step()
        if step % 100 == 0:
            val_out = model(val_x)
            print((val_out.argmax(1) == val_y).float().mean().item())
    ```

    ## Fix
    ```python
            with torch.no_grad():
                val_out = model(val_x)
    ```

    ## Fix safety
    Safe: the output does not reach the backward, so no gradient changes. Unsafe when the output
    is stored on `self` under a name no file of the project reads back: code outside the
    project could still read it.
    No fix is offered when the statement also computes something that does.
    """

    code = "GL102"
    name = "untrained-forward-in-training"
    summary = "forward in training code whose output never reaches the backward"
    fix_applicability = "safe"
    triggers = ("backward", "autograd", "training_step")  # `from torch.autograd import grad`

    def check(self, facts):
        hits = [call for call in facts.modules.forwards if self.why_quiet(facts, call) is None]
        statements = [facts.tree.statement_of(call) for call in hits]
        for call, stmt in zip(hits, statements):
            fix = None
            if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr)) and not self._statement_trains(facts, stmt):
                fix = wrap_in_no_grad(facts, stmt, statements, applicability=kept_applicability(facts, call))
            yield self.finding(facts, call, MESSAGE, fix)

    def why_quiet(self, facts, call):
        mode = facts.grad_mode_at(call)
        if mode is not GradMode.ENABLED:
            return f"grad mode is {mode.value}"
        if is_test_code(facts, facts.flow.analysis_scope(call)):
            return "test code"
        if training_region(facts, call) is None:
            return "not training code (no backward in the scope or the loop around)"
        unbound = facts.flow.unbound_loss_arm(call)
        if unbound is not None:
            return f"the backward's `{unbound}` is bound only in another arm of a branch around this forward"
        fate = facts.flow.fate(call)
        if fate.reaches_backward:
            return "the output reaches a backward"
        if fate.escapes:
            return "the output escapes the scope"
        if fate.unknown:
            return "the output goes into code the analysis cannot see"
        if result_discarded(facts, call):
            # run for its side effects: hooks that may feed the loss, BatchNorm statistics, a check
            return "the result is discarded"
        if builds_no_graph(facts, call):
            return "a frozen module on inputs without a graph saves nothing"
        if facts.modules.may_run_without_grad(call):
            return "the module's own forward may turn grad off (its class decides): no graph is proven"
        if retried_with_grad(facts, call):
            return "a fallback after the same work under no_grad raised: the model needs grad"
        if facts.modules.runs_autograd(call):
            return "the module's forward computes gradients itself (torch.autograd.grad): no_grad would make it raise"
        return None

    @staticmethod
    def _statement_trains(facts, stmt) -> bool:
        """Does anything in the statement reach a backward (then wrapping it would break training)?"""
        for node in ast.walk(stmt):
            if isinstance(node, ast.Call) and facts.flow.fate(node).reaches_backward:
                return True
        return False
