from __future__ import annotations

import ast

from gradlint.analysis.copies import CopyFacts, ParameterCopy
from gradlint.analysis.grad_mode import GradMode
from gradlint.analysis.training import is_test_code
from gradlint.finding import Applicability
from gradlint.fixes import add_detach, make_fix, wrap_in_no_grad
from gradlint.rules.base import Rule

MESSAGE = (
    "Copy of parameters made with grad enabled keeps the live ones alive (`grad_fn={grad_fn}`). "
    "Copy after `.detach()` or under `torch.no_grad()`"
)
SIMPLE_STATEMENTS = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Return, ast.Expr)


class ParameterCopyWithGrad(Rule):
    """
    ## What it flags
    A copy of parameters kept while grad is enabled: `p.clone()`,
    `torch.stack(ps)`, `torch.cat(ps)` or `sum(ps)` (averaging) of parameters
    from `.parameters()`, `.named_parameters()`, `state_dict(keep_vars=True)`
    or a module's `.weight`/`.bias`, when the copy is assigned, returned or
    stored (snapshots, parameter averaging).

    Not flagged: plain `state_dict()` values (they are already detached);
    copies after `.detach()`; copies used on the spot; unit tests; copies in a `forward`
    method, in a Module's own computations on `self.weight`, in functions
    that backpropagate (or whose callers in the file do), and in
    meta-learning code (`create_graph=True`, `functional_call`), where the
    copies are functional weights that need their graph; and in a function
    some of whose callers run it with grad disabled (which statements the others
    reach depends on the arguments: `from_linear(..., init_only=True)` returns
    before it copies).

    ## Why it matters
    Each copy records how it was made: `{k: v.clone() for k, v in
    model.named_parameters()}` gives tensors with `grad_fn=CloneBackward0`
    that reference the live parameters, so the parameters stay alive after
    `del model`, and anything computed from the snapshot builds a graph back
    into the model.

    ## Example
    ```python
    def snapshot(model):
        return {k: v.clone() for k, v in model.named_parameters()}
    ```

    ## Fix
    ```python
    def snapshot(model):
        return {k: v.detach().clone() for k, v in model.named_parameters()}
    ```
    Stacks and sums of parameters are made under `with torch.no_grad():`
    (or from `.detach()`ed parameters when they are listed in place).

    ## Fix safety
    Safe: the copy holds the same values; only its link to the autograd graph
    is gone, and the rule stays quiet where that link could be needed.
    """

    code = "GL203"
    name = "parameter-copy-with-grad"
    summary = "parameters cloned, stacked or averaged with grad enabled"
    fix_applicability = "safe"
    triggers = ("clone", "stack", "cat(", "concat", "sum(")

    def check(self, facts):
        copies = CopyFacts(facts)
        hits = []
        for copy in copies.copies:
            if facts.grad_mode_at(copy.node) is not GradMode.ENABLED or facts.some_caller_disables_grad(copy.node):
                continue
            if copies.params.is_frozen(copy.param, copy.source) or copies.in_module_code(copy):
                continue
            # memory kept by a unit test's snapshot does not matter
            if is_test_code(facts, facts.tree.scope_of(copy.node)):
                continue
            if not copies.is_kept(copy.node) or copies.wants_graph(copy.node):
                continue
            hits.append(copy)
        wrapped = [facts.tree.statement_of(c.node) for c in hits if _needs_wrap(c)]
        for copy in hits:
            message = MESSAGE.format(grad_fn=copy.grad_fn)
            yield self.finding(facts, copy.node, message, _fix(facts, copy, wrapped))


def _needs_wrap(copy: ParameterCopy) -> bool:
    """Only a named collection (`torch.stack(ps)`) cannot be detached in place."""
    if copy.grad_fn == "CloneBackward0":
        return False
    return not isinstance(copy.source, (ast.List, ast.Tuple, ast.ListComp, ast.GeneratorExp))


def _fix(facts, copy: ParameterCopy, wrapped: list[ast.stmt]):
    source = copy.source
    if copy.grad_fn == "CloneBackward0":
        return make_fix(Applicability.SAFE, "Detach before copying", add_detach(facts, source))
    if isinstance(source, (ast.List, ast.Tuple)):
        edits = [e for element in source.elts for e in add_detach(facts, element)]
        return make_fix(Applicability.SAFE, "Detach each parameter before copying", edits)
    if isinstance(source, (ast.ListComp, ast.GeneratorExp)):
        return make_fix(Applicability.SAFE, "Detach each parameter before copying", add_detach(facts, source.elt))
    stmt = facts.tree.statement_of(copy.node)
    if not isinstance(stmt, SIMPLE_STATEMENTS) or any(isinstance(n, ast.Lambda) for n in facts.tree.ancestors(copy.node)):
        return None
    # a forward in the same statement would lose its graph too
    if any(isinstance(n, ast.Call) and facts.modules.is_forward(n) for n in ast.walk(stmt)):
        return None
    return wrap_in_no_grad(facts, stmt, wrapped)
