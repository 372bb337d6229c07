from __future__ import annotations

import ast
from dataclasses import dataclass

from gradlint.analysis.copies import registered_buffer, shared_parameters
from gradlint.analysis.inplace import inplace_receiver, is_chained_inplace
from gradlint.finding import Applicability, Edit
from gradlint.fixes import consecutive_run, make_fix, torch_callable, wrap_statements_in
from gradlint.rules.base import Rule

INPLACE_MESSAGE = (
    "In-place edit through `.data` of a parameter: it works, but autograd cannot see the edit, "
    "so a backward already pending can silently use the new values; edit the parameter itself under `torch.no_grad()`"
)
ASSIGN_MESSAGE = (
    "Assignment to `.data` of a parameter: it works, but autograd cannot see it, so a backward already pending "
    "can silently use the new values, and `p.data = ...` can change the parameter's shape unnoticed"
)
FIX_MESSAGE = "Drop `.data` and edit under `torch.no_grad()`"
DROP_MESSAGE = "Drop `.data` (the statement already runs with grad disabled)"
ASSIGN_FIX_MESSAGE = "Use `p.copy_(...)` under `torch.no_grad()` if the new value has the parameter's shape"


@dataclass(frozen=True)
class DataEdit:
    data: ast.Attribute  # the `p.data` expression
    stmt: ast.stmt
    # the `.data` can be dropped from a statement that only makes this edit
    droppable: bool
    # `p.data = x`: the storage is replaced, not edited
    replaces: bool = False


class DataAttributeMutation(Rule):
    """
    ## What it flags
    An in-place edit through `.data` of a parameter (`p.data.clamp_(-c, c)`,
    `m.weight.data.normal_(0, 0.02)`, `p.data[mask] = 0`), an augmented
    assignment (`p.data += x`) or an assignment (`p.data = x`). Parameters are
    recognised as for GL301 (`.parameters()`, `.named_parameters()`, an
    optimizer's `param_groups`, `nn.Parameter(...)`, ...) plus the
    `.weight`/`.bias` of any module. `.data` of other tensors (a dataset's
    `.data`, `p.grad.data`) is not flagged.

    ## Why it matters
    `.data` hands out the parameter's storage with autograd switched off: the
    edit works, but autograd cannot see it. A backward already pending that
    saved the parameter silently uses the new values instead of raising, and
    `p.data = x` can even change the parameter's shape or dtype unnoticed
    (optimizer state then no longer matches). `torch.no_grad()` makes the same
    edit visible to autograd's version counter, so misuse raises instead of
    computing wrong gradients.

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
    Where the statement already runs with grad disabled only `.data` is
    dropped. `p.data = x` gets no automatic fix: `p.copy_(x)` under `no_grad`
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

    def check(self, facts):
        params = shared_parameters(facts)
        edits = [
            edit for edit in _data_edits(facts)
            if params.parameter(edit.data.value) is not None and not registered_buffer(facts, edit.data.value)
        ]
        to_wrap = [e.stmt for e in edits if e.droppable and not facts.grad_mode_at(e.stmt).grad_off]
        for edit in edits:
            if edit.replaces:
                fix = make_fix(Applicability.DISPLAY_ONLY, ASSIGN_FIX_MESSAGE, [])
                yield self.finding(facts, edit.data, ASSIGN_MESSAGE, fix)
                continue
            yield self.finding(facts, edit.data, INPLACE_MESSAGE, _fix(facts, edit, edits, to_wrap))


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
            # `p.data.clamp_(...)` (or a chain of in-place calls) as a statement of its own
            droppable = isinstance(stmt, ast.Expr) and _outer_chain(facts, call) is stmt.value
            yield DataEdit(data, stmt, droppable)
    for node in facts.tree.nodes(ast.AugAssign, ast.Assign):
        if isinstance(node, ast.AugAssign):
            data = _through_data(node.target)
            if data is not None:
                yield DataEdit(data, node, True)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                data = _through_data(target)
                if data is not None:
                    # `p.data[mask] = 0` is an in-place edit; `p.data = x` replaces the storage
                    replaces = target is data
                    yield DataEdit(data, node, len(node.targets) == 1 and not replaces, replaces)


def _outer_chain(facts, call: ast.Call) -> ast.Call:
    """The last call of `p.data.mul_(a).add_(b)` given the first."""
    while True:
        attribute = facts.tree.parent(call)
        outer = facts.tree.parent(attribute) if isinstance(attribute, ast.Attribute) else None
        if isinstance(outer, ast.Call) and outer.func is attribute:
            call = outer
        else:
            return call


def _drop_data(facts, data: ast.Attribute) -> Edit:
    return Edit(facts.end(data.value), facts.end(data), "")


def _fix(facts, edit: DataEdit, edits: list[DataEdit], to_wrap: list[ast.stmt]):
    if not edit.droppable:
        return None
    if edit.stmt not in to_wrap:
        return make_fix(Applicability.UNSAFE, DROP_MESSAGE, [_drop_data(facts, edit.data)])
    run = consecutive_run(facts, edit.stmt, to_wrap)
    inside = {id(s) for s in run}
    drops = [_drop_data(facts, e.data) for e in edits if id(e.stmt) in inside]
    header, import_edits = torch_callable(facts, "no_grad")
    wrapped = wrap_statements_in(facts, run, f"{header}()", replacements=drops)
    if wrapped is None:
        return None
    return make_fix(Applicability.UNSAFE, FIX_MESSAGE, [*import_edits, *wrapped])
