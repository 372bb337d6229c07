from __future__ import annotations

import ast

from gradlint.analysis.grad_mode import GradMode
from gradlint.analysis.inplace import inplace_receiver, is_chained_inplace
from gradlint.fixes import wrap_in_no_grad
from gradlint.rules.base import Rule

MESSAGE = (
    "In-place update of a parameter with grad enabled raises at run time. "
    "`RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.`"
)


class InPlaceParameterUpdate(Rule):
    """
    ## What it flags
    An in-place method that writes data (`clamp_`, `add_`, `mul_`, `copy_`,
    `fill_`, `zero_`, `normal_`, ...) or an augmented assignment (`p -= lr * g`)
    on a parameter while grad is enabled. Parameters are recognised from
    `.parameters()`, `.named_parameters()`, `state_dict(keep_vars=True)`, an
    optimizer's `param_groups`, a module's `.weight`/`.bias`, `nn.Parameter(...)`
    and tensors made with `requires_grad=True`, through `zip`, `enumerate`,
    `list(...)` and indexing.

    Not flagged: code under `torch.no_grad()`/`inference_mode()` or in a function
    every caller runs with grad disabled, nor in a function some callers run with grad
    disabled (which of its statements the others reach depends on the arguments, so the
    crash is not proven); edits through `.data` (GL402); `.grad`;
    `nn.init.*`; `requires_grad_`/`retain_grad`; parameters the code froze with
    `requires_grad_(False)` (no error there; see GL201).

    ## Why it matters
    Autograd forbids writing into a leaf tensor that requires grad. The line
    raises `RuntimeError: a leaf Variable that requires grad is being used in an
    in-place operation.`

    ## Example
    ```python
    for p in model.parameters():
        p.clamp_(-0.01, 0.01)
    ```

    ## Fix
    ```python
    for p in model.parameters():
        with torch.no_grad():
            p.clamp_(-0.01, 0.01)
    ```

    ## Fix safety
    Safe: the statement raised before; under `no_grad` it performs the intended
    update and autograd does not record it.
    """

    code = "GL301"
    name = "in-place-parameter-update"
    summary = "in-place update of a parameter with grad enabled"
    fix_applicability = "safe"
    triggers = ("_(", "-=", "+=", "*=", "/=")

    def check(self, facts):
        params = facts.parameters
        flagged: list[tuple[ast.AST, ast.AST]] = []
        for call in facts.tree.calls:
            receiver = inplace_receiver(call)
            if receiver is None or is_chained_inplace(call):
                continue
            flagged.append((call, receiver))
        for node in facts.tree.nodes(ast.AugAssign):
            flagged.append((node, node.target))
        hits = []
        for node, target in flagged:
            param = params.parameter(target)
            if param is None or params.is_frozen(param, target) or params.is_rewritten(param, target):
                continue
            if facts.grad_mode_at(node) is not GradMode.ENABLED or facts.some_caller_disables_grad(node):
                continue
            hits.append(node)
        statements = [facts.tree.statement_of(node) for node in hits]
        for node, stmt in zip(hits, statements):
            yield self.finding(facts, node, MESSAGE, wrap_in_no_grad(facts, stmt, statements))

