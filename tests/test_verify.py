"""`gradlint verify`: the machinery, on tiny fixtures written here (the bundled set: test_verify_bundled.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

torch = pytest.importorskip("torch")

HEADER = "import torch\nimport torch.nn as nn\n\n"

FIXTURES = {
    # GL301: the in-place clamp raises; under no_grad it works
    "crash_fixed": '''
        EXPECT = ["GL301"]
        CLAIM = "crash"


        def workload(device):
            torch.manual_seed(0)
            layer = nn.Linear(4, 4).to(device)
            for p in layer.parameters():
                p.clamp_(-0.1, 0.1)
            return [p.detach().clone() for p in layer.parameters()]
    ''',
    # GL302 with its TypeError, fixed by the parentheses
    "not_called": '''
        EXPECT = ["GL302"]
        CLAIM = "crash"
        ALLOW = ["GL101"]


        def predict(model, x):
            model.eval()
            with torch.no_grad:
                return model(x)


        def workload(device):
            torch.manual_seed(0)
            return predict(nn.Linear(4, 2).to(device), torch.randn(3, 4, device=device))
    ''',
    # GL101: an eval forward that saves ~4 MiB of activations for nothing
    "memory_saved": '''
        EXPECT = ["GL101"]
        CLAIM = "memory"


        def evaluate(model, x):
            model.eval()
            out = model(x)
            return out.argmax(1).tolist()


        def workload(device):
            torch.manual_seed(0)
            model = nn.Sequential(nn.Linear(256, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                                  nn.Linear(512, 4)).to(device)
            return evaluate(model, torch.randn(512, 256, device=device))
    ''',
    # nothing for gradlint to report; the advised no_grad variant changes nothing
    "no_saving": '''
        EXPECT = []
        CLAIM = "none"
        NOTE = "no_grad around detached values saves nothing"


        def average(models):
            return torch.stack([m.state_dict()["weight"] for m in models]).mean(0)


        def make(device):
            torch.manual_seed(0)
            return [nn.Linear(64, 64).to(device) for _ in range(3)]


        def workload(device):
            return average(make(device))


        def advised(device):
            models = make(device)
            with torch.no_grad():
                averaged = average(models)
            return averaged
    ''',
    # GL101's fix is right, but this program returns whether its output needs grad
    "results_differ": '''
        EXPECT = ["GL101"]
        CLAIM = "memory"


        def evaluate(model, x):
            model.eval()
            out = model(x)
            return out.requires_grad


        def workload(device):
            torch.manual_seed(0)
            return evaluate(nn.Linear(1024, 1024).to(device), torch.randn(1024, 1024, device=device))
    ''',
    "hangs": '''
        import time

        EXPECT = []
        # a hang is not the crash the fixture claims
        CLAIM = "crash"


        def workload(device):
            print("starting the endless loop", flush=True)
            while True:
                time.sleep(0.05)
    ''',
    "import_error": '''
        EXPECT = []
        CLAIM = "none"

        raise ValueError("this fixture is broken at import")


        def workload(device):
            return 0
    ''',
}


def write_fixture(folder, name, body):
    path = folder / f"{name}.py"
    path.write_text(HEADER + textwrap.dedent(body).lstrip(), encoding="utf-8")
    return path


def run_verify(*args):
    proc = subprocess.run([sys.executable, "-m", "gradlint", "verify", *args], capture_output=True, text=True)
    return proc.returncode, proc.stdout, proc.stderr


FIXTURES["missing_code"] = '''
    EXPECT = ["GL301"]
    CLAIM = "none"


    def workload(device):
        return torch.ones(2, device=device).sum()
'''


@pytest.fixture(scope="module")
def verified(tmp_path_factory):
    """One verification of every fixture above, in this process (its fork server then
    serves every in-process run of this module): the results and their three renderings."""
    from gradlint.verify.report import render_json, render_markdown, render_text
    from gradlint.verify.session import verify_fixtures

    folder = tmp_path_factory.mktemp("fixtures")
    for name, body in FIXTURES.items():
        write_fixture(folder, name, body)
    (folder / "invalid.py").write_text('EXPECT = ["GL101"]\nCLAIM = "faster"\n\ndef workload(device):\n    return 1\n')
    results = verify_fixtures([str(folder)], device="cpu", repeat=1, timeout=5)
    document = json.loads(render_json(results, "cpu", 1))
    entries = {entry["name"]: entry for entry in document["fixtures"]}
    return results, entries, document, render_markdown(results, "cpu", 1), render_text(results, "cpu", 1)


def test_run_goes_on_and_counts_failures(verified):
    results, entries, document, _, text = verified
    assert set(entries) == set(FIXTURES) | {"invalid"}
    assert document["summary"] == {"fixtures": 9, "confirmed": 4, "failed": 5}
    assert document["device"] == "cpu"
    assert text.splitlines()[-1] == "device cpu, 1 timing round (thread CPU time). 9 fixtures: 4 confirmed, 5 failed."


def test_fix_removes_a_crash(verified):
    entry = verified[1]["crash_fixed"]
    assert entry["ok"] and entry["verdict"] == "crash fixed"
    assert entry["original"]["status"] == "raised"
    assert entry["original"]["exception"]["type"] == "RuntimeError"
    assert "leaf Variable that requires grad" in entry["original"]["exception"]["message"]
    assert entry["original"]["exception"]["line"] == 12
    assert entry["fixed"]["status"] == "ok"
    assert entry["reported"] == ["GL301 12:9"]


def test_missing_call_crash_is_fixed(verified):
    entry = verified[1]["not_called"]
    assert entry["ok"], entry["problems"]
    assert entry["original"]["exception"]["type"] == "TypeError"
    assert "context manager protocol" in entry["original"]["exception"]["message"]


def test_fix_saves_memory(verified):
    entry = verified[1]["memory_saved"]
    assert entry["ok"], entry["problems"]
    assert entry["verdict"] == "memory saved"
    before, after = entry["original"]["metrics"], entry["fixed"]["metrics"]
    # 512x512 activations, twice, plus the ReLU outputs: MiBs saved for a backward that never comes
    assert before["saved_bytes"] >= 2 * 1024 * 1024
    assert after["saved_bytes"] == 0
    assert before["peak_bytes"] - after["peak_bytes"] >= 1024 * 1024
    assert "MiB" in entry["detail"] and "%" in entry["detail"] and "threshold" in entry["detail"]


def test_no_saving_is_reported_as_such(verified):
    entry = verified[1]["no_saving"]
    assert entry["ok"], entry["problems"]
    assert entry["compared"] == "advised"
    assert entry["verdict"] == "no measurable difference"
    assert entry["original"]["metrics"]["saved_bytes"] == entry["fixed"]["metrics"]["saved_bytes"] == 0
    assert entry["note"] == "no_grad around detached values saves nothing"


def test_fixed_results_that_differ_fail(verified):
    entry = verified[1]["results_differ"]
    assert not entry["ok"]
    assert entry["verdict"] == "fixed results differ"
    assert entry["values_differ"] == "True != False"
    assert any("results differ" in p for p in entry["problems"])


def test_hang_is_reported_with_its_output(verified):
    entry = verified[1]["hangs"]
    assert not entry["ok"]
    assert entry["original"]["status"] == "timeout"
    assert entry["verdict"] == "original hangs"
    assert "starting the endless loop" in entry["original"]["output"]
    assert "starting the endless loop" in verified[4]  # the text report shows it


def test_raise_at_import_is_reported(verified):
    entry = verified[1]["import_error"]
    assert not entry["ok"]
    assert entry["original"]["status"] == "import-error"
    assert entry["original"]["exception"]["type"] == "ValueError"
    assert entry["original"]["exception"]["message"] == "this fixture is broken at import"
    assert any("raised at import" in p for p in entry["problems"])
    assert entry["fixed"] is None


def test_missing_expected_code_fails(verified):
    entry = verified[1]["missing_code"]
    assert not entry["ok"]
    assert "gradlint did not report GL301" in entry["problems"]


def test_invalid_declarations_fail_the_fixture(verified):
    entry = verified[1]["invalid"]
    assert not entry["ok"] and entry["verdict"] == "invalid fixture"
    assert entry["problems"] == [f"{entry['path']}: CLAIM must be one of memory, crash, leak, time, results, none, not 'faster'"]


def test_markdown_table(verified):
    lines = verified[3].splitlines()
    assert lines[0].startswith("| fixture | codes | claim | peak memory |")
    assert lines[1].startswith("|---|")
    rows = {line.split(" | ")[0][2:]: line for line in lines[2:11]}
    assert rows["crash_fixed"].startswith("| crash_fixed | GL301 | crash | raises → runs |")
    assert rows["crash_fixed"].endswith("| ok: crash fixed |")
    assert rows["hangs"].endswith("| FAIL: original hangs |")
    assert "- `no_saving`: no_grad around detached values saves nothing" in lines
    assert "- `results_differ` failed: the fixed program's results differ: True != False" in lines


def test_command_line_exit_codes_and_format(tmp_path):
    write_fixture(tmp_path, "crash_fixed", FIXTURES["crash_fixed"])
    write_fixture(tmp_path, "no_saving", FIXTURES["no_saving"])
    code, out, err = run_verify(str(tmp_path), "--device", "cpu", "--repeat", "1", "--output-format", "markdown")
    assert code == 0, out + err
    assert out.splitlines()[2].startswith("| crash_fixed | GL301 | crash | raises → runs |")
    assert "2 fixtures: 2 confirmed, 0 failed." in out
    write_fixture(tmp_path, "missing_code", FIXTURES["missing_code"])
    # no --device: auto, which picks CUDA only where it is present
    code, out, err = run_verify(str(tmp_path / "missing_code.py"), "--repeat", "1")
    assert code == 1
    assert "problem: gradlint did not report GL301" in out
    device = "cuda" if torch.cuda.is_available() else "cpu"
    clock = "wall time" if device == "cuda" else "thread CPU time"
    assert out.splitlines()[-1] == f"device {device}, 1 timing round ({clock}). 1 fixture: 0 confirmed, 1 failed."


def test_missing_path_is_a_usage_error(tmp_path):
    code, out, err = run_verify(str(tmp_path / "nope.py"), "--device", "cpu")
    assert code == 2
    assert err.strip() == f"gradlint: error: {tmp_path / 'nope.py'}: no such file or folder"
    assert out == ""


def test_folder_without_fixtures_is_a_usage_error(tmp_path):
    (tmp_path / "plain.py").write_text("x = 1\n")
    code, out, err = run_verify(str(tmp_path), "--device", "cpu")
    assert code == 2
    assert "no fixtures found" in err


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_requested_without_cuda(tmp_path):
    path = write_fixture(tmp_path, "crash_fixed", FIXTURES["crash_fixed"])
    code, out, err = run_verify(str(path), "--device", "cuda")
    assert code == 2
    assert err.strip() == "gradlint: error: --device cuda: CUDA is not available to this torch build or machine"


def test_plot_without_matplotlib_says_so(tmp_path):
    pytest.importorskip("torch")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("matplotlib is installed")
    path = write_fixture(tmp_path, "crash_fixed", FIXTURES["crash_fixed"])
    code, out, err = run_verify(str(path), "--device", "cpu", "--plot", str(tmp_path / "out.png"))
    assert code == 2
    assert "--plot needs matplotlib" in err and "torch-gradlint[plot]" in err
    assert not (tmp_path / "out.png").exists()


def test_plot_is_written(tmp_path):
    pytest.importorskip("matplotlib")
    path = write_fixture(tmp_path, "memory_saved", FIXTURES["memory_saved"])
    code, out, err = run_verify(str(path), "--device", "cpu", "--repeat", "1", "--plot", str(tmp_path / "out.png"))
    assert code == 0, out + err
    assert (tmp_path / "out.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_memory_saved(tmp_path):
    path = write_fixture(tmp_path, "memory_saved", FIXTURES["memory_saved"])
    code, out, err = run_verify(str(path), "--device", "cuda", "--repeat", "1", "--output-format", "json")
    assert code == 0, out + err
    entry = json.loads(out)["fixtures"][0]
    assert json.loads(out)["device"] == "cuda"
    assert entry["verdict"] == "memory saved"
    assert entry["original"]["metrics"]["peak_bytes"] > entry["fixed"]["metrics"]["peak_bytes"]


def test_importing_the_cli_does_not_import_torch():
    code = "import sys, gradlint.cli; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
