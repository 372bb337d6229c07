from __future__ import annotations

import ast

from gradlint.analysis.training import is_test_code, loop_scopes
from gradlint.analysis.training_queries import (
    accumulates_on_purpose,
    accumulating_backwards,
    calls_in,
    clearing_in_view,
    every_iteration_helpers,
    may_clear,
    optimizer_steps,
    rebound_in,
    step_clears,
)
from gradlint.analysis.training_state import unconditional
from gradlint.analysis.names import dotted
from gradlint.finding import Applicability, Position
from gradlint.fixes import insert, make_fix
from gradlint.rules.base import Rule

MESSAGE = (
    "Gradients are never cleared: every optimizer step applies the sum of all gradients so far. "
    "Call {clear} before the backward every iteration (`gradlint explain GL501`: the measured growth)"
)


class GradientsNeverCleared(Rule):
    """
    ## What it flags
    A training loop that runs a backward (`loss.backward()`, `accelerator.backward(loss)`,
    `scaler.scale(loss).backward()`) and an optimizer step (`opt.step()`, `scaler.step(opt)`) on
    every iteration, itself or through a function of the file it calls on every iteration
    (`self._update(loss)`, also under an `if` on names the loop never binds: `if update:`), where
    nothing clears the gradients: no `zero_grad()` (of the optimizer or the model, `set_to_none`
    or not), no `p.grad = None`, `del p.grad` or `p.grad.zero_()` in the function, its closures,
    those helpers or, for a method, anywhere in its class (for module-level code: the file), and
    no call in the loop that may clear them: a project function that does (through any
    number of calls), or code out of view that is handed the optimizer, the model or `self`.
    A function defined inside another (`def _log(p): ...`) is judged by its body. Reported at the
    backward, in the helper when the helper runs it.

    Quiet for deliberate accumulation (clearing every N steps is clearing), a step or backward
    that runs only under a condition, Accelerate's `accelerator.accumulate(model)` and DDP's
    `no_sync()` contexts, an optimizer given a closure (`opt.step(closure)`: LBFGS recomputes the
    gradients itself), a loop that builds a new model or optimizer every iteration (or steps a
    different one each time: `for opt in optimizers`), `torch.autograd.grad` (it returns the
    gradients instead of adding them), a project optimizer class whose `step` clears the
    gradients, LightningModule methods (automatic optimisation clears for you) and test code.

    ## Why it matters
    `backward()` adds into `.grad`; it never overwrites it. Without clearing, the gradient the
    optimizer applies at step k is the sum of all k gradients so far: the update grows with every
    step, momentum and Adam's moments are fed the running sum, and training diverges or crawls.
    Measured (`gradlint/fixtures/gradients_never_cleared.py`: a linear model, one fixed batch, SGD):
    the gradient applied at step 8 has norm 10.95 against 1.53 with `zero_grad`, from 1.88 at
    step 1, and the trained weights differ.

    ## Example
    ```python
    for x, y in loader:
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    ```

    ## Fix
    ```python
    for x, y in loader:
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    ```
    The fix inserts `opt.zero_grad()` (the stepped optimizer) before the backward.

    ## Fix safety
    Unsafe: code that accumulates on purpose through a mechanism the analysis cannot see (a hook,
    a custom optimizer that clears in `step`) would now train differently.
    """

    code = "GL501"
    name = "gradients-never-cleared"
    summary = "backward and optimizer step every iteration, gradients never cleared"
    fix_applicability = "unsafe"
    triggers = (".step(",)

    def check(self, facts):
        for scope, loops in loop_scopes(facts).items():
            if is_test_code(facts, scope) or self._framework_clears(facts, scope) or clearing_in_view(facts, scope):
                continue
            for loop in loops:
                found = self._unclearing_loop(facts, scope, loop)
                if found is not None:
                    backward, optimizer, step = found
                    if facts.flow.analysis_scope(step) is facts.flow.analysis_scope(backward):
                        clear = f"{optimizer}.zero_grad()"
                        yield self.finding(facts, backward, MESSAGE.format(clear=f"`{clear}`"),
                                           self._fix(facts, backward, clear))
                    else:  # the optimizer has another name where the backward is
                        yield self.finding(facts, backward, MESSAGE.format(clear="the optimizer's `zero_grad()`"))

    def _framework_clears(self, facts, scope) -> bool:
        cls = facts.tree.parent(scope) if not isinstance(scope, ast.Module) else None
        return isinstance(cls, ast.ClassDef) and facts.is_lightning_class(cls)

    def _unclearing_loop(self, facts, scope, loop):
        helpers = every_iteration_helpers(facts, scope, loop)
        if helpers is None or any(clearing_in_view(facts, helper) for helper in helpers):
            return None
        # what runs on every iteration: the loop's own code, and the bodies of the helpers it calls
        regions = [(scope, loop), *((helper, helper) for helper in helpers)]
        steps, backwards, forwards, calls = [], [], [], []
        for function, region in regions:
            steps += [(call, opt) for call, opt in optimizer_steps(facts, region)
                      if facts.flow.analysis_scope(call) is function and unconditional(facts.tree, call, region)]
            backwards += [call for call in accumulating_backwards(facts, function, region)
                          if unconditional(facts.tree, call, region)]
            forwards += [call for call in facts.modules.forwards if facts.tree.is_inside(call, region)]
            calls += calls_in(facts, function, region)
        if not steps or not backwards or any(accumulates_on_purpose(facts, region) for _, region in regions):
            return None
        optimizers = {dotted(opt) for _, opt in steps}
        held = {path.split(".")[0] for path in optimizers if path}
        for call in forwards:
            callee = dotted(facts.modules.callee(call))
            if callee:
                held.add(callee.split(".")[0])
        if rebound_in(facts, loop, {p for p in optimizers if p} | {dotted(facts.modules.callee(c)) or "" for c in forwards} - {""}):
            return None  # a new model or optimizer each iteration
        if any(step_clears(facts, facts.flow.analysis_scope(call), opt) for call, opt in steps):
            return None  # a project optimizer whose `step` clears the gradients itself
        step_calls = {call for call, _ in steps} | set(backwards)
        for call in calls:
            if call in step_calls or facts.modules.is_forward(call):
                continue
            if may_clear(facts, call, held):
                return None
        if len(optimizers) != 1 or None in optimizers:
            return None
        first = min(backwards, key=lambda c: (c.lineno, c.col_offset))
        return first, next(iter(optimizers)), steps[0][0]

    def _fix(self, facts, backward, clear):
        stmt = facts.tree.statement_of(backward)
        line = facts.source.line(stmt.lineno)
        indent = line[: stmt.col_offset]
        if indent.strip() or not isinstance(stmt, (ast.Expr, ast.Assign)):
            return None  # a statement after `;` or a compound header
        newline = facts.source.newline_at(stmt.lineno)
        return make_fix(Applicability.UNSAFE, f"Insert `{clear}` before the backward",
                        [insert(Position(stmt.lineno, 1), f"{indent}{clear}{newline}")])
