from __future__ import annotations

from gradlint.analysis.escape import grad_regions, unsafe_reason
from gradlint.analysis.grad_mode import GradMode
from gradlint.analysis.vocabulary import GRAD_MODE_CONTEXTS
from gradlint.noqa import parse_suppressions
from gradlint.rules._grad_mode_switch import switch_fixes
from gradlint.rules.base import Rule

BENEFIT = "also skips view tracking and version bumps"
PROOF = "Nothing made here reaches autograd or an in-place update later (`gradlint explain GL401`: measured gains)"


class PreferInferenceMode(Rule):
    """
    ## What it flags
    A `with torch.no_grad():` item or a `@torch.no_grad()` / `@torch.no_grad`
    decorator (any import spelling) whose switch to `torch.inference_mode()` the
    analysis proves safe:

    - nothing made inside escapes as a tensor: it is not returned or yielded,
      not stored on an attribute, a global or an outside container
      (`x[k] = ...`, `.append`, `.update`, ...), not passed to a method of an
      outside object that may keep it or update it (`metric.update(preds, y)`,
      `self.log("acc", acc)`, `ema.update(model)`), not given with outside
      tensors or modules to a function this file does not show (it may update
      or train them), and not kept by forward hooks or module caches (a block
      with a forward is left alone in a file that registers a forward hook, or
      that defines a module class whose methods store computed tensors on
      `self`, like an attention-bias or rotary cache). Python
      values may escape: `.item()`, `.tolist()`, `.numpy()`, `int()`,
      `float()`, `bool()`, `len()`, f-strings, literals and names that only
      ever hold such values. A tensor made inside may be read after the
      block only through those conversions or `print`;
    - nothing inside creates a module, parameter or optimizer (`nn.*` classes,
      `nn.Parameter`, `torch.optim.*`, the file's `Module` subclasses,
      `copy.deepcopy`, `from_pretrained`);
    - nothing inside re-enables autograd or needs it: `enable_grad`,
      `set_grad_enabled(True)`, a backward, `torch.autograd.grad`, an
      optimizer `.step()` (with or without a closure), `requires_grad_`,
      `requires_grad=True`, or a function of this file that does any of this
      or is decorated with `enable_grad`;
    - nothing inside updates a tensor from outside in place (`p.clamp_()`,
      `buf[i] = ...`, `ema += ...`, `nn.init.*_`, `out=`, `load_state_dict`).

    Allowed, and why: in-place updates of tensors made inside the block
    (they stay inside inference mode, where that is allowed), and augmented
    assignments of Python values onto Python numbers (`hits += int(...)`,
    `total += loss.item()`: no tensor is involved). Updating an outside tensor
    in place inside inference_mode does work in torch 2.x, but such blocks are
    parameter and buffer maintenance (clipping, EMA, init) made of a few large
    ops, where inference_mode gains nothing measurable, and proving that the
    tensor is not a view that autograd later meets is beyond this analysis:
    they are not reported.

    What the analysis cannot see: module classes defined in other files. A
    module that caches tensors computed in its forward (and later multiplies
    them with grad-requiring tensors in a training forward) would then hold
    inference tensors; a forward of such a module in a reported block is the
    one case the fix can break.

    Not reported either: blocks that run no tensor op (only moving references
    around: nothing to gain), `no_grad` inside a region already in inference mode
    (Lightning's `validation_step`, say), `set_grad_enabled(False)` blocks,
    `with torch.no_grad:` without a call (GL302), and anything when the
    `torch-version` setting is below 1.9.

    ## Why it matters
    `inference_mode` also skips view tracking and version-counter bumps. On
    small-op-heavy code it was measured ~17% faster than `no_grad` (100 adds
    on 10-element tensors: 78 us against 95 us); on large matmuls or whole
    layers (a 1000x1000 matmul, a TransformerEncoderLayer) there was no
    measurable difference. Memory is the same as under `no_grad`. Its tensors
    cannot later be saved for backward or updated in place outside inference
    mode, which is why only the blocks proven free of such uses are reported.

    ## Example
    ```python
    model.eval()
    hits = 0
    with torch.no_grad():
        for x, y in loader:
            hits += (model(x).argmax(1) == y).sum().item()
    ```

    ## Fix
    ```python
    model.eval()
    hits = 0
    with torch.inference_mode():
        for x, y in loader:
            hits += (model(x).argmax(1) == y).sum().item()
    ```
    The decorator becomes `@torch.inference_mode()`; `th.no_grad` becomes
    `th.inference_mode`, `torch.autograd.no_grad` becomes
    `torch.inference_mode`, and a `from torch import no_grad` gains
    `inference_mode` (and loses `no_grad` when no use is left).

    ## Fix safety
    Safe: only blocks whose results provably never meet autograd or an
    in-place update outside inference mode are reported, and inside such a
    block both modes compute the same values. The proof covers this file: a
    module class from elsewhere that caches computed tensors (see above) is
    the exception, so review the fix where the model is such a class.
    """

    code = "GL401"
    name = "prefer-inference-mode"
    summary = "no_grad block that can provably be inference_mode"
    fix_applicability = "safe"
    triggers = ("no_grad",)

    candidate = "no_grad block"

    def candidates(self, facts):
        return [region.anchor for region in grad_regions(facts, "torch.no_grad")]

    def check(self, facts):
        proven = [region for region in grad_regions(facts, "torch.no_grad") if self._why_quiet(facts, region) is None]
        if not proven:
            return
        # a suppressed site keeps its spelling, so the fixes must not drop its import
        suppressions = parse_suppressions(facts.source.text)
        fixed = [r.anchor for r in proven if not suppressions.silences(facts.start(r.anchor).line, self.code)]
        fixes = switch_fixes(facts, fixed, "no_grad", "inference_mode")
        for region in proven:
            text = facts.text(region.anchor)
            message = f"`{text}` can be `torch.inference_mode()`, which {BENEFIT}. {PROOF}"
            yield self.finding(facts, region.anchor, message, fixes.get(id(region.anchor)))

    def why_quiet(self, facts, node):
        region = next(r for r in grad_regions(facts, "torch.no_grad") if r.anchor is node)
        return self._why_quiet(facts, region)

    def _why_quiet(self, facts, region) -> str | None:
        version = getattr(facts.settings, "torch_version", None)
        if version is not None and tuple(version) < (1, 9):
            return "the torch-version setting is below 1.9 (no inference_mode)"
        if _other_grad_items(facts, region):
            return "another grad-mode item beside it"
        if _outer_mode(facts, region) is GradMode.INFERENCE:
            return "already inside inference mode"
        return unsafe_reason(facts, region)


def _other_grad_items(facts, region) -> bool:
    """`with torch.no_grad(), torch.enable_grad():` and stacked grad decorators: leave them alone."""
    if region.with_node is not None:
        items = [item.context_expr for item in region.with_node.items]
    else:
        items = list(region.function.decorator_list)
    for expr in items:
        if expr is region.anchor:
            continue
        target = expr.func if hasattr(expr, "func") else expr
        name = facts.imports.qualname(target)
        if name in GRAD_MODE_CONTEXTS:
            return True
    return False


def _outer_mode(facts, region) -> GradMode | None:
    if region.with_node is not None:
        return facts.grad_mode_at(region.with_node)
    return facts.function_base_mode(region.function)
