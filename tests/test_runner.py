"""run_check: the process pool gives what one process gives; the prefilter skips only what cannot fire."""

import os

import pytest

import gradlint.engine
import gradlint.runner
from gradlint.config import Settings
from gradlint.runner import run_check

FLAGGED = """\
import torch


def clip{n}(model):
    for p in model.parameters():
        p.clamp_(-0.01, 0.01)


def train{n}(model):
    with torch.no_grad():
        clip{n}(model)
    clip_shared(model)
"""

SHARED = """\
def clip_shared(model):
    for p in model.parameters():
        p.clamp_(-0.01, 0.01)
"""

CALLS_SHARED_UNDER_NO_GRAD = """\
import torch

def evaluate(model):
    with torch.no_grad():
        clip_shared(model)
"""


@pytest.fixture
def many_files(tmp_path):
    for n in range(12):
        (tmp_path / f"m{n}.py").write_text(FLAGGED.format(n=n))
    (tmp_path / "shared.py").write_text(SHARED)
    (tmp_path / "evaluation.py").write_text(CALLS_SHARED_UNDER_NO_GRAD)
    (tmp_path / "broken.py").write_text("def f(:\n")
    return tmp_path


def findings(outcome):
    assert not outcome.errors, outcome.errors
    return [f.to_dict() for f in sorted(outcome.findings, key=lambda f: f.sort_key())]


def test_pool_and_single_process_agree(many_files, monkeypatch):
    settings = Settings(root=str(many_files))
    monkeypatch.setattr(gradlint.runner, "PARALLEL_MIN_FILES", 10**9)
    single = run_check([str(many_files)], settings, cache=False)
    monkeypatch.setattr(gradlint.runner, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(gradlint.runner, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(gradlint.runner, "_workers", lambda: 2)
    pooled = run_check([str(many_files)], settings, cache=False)
    assert findings(pooled) == findings(single)
    codes = sorted({(f["code"], os.path.basename(f["filename"])) for f in findings(single)})
    # clip_shared is called with grad on from every m*.py: flagged across files
    assert ("GL301", "shared.py") in codes and ("GL000", "broken.py") in codes
    # each clipN is only called under no_grad: silenced through the project index
    assert not any(code == "GL301" and name.startswith("m") for code, name in codes)


def test_pool_fixes_every_file(many_files, monkeypatch):
    monkeypatch.setattr(gradlint.runner, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(gradlint.runner, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(gradlint.runner, "_workers", lambda: 2)
    os.remove(many_files / "broken.py")
    outcome = run_check([str(many_files)], Settings(root=str(many_files)), fix=True, cache=False)
    assert outcome.fixed == 1 and findings(outcome) == []
    assert "with torch.no_grad():" in (many_files / "shared.py").read_text()


def test_prefilter_skips_files_no_rule_can_fire_on(tmp_path, monkeypatch):
    seen = []
    real = gradlint.engine.lint_source

    def counting(source, path, *args, **kwargs):
        seen.append(os.path.basename(path))
        return real(source, path, *args, **kwargs)

    monkeypatch.setattr(gradlint.engine, "lint_source", counting)
    (tmp_path / "plain.py").write_text("def add(a, b):\n    return a\n")
    (tmp_path / "broken.py").write_text("x = (\n")
    (tmp_path / "clip.py").write_text(SHARED + "\nclip_shared(None)\n")
    outcome = run_check([str(tmp_path)], Settings(root=str(tmp_path), select=("GL301",)), cache=False)
    # a file that does not parse is reported whatever is selected
    assert sorted(f.code for f in outcome.findings) == ["GL000", "GL301"]
    assert "plain.py" not in seen and "clip.py" in seen
    outcome = run_check([str(tmp_path)], Settings(root=str(tmp_path)), cache=False)
    assert sorted(f.code for f in outcome.findings) == ["GL000", "GL301"]


def test_prefiltered_file_still_counts_in_the_project_index(tmp_path):
    # caller.py has no trigger of GL301, yet its call with grad on makes clip.py's update an error
    (tmp_path / "clip.py").write_text(SHARED)
    (tmp_path / "caller.py").write_text("def run(model):\n    clip_shared(model)\n")
    outcome = run_check([str(tmp_path)], Settings(root=str(tmp_path), select=("GL301",)), cache=False)
    assert [(os.path.basename(f.path), f.code) for f in outcome.findings] == [("clip.py", "GL301")]


def test_unreadable_and_undecodable_files_are_errors_not_crashes(tmp_path):
    (tmp_path / "latin.py").write_bytes(b"# -*- coding: utf-8 -*-\nx = '\xff'\n")
    (tmp_path / "ok.py").write_text("x = 1\n")
    outcome = run_check([str(tmp_path)], Settings(root=str(tmp_path)), cache_dir=str(tmp_path / "c"))
    assert len(outcome.errors) == 1 and "latin.py" in outcome.errors[0]
    assert outcome.files == 2


def test_files_named_alone_still_see_the_rest_of_their_project(tmp_path):
    """Like pre-commit passing only the changed file: its callers elsewhere in the repository count."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "helpers.py").write_text(
        "def predict(model, batches):\n    model.eval()\n    return [model(b).argmax(1) for b in batches]\n")
    (tmp_path / "runner.py").write_text(
        "import torch\nfrom helpers import predict\n\n\ndef report(model, batches):\n"
        "    with torch.no_grad():\n        return predict(model, batches)\n")
    named = str(tmp_path / "helpers.py")
    assert findings(run_check([named], Settings(root=str(tmp_path)), cache=False)) == []
    # the cache keeps the context's summaries; a warm run agrees
    cache = str(tmp_path / "cache")
    assert findings(run_check([named], Settings(root=str(tmp_path)), cache_dir=cache)) == []
    assert findings(run_check([named], Settings(root=str(tmp_path)), cache_dir=cache)) == []
    # the caller changes: now the helper runs with grad enabled somewhere
    (tmp_path / "runner.py").write_text("from helpers import predict\n\n\ndef report(model, batches):\n    return predict(model, batches)\n")
    assert [f.code for f in run_check([named], Settings(root=str(tmp_path)), cache_dir=cache).findings] == ["GL101"]


def test_files_named_alone_see_the_wrappers_they_import(tmp_path):
    """A grad-disabling decorator factory defined in another module of the project (and re-exported
    by its package) is recognised when only the file that uses it is named."""
    (tmp_path / ".git").mkdir()
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("from .utils import smart_inference_mode\n")
    (package / "utils.py").write_text(
        "import torch\n\n\ndef smart_inference_mode(enabled=True):\n    def decorate(fn):\n"
        "        return (torch.inference_mode if enabled else torch.no_grad)()(fn)\n    return decorate\n")
    (package / "val.py").write_text(
        "import torch\nfrom pkg import smart_inference_mode\n\n\n@smart_inference_mode()\n"
        "def evaluate(model, loader):\n    model.eval()\n    return [model(x).argmax(1).tolist() for x in loader]\n")
    named = str(package / "val.py")
    assert findings(run_check([named], Settings(root=str(tmp_path)), cache=False)) == []
    # the same file with a decorator that disables nothing is reported
    (package / "utils.py").write_text("def smart_inference_mode(enabled=True):\n    return lambda fn: fn\n")
    assert [f.code for f in run_check([named], Settings(root=str(tmp_path)), cache=False).findings] == ["GL101"]


@pytest.mark.parametrize("pool", [False, True])
def test_a_file_changed_after_it_was_read_is_an_error_not_a_different_file(tmp_path, monkeypatch, pool):
    # a run keeps no texts: its workers read each file again and must find the bytes it read first
    for n in range(12 if pool else 2):
        (tmp_path / f"train{n}.py").write_text(FLAGGED.format(n=n))
    (tmp_path / "shared.py").write_text(SHARED)
    if pool:
        monkeypatch.setattr(gradlint.runner, "PARALLEL_MIN_BYTES", 0)
    else:
        monkeypatch.setattr(gradlint.runner, "PARALLEL_MIN_FILES", 10**9)
    settings = Settings(root=str(tmp_path))
    assert {os.path.basename(f.path) for f in run_check([str(tmp_path)], settings, cache=False).findings} == {"shared.py"}
    read = gradlint.runner._read
    edited = tmp_path / "shared.py"

    def read_then_edit(path, *args):
        found = read(path, *args)
        if path == str(edited):
            edited.write_text(SHARED + "\n# saved meanwhile\n")
        return found

    monkeypatch.setattr(gradlint.runner, "_read", read_then_edit)
    outcome = run_check([str(tmp_path)], settings, cache=False)
    assert outcome.errors == [f"{edited}: changed while gradlint was running; not checked"]
    assert outcome.findings == []
