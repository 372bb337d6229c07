"""GL401 and GL304 as a user sees them: the torch-version gate, the messages, the rewritten code."""

import textwrap

import pytest

from gradlint.config import Settings
from gradlint.engine import fix_source, lint_source

EVALUATION = textwrap.dedent(
    """
    import torch


    def score(model, loader):
        hits = 0
        with torch.no_grad():
            for x, y in loader:
                hits += (model(x).argmax(1) == y).sum().item()
        return hits
    """
)

FROZEN_BACKBONE = textwrap.dedent(
    """
    import torch
    import torch.nn.functional as F


    def step(backbone, head, opt, x, y):
        with torch.inference_mode():
            feats = backbone(x)
        feats += 1
        F.cross_entropy(head(feats), y).backward()
        opt.step()
    """
)


def codes(text, **settings):
    return [(f.code, f.start.line) for f in lint_source(text, "case.py", Settings(**settings)).findings]


@pytest.mark.parametrize("version, reported", [(None, True), ((1, 9), True), ((2, 1), True), ((1, 8), False), ((0, 4), False)])
def test_gl401_needs_torch_1_9(version, reported):
    assert (("GL401", 7) in codes(EVALUATION, torch_version=version)) is reported


def test_torch_version_from_the_configuration(tmp_path, gradlint_cli):
    (tmp_path / "evaluate.py").write_text(EVALUATION)
    (tmp_path / "pyproject.toml").write_text('[tool.gradlint]\ntorch-version = "1.8"\n')
    code, out, _ = gradlint_cli("check", "--no-cache", str(tmp_path), cwd=tmp_path)
    assert code == 0 and "GL401" not in out
    (tmp_path / "pyproject.toml").write_text('[tool.gradlint]\ntorch-version = "1.13"\n')
    code, out, _ = gradlint_cli("check", "--no-cache", str(tmp_path), cwd=tmp_path)
    assert code == 1 and "GL401" in out


def test_gl401_message_is_short_and_its_measurements_are_in_explain(gradlint_cli):
    [finding] = lint_source(EVALUATION, "case.py").findings
    assert finding.code == "GL401"
    assert len(finding.message.split(". ")[0]) <= 100
    assert "`gradlint explain GL401`" in finding.message
    code, out, _ = gradlint_cli("explain", "GL401")
    assert code == 0
    assert "~17% faster than `no_grad`" in out and "no\nmeasurable difference" in out


GL101_PYTHON_RESULT = """\
import torch


def accuracy(model, loader):
    model.eval()
    hits = 0
    for x, y in loader:
        hits += (model(x).argmax(1) == y).sum().item()
    return hits
"""


def test_gl101_fix_writes_the_final_form_in_one_fix():
    # nothing the function makes leaves it as a tensor: inference_mode at once, not no_grad then GL401
    before = lint_source(GL101_PYTHON_RESULT, "case.py").findings
    assert [f.code for f in before] == ["GL101"]
    assert "inference_mode" in before[0].fix.message
    result = fix_source(GL101_PYTHON_RESULT, "case.py")
    assert "@torch.inference_mode()\ndef accuracy" in result.text
    assert result.fixed == len(before) and not result.remaining.findings


def test_gl101_fix_keeps_no_grad_when_a_tensor_leaves_the_function():
    text = GL101_PYTHON_RESULT.replace("    return hits", "    return model(x)")
    before = lint_source(text, "case.py").findings
    result = fix_source(text, "case.py")
    assert "@torch.no_grad()\ndef accuracy" in result.text
    assert result.fixed == len(before) and not result.remaining.findings


def test_gl401_fix_gives_inference_mode():
    result = fix_source(EVALUATION, "case.py")
    assert "with torch.inference_mode():" in result.text and "no_grad" not in result.text
    assert result.fixed == 1 and not result.remaining.findings


def test_gl304_message_quotes_the_error_of_the_first_misuse():
    [finding] = lint_source(FROZEN_BACKBONE, "case.py").findings
    assert finding.code == "GL304" and (finding.start.line, finding.start.column) == (7, 10)
    # `feats += 1` comes first: the in-place error, with its line
    assert "RuntimeError: Inplace update to inference tensor outside InferenceMode is not allowed." in finding.message
    assert "line 9" in finding.message


def test_gl304_saved_for_backward_message():
    text = FROZEN_BACKBONE.replace("    feats += 1\n", "")
    [finding] = lint_source(text, "case.py").findings
    assert "RuntimeError: Inference tensors cannot be saved for backward." in finding.message
    assert "`head`" in finding.message


def test_gl304_fix_makes_it_no_grad_and_converges():
    result = fix_source(FROZEN_BACKBONE, "case.py")
    assert "with torch.no_grad():" in result.text and "inference_mode" not in result.text
    assert not result.remaining.findings
