"""Reliability (issue 9): never a traceback, never a broken file, fixes converge.

- generated programs (hypothesmith's grammar, and torch-flavoured programs built
  from the rules' own vocabulary) never make the engine raise or report an
  internal error; their fixes compile, converge, and keep CRLF line endings;
- an exception inside one rule is an internal-error line naming the rule and the
  file, the other rules still report, and the run exits 2.

Interrupt safety and the corpus-wide fix checks are in test_reliability_fix.py.
"""

import subprocess
import sys
import textwrap
from samples import compiles

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradlint.engine import applies, fix_source, lint_source
from gradlint.source import SourceText

# Every rule's trigger words, so that every rule runs on every generated program.
from gradlint.rules import all_rules

# hypothesmith compiles what it generates; Python's warnings about those programs are noise here
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")

TRIGGERS = sorted({word for rule in all_rules() for word in rule.triggers})
TRIGGER_COMMENT = "# " + " ".join(TRIGGERS).replace("\n", " ") + "\n"

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


def check_program(text: str) -> None:
    """The properties every program must have, whatever it contains."""
    result = lint_source(text, "generated.py")
    assert not result.errors, result.errors
    fixed = fix_source(text, "generated.py", unsafe=True)
    assert not fixed.remaining.errors, fixed.remaining.errors
    if not any(applies(f, True) for f in result.findings):
        assert fixed.text == text
        return
    if compiles(text):
        assert compiles(fixed.text), fixed.text
    # converged: a second run finds nothing left to fix
    again = fix_source(fixed.text, "generated.py", unsafe=True)
    assert again.text == fixed.text and again.fixed == 0, (fixed.text, again.text)


# -- hypothesmith: arbitrary valid Python ------------------------------------------------------


@SETTINGS
@given(hypothesmith.from_grammar())
def test_arbitrary_programs_never_crash(source):
    check_program("import torch\n" + source + "\n" + TRIGGER_COMMENT)


@settings(SETTINGS, max_examples=60)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_arbitrary_text_never_crashes(text):
    # mostly not Python at all: GL000, never an exception
    result = lint_source("import torch\n" + text.replace("\x00", "") + "\n" + TRIGGER_COMMENT, "noise.py")
    assert not result.errors, result.errors


# -- torch-flavoured programs: the rules' own vocabulary in random nesting ----------------------

STATEMENTS = [
    "p.clamp_(-1, 1)", "p.add_(1)", "p -= lr * p.grad", "p.data.mul_(0.5)", "p.copy_(q)",
    "model.weight.fill_(0)", "self.fc.weight.normal_()", "ema.mul_(0.9).add_(p, alpha=0.1)",
    "loss.backward()", "out = model(x)", "y = model.forward(x)", "loss = criterion(model(x), y)",
    "total += loss", "losses.append(loss)", "x_adv = x_adv + step", "feats.append(output)",
    "model.eval()", "model.train()", "model.requires_grad_(False)", "x = x.detach()", "v = out.item()",
    "optimizer.step()", "optimizer.zero_grad()", "torch.set_grad_enabled(False)",
    "avg = torch.stack([p for p in model.parameters()]).mean(0)",
    "sd = {k: v.mean() for k, v in model.state_dict().items()}",
    "snap = [p.clone() for p in model.parameters()]",
    "h = model.register_forward_hook(hook)", "store[name] = output", "pass", "return out",
    "yield out", "preds = model(x).argmax(1).tolist()", "del out",
]

HEADERS = [
    ["with torch.no_grad():"], ["with torch.no_grad:"], ["with torch.inference_mode():"],
    ["with torch.enable_grad():"], ["with torch.set_grad_enabled(False):"], ["with torch.set_grad_enabled(flag):"],
    ["for p in model.parameters():"], ["for name, p in model.named_parameters():"], ["for x, y in loader:"],
    ["while running:"], ["if cond:"], ["def step(model, x, y):"], ["@torch.no_grad()", "def evaluate(model, x):"],
    ["@torch.inference_mode", "def predict(model, x):"], ["def hook(module, inputs, output):"],
    ["class Net(torch.nn.Module):", "    def forward(self, x):"],
    ["class Lit(L.LightningModule):", "    def validation_step(self, batch, idx):"],
    ["with torch.no_grad(), torch.enable_grad():"], ["async def serve(model, x):"],
]


def render(block, depth=0) -> list[str]:
    pad = "    " * depth
    if isinstance(block, str):
        return [pad + block]
    header, body = block
    lines = [pad + line for line in header]
    inner = depth + (2 if header[0].startswith("class ") else 1)
    rendered = [line for child in body for line in render(child, inner)]
    return lines + (rendered or ["    " * inner + "pass"])


programs = st.recursive(
    st.sampled_from(STATEMENTS),
    lambda inner: st.tuples(st.sampled_from(HEADERS), st.lists(inner, min_size=1, max_size=4)),
    max_leaves=12,
)

PRELUDE = "import torch\nimport lightning as L\nfrom torch import nn\n\n"


@SETTINGS
@given(st.lists(programs, min_size=1, max_size=4))
def test_torch_programs_never_crash_and_fixes_converge(blocks):
    text = PRELUDE + "\n".join(line for block in blocks for line in render(block)) + "\n"
    check_program(text)


@settings(SETTINGS, max_examples=60)
@given(st.lists(programs, min_size=1, max_size=3))
def test_fixes_keep_crlf_line_endings(blocks):
    text = (PRELUDE + "\n".join(line for block in blocks for line in render(block)) + "\n").replace("\n", "\r\n")
    source = SourceText.from_bytes(text.encode())
    fixed = fix_source(source, "crlf.py", unsafe=True)
    assert "\n" not in fixed.text.replace("\r\n", ""), fixed.text


# -- an exception inside one rule -------------------------------------------------------------

BAD = textwrap.dedent("""\
    import torch


    def clip(model):
        for p in model.parameters():
            p.clamp_(-1, 1)


    def evaluate(model, x):
        with torch.no_grad:
            return model(x)
""")


def test_a_crashing_rule_becomes_an_internal_error_and_the_others_still_run(monkeypatch):
    from gradlint.rules.in_place_parameter_update import InPlaceParameterUpdate

    def explode(self, facts):
        raise KeyError("boom")

    monkeypatch.setattr(InPlaceParameterUpdate, "check", explode)
    result = lint_source(BAD, "pkg/model.py")
    assert result.errors == ["pkg/model.py: internal error in GL301 (in-place-parameter-update): KeyError: 'boom'"]
    assert [f.code for f in result.findings] == ["GL302"]


def test_a_rule_crashing_halfway_keeps_the_other_rules_findings(monkeypatch):
    from gradlint.rules.grad_mode_not_called import GradModeNotCalled

    original = GradModeNotCalled.check

    def halfway(self, facts):
        yield from original(self, facts)
        raise RuntimeError("late failure")

    monkeypatch.setattr(GradModeNotCalled, "check", halfway)
    result = lint_source(BAD, "m.py")
    assert [e.split(":")[1].strip() for e in result.errors] == ["internal error in GL302 (grad-mode-not-called)"]
    assert "GL301" in [f.code for f in result.findings]


CRASHING_RULE = textwrap.dedent('''
    import gradlint.rules as registry
    from gradlint.rules.base import Rule

    class CrashingRule(Rule):
        """## What it flags\\nNothing: it raises, for tests."""
        code = "GL991"
        name = "crashing-rule"
        summary = "test-only rule that raises"

        def check(self, facts):
            raise ZeroDivisionError("division by zero")

    _rules = registry._discover()
    registry._discover = lambda: _rules + (CrashingRule,)
''')


@pytest.mark.parametrize("extra", [[], ["--fix"], ["--output-format", "json"]])
def test_a_crashing_rule_through_the_command_line_exits_2(tmp_path, extra):
    (tmp_path / "_plugin").mkdir()
    (tmp_path / "_plugin" / "crashing_rule.py").write_text(CRASHING_RULE, encoding="utf-8")
    (tmp_path / "model.py").write_text(BAD, encoding="utf-8")
    bootstrap = ("import sys; sys.path.insert(0, '_plugin'); import crashing_rule; "
                 "from gradlint.cli import main; main()")
    proc = subprocess.run([sys.executable, "-c", bootstrap, "check", "--no-cache", *extra, "model.py"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr == ("gradlint: error: model.py: internal error in GL991 (crashing-rule): "
                           "ZeroDivisionError: division by zero\n")
    if "--fix" in extra:
        # the other rules' fixes were still applied
        assert "    with torch.no_grad():\n        return model(x)" in (tmp_path / "model.py").read_text(encoding="utf-8")
    else:
        assert "GL301" in proc.stdout and "GL302" in proc.stdout
