from __future__ import annotations

import ast
import re

from gradlint.analysis.bindings import bound_values
from gradlint.analysis.state_dicts import EntryLoop, entry_loops
from gradlint.analysis.tree import FUNCTION_TYPES, keyword
from gradlint.finding import Applicability
from gradlint.fixes import make_fix, wrap_statements_in
from gradlint.rules.base import Rule

MESSAGE = (
    "`mean` over every state_dict entry raises on integer buffers (BatchNorm's `num_batches_tracked`). "
    "`RuntimeError: mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. "
    "Got: Long`; average only entries where `.is_floating_point()`"
)
FIX_MESSAGE = "Average only floating-point entries (integer entries keep their current value)"

# a condition that mentions one of these is taken as a dtype guard
GUARD_WORDS = re.compile(r"float|dtype|complex|num_batches|\bint|long|tracked")


class IntegerBufferAverage(Rule):
    """
    ## What it flags
    `torch.mean(...)` or `.mean()` over the stacked entries of state dicts, in a
    loop over every key of a state dict (`for k in avg`, `for k, v in
    sd.items()`, or a comprehension), when nothing checks the entry's dtype
    first: no enclosing `if ...is_floating_point()` / `.dtype` test and no
    earlier `if ...: continue` in the loop. `sum(...) / n` does not raise and is
    not flagged; neither is a mean given `dtype=`.

    ## Why it matters
    A state dict holds integer buffers too: every BatchNorm layer has
    `num_batches_tracked` of dtype long. `mean` refuses integer tensors, so the
    averaging loop raises `RuntimeError: mean(): could not infer output dtype.
    Input dtype must be either a floating point or complex dtype. Got: Long` as
    soon as the model has a BatchNorm layer.

    ## Example
    ```python
    avg = copy.deepcopy(models[0].state_dict())
    for k in avg:
        avg[k] = torch.stack([m.state_dict()[k] for m in models]).mean(0)
    ```

    ## Fix
    ```python
    avg = copy.deepcopy(models[0].state_dict())
    for k in avg:
        if avg[k].is_floating_point():
            avg[k] = torch.stack([m.state_dict()[k] for m in models]).mean(0)
    ```

    ## Fix safety
    Unsafe: integer entries are no longer averaged; they keep the value the
    dict already holds (the first model's, for a copy of its state dict). The
    fix is offered only where the loop assigns into the dict it iterates
    (`avg[k] = ...`), so no key goes missing.
    """

    code = "GL305"
    name = "integer-buffer-average"
    summary = "mean over every state_dict entry, integer buffers included"
    fix_applicability = "unsafe"
    triggers = ("state_dict",)

    def check(self, facts):
        for loop in entry_loops(facts):
            for mean in _means_in(facts, loop):
                if _guarded(facts, loop, mean):
                    continue
                yield self.finding(facts, mean, MESSAGE, _fix(facts, loop, mean))


def _loop_nodes(facts, loop: EntryLoop):
    """Nodes the loop runs once per entry (nested functions excluded)."""
    if isinstance(loop.node, ast.comprehension):
        comp = facts.tree.parent(loop.node)
        index = comp.generators.index(loop.node)
        roots = [*loop.node.ifs, *comp.generators[index + 1:]]
        roots += [comp.key, comp.value] if isinstance(comp, ast.DictComp) else [comp.elt]
    else:
        roots = list(loop.node.body)
    stack = list(roots)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (*FUNCTION_TYPES, ast.Lambda, ast.ClassDef)):
            continue
        stack.extend(ast.iter_child_nodes(node))


def _means_in(facts, loop: EntryLoop):
    for node in _loop_nodes(facts, loop):
        if not isinstance(node, ast.Call) or keyword(node, "dtype") is not None:
            continue
        if facts.imports.qualname(node.func) == "torch.mean" and node.args and len(node.args) < 3:
            averaged = node.args[0]
        elif isinstance(node.func, ast.Attribute) and node.func.attr == "mean" and len(node.args) < 2:
            averaged = node.func.value
        else:
            continue
        if _stacked_entries(facts, loop, averaged):
            yield node


def _stacked_entries(facts, loop: EntryLoop, expr: ast.AST, depth: int = 0) -> bool:
    """`torch.stack([sd[k] for sd in sds])`: the entries under the loop's key, stacked."""
    if isinstance(expr, ast.Name) and depth == 0:
        values = bound_values(facts, expr)
        return len(values) == 1 and _stacked_entries(facts, loop, values[0], depth + 1)
    if not (isinstance(expr, ast.Call) and facts.imports.qualname(expr.func) == "torch.stack" and expr.args):
        return False
    items = expr.args[0]
    if isinstance(items, ast.Name):
        values = bound_values(facts, items)
        if len(values) != 1:
            return False
        items = values[0]
    if isinstance(items, (ast.ListComp, ast.GeneratorExp)):
        return _is_entry(loop, items.elt)
    if isinstance(items, (ast.List, ast.Tuple)):
        return bool(items.elts) and all(_is_entry(loop, e) for e in items.elts)
    return False


def _is_entry(loop: EntryLoop, expr: ast.AST) -> bool:
    if isinstance(expr, ast.Subscript):
        return isinstance(expr.slice, ast.Name) and expr.slice.id == loop.key
    return isinstance(expr, ast.Name) and expr.id == loop.value


def _guard_test(facts, loop: EntryLoop, test: ast.AST) -> bool:
    """A condition that may keep integer entries out: a dtype test, or any test of the key or the entry."""
    names = {loop.key, loop.value}
    if any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(test)):
        return True
    return bool(GUARD_WORDS.search(facts.text(test)))


def _guarded(facts, loop: EntryLoop, mean: ast.Call) -> bool:
    for ancestor in facts.tree.ancestors(mean):
        if ancestor is loop.node or ancestor is facts.tree.parent(loop.node):
            break
        if isinstance(ancestor, (ast.If, ast.IfExp, ast.While)) and _guard_test(facts, loop, ancestor.test):
            return True
        if isinstance(ancestor, ast.Try) and ancestor.handlers:
            return True
    if isinstance(loop.node, ast.comprehension):
        return any(_guard_test(facts, loop, test) for test in loop.node.ifs)
    # an earlier `if <test>: continue` in the loop
    stmt = facts.tree.statement_of(mean)
    for node in _loop_nodes(facts, loop):
        if isinstance(node, ast.If) and node.lineno < stmt.lineno and _guard_test(facts, loop, node.test):
            if any(isinstance(n, ast.Continue) for n in ast.walk(node)):
                return True
    return False


def _fix(facts, loop: EntryLoop, mean: ast.Call):
    """`avg[k] = ...` in `for k in avg`: guard it with `if avg[k].is_floating_point():`."""
    if isinstance(loop.node, ast.comprehension):
        return None
    stmt = facts.tree.statement_of(mean)
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
        return None
    target = stmt.targets[0]
    iterated = loop.state_dict
    if not (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and isinstance(iterated, ast.Name)):
        return None
    if target.value.id != iterated.id or not (isinstance(target.slice, ast.Name) and target.slice.id == loop.key):
        return None
    entry = loop.value or f"{iterated.id}[{loop.key}]"
    edits = wrap_statements_in(facts, [stmt], f"{entry}.is_floating_point()", compound="if")
    if edits is None:
        return None
    return make_fix(Applicability.UNSAFE, FIX_MESSAGE, edits)
