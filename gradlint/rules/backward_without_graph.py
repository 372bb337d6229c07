from __future__ import annotations

import ast

from gradlint.analysis.bindings import holder_scope
from gradlint.analysis.grad_mode import context_effect, decorator_effect, GradMode
from gradlint.analysis.names import dotted
from gradlint.analysis.tree import FUNCTION_TYPES
from gradlint.finding import Applicability
from gradlint.fixes import make_fix
from gradlint.rules.base import Rule

MESSAGE = (
    "Backward of a value computed with grad disabled raises at run time. "
    "`RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn`"
)


class BackwardWithoutGraph(Rule):
    """
    ## What it flags
    A backward (`loss.backward()`, `torch.autograd.grad(loss, ...)`, ...) inside a
    grad-disabled region (`with torch.no_grad()`, `inference_mode()`,
    `set_grad_enabled(False)`, or a function decorated with them) on a value
    computed in that same region.

    A backward inside `no_grad` of a loss built before the region works and is
    not flagged.

    ## Why it matters
    Nothing computed with grad disabled has a `grad_fn`, so the backward raises
    `RuntimeError: element 0 of tensors does not require grad and does not have a
    grad_fn`.

    ## Example
    ```python
    with torch.no_grad():
        loss = F.mse_loss(model(x), y)
        loss.backward()
    ```

    ## Fix
    Compute the loss outside the `no_grad` block. gradlint does not rewrite this
    (display only): which statements belong outside is a design decision.

    ## Fix safety
    Display only.
    """

    code = "GL303"
    name = "backward-without-graph"
    summary = "backward of a value computed with grad disabled"
    fix_applicability = "display-only"
    triggers = ("backward", "autograd")  # `from torch.autograd import grad`

    def check(self, facts):
        for backwards in facts.flow.backwards_by_scope().values():
            for backward in backwards:
                if not isinstance(backward.node, ast.Call) or not facts.grad_mode_at(backward.node).grad_off:
                    continue
                region = _disabling_region(facts, backward.node)
                if region is None:
                    continue
                if _computed_in(facts, region, backward.roots[0], backward.node):
                    fix = make_fix(Applicability.DISPLAY_ONLY, "Compute the loss outside the grad-disabled region", [])
                    yield self.finding(facts, backward.node, MESSAGE, fix)


def _disabling_region(facts, node):
    """The innermost with-block or decorated function that turns grad off around node."""
    for ancestor in facts.tree.ancestors(node):
        if isinstance(ancestor, (ast.With, ast.AsyncWith)):
            for item in ancestor.items:
                effect = context_effect(facts.imports, item.context_expr)
                if effect is not None:
                    return ancestor if effect(GradMode.ENABLED).grad_off else None
        if isinstance(ancestor, FUNCTION_TYPES):
            effect = decorator_effect(facts.imports, ancestor)
            if effect is not None and effect(GradMode.ENABLED).grad_off:
                return ancestor
            return None
    return None


def _computed_in(facts, region, root, backward) -> bool:
    """Is root computed inside region before the backward: every assignment of the name that
    reaches it (for an attribute path, its last assignment before it) is in region and computes
    (a call or an operator)?"""
    if not isinstance(root, (ast.Name, ast.Attribute)):
        return False
    table = facts.bindings(facts.tree.scope_of(backward))
    if isinstance(root, ast.Name):
        assigned = [b for b in table.reaching(root) if isinstance(b.node, ast.Assign)]
        if len(assigned) != len(table.reaching(root)):
            return False
    else:
        path = dotted(root)
        assigned = facts.assignments.get((holder_scope(facts.tree, backward, path), path), ())
        before = [b for b in assigned if isinstance(b.node, ast.Assign) and b.kind in ("value", "part")
                  and (b.node.lineno, b.node.col_offset) < (backward.lineno, backward.col_offset)]
        assigned = [max(before, key=lambda b: (b.node.lineno, b.node.col_offset))] if before else []
    return bool(assigned) and all(
        facts.tree.is_inside(b.node, region) and any(isinstance(n, (ast.Call, ast.BinOp)) for n in ast.walk(b.value))
        for b in assigned)
