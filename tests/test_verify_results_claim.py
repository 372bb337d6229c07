"""`gradlint verify`, CLAIM = "results" (the GL5 rules): the fix must change what the program returns."""

from __future__ import annotations

import textwrap

import pytest

torch = pytest.importorskip("torch")

HEADER = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n"

TRAIN = '''
    EXPECT = ["GL501"]
    CLAIM = "results"


    def train(model, batches, opt):
        norms = []
        for x, y in batches:
            loss = F.mse_loss(model(x), y)
            loss.backward()
            norms.append(model.weight.grad.norm().item())
            opt.step()
        return norms


    def workload(device):
        torch.manual_seed(0)
        model = nn.Linear(4, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        batch = (torch.randn(8, 4), torch.randn(8, 1))
        return train(model, [batch] * STEPS, opt)
'''


def verify(tmp_path, name, body):
    from gradlint.verify.session import verify_fixtures

    path = tmp_path / f"{name}.py"
    path.write_text(HEADER + textwrap.dedent(body).lstrip(), encoding="utf-8")
    [result] = verify_fixtures([str(path)], device="cpu", repeat=1, timeout=30)
    return result


def test_gl5_results_claim_confirmed_when_the_fix_changes_the_values(tmp_path):
    result = verify(tmp_path, "accumulating", "STEPS = 3\n" + textwrap.dedent(TRAIN))
    assert result.ok, result.problems
    assert result.verdict == "results changed"
    assert "returns other values" in result.detail


def test_gl5_results_claim_fails_when_the_values_stay_the_same(tmp_path):
    # one step: clearing before the only backward changes nothing
    result = verify(tmp_path, "one_step", "STEPS = 1\n" + textwrap.dedent(TRAIN))
    assert not result.ok
    assert result.verdict == "results unchanged"
    assert any("claim 'results' not confirmed" in p for p in result.problems)

