from __future__ import annotations

import ast

from gradlint.analysis.names import dotted
from gradlint.analysis.training import is_test_code, result_discarded, result_only_probed, trains
from gradlint.analysis.training_queries import calls_in, may_change_mode_before, module_sensitivity
from gradlint.analysis.tree import FUNCTION_TYPES, LOOP_TYPES
from gradlint.analysis.vocabulary import EVALUATION_FUNCTION_NAME
from gradlint.finding import Applicability, Position
from gradlint.fixes import insert, make_fix
from gradlint.rules.base import Rule

MESSAGE = (
    "Inference in train mode: Dropout and BatchNorm make predictions vary between runs and batches. "
    "`{model}` is never put in eval mode here; call `{model}.eval()` first"
)


class InferenceInTrainMode(Rule):
    """
    ## What it flags
    A forward under `torch.no_grad()` or `torch.inference_mode()` (a `with` block or a decorator)
    in evaluation code, on a model that is never put in eval mode there, when the analysis sees
    the model built from a class that has Dropout or BatchNorm (the same judgement of layers as
    GL502: through the project's classes, Transformer layers and recurrent layers with
    `dropout=` included). Evaluation code is a function named for it (`predict`, `evaluate`,
    `eval_*`, `infer`, `validate`, `test`, `run_inference`, ...) or code that loads weights into
    the model (`model.load_state_dict(...)`) before the forward, and that runs no backward and no
    optimizer step. The model must be a local name built in that code (`model = Net(...)`,
    possibly `.to(device)`), so that no caller can have put it in eval mode.

    Quiet when anything in the function (for module-level code: in the file) calls `.eval()` or
    `.train()` on anything (MC dropout sets train mode on purpose), when the model is handed to a
    project function that may change its mode or to code out of view before the forward, when
    the output is thrown away or only its shape is read (a warm-up, a shape probe), and in test
    code.

    ## Why it matters
    A freshly built module is in train mode. Under `no_grad` it still applies Dropout (random
    units zeroed: two runs on the same input disagree) and BatchNorm normalises with the batch's
    own statistics and updates its running statistics (a prediction depends on the other
    samples of the batch, and the loaded statistics drift). `no_grad` only turns autograd off.

    ## Example
    ```python
    model = Net()
    model.load_state_dict(torch.load("model.pt"))
    with torch.no_grad():
        for x in loader:
            predictions.append(model(x).argmax(1))
    ```

    ## Fix
    ```python
    model = Net()
    model.load_state_dict(torch.load("model.pt"))
    model.eval()
    with torch.no_grad():
        ...
    ```
    The fix inserts `model.eval()` before the outermost loop or `with` block around the forward
    that follows the model's construction.

    ## Fix safety
    Unsafe: code may rely on train mode on purpose in ways the analysis cannot see (Monte Carlo
    dropout driven by a flag, BatchNorm statistics re-estimated on new data).
    """

    code = "GL503"
    name = "inference-in-train-mode"
    summary = "inference forward on a Dropout/BatchNorm model that is never put in eval mode"
    fix_applicability = "unsafe"
    triggers = ("no_grad", "inference_mode")

    def check(self, facts):
        for forward in facts.modules.forwards:
            if self.why_quiet(facts, forward) is None:
                name = facts.modules.callee(forward).id
                scope = facts.flow.analysis_scope(forward)
                yield self.finding(facts, forward, MESSAGE.format(model=name), self._fix(facts, scope, forward, name))

    def why_quiet(self, facts, forward, first: bool = True):
        mode = facts.grad_mode_at(forward)
        if not mode.grad_off:
            return f"grad mode is {mode.value}"
        callee = facts.modules.callee(forward)
        if not isinstance(callee, ast.Name):
            return "the model is not a local name"
        name = callee.id
        scope = facts.flow.analysis_scope(forward)
        if is_test_code(facts, scope):
            return "test code"
        if trains(facts, scope):
            return "the scope trains (a backward or an optimizer step)"
        if result_discarded(facts, forward) or result_only_probed(facts, forward):
            return "the output is thrown away or only its shape is read"
        if not self._evaluation_code(facts, scope, forward, name):
            return f"not evaluation code: no evaluation name and no {name}.load_state_dict() before it"
        sensitivity = module_sensitivity(facts, scope, name)
        if sensitivity is not True:
            return (f"{name} visibly has no Dropout or BatchNorm-like layer" if sensitivity is False
                    else f"the analysis does not see {name} built from a class with Dropout or BatchNorm")
        if may_change_mode_before(facts, scope, forward, name):
            return f"something may put {name} in eval or train mode first (a mode call, a helper, code out of view)"
        if first:
            for earlier in facts.modules.forwards:
                if (earlier.lineno, earlier.col_offset) < (forward.lineno, forward.col_offset) \
                        and isinstance(facts.modules.callee(earlier), ast.Name) and facts.modules.callee(earlier).id == name \
                        and facts.flow.analysis_scope(earlier) is scope and self.why_quiet(facts, earlier, False) is None:
                    return f"an earlier forward of {name} here is reported (line {earlier.lineno})"
        return None

    def _evaluation_code(self, facts, scope, forward, name) -> bool:
        if isinstance(scope, FUNCTION_TYPES) and EVALUATION_FUNCTION_NAME.search(scope.name):
            return True
        position = (forward.lineno, forward.col_offset)
        return any(isinstance(c.func, ast.Attribute) and c.func.attr == "load_state_dict" and dotted(c.func.value) == name
                   and (c.lineno, c.col_offset) < position for c in calls_in(facts, scope, scope))

    def _fix(self, facts, scope, forward, name):
        built = max(node.lineno for node in facts.tree.scope_nodes(scope)
                    if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store))
        anchor = facts.tree.statement_of(forward)
        for ancestor in facts.tree.ancestors(forward):
            if ancestor is scope:
                break
            if isinstance(ancestor, (*LOOP_TYPES, ast.With, ast.AsyncWith)) and ancestor.lineno > built:
                anchor = ancestor
        line = facts.source.line(anchor.lineno)
        indent = line[: anchor.col_offset]
        if indent.strip():
            return None
        newline = facts.source.newline_at(anchor.lineno)
        return make_fix(Applicability.UNSAFE, f"Call `{name}.eval()` before the inference loop",
                        [insert(Position(anchor.lineno, 1), f"{indent}{name}.eval(){newline}")])
