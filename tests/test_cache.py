"""The result cache never serves a stale result, and a warm run reports what a cold one does.

Each test lints a small project twice (or more) through run_check with a cache
folder, counting how many files really went through the linter.
"""

import json
import os

import pytest

import gradlint
import gradlint.engine
from gradlint.config import Settings
from gradlint.runner import run_check

CLIPPING = """\
import torch


def clip(model):
    for p in model.parameters():
        p.clamp_(-0.01, 0.01)
"""

CALLER_UNDER_NO_GRAD = """\
import torch
from clipping import clip


def train(model):
    with torch.no_grad():
        clip(model)
"""

CALLER_WITH_GRAD = """\
import torch
from clipping import clip


def train(model):
    clip(model)
"""


@pytest.fixture
def project(tmp_path):
    (tmp_path / "clipping.py").write_text(CLIPPING)
    (tmp_path / "caller.py").write_text(CALLER_UNDER_NO_GRAD)
    return tmp_path


@pytest.fixture
def linted(monkeypatch):
    """The paths lint_source was called with since the last reset, each once (a run lints a file
    twice when its first pass, against the file's own index, asked a question the project's index
    answers otherwise)."""
    seen: list[str] = []
    real = gradlint.engine.lint_source

    def counting(source, path, *args, **kwargs):
        if os.path.basename(path) not in seen:
            seen.append(os.path.basename(path))
        return real(source, path, *args, **kwargs)

    monkeypatch.setattr(gradlint.engine, "lint_source", counting)
    return seen


def check(root, settings=None, **kwargs):
    settings = settings or Settings(root=str(root))
    outcome = run_check([str(root)], settings, cache_dir=str(root / "cache"), **kwargs)
    assert not outcome.errors, outcome.errors
    return sorted((os.path.basename(f.path), f.code, f.start.line) for f in outcome.findings)


def as_dicts(outcome):
    return [f.to_dict() for f in sorted(outcome.findings, key=lambda f: f.sort_key())]


def test_warm_run_reports_the_same_findings_without_linting(project, linted):
    (project / "caller.py").write_text(CALLER_WITH_GRAD)
    settings = Settings(root=str(project))
    cold = run_check([str(project)], settings, cache_dir=str(project / "cache"))
    assert linted, "the cold run lints"
    linted.clear()
    warm = run_check([str(project)], settings, cache_dir=str(project / "cache"))
    assert linted == []
    uncached = run_check([str(project)], settings, cache=False)
    assert as_dicts(warm) == as_dicts(cold) == as_dicts(uncached)
    assert [f.code for f in warm.findings] == ["GL301"]
    assert warm.findings[0].fix is not None, "fixes survive the cache"


def test_cache_folder_is_tagged_and_no_cache_writes_nothing(project):
    check(project)
    tag = project / "cache" / "CACHEDIR.TAG"
    assert tag.read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    other = project / "elsewhere"
    run_check([str(project / "clipping.py")], Settings(root=str(project)), cache=False, cache_dir=str(other))
    assert not other.exists()


def test_default_folder_is_next_to_the_configuration(project, monkeypatch, tmp_path_factory):
    (project / "pyproject.toml").write_text("[tool.gradlint]\nselect = ['GL']\n")
    from gradlint.config import resolve_settings
    from gradlint.rules import known_codes

    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
    run_check([str(project)], resolve_settings(str(project), known_codes()))
    assert (project / ".gradlint_cache" / "CACHEDIR.TAG").is_file()


def test_changed_file_is_linted_again(project, linted):
    assert check(project) == []
    (project / "clipping.py").write_text(CLIPPING.replace("p.clamp_(-0.01, 0.01)", "p.clamp_(-0.01, 0.01)\n        p.add_(1)"))
    linted.clear()
    assert check(project) == []
    assert linted == ["clipping.py"]


def test_a_call_in_another_file_that_stops_being_under_no_grad_invalidates(project, linted):
    # clip is only ever called under no_grad: its in-place update is fine
    assert check(project) == []
    (project / "caller.py").write_text(CALLER_WITH_GRAD)
    linted.clear()
    # clipping.py did not change, but its finding depends on caller.py
    assert check(project) == [("clipping.py", "GL301", 6)]
    assert "clipping.py" in linted


def test_a_call_that_moves_under_no_grad_silences_the_cached_finding(project):
    (project / "caller.py").write_text(CALLER_WITH_GRAD)
    assert check(project) == [("clipping.py", "GL301", 6)]
    (project / "caller.py").write_text(CALLER_UNDER_NO_GRAD)
    assert check(project) == []


def test_the_only_caller_moving_out_of_no_grad_invalidates(project):
    # another file's change (the project index) changes this file's findings: not served from cache
    assert check(project) == []
    os.remove(project / "caller.py")
    (project / "other.py").write_text(CALLER_WITH_GRAD)
    assert check(project) == [("clipping.py", "GL301", 6)]
    (project / "caller.py").write_text(CALLER_UNDER_NO_GRAD)
    # a second caller runs it under no_grad: which code the first reaches is not proven, GL301 is quiet
    assert check(project) == []


def test_unrelated_change_elsewhere_keeps_the_cached_result(project, linted):
    assert check(project) == []
    (project / "unrelated.py").write_text("import torch\n\n\ndef helper(x):\n    x += 1\n    return x\n")
    linted.clear()
    check(project)
    assert "clipping.py" not in linted


def test_configuration_change_is_not_served_from_cache(project, linted):
    (project / "caller.py").write_text(CALLER_WITH_GRAD)
    assert check(project) == [("clipping.py", "GL301", 6)]
    ignoring = Settings(root=str(project), ignore=("GL301",))
    assert check(project, ignoring) == []
    per_file = Settings(root=str(project), per_file_ignores=(("clipping.py", ("GL3",)),))
    assert check(project, per_file) == []
    # back to the first configuration: its result is still in the entry
    linted.clear()
    assert check(project) == [("clipping.py", "GL301", 6)]
    assert linted == []


def test_version_change_is_not_served_from_cache(project, linted, monkeypatch):
    check(project)
    linted.clear()
    monkeypatch.setattr(gradlint, "__version__", "999.0.0")
    check(project)
    assert sorted(linted) == ["caller.py", "clipping.py"]
    folders = [p.name for p in (project / "cache").iterdir() if p.is_dir()]
    assert len(folders) == 1 and folders[0].startswith("999.0.0-"), "the old version's entries are dropped"


def test_edited_gradlint_source_is_not_served_from_cache(project, linted, monkeypatch):
    import gradlint.cache

    check(project)
    linted.clear()
    monkeypatch.setattr(gradlint.cache, "_package_stamp", lambda: "edited")
    check(project)
    assert sorted(linted) == ["caller.py", "clipping.py"]


def test_an_edited_entry_of_the_right_shape_is_a_miss(project, linted):
    # a finding moved to another line and renamed: every value keeps its type, yet this is not
    # what gradlint wrote, so it is not served
    (project / "caller.py").write_text(CALLER_WITH_GRAD)
    expected = check(project)
    assert expected == [("clipping.py", "GL301", 6)]
    edited = 0
    for path in (project / "cache").rglob("*"):
        if path.is_file() and path.parent.parent.parent == project / "cache":
            data = json.loads(path.read_text())
            for result in data.get("results", {}).values():  # the run's index answers have none
                for finding in result["findings"]:
                    finding["code"], finding["location"]["row"] = "GL101", 1
                    edited += 1
            path.write_text(json.dumps(data, separators=(",", ":")))
    assert edited
    linted.clear()
    assert check(project) == expected
    assert "clipping.py" in linted


def test_corrupt_entries_are_ignored_and_rewritten(project, linted):
    (project / "caller.py").write_text(CALLER_WITH_GRAD)
    expected = check(project)
    entries = [p for p in (project / "cache").rglob("*") if p.is_file() and p.parent.parent.parent == project / "cache"]
    assert entries
    for number, entry in enumerate(entries):
        entry.write_bytes([b"", b"{not json", b'{"results": 3}', b"[]"][number % 4])
    linted.clear()
    assert check(project) == expected
    assert linted
    linted.clear()
    assert check(project) == expected
    assert linted == []


def test_unwritable_cache_folder_still_lints(project):
    blocker = project / "cache"
    blocker.write_text("a file where the folder should be")
    (project / "caller.py").write_text(CALLER_WITH_GRAD)
    assert check(project) == [("clipping.py", "GL301", 6)]


def test_syntax_errors_come_back_from_the_cache(project):
    (project / "broken.py").write_text("def f(:\n    pass\n")
    first = check(project)
    assert ("broken.py", "GL000", 1) in first
    assert check(project) == first


def test_fix_applies_fixes_whose_findings_were_cached(project):
    (project / "caller.py").write_text(CALLER_WITH_GRAD)
    assert check(project) == [("clipping.py", "GL301", 6)]
    outcome = run_check([str(project)], Settings(root=str(project)), fix=True, cache_dir=str(project / "cache"))
    assert outcome.fixed == 1 and outcome.findings == []
    assert "with torch.no_grad():" in (project / "clipping.py").read_text()
    assert check(project) == []


def test_cli_cache_options(project, gradlint_cli):
    (project / "caller.py").write_text(CALLER_WITH_GRAD)
    code, out, err = gradlint_cli("check", "--no-cache", "clipping.py", "caller.py", cwd=project)
    assert code == 1 and "GL301" in out
    assert not (project / ".gradlint_cache").exists()
    code, out, err = gradlint_cli("check", "--cache-dir", "here", "clipping.py", "caller.py", cwd=project)
    assert code == 1 and "GL301" in out
    assert (project / "here" / "CACHEDIR.TAG").is_file()
    code, again, err = gradlint_cli("check", "--cache-dir", "here", "clipping.py", "caller.py", cwd=project)
    assert (code, again) == (1, out)


def test_recorded_index_questions_replay_against_another_index():
    from gradlint.analysis.project import ProjectIndex
    from gradlint.cache import RecordingIndex, answers_hold
    from gradlint.engine import summarize_source

    model = "import torch.nn as nn\n\nclass Encoder(nn.Module):\n    pass\n"
    files = lambda caller: [summarize_source(CLIPPING, "clipping.py"), summarize_source(caller, "caller.py"),
                            summarize_source(model, "model.py")]
    before, after = ProjectIndex(files(CALLER_UNDER_NO_GRAD)), ProjectIndex(files(CALLER_WITH_GRAD))
    recorder = RecordingIndex(before)
    # questions are asked by qualified name: the module (from the file's path), then the definition
    assert recorder.function_mode("clipping.clip") is not None
    assert "model.Encoder" in recorder.module_classes
    assert recorder.exact and len(recorder.queries) == 2
    assert answers_hold(before, recorder.queries)
    assert not answers_hold(after, recorder.queries)
    # a question about the Module classes alone still holds after the call changed
    only_classes = {k: v for k, v in recorder.queries.items() if "module_classes" in k}
    assert answers_hold(after, only_classes)
    assert not answers_hold(ProjectIndex([]), only_classes)


def test_a_question_asked_with_a_keyword_is_recorded_and_replays():
    # a question the index cannot replay makes the file's result uncacheable: a warm run would lint it again
    from gradlint.analysis.project import ProjectIndex
    from gradlint.cache import RecordingIndex, answers_hold
    from gradlint.engine import summarize_source

    helper = "def show(bar, value):\n    bar.set_postfix(loss=value)\n"
    restoring = "def show(bar, value):\n    bar.model.train()\n"
    before = ProjectIndex([summarize_source(helper, "helpers.py")])
    recorder = RecordingIndex(before)
    assert recorder.may_set_mode("helpers.show", "train", handing_out=False) is False
    assert recorder.exact and len(recorder.queries) == 1
    assert answers_hold(before, recorder.queries)
    assert not answers_hold(ProjectIndex([summarize_source(restoring, "helpers.py")]), recorder.queries)


def test_editing_a_file_replaces_its_entry(project):
    def entries():
        return sorted(p.name for p in (project / "cache").rglob("*") if p.is_file() and p.parent.parent.parent == project / "cache")

    check(project)
    first = entries()
    assert len(first) == 3  # one per file, and the run's index answers
    for n in range(3):
        (project / "clipping.py").write_text(CLIPPING + f"\nX = {n}\n")
        check(project)
    assert entries() == first


def test_a_summary_whose_training_state_has_the_wrong_shape_is_a_miss(project, linted):
    # the GL5 part of a summary is nested JSON: every field is checked, not just "a dict"

    (project / "caller.py").write_text(CALLER_WITH_GRAD)
    expected = check(project)
    entries = [p for p in (project / "cache").rglob("*") if p.is_file() and p.parent.parent.parent == project / "cache"]
    damaged = 0
    for entry in entries:
        data = json.loads(entry.read_text())
        summary = json.loads(data["summary"]) if data.get("summary") else {}  # JSON text in the entry
        state = summary.get("training_state")
        if state and state["functions"]:
            name = next(iter(state["functions"]))  # each function's state is JSON text of its own
            function = json.loads(state["functions"][name])
            state["functions"][name] = json.dumps({**function, "calls": [["key", "not a list of slots", True]]})
            entry.write_text(json.dumps({**data, "summary": json.dumps(summary)}))
            damaged += 1
    assert damaged
    linted.clear()
    assert check(project) == expected
    assert linted  # the damaged entries were linted again, not served


def test_a_warm_run_over_the_same_files_needs_no_project_index(project, monkeypatch):
    import gradlint.analysis.project as project_module

    (project / "caller.py").write_text(CALLER_WITH_GRAD)
    built = []
    real = project_module.ProjectIndex.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        real(self, *args, **kwargs)

    monkeypatch.setattr(project_module.ProjectIndex, "__init__", counting)
    expected = check(project)
    assert expected == [("clipping.py", "GL301", 6)] and built
    built.clear()
    # the former run's answers hold for the same files with the same contents
    assert check(project) == expected and not built
    # an answer edited in the cache is not what gradlint wrote: the index is built again
    edited = 0
    for path in (project / "cache").rglob("*"):
        if path.is_file() and path.parent.parent.parent == project / "cache" and '"answers"' in path.read_text():
            data = json.loads(path.read_text())
            data["answers"] = {question: "edited" for question in data["answers"]}
            path.write_text(json.dumps(data, separators=(",", ":")))
            edited += 1
    assert edited == 1
    assert check(project) == expected and built
    built.clear()
    (project / "caller.py").write_text(CALLER_UNDER_NO_GRAD)
    assert check(project) == [] and built


def test_a_package_made_around_the_files_is_not_read_from_stale_entries(tmp_path):
    sub = tmp_path / "pkg" / "sub"
    sub.mkdir(parents=True)
    (sub / "__init__.py").write_text("")
    (sub / "evaluation.py").write_text(
        "import torch\n\n\ndef evaluate(model, x):\n    model.eval()\n    return model(x).argmax(1).tolist()\n")
    (sub / "run.py").write_text(
        "import torch\nfrom pkg.sub.evaluation import evaluate\n\n\ndef main(model, x):\n"
        "    with torch.no_grad():\n        return evaluate(model, x)\n")
    settings = Settings(root=str(tmp_path))

    def findings(**kwargs):
        outcome = run_check([str(sub)], settings, **kwargs)
        return sorted((os.path.basename(f.path), f.code) for f in outcome.findings)

    cache = str(tmp_path / "cache")
    # without pkg/__init__.py the import names no module of the project: evaluate has no known caller
    assert findings(cache_dir=cache) == findings(cache=False) == [("evaluation.py", "GL101")]
    (tmp_path / "pkg" / "__init__.py").write_text("")
    # now `pkg.sub.evaluation` is this file, called only under no_grad
    assert findings(cache_dir=cache) == findings(cache=False) == []


def test_summaries_are_checked_where_they_are_made():
    from gradlint.cache import valid_summary
    from gradlint.engine import summarize_source

    text = summarize_source(CLIPPING, "clipping.py").to_json()
    assert valid_summary(text)
    data = json.loads(text)
    functions = data["training_state"]["functions"]
    clip = json.loads(functions["clipping.clip"])
    functions["clipping.clip"] = json.dumps({**clip, "calls": [["key", "not a list of slots", True]]})
    assert not valid_summary(json.dumps(data))
    functions["clipping.clip"] = json.dumps(clip)[:-1]  # text that is not JSON
    assert not valid_summary(json.dumps(data))
    functions["clipping.clip"] = json.dumps(clip)
    assert valid_summary(json.dumps(data))
    assert not valid_summary(text[:-1]) and not valid_summary(json.dumps({**data, "extra": 1}))
