from __future__ import annotations

import ast

from gradlint.analysis.vocabulary import GRAD_MODE_CONTEXTS
from gradlint.finding import Applicability
from gradlint.fixes import add_call_parentheses, make_fix
from gradlint.rules.base import Rule


class GradModeNotCalled(Rule):
    """
    ## What it flags
    A grad-mode class used in a `with` statement without being called:
    `with torch.no_grad:`, `with torch.inference_mode:`, `with torch.enable_grad:`,
    `with torch.set_grad_enabled:`, under any import spelling or alias.

    ## Why it matters
    These are classes; a `with` needs an instance. The statement raises
    `TypeError: 'type' object does not support the context manager protocol`
    before its body runs. (As a decorator, a bare `@torch.no_grad` works and is
    not flagged.)

    ## Example
    ```python
    with torch.no_grad:
        logits = model(x)
    ```

    ## Fix
    Call it:
    ```python
    with torch.no_grad():
        logits = model(x)
    ```

    ## Fix safety
    Safe: the statement could not run before. `set_grad_enabled` needs an
    argument, so for it the fix is not offered.
    """

    code = "GL302"
    name = "grad-mode-not-called"
    summary = "grad-mode context manager used without calling it"
    fix_applicability = "safe"
    triggers = ("no_grad", "inference_mode", "enable_grad", "set_grad_enabled")

    def check(self, facts):
        for with_node in facts.tree.withs:
            for item in with_node.items:
                expr = item.context_expr
                if isinstance(expr, ast.Call):
                    continue
                name = facts.imports.qualname(expr)
                if name not in GRAD_MODE_CONTEXTS:
                    continue
                short = name.split(".")[-1]
                fix = None
                if short != "set_grad_enabled":
                    fix = make_fix(Applicability.SAFE, f"Call it: `{facts.text(expr)}()`", [add_call_parentheses(facts, expr)])
                yield self.finding(
                    facts,
                    expr,
                    f"`{facts.text(expr)}` is not called: the `with` raises on entry. "
                    f"`TypeError: 'type' object does not support the context manager protocol`",
                    fix,
                )
