"""`gradlint debug PATH:LINE` through the real command line: the facts a user reads to explain a finding or a miss."""

import textwrap

import pytest

EVALUATE = textwrap.dedent("""\
    import torch


    def evaluate(model, loader):
        model.eval()
        total = 0
        for x, y in loader:
            out = model(x)
            total += (out.argmax(1) == y).sum().item()
        with torch.no_grad():
            z = model(x)
        return total
""")


def write(folder, name, text):
    path = folder / name
    path.write_text(text)
    return str(path)


def test_forward_under_no_grad_names_the_with_line(gradlint_cli, tmp_path):
    path = write(tmp_path, "evaluate.py", EVALUATE)
    code, out, err = gradlint_cli("debug", f"{path}:11")
    assert code == 0, err
    lines = out.splitlines()
    assert "grad mode: disabled" in lines
    assert "  because: line 10: with torch.no_grad()" in lines
    assert "scope: evaluate.evaluate" in lines
    assert "findings: none" in lines
    assert "GL101 quiet: grad mode is disabled" in lines


def test_eval_forward_reports_the_finding_and_the_forward_facts(gradlint_cli, tmp_path):
    path = write(tmp_path, "evaluate.py", EVALUATE)
    code, out, err = gradlint_cli("debug", f"{path}:8")
    assert code == 0, err
    lines = out.splitlines()
    assert "uses torch: yes" in lines and "test code: no" in lines
    assert "grad mode: enabled" in lines and "  because: default" in lines
    assert "eval calls in scope: line 5 model.eval()" in lines
    assert "backwards in scope: none" in lines
    call = lines.index("call model(x) at 8:15")
    assert lines[call + 1:call + 7] == [
        "  forward: yes (of model)",
        "  backward: no",
        "  module kind of model: module",
        "  reaches_backward: no",
        "  escapes: no",
        "  unknown: no",
    ]
    assert any(line.startswith("  GL101 8:15 ") for line in lines)
    assert not any(line.startswith("GL101 quiet") for line in lines)
    assert "GL102 quiet" in out


def test_training_forward_reaching_the_backward_is_quiet_for_gl102(gradlint_cli, tmp_path):
    path = write(tmp_path, "train.py", textwrap.dedent("""\
        import torch


        def train(model, opt, loader):
            for x, y in loader:
                loss = (model(x) - y).pow(2).mean()
                loss.backward()
                opt.step()
    """))
    code, out, err = gradlint_cli("debug", f"{path}:6")
    assert code == 0, err
    lines = out.splitlines()
    assert "backwards in scope: line 7" in lines
    assert "  reaches_backward: yes (line 7)" in lines
    assert "GL102 quiet: the output reaches a backward" in lines


def test_grad_mode_from_callers_in_another_file(gradlint_cli, tmp_path):
    helper = write(tmp_path, "helper.py", "def score(model, x):\n    return model(x).sum()\n")
    write(tmp_path, "main.py", "import torch\nfrom helper import score\n\n\ndef run(model, x):\n"
                               "    with torch.no_grad():\n        return score(model, x)\n")
    code, out, err = gradlint_cli("debug", f"{helper}:2")
    assert code == 0, err
    lines = out.splitlines()
    assert "grad mode: disabled" in lines
    assert any(line.startswith("  because: callers:") and "helper.score" in line for line in lines)


def test_without_the_caller_the_mode_is_the_default(gradlint_cli, tmp_path):
    helper = write(tmp_path, "helper.py", "def score(model, x):\n    return model(x).sum()\n")
    code, out, err = gradlint_cli("debug", f"{helper}:2")
    assert code == 0, err
    assert "grad mode: enabled" in out.splitlines() and "  because: default" in out.splitlines()


@pytest.mark.parametrize("suffix, message", [
    ("", "expected PATH:LINE"),
    (":0", "line 0 is out of range (the file has 12 lines)"),
    (":13", "line 13 is out of range (the file has 12 lines)"),
    (":x", "expected PATH:LINE"),
])
def test_bad_line_exits_2_with_one_line(gradlint_cli, tmp_path, suffix, message):
    path = write(tmp_path, "evaluate.py", EVALUATE)
    code, out, err = gradlint_cli("debug", path + suffix)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("gradlint: error: ") and message in err


def test_missing_file_and_syntax_error_exit_2_with_one_line(gradlint_cli, tmp_path):
    code, out, err = gradlint_cli("debug", f"{tmp_path / 'missing.py'}:1")
    assert code == 2 and out == "" and err.splitlines() == [f"gradlint: error: {tmp_path / 'missing.py'}: no such file"]
    broken = write(tmp_path, "broken.py", "x = 1\ndef f(:\n")
    code, out, err = gradlint_cli("debug", f"{broken}:1")
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith(f"gradlint: error: {broken}:2: syntax error")


def test_debug_gives_the_rules_own_reason_for_each_exemption(gradlint_cli, tmp_path):
    # the frozen-module exemption lives in the rule; debug reports it through the rule's own verdict
    path = write(tmp_path, "export.py", textwrap.dedent("""\
        def export(model, im):
            for p in model.parameters():
                p.requires_grad = False
            model.eval()
            y = model(im)
            return y
    """))
    code, out, err = gradlint_cli("debug", f"{path}:5")
    assert code == 0, err
    assert "GL101 quiet: a frozen module on inputs without a graph saves nothing" in out.splitlines()


def test_debug_explains_a_quiet_no_grad_block_and_data_edit(gradlint_cli, tmp_path):
    # rules that judge blocks and edits, not forwards, give their reason for the line's candidate
    path = write(tmp_path, "steps.py", textwrap.dedent("""\
        import torch


        def predict(model, x, cache):
            with torch.no_grad():
                cache["last"] = model(x)
            return cache


        def rescale(weights, factor):
            weights.data.mul_(factor)
    """))
    code, out, err = gradlint_cli("debug", f"{path}:5")
    assert code == 0, err
    assert "GL401 quiet: stores into `cache[\"last\"]`" in out.splitlines(), out
    code, out, err = gradlint_cli("debug", f"{path}:11")
    assert code == 0, err
    assert "GL402 quiet: the analysis does not see `weights` as a parameter" in out.splitlines(), out
    assert "GL401 quiet: no no_grad block on this line" in out.splitlines(), out
