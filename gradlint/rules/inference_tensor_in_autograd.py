from __future__ import annotations

from gradlint.analysis.inference_tensors import IN_PLACE, decorated_misuses, inference_regions, region_misuses
from gradlint.rules._grad_mode_switch import switch_fixes
from gradlint.rules.base import Rule

SAVED_ERROR = "RuntimeError: Inference tensors cannot be saved for backward. ..."
IN_PLACE_ERROR = "RuntimeError: Inplace update to inference tensor outside InferenceMode is not allowed. ..."


class InferenceTensorInAutograd(Rule):
    """
    ## What it flags
    A `with torch.inference_mode():` item (or an `@torch.inference_mode()`
    decorator, followed to the function's calls in the same file) whose
    tensors leave the region and are later, in the same function:

    - saved for backward by an op with grad enabled: the input of a trained
      module (a forward of a module the code did not freeze, in a function
      that has a backward), an argument of a loss next to a non-inference
      argument in such a function, or a factor of `*`, `@`, `torch.mul`,
      `torch.matmul`, `F.linear`... whose other factor is a parameter;
    - or updated in place outside inference mode (`feats += 1`,
      `feats.add_(...)`, `feats[0] = ...`), under `no_grad` too.

    Tensors made inside stay inference tensors through assignments,
    `.detach()`, `.cpu()`, `.cuda()`, `.to(device)`, `.T`, slices and views
    (`.view`, `.reshape`, `.permute`, `.transpose`, `.t()`, `.squeeze`,
    `.unsqueeze`, `.flatten`, `.expand`, `.narrow`, `.select`). Not flagged:
    tensors `.clone()`d, combined by arithmetic or `torch.cat`/`torch.stack`,
    or converted (`.float()`, `.to(dtype)`) outside the region (normal tensors,
    or not provably inference ones); `feat + param` (an add saves nothing);
    forwards in a function without any backward; `.item()` and other reads;
    in-place updates through `.detach()` or `.data` (torch allows them);
    `no_grad` regions. A backward inside the region on values made there is
    GL303.

    Not provable, so not flagged: a forward in a function without any
    backward. It raises as well when the module's parameters require grad
    (the layer saves its input even if no backward follows), but there the
    module is often frozen or run by a caller under `no_grad`.

    ## Why it matters
    Tensors made under inference_mode carry no version counter and no view
    tracking, so autograd refuses them. Saving one for backward raises
    `RuntimeError: Inference tensors cannot be saved for backward. ...` (in
    the forward, before any backward), and updating one in place outside
    inference mode raises `RuntimeError: Inplace update to inference tensor
    outside InferenceMode is not allowed. ...`. Under `no_grad` the same
    tensors are normal tensors that merely carry no graph.

    ## Example
    ```python
    with torch.inference_mode():
        feats = backbone(x)
    loss = F.cross_entropy(head(feats), y)
    loss.backward()
    ```

    ## Fix
    ```python
    with torch.no_grad():
        feats = backbone(x)
    loss = F.cross_entropy(head(feats), y)
    loss.backward()
    ```
    Every spelling is rewritten (`th.inference_mode()` -> `th.no_grad()`,
    `from torch import inference_mode` gains `no_grad`), and the decorator
    becomes `@torch.no_grad()`.

    ## Fix safety
    Safe: the program raised where the tensors met autograd; under `no_grad`
    the region computes the same values without building a graph, and the
    later uses work as the code intended.
    """

    code = "GL304"
    name = "inference-tensor-in-autograd"
    summary = "inference tensor later saved for backward or updated in place"
    fix_applicability = "safe"
    triggers = ("inference_mode",)

    candidate = "inference_mode block"

    def candidates(self, facts):
        return [region.anchor for region in inference_regions(facts)]

    def check(self, facts):
        found = []
        for region in inference_regions(facts):
            misuses = _misuses(facts, region)
            if misuses:
                found.append((region, misuses[0]))
        fixes = switch_fixes(facts, [region.anchor for region, _ in found], "inference_mode", "no_grad")
        for region, misuse in found:
            yield self.finding(facts, region.anchor, _message(facts, region, misuse), fixes.get(id(region.anchor)))


    def why_quiet(self, facts, node):
        region = next(r for r in inference_regions(facts) if r.anchor is node)
        if _misuses(facts, region):
            return None
        return "no tensor made here is seen saved for backward or updated in place outside inference mode"


def _misuses(facts, region):
    return region_misuses(facts, region) if region.with_node is not None else decorated_misuses(facts, region)


def _message(facts, region, misuse) -> str:
    line = misuse.node.lineno
    if misuse.kind == IN_PLACE:
        return (
            f"`{misuse.name}`, an inference tensor, is updated in place at line {line}: this raises. "
            f"It is made under `{facts.text(region.anchor)}` and updated outside inference mode ({misuse.what}): "
            f"`{IN_PLACE_ERROR}`; use `torch.no_grad()` here"
        )
    return (
        f"`{misuse.name}`, an inference tensor, is saved for backward at line {line}: this raises. "
        f"It is made under `{facts.text(region.anchor)}` and saved as {misuse.what}: "
        f"`{SAVED_ERROR}`; use `torch.no_grad()` here"
    )
