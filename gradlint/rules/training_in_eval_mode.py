from __future__ import annotations

from gradlint.analysis.grad_mode import GradMode
from gradlint.analysis.names import dotted
from gradlint.analysis.training import is_test_code
from gradlint.analysis.training_queries import (
    accumulating_backwards,
    callers_handing,
    calls_in,
    escapes_block,
    eval_site,
    may_train_in,
    module_aliases,
    module_sensitivity,
    steps_in_view,
)
from gradlint.analysis.tree import FUNCTION_TYPES
from gradlint.analysis.training_state import covers, mode_call
from gradlint.finding import Applicability, Position
from gradlint.fixes import insert, make_fix
from gradlint.rules.base import Rule

MESSAGE = (
    "Training forward runs in eval mode after the evaluation on line {line}: Dropout off, BatchNorm frozen. "
    "`{evaluation}` leaves `{model}` in eval mode and nothing in the loop on line {loop} calls `{model}.train()`; "
    "call it at the start of that loop"
)


class TrainingInEvalMode(Rule):
    """
    ## What it flags
    A training loop (a forward whose output reaches a backward that accumulates into `.grad`:
    `loss.backward()`, `accelerator.backward(loss)`, not `torch.autograd.grad`, whose callers
    such as influence functions want eval mode and train nothing) that also calls an evaluation
    routine putting the trained model in eval mode: `model.eval()` or `model.train(False)` in the
    loop, or a call of a project function whose summary says it leaves that argument in eval mode
    on every path (`evaluate(model, val_loader)` whose body calls `model.eval()` and never
    `model.train()`, directly or through the functions it calls, in any file of the project).
    Nothing in the loop may put the model back in train mode: no `.train()` call on anything, no
    project function that may call one, no code out of view handed the model. Reported at the
    first training forward of the loop. The loop must train: an optimizer step (`opt.step()`,
    `scaler.step(opt)`) is in view, in the function or one it calls in the file (`self._update()`)
    or, for a script, anywhere in the file; a backward with none may only want gradients of the
    inputs (Langevin sampling from a loaded model, an attack), for which eval mode is what the
    code means.

    The training forward may sit in a step the loop calls (`train_one_epoch(model, loader)`,
    `self._train_step(batch)`): a function or method of the same file with no evaluation loop of
    its own is judged in each loop of the file that calls it, with the module in the caller's
    names, when the step itself never puts anything back in train mode.

    Quiet when the model class visibly has no layer that behaves differently in eval mode. The
    analysis looks at the model when it sees it built: a local `model = Net(...)` or
    `nn.Sequential(...)`, or `self.model` built in `__init__`; `Net` is judged through the
    project's classes (the layers their methods build, their project base classes, any depth),
    and has such a layer when it builds Dropout, BatchNorm, a Transformer layer or a recurrent
    layer with `dropout=`, calls `F.dropout`/`F.batch_norm`, or reads `self.training`. A model it
    cannot see (a parameter, a factory from another package) may have one. Also quiet: an
    evaluation followed by `break`, `return` or `raise` (early stopping), a model already put in
    eval mode before the loop (BatchNorm frozen on purpose for fine-tuning), and test code.

    ## Why it matters
    `model.eval()` stays in effect until `model.train()`. After the first evaluation every later
    epoch trains with Dropout off and BatchNorm normalising with its frozen running statistics
    (which stop updating): the model trains differently from what the code says, usually worse,
    and nothing raises.

    ## Example
    ```python
    model.train()
    for epoch in range(epochs):
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        evaluate(model, val_loader)  # calls model.eval()
    ```

    ## Fix
    ```python
    for epoch in range(epochs):
        model.train()
        for x, y in loader:
            ...
        evaluate(model, val_loader)
    ```

    ## Fix safety
    Safe: the loop trains the model, and a training forward in train mode is what the training code
    means; the first iteration was already in train mode unless something before the loop put the
    model in eval mode, and then the rule stays quiet.
    """

    code = "GL502"
    name = "training-in-eval-mode"
    summary = "training loop keeps training after an evaluation put the model in eval mode"
    fix_applicability = "safe"
    triggers = ("backward",)

    def check(self, facts):
        for call in facts.modules.forwards:
            verdict = self._verdict(facts, call)
            if isinstance(verdict, tuple):
                loop, evaluation, path = verdict
                message = MESSAGE.format(evaluation=facts.text(evaluation.func), line=evaluation.lineno, model=path,
                                         loop=loop.lineno)
                yield self.finding(facts, call, message, self._fix(facts, loop, path))

    def why_quiet(self, facts, call):
        verdict = self._verdict(facts, call)
        return verdict if isinstance(verdict, str) else None

    def _verdict(self, facts, call, first: bool = True):
        """(loop, evaluation call, model path) where the rule fires at call, else why it is quiet."""
        mode = facts.grad_mode_at(call)
        if mode is not GradMode.ENABLED:
            return f"grad mode is {mode.value}"
        scope = facts.flow.analysis_scope(call)
        if is_test_code(facts, scope):
            return "test code"
        if not facts.flow.backwards(scope) or not facts.flow.fate(call).reaches_backward:
            return "not a training forward: its output reaches no backward"
        if not facts.flow.fate(call).backwards & set(accumulating_backwards(facts, scope, scope)):
            # `torch.autograd.grad(loss, params)` returns the gradients (influence functions, saliency):
            # nothing is trained, and eval mode is what such code wants
            return "not a training forward: its output reaches only torch.autograd.grad"
        if not steps_in_view(facts, scope):
            # Langevin sampling from a loaded model, an attack: eval mode on purpose, gradients for the inputs
            return "not a training loop: no optimizer step in view"
        callee = facts.modules.callee(call)
        path = dotted(callee)
        if path is None:
            return "the module is not a plain name or attribute path"
        # `model = self.train()`, `model = nn.DataParallel(net)`: an evaluation of self or net counts
        paths = [path, *sorted(module_aliases(facts, callee) - {path})]
        contexts = [(scope, facts.tree.loops_around(call, scope), paths, None)]
        # a training step called from a loop elsewhere in the file (`self._train_step(x)` in the epoch
        # loop), when the step itself never puts the model back in train mode
        sites = callers_handing(facts, scope, path) if isinstance(scope, FUNCTION_TYPES) else []
        if sites and not may_train_in(facts, scope, scope, path):
            for site, outer in sites:
                site_scope = facts.flow.analysis_scope(site)
                if not is_test_code(facts, site_scope):
                    contexts.append((site_scope, facts.tree.loops_around(site, site_scope), [outer], site))
        if not any(loops for _, loops, _, _ in contexts):
            return "not in a loop"
        reason = f"no call in a loop around it leaves {' or '.join(paths)} in eval mode"
        for context_scope, loops, context_paths, site in contexts:
            for loop in loops:  # innermost first
                found = "no evaluation"
                for alias in context_paths:
                    found = self._evaluation(facts, context_scope, loop, alias)
                    if found != "no evaluation":
                        break
                if isinstance(found, str):
                    if found == "no evaluation":
                        continue
                    if site is None:
                        return found
                    reason = f"{found} (the loop on line {loop.lineno} that calls this step)"
                    break
                if first:
                    region = loop if site is None else scope
                    for earlier in facts.modules.forwards:
                        if (earlier.lineno, earlier.col_offset) < (call.lineno, call.col_offset) \
                                and facts.tree.is_inside(earlier, region) and isinstance(self._verdict(facts, earlier, False), tuple):
                            return f"an earlier training forward of the loop is reported (line {earlier.lineno})"
                return loop, found, context_paths[0]
        return reason

    def _evaluation(self, facts, scope, loop, path):
        """The call in loop that leaves the trained model in eval mode, or why there is none that counts."""
        sites = [call for call in calls_in(facts, scope, loop) if eval_site(facts, call, path)]
        if not sites:
            return "no evaluation"
        sites = [call for call in sites if not escapes_block(facts, call, loop)]
        if not sites:
            return "the evaluation is followed by break, return or raise: no training comes after it"
        if may_train_in(facts, scope, loop, path):
            return "the loop may put the model back in train mode (a .train() call, or code that may make one)"
        if self._eval_before(facts, scope, loop, path):
            return f"{path} is put in eval mode before the loop already (frozen BatchNorm on purpose)"
        if module_sensitivity(facts, scope, path) is False:
            return f"{path} visibly has no Dropout or BatchNorm-like layer"
        return min(sites, key=lambda c: (c.lineno, c.col_offset))

    def _eval_before(self, facts, scope, loop, path) -> bool:
        """Was the model put in eval mode before the loop (on purpose: frozen BatchNorm)?"""
        for call in calls_in(facts, scope, scope):
            if facts.tree.is_inside(call, loop) or (call.lineno, call.col_offset) > (loop.lineno, loop.col_offset):
                continue
            if mode_call(call) == "eval" and covers(dotted(call.func.value) or "", path):
                return True
            if eval_site(facts, call, path):
                return True
        return False

    def _fix(self, facts, loop, path):
        first = loop.body[0]
        if first.lineno == loop.lineno:
            return None  # `for x in y: step(x)` on one line
        line = facts.source.line(first.lineno)
        indent = line[: first.col_offset]
        if indent.strip():
            return None
        newline = facts.source.newline_at(first.lineno)
        return make_fix(Applicability.SAFE, f"Call `{path}.train()` at the start of the loop",
                        [insert(Position(first.lineno, 1), f"{indent}{path}.train(){newline}")])
