from __future__ import annotations

from gradlint.analysis.grad_mode import GradMode
from gradlint.analysis.hooks import HookFacts
from gradlint.analysis.training import is_test_code, registers_forward_hooks, result_discarded
from gradlint.fixes import wrap_in_no_grad
from gradlint.rules.base import Rule

MESSAGE = (
    "Forward run only to fill forward hooks builds the whole graph for features nobody backpropagates. "
    "Run it under `torch.no_grad()`"
)


class FeatureForwardWithGrad(Rule):
    """
    ## What it flags
    A forward whose result is thrown away (`model(x)` as a statement, or
    `_ = model(x)`) in a file that registers forward hooks, with grad enabled, in
    a function without a backward: feature extraction, where the hooks capture
    the activations.

    Quiet for a method that runs a forward without being given an input
    (`quantizer.init_scale()`: it computes from the module's own state), when what
    the hooks store reaches a backward anywhere in the file
    (feature-matching losses, distillation), when the scope has a backward or is a
    module's `forward`, when the function hands the captures out (returns a hook's
    container, or returns a value made from what a hook object registered on
    `self` holds: `torch.cat(self.saved.outputs)`; a caller may train on it), and
    when the hooks read their tensors for metadata at most (recording which
    modules ran, their order or their input shapes: no activation is captured).

    ## Why it matters
    The forward builds the whole autograd graph; hooks that store outputs keep it
    alive. Measured on a 4-block CNN: 116 MiB peak with grad on (112 MiB still
    held afterwards by the stored features) against 48-56 MiB under `no_grad`.

    ## Example
    ```python
    model.layer3.register_forward_hook(save_output("layer3"))
    model(batch)
    features = activations["layer3"]
    ```

    ## Fix
    ```python
    with torch.no_grad():
        model(batch)
    ```

    ## Fix safety
    Safe: nothing backpropagates through the features.
    """

    code = "GL103"
    name = "feature-forward-with-grad"
    summary = "forward run only to fill forward hooks, with grad enabled"
    fix_applicability = "safe"
    triggers = ("register_forward_hook", "register_forward_pre_hook", "register_module_forward")

    def check(self, facts):
        if not registers_forward_hooks(facts):
            return
        hooks = HookFacts(facts)
        hits = []
        for call in facts.modules.forwards:
            if not result_discarded(facts, call) or facts.grad_mode_at(call) is not GradMode.ENABLED:
                continue
            if facts.modules.may_run_without_grad(call):
                continue  # the module's own forward may turn grad off: no graph is proven
            if not (call.args or call.keywords or facts.modules.gives_output(call)):
                continue  # a method that runs a forward on the module's own state (`q.init_scale()`): no input, no features
            scope = facts.flow.analysis_scope(call)
            if is_test_code(facts, scope) or facts.flow.backwards(scope):
                continue
            # the hooks this function registers, or else any in the file, may feed a loss
            relevant = hooks.registered_in(scope) or hooks.hooks
            if hooks.stores_reach_backward(relevant) or hooks.records_no_activations(relevant):
                continue
            # a module's forward, or a function handing out graph-carrying captures: the caller may train on them
            if getattr(scope, "name", None) == "forward" or hooks.hands_out_captures(relevant, scope):
                continue
            hits.append(call)
        statements = [facts.tree.statement_of(call) for call in hits]
        for call, stmt in zip(hits, statements):
            yield self.finding(facts, call, MESSAGE, wrap_in_no_grad(facts, stmt, statements))
