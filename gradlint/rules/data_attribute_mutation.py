from __future__ import annotations

import ast
from dataclasses import dataclass

from gradlint.analysis.copies import registered_buffer
from gradlint.analysis.inplace import inplace_receiver, is_chained_inplace
from gradlint.analysis.training import is_test_code, updates_during_training
from gradlint.finding import Applicability, Edit
from gradlint.fixes import consecutive_run, make_fix, torch_callable, wrap_statements_in
from gradlint.rules.base import Rule

MESSAGES = {
    "training": "`.data` edit of a parameter in training code",
    "optimizer": "Optimizer update through `.data`",
    "clipping": "Weights clipped through `.data`",
    "target": "Parameter updated through `.data` from another network's",
}
HAZARD = (
    " is invisible to autograd. A backward still pending silently uses the new values; "
    "edit the parameter itself under `torch.no_grad()`"
)
ASSIGN_HAZARD = (
    " is invisible to autograd. A backward still pending silently uses the new values, and the shape or "
    "dtype may change unnoticed; use `p.copy_(...)` under `torch.no_grad()`"
)
# `p.data = p.data.half()`: the same values in another dtype or device, not an update
CASTS = frozenset({"to", "half", "float", "double", "bfloat16", "cuda", "cpu", "type", "contiguous"})
FIX_MESSAGE = "Drop `.data` and edit under `torch.no_grad()`"
ASSIGN_FIX_MESSAGE = "Use `p.copy_(...)` under `torch.no_grad()` if the new value has the parameter's shape"


@dataclass(frozen=True)
class DataEdit:
    data: ast.Attribute  # the `p.data` expression
    stmt: ast.stmt
    # the `.data` can be dropped from a statement that only makes this edit
    droppable: bool
    # `p.data = x`: the storage is replaced, not edited
    replaces: bool = False
    # what the edit writes from (the in-place call's arguments, the assigned value)
    sources: tuple = ()
    method: str | None = None  # the in-place method, for `p.data.clamp_(...)`


class DataAttributeMutation(Rule):
    """
    ## What it flags
    An in-place edit through `.data` of a parameter (`p.data.clamp_(-c, c)`,
    `target.data.copy_(tau * p.data + (1 - tau) * target.data)`, `p.data[mask] = 0`),
    an augmented assignment (`p.data -= lr * p.grad`) or an assignment
    (`p.data = x`), where it runs while a model trains:

    - in training code (the function runs a backward or an optimizer step, and
      not only in another arm of an `if` than the edit that no loop repeats: a
      model built at random in one branch and trained in the other);
    - a manual update from gradients, or an optimizer's `step` that reads its
      `param_groups`/`state` (custom optimizers, Lookahead), or any method of a
      `torch.optim.Optimizer` subclass that reads them (schedule-free `eval()`/`train()`
      weight swaps);
    - weight clipping (`clamp_`, `clip_`, `renorm_`), as in WGAN's critic;
    - a parameter updated from another network's parameters (soft, EMA or hard
      target updates, fp16 master weights copied back).

    Quiet where weights are made, loaded or converted rather than trained:
    `__init__`, `_init_weights`, `reset_parameters`, `init_*`/`*_init`, loading
    (`load_*`, `from_pretrained`), a fake quantizer's `calculate_qparams` (asked for
    when a model is converted), fusing and reparameterising (`fuse_*`,
    `reparameterize`, `switch_to_deploy`), a module merging its own parameters into
    its weight (a LoRA layer's `train()`/`eval()`), `p.data = p.data.half()` (a cast of its
    own values), a function that edits the model it returns (a conversion's `apply(model)`,
    its submodules included) or modules it has just built (a list of new layers filled
    from an old one), or a function whose only gradients are those of inputs it made require grad
    (`x.requires_grad_(True)`, then `torch.autograd.grad(out, x)`: saliency, LRP on a reweighted
    copy); also under `no_grad`, in test code, and on buffers (FrozenBatchNorm's
    `weight`/`bias` are buffers). Parameters are recognised as for GL301; `.data`
    of other tensors (a dataset's `.data`, `p.grad.data`) is not flagged.

    ## Why it matters
    `.data` hands out the parameter's storage with autograd switched off: the
    edit works, but autograd cannot see it. During training a backward still
    pending that saved the parameter (a loss built before the update, a second
    optimizer's step) silently uses the new values instead of raising, and
    `p.data = x` can change the parameter's shape or dtype unnoticed (optimizer
    state then no longer matches). `torch.no_grad()` makes the same edit visible to
    autograd's version counter, so misuse raises instead of computing wrong gradients.

    ## Example
    ```python
    for p in model.parameters():
        p.data.clamp_(-0.01, 0.01)
    ```

    ## Fix
    ```python
    for p in model.parameters():
        with torch.no_grad():
            p.clamp_(-0.01, 0.01)
    ```
    Consecutive edits share one `with` block. `p.data = x` gets no automatic fix: `p.copy_(x)` under `no_grad`
    is the replacement when `x` has the parameter's shape.

    ## Fix safety
    Unsafe: code that relied on autograd not noticing the edit (a backward
    that uses values saved before the edit) now raises an error instead of
    silently computing with the new values.
    """

    code = "GL402"
    name = "data-attribute-mutation"
    summary = "in-place edit or assignment through `.data` of a parameter"
    fix_applicability = "unsafe"
    triggers = (".data",)

    candidate = "`.data` edit"

    def candidates(self, facts):
        return [edit.data for edit in _data_edits(facts)]

    def check(self, facts):
        flagged: list[tuple[DataEdit, str]] = []
        for edit in _data_edits(facts):
            quiet, reason = self._verdict(facts, edit)
            if quiet is None:
                flagged.append((edit, reason))
        edits = [edit for edit, _ in flagged]
        to_wrap = [edit.stmt for edit in edits if edit.droppable]
        for edit, reason in flagged:
            if edit.replaces:
                fix = make_fix(Applicability.DISPLAY_ONLY, ASSIGN_FIX_MESSAGE, [])
                yield self.finding(facts, edit.data, MESSAGES[reason] + ASSIGN_HAZARD, fix)
            else:
                yield self.finding(facts, edit.data, MESSAGES[reason] + HAZARD, _fix(facts, edit, edits, to_wrap))

    def why_quiet(self, facts, node):
        edit = next(edit for edit in _data_edits(facts) if edit.data is node)
        return self._verdict(facts, edit)[0]

    @staticmethod
    def _verdict(facts, edit: DataEdit) -> tuple[str | None, str | None]:
        """(why the edit is not reported, None) or (None, the kind of training update it is)."""
        if facts.parameters.parameter(edit.data.value) is None:
            return f"the analysis does not see `{facts.text(edit.data.value)}` as a parameter", None
        if registered_buffer(facts, edit.data.value):
            return "a registered buffer, not a parameter", None
        if facts.grad_mode_at(edit.stmt).grad_off:
            return f"grad mode is {facts.grad_mode_at(edit.stmt).value}", None
        if _recast(edit):
            return "the parameter's own values, moved or cast", None
        scope = facts.flow.analysis_scope(edit.stmt)
        if is_test_code(facts, scope):
            return "test code", None
        reason = updates_during_training(facts, scope, edit.data, list(edit.sources), edit.method)
        if reason is None:
            return "initialisation, loading or fusing, or nothing shows that a model trains here", None
        return None, reason


def _recast(edit: DataEdit) -> bool:
    """`p.data = p.data.half()` / `.to(device)`: the parameter's own values, moved or cast."""
    value = edit.sources[0] if edit.replaces and edit.sources else None
    return (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in CASTS
            and _through_data(value.func.value) is not None)


def _through_data(expr: ast.AST) -> ast.Attribute | None:
    """The `p.data` in `p.data` or `p.data[i][j]`."""
    while isinstance(expr, ast.Subscript):
        expr = expr.value
    if isinstance(expr, ast.Attribute) and expr.attr == "data":
        return expr
    return None


def _data_edits(facts):
    for call in facts.tree.calls:
        receiver = inplace_receiver(call)
        if receiver is None or is_chained_inplace(call):
            continue
        data = _through_data(receiver)
        if data is not None:
            stmt = facts.tree.statement_of(call)
            outer = _outer_chain(facts, call)
            # `p.data.clamp_(...)` (or a chain of in-place calls) as a statement of its own
            droppable = isinstance(stmt, ast.Expr) and outer is stmt.value
            sources = [a for c in _chain(facts, call, outer) for a in (*c.args, *(k.value for k in c.keywords))]
            yield DataEdit(data, stmt, droppable, sources=tuple(sources), method=call.func.attr)
    for node in facts.tree.nodes(ast.AugAssign, ast.Assign):
        if isinstance(node, ast.AugAssign):
            data = _through_data(node.target)
            if data is not None:
                yield DataEdit(data, node, True, sources=(node.value,))
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                data = _through_data(target)
                if data is not None:
                    # `p.data[mask] = 0` is an in-place edit; `p.data = x` replaces the storage
                    replaces = target is data
                    yield DataEdit(data, node, len(node.targets) == 1 and not replaces, replaces, (node.value,))


def _outer_chain(facts, call: ast.Call) -> ast.Call:
    """The last call of `p.data.mul_(a).add_(b)` given the first."""
    while True:
        attribute = facts.tree.parent(call)
        outer = facts.tree.parent(attribute) if isinstance(attribute, ast.Attribute) else None
        if isinstance(outer, ast.Call) and outer.func is attribute:
            call = outer
        else:
            return call


def _chain(facts, first: ast.Call, last: ast.Call) -> list[ast.Call]:
    """The calls of `p.data.mul_(a).add_(b)` from the first to the last."""
    calls = [first]
    while calls[-1] is not last:
        calls.append(facts.tree.parent(facts.tree.parent(calls[-1])))
    return calls


def _drop_data(facts, data: ast.Attribute) -> Edit:
    return Edit(facts.end(data.value), facts.end(data), "")


def _fix(facts, edit: DataEdit, edits: list[DataEdit], to_wrap: list[ast.stmt]):
    """One `with torch.no_grad():` around each run of consecutive flagged statements, `.data` dropped."""
    if not edit.droppable:
        return None
    run = consecutive_run(facts, edit.stmt, to_wrap)
    inside = {id(s) for s in run}
    drops = [_drop_data(facts, e.data) for e in edits if id(e.stmt) in inside]
    header, import_edits = torch_callable(facts, "no_grad")
    wrapped = wrap_statements_in(facts, run, f"{header}()", replacements=drops)
    if wrapped is None:
        return None
    return make_fix(Applicability.UNSAFE, FIX_MESSAGE, [*import_edits, *wrapped])
