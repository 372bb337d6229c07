"""`gradlint verify --call FILE:FUNCTION --setup FILE:FUNCTION`: a user's own function, before and after
gradlint's fixes, on the small project in tests/verify_project/ (the README's worked example) and on
projects written here. Bad input is one line on stderr and exit 2, told before torch loads where it can be.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROJECT = os.path.join("tests", "verify_project")

# the command in a child whose import system refuses torch (exit 99 if it is looked for)
NO_TORCH = textwrap.dedent("""\
    import os, sys

    class RefuseTorch:
        def find_spec(self, name, path=None, target=None):
            if name == "torch" or name.startswith("torch."):
                sys.stderr.write("torch was looked for\\n")
                sys.stderr.flush()
                os._exit(99)
            return None

    sys.meta_path.insert(0, RefuseTorch())
    from gradlint.cli import main
    main(["verify", *sys.argv[1:]])
""")


def verify(*args, cwd=ROOT, torch_allowed=True):
    command = [sys.executable, "-m", "gradlint", "verify"] if torch_allowed else [sys.executable, "-c", NO_TORCH]
    proc = subprocess.run([*command, *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=ROOT))
    return proc.returncode, proc.stdout, proc.stderr


def write(folder, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def snapshot(folder) -> dict[str, bytes]:
    return {os.path.join(d, f): open(os.path.join(d, f), "rb").read()
            for d, _, files in os.walk(folder) if "__pycache__" not in d for f in files}


GOOD = """
    import torch


    def evaluate(model, x):
        model.eval()
        return model(x).sum().item()


    def plain(x):
        return x + 1


    def nothing():
        return 1
"""


@pytest.mark.parametrize("args, message", [
    (["--call", "good.py"], "--call: expected FILE.py:FUNCTION (e.g. --call eval.py:evaluate), not 'good.py'"),
    (["--call", "nope.py:evaluate"], "--call: nope.py: no such file"),
    (["--call", "good.py:evalute"], "--call: good.py defines no evalute at module level"),
    (["--call", "good.py:evaluate"],
     "--call: evaluate() takes arguments (model, x): give --setup FILE:FUNCTION, a function of the device that "
     "returns them"),
    (["--call", "good.py:evaluate", "--setup", "good.py:make"], "--setup: good.py defines no make at module level"),
    (["--call", "notes.txt:evaluate"], "--call: notes.txt: not valid Python (line 1)"),
    (["--setup", "good.py:plain"], "--setup needs --call"),
    (["--call", "good.py:nothing", "good.py"], "--call measures one function: it takes no FIXTURES and no --list"),
])
def test_bad_input_is_one_line_before_torch(tmp_path, args, message):
    write(tmp_path, {"good.py": GOOD, "notes.txt": "these are notes, not code\n"})
    code, out, err = verify(*args, cwd=tmp_path, torch_allowed=False)
    assert (code, out, err.splitlines()) == (2, "", [f"gradlint: error: {message}"])


def test_nothing_to_fix_is_told_before_torch(tmp_path):
    write(tmp_path, {"clean.py": "import torch\n\n\ndef nothing():\n    return torch.ones(2).sum().item()\n"})
    code, out, err = verify("--call", "clean.py:nothing", cwd=tmp_path, torch_allowed=False)
    assert code == 2 and out == ""
    assert err == ("gradlint: error: --call: clean.py: gradlint has no fix to apply there (no findings); "
                   "nothing to measure\n")


pytest.importorskip("torch")


def test_the_readme_example_confirms_the_memory_saved():
    before = snapshot(os.path.join(ROOT, PROJECT))
    code, out, err = verify("--device", "cpu", "--repeat", "2", "--output-format", "json",
                            "--call", f"{PROJECT}/evaluate.py:evaluate",
                            "--setup", f"{PROJECT}/verify_setup.py:make_args")
    assert code == 0, out + err
    [entry] = json.loads(out)["fixtures"]
    assert entry["name"] == "evaluate.py:evaluate"
    assert entry["claim"] == "memory" and entry["expect"] == ["GL101"] and entry["allow"] == ["GL301"]
    assert entry["ok"] and entry["verdict"] == "memory saved"
    original, fixed = entry["original"]["metrics"], entry["fixed"]["metrics"]
    # four batches of 256 through two hidden layers of 512: activations saved for nothing
    assert original["saved_bytes"] >= 3 * 1024 * 1024 and fixed["saved_bytes"] == 0
    assert original["peak_bytes"] - fixed["peak_bytes"] >= 1024 * 1024
    assert entry["values_differ"] is None  # the same accuracy before and after
    assert entry["time"]["clock"] == "thread_cpu" and entry["time"]["wall"]["ratio"] > 0
    assert "thread CPU time" in entry["detail"] and "(wall time, for information: " in entry["detail"]
    # the fixes ran in memory: the project is byte for byte what it was, and nothing was added
    assert snapshot(os.path.join(ROOT, PROJECT)) == before


@pytest.fixture(scope="module")
def runner():
    from gradlint.verify.runner import ProcessRunner

    started = ProcessRunner("cpu", timeout=60, repeat=1)
    started.start()
    yield started
    started.close()


def call(runner, spec, setup=None, claim=None):
    from gradlint.verify.call import prepare, verify_call

    return verify_call(spec, setup, runner, prepare(spec, setup, claim))


def test_a_crash_in_the_users_function_is_fixed(runner):
    result = call(runner, f"{ROOT}/{PROJECT}/evaluate.py:clip_weights", f"{ROOT}/{PROJECT}/verify_setup.py:make_model")
    assert result.fixture.claim == "crash" and result.fixture.expect == ("GL301",)
    assert result.ok and result.verdict == "crash fixed", result.problems
    assert "leaf Variable that requires grad" in result.original.exception["message"]
    assert result.original.exception["line"] == 19  # the line in the user's file


def test_a_package_module_keeps_its_name_and_relative_imports(tmp_path, runner):
    write(tmp_path, {
        "shop/__init__.py": "from .scoring import score  # noqa: F401  (the package imports the module itself)\n",
        "shop/nets.py": """
            import torch.nn as nn


            def make_net():
                return nn.Sequential(nn.Linear(128, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(),
                                     nn.Linear(1024, 2))
        """,
        "shop/scoring.py": """
            from .nets import make_net


            def score(net, x):
                net.eval()
                return net(x).argmax(1).tolist()
        """,
        "bench/args.py": """
            import torch

            from shop.scoring import make_net  # the module under test, by its import name


            def make(device):
                torch.manual_seed(0)
                return {"net": make_net().to(device), "x": torch.randn(512, 128, device=device)}
        """,
    })
    result = call(runner, f"{tmp_path}/shop/scoring.py:score", f"{tmp_path}/bench/args.py:make")
    assert result.ok and result.verdict == "memory saved", result.problems
    assert result.original.metrics["saved_bytes"] > result.fixed.metrics["saved_bytes"] == 0


PROJECT_FILES = {
    "broken.py": """
        import torch

        raise ValueError("broken at import")


        def evaluate(model, x):
            model.eval()
            return model(x)
    """,
    "good.py": GOOD,
    "args.py": """
        import torch


        def raises(device):
            raise RuntimeError("no data here")


        def a_list(device):
            return [torch.nn.Linear(2, 2), torch.randn(3, 2)]


        def too_many(device):
            return (torch.nn.Linear(2, 2), torch.randn(3, 2), 3)


        def fine(device):
            return (torch.nn.Linear(2, 2), torch.randn(3, 2))
    """,
    "bad_import.py": """
        import no_such_module_anywhere


        def make(device):
            return ()
    """,
}


@pytest.mark.parametrize("spec, setup, message", [
    ("broken.py:evaluate", "args.py:fine",
     "--call {d}/broken.py:evaluate: importing the module raised ValueError: broken at import (line 3)"),
    ("good.py:evaluate", "args.py:raises", "--setup {d}/args.py:raises: RuntimeError: no data here (line 5)"),
    ("good.py:evaluate", "args.py:a_list",
     "--setup {d}/args.py:a_list: TypeError: a_list(device) returned list: it must return a tuple of positional "
     "arguments or a dict of keyword arguments for evaluate"),
    ("good.py:evaluate", "args.py:too_many",
     "--setup {d}/args.py:too_many: TypeError: too_many(device) returned arguments evaluate does not take: "
     "too many positional arguments"),
    ("good.py:evaluate", "bad_import.py:make",
     "--setup {d}/bad_import.py:make: ModuleNotFoundError: No module named 'no_such_module_anywhere' (line 1)"),
])
def test_input_that_fails_at_run_time_is_one_message(tmp_path, runner, spec, setup, message):
    from gradlint.verify.call import CallError

    write(tmp_path, PROJECT_FILES)
    with pytest.raises(CallError) as failure:
        call(runner, f"{tmp_path}/{spec}", f"{tmp_path}/{setup}")
    assert str(failure.value) == message.format(d=tmp_path)


def test_run_time_failure_on_the_command_line_is_exit_2_without_traceback(tmp_path):
    write(tmp_path, PROJECT_FILES)
    code, out, err = verify("--device", "cpu", "--repeat", "1", "--call", "good.py:evaluate",
                            "--setup", "args.py:raises", cwd=tmp_path)
    assert (code, out) == (2, "")
    assert err == "gradlint: error: --setup args.py:raises: RuntimeError: no data here (line 5)\n"
