"""Jupyter notebooks (`.ipynb`): found, linted per cell, reported per cell, fixed in place.

The notebooks are in tests/notebooks/ (most written with nbformat, as Jupyter saves
them; hand_layout.ipynb and ascii_escaped.ipynb in other tools' layouts). Every
test copies the ones it needs into tmp_path and runs the real command line.
Every notebook gradlint writes is validated against the notebook schema (nbformat).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import nbformat
import pytest

from gradlint.config import Settings
from gradlint.notebook import NotebookSource

NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"


def copy(tmp_path: Path, *names: str) -> list[Path]:
    out = []
    for name in names:
        target = tmp_path / name
        shutil.copyfile(NOTEBOOKS / name, target)
        out.append(target)
    return out


def assert_valid(path: Path) -> dict:
    """The notebook opens and passes nbformat's schema; returns its JSON."""
    notebook = nbformat.read(str(path), as_version=4)
    nbformat.validate(notebook)
    return json.loads(path.read_text(encoding="utf-8"))


def findings(stdout: str) -> list[str]:
    """`path:cell N:line:col: CODE` of each finding line."""
    return [line[:line.index(": GL") + 7] for line in stdout.splitlines() if ": GL" in line]


def check(gradlint_cli, tmp_path, *args):
    code, out, err = gradlint_cli("check", "--no-cache", *args, cwd=tmp_path)
    assert "Traceback" not in err, err
    return code, out, err


# -- finding notebooks ----------------------------------------------------------


def test_a_folder_scan_finds_notebooks_and_skips_checkpoints(gradlint_cli, tmp_path):
    copy(tmp_path, "feature_extraction.ipynb")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    shutil.copyfile(NOTEBOOKS / "feature_extraction.ipynb", tmp_path / ".ipynb_checkpoints" / "feature_extraction-checkpoint.ipynb")
    (tmp_path / "clip.py").write_text("import torch\n\n\ndef clip(model):\n    for p in model.parameters():\n        p.clamp_(-1, 1)\n")
    code, out, _ = check(gradlint_cli, tmp_path, ".")
    assert code == 1
    assert findings(out) == [
        "clip.py:6:9: GL301",
        "feature_extraction.ipynb:cell 3:2:5: GL202",
        "feature_extraction.ipynb:cell 4:5:18: GL101",
    ]


def test_extend_exclude_leaves_notebooks_out(gradlint_cli, tmp_path):
    copy(tmp_path, "feature_extraction.ipynb")
    (tmp_path / "pyproject.toml").write_text('[tool.gradlint]\nextend-exclude = ["*.ipynb"]\n')
    (tmp_path / "ok.py").write_text("import torch\n")
    code, out, _ = check(gradlint_cli, tmp_path, ".")
    assert code == 0, out
    assert "All checks passed!" in out


# -- one program, IPython syntax masked ---------------------------------------------


def test_cells_are_one_program_and_ipython_lines_are_never_parsed(gradlint_cli, tmp_path):
    # cell 8 defines evaluate(), cell 9 calls it under no_grad: quiet. Cell 2 (`%matplotlib`, `!pip`),
    # cell 10 (`net?`, `%timeit`) and the `%%time` cell 11 would not parse as Python.
    (notebook,) = copy(tmp_path, "cifar10_tutorial.ipynb")
    code, out, _ = check(gradlint_cli, tmp_path, notebook.name)
    assert (code, findings(out)) == (0, []), out

    # without the caller's no_grad, the cell that defines evaluate() is reported
    data = json.loads(notebook.read_text())
    data["cells"][8]["source"] = ["correct = evaluate(net, testloader)\n"]
    notebook.write_text(json.dumps(data, indent=1))
    code, out, _ = check(gradlint_cli, tmp_path, notebook.name)
    assert findings(out) == ["cifar10_tutorial.ipynb:cell 8:5:19: GL101"]


def test_a_cell_magic_masks_its_whole_cell(gradlint_cli, tmp_path):
    (notebook,) = copy(tmp_path, "cifar10_tutorial.ipynb")
    data = json.loads(notebook.read_text())
    assert data["cells"][10]["source"][0] == "%%time\n"
    data["cells"][10]["source"].pop(0)  # the same loop as plain Python: its eval forward is reported
    notebook.write_text(json.dumps(data, indent=1))
    code, out, _ = check(gradlint_cli, tmp_path, notebook.name)
    assert findings(out) == ["cifar10_tutorial.ipynb:cell 11:3:15: GL101"]


def test_masking_keeps_every_cell_line_on_its_own_line():
    cells = [
        "%load_ext autoreload\n!pip install torch \\\n    torchvision\nx = 1",
        "files = !ls\nmodel?\n??model\nfor i in range(3):\n    %time f(i)",
        "s = '''\n%not a magic\n!nor this\n'''\ny = (1 +\n     2)  # why?",
        "print('what?')\n# a question?",
    ]
    data = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    source = NotebookSource.from_bytes(nbformat.writes(data).encode())
    virtual = source.text.splitlines()
    assert len(virtual) == len(cells) + sum(len(c.splitlines()) for c in cells)
    import ast

    ast.parse(source.text)  # the masked program parses
    masked = [line for line in virtual if "#gradlint-masked:" in line]
    assert len(masked) == 7  # %load_ext, !pip and its continued line; !ls, model?, ??model, %time; no line of the string
    assert "%not a magic" in source.text and "print('what?')" in source.text and "# a question?" in source.text
    assert not source.broken_cells


# -- positions ------------------------------------------------------------------


def test_output_formats_name_the_cell(gradlint_cli, tmp_path):
    (notebook,) = copy(tmp_path, "finetune_loss.ipynb")
    raw_lines = notebook.read_text().splitlines()

    _, out, _ = check(gradlint_cli, tmp_path, notebook.name, "--output-format", "json")
    entries = json.loads(out)
    assert [(e["cell"], e["location"]["row"], e["location"]["column"]) for e in entries] == [(2, 7, 5), (6, 7, 5)]
    assert entries[0]["fix"]["edits"][0]["location"] == {"row": 7, "column": 20}

    _, out, _ = check(gradlint_cli, tmp_path, notebook.name, "--output-format", "github")
    first = out.splitlines()[0]
    line = int(first.split("line=")[1].split(",")[0])
    assert raw_lines[line - 1].strip() == '"    running += loss"'  # the .ipynb line a reviewer sees in a diff
    assert "::GL201 cell 2:7:5: Graph-carrying" in first

    _, out, _ = check(gradlint_cli, tmp_path, notebook.name, "--output-format", "sarif")
    result = json.loads(out)["runs"][0]["results"][1]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert raw_lines[region["startLine"] - 1].strip() == '"    last += loss"'
    assert result["message"]["text"].startswith("cell 6:7:5: ")
    assert result["properties"]["cell"] == 6

    _, out, _ = check(gradlint_cli, tmp_path, notebook.name, "--output-format", "lsp")
    (diagnostics,) = json.loads(out).values()
    assert [(d["cell"], d["range"]["start"]) for d in diagnostics] == [(2, {"line": 6, "character": 4}),
                                                                       (6, {"line": 6, "character": 4})]


def test_a_cell_that_does_not_parse_is_gl000_there_and_the_others_are_linted(gradlint_cli, tmp_path):
    copy(tmp_path, "broken_cell.ipynb")
    code, out, _ = check(gradlint_cli, tmp_path, "broken_cell.ipynb")
    assert code == 1
    assert findings(out) == ["broken_cell.ipynb:cell 2:1:27: GL000", "broken_cell.ipynb:cell 3:2:5: GL301"]


# -- noqa -----------------------------------------------------------------------


def test_noqa_on_a_cell_line_and_for_a_whole_cell(gradlint_cli, tmp_path):
    # cell 3: `# noqa: GL201` on the line; cell 4: `# gradlint: noqa: GL201` at its top
    (notebook,) = copy(tmp_path, "finetune_loss.ipynb")
    code, out, _ = check(gradlint_cli, tmp_path, notebook.name)
    assert findings(out) == ["finetune_loss.ipynb:cell 2:7:5: GL201", "finetune_loss.ipynb:cell 6:7:5: GL201"]
    # the cell's noqa holds for its cell only, and --fix leaves it alone too
    code, out, _ = check(gradlint_cli, tmp_path, notebook.name, "--fix")
    assert code == 0, out
    cells = assert_valid(notebook)["cells"]
    assert cells[3]["source"][-1] == "    epoch_loss += loss"
    assert cells[2]["source"][-1] == "    total += loss  # noqa: GL201"
    assert cells[1]["source"][-1] == cells[5]["source"][-1].replace("last", "running") == "    running += loss.detach()"


# -- fixes ------------------------------------------------------------------------


def _without(data: dict, cells: set[int]) -> dict:
    """The notebook's JSON with the sources of some cells (0-based) left out."""
    data = json.loads(json.dumps(data))
    for i in cells:
        data["cells"][i].pop("source")
    return data


@pytest.mark.parametrize("name, changed", [
    ("feature_extraction.ipynb", {2, 3}),  # nbformat's own layout, outputs with an image
    ("hand_layout.ipynb", {2}),  # 2-space indent, keys unsorted, raw non-ASCII, no final newline
    ("ascii_escaped.ipynb", {1, 5}),  # 4-space indent, non-ASCII written as \\u escapes
])
def test_fix_changes_only_the_fixed_cells_and_round_trips(gradlint_cli, tmp_path, name, changed):
    (notebook,) = copy(tmp_path, name)
    before = notebook.read_bytes()
    os.chmod(notebook, 0o640)
    code, out, err = check(gradlint_cli, tmp_path, name, "--fix")
    assert code == 0, out + err
    after = notebook.read_bytes()
    assert after != before
    # everything but the fixed cells' sources is as it was: metadata, outputs, execution counts, ids
    assert _without(json.loads(after), changed) == _without(json.loads(before), changed)
    # and byte for byte: only lines of the changed sources differ (indentation, escapes, final newline kept)
    old_lines, new_lines = before.decode().splitlines(True), after.decode().splitlines(True)
    import difflib

    changes = [line for line in difflib.unified_diff(old_lines, new_lines, n=0) if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert changes and all(line[1:].lstrip().startswith('"') for line in changes), changes
    assert after.endswith(b"\n") == before.endswith(b"\n")
    assert stat.S_IMODE(os.stat(notebook).st_mode) == 0o640  # written through write_atomic: mode kept
    assert_valid(notebook)
    # a second run changes nothing and finds nothing
    code, out, _ = check(gradlint_cli, tmp_path, name, "--fix")
    assert code == 0 and "All checks passed!" in out, out
    assert notebook.read_bytes() == after


def test_ascii_escapes_stay_escapes(gradlint_cli, tmp_path):
    (notebook,) = copy(tmp_path, "ascii_escaped.ipynb")
    check(gradlint_cli, tmp_path, notebook.name, "--fix")
    text = notebook.read_text()
    assert text.isascii() and "\\u00e9t\\u00e9" in text


def test_diff_shows_each_changed_cell(gradlint_cli, tmp_path):
    (notebook,) = copy(tmp_path, "feature_extraction.ipynb")
    before = notebook.read_bytes()
    code, out, _ = check(gradlint_cli, tmp_path, notebook.name, "--diff")
    assert notebook.read_bytes() == before
    headers = [line for line in out.splitlines() if line.startswith(("---", "+++"))]
    assert headers == ["--- feature_extraction.ipynb:cell 3", "+++ feature_extraction.ipynb:cell 3",
                       "--- feature_extraction.ipynb:cell 4", "+++ feature_extraction.ipynb:cell 4"]
    assert "+    features.append(output.detach())" in out.splitlines()


def test_a_notebook_that_cannot_be_written_back_faithfully_is_left_untouched(gradlint_cli, tmp_path):
    # cell 2's source list splits a line in two: rewriting it would change the layout of the JSON
    (notebook,) = copy(tmp_path, "split_lines.ipynb")
    before = notebook.read_bytes()
    code, out, err = check(gradlint_cli, tmp_path, notebook.name, "--fix")
    assert code == 2
    assert err.splitlines() == ["gradlint: error: split_lines.ipynb: cannot write fixes: the JSON layout of cell 2's "
                                "source cannot be reproduced; the file is left as it was"]
    assert notebook.read_bytes() == before
    assert len(findings(out)) == 2  # the findings are still listed


def test_a_read_only_notebook_is_not_fixed(gradlint_cli, tmp_path):
    (notebook,) = copy(tmp_path, "feature_extraction.ipynb")
    before = notebook.read_bytes()
    os.chmod(notebook, 0o444)
    code, _, err = check(gradlint_cli, tmp_path, notebook.name, "--fix")
    assert code == 2
    assert "gradlint: error: feature_extraction.ipynb: cannot write fixes: file is read-only" in err
    assert notebook.read_bytes() == before


def test_a_notebook_saved_while_gradlint_runs_is_not_overwritten(tmp_path, monkeypatch):
    from gradlint import runner

    (notebook,) = copy(tmp_path, "feature_extraction.ipynb")
    check_file = runner._check_file

    def saved_meanwhile(*job):
        result = check_file(*job)
        notebook.write_text(notebook.read_text().replace("features = []", "features = []  # edited"))
        return result

    monkeypatch.setattr(runner, "_check_file", saved_meanwhile)
    outcome = runner.run_check([str(notebook)], Settings(root=str(tmp_path)), fix=True, cache=False)
    assert outcome.errors == [f"{notebook}: changed while gradlint was running; fixes not written"]
    assert "# edited" in notebook.read_text() and "output.detach()" not in notebook.read_text()
    assert [(f.cell, f.start.line) for f in outcome.findings] == [(3, 2), (4, 5)]


# -- project index, cache, process pool ----------------------------------------------


HELPER = """import torch


def evaluate(model, loader):
    model.eval()
    correct = 0
    for x, y in loader:
        logits = model(x)
        correct += (logits.argmax(1) == y).sum().item()
    return correct
"""


def test_a_notebook_s_calls_inform_the_project_index(gradlint_cli, tmp_path):
    (tmp_path / "helpers.py").write_text(HELPER)
    code, out, _ = check(gradlint_cli, tmp_path, ".")
    assert findings(out) == ["helpers.py:8:18: GL101"]
    cells = ["import torch\nfrom helpers import evaluate\n\nnet = torch.nn.Linear(4, 2)",
             "with torch.no_grad():\n    print(evaluate(net, []))"]
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]), str(tmp_path / "report.ipynb"))
    code, out, _ = check(gradlint_cli, tmp_path, ".")
    assert (code, findings(out)) == (0, []), out  # its only caller, in the notebook, disables grad


def test_the_cache_keeps_cell_positions(tmp_path):
    from gradlint.cache import Cache, add_result
    from gradlint.finding import Finding
    from gradlint.runner import run_check

    copy(tmp_path, "finetune_loss.ipynb", "broken_cell.ipynb")
    settings = Settings(root=str(tmp_path))
    cold = run_check([str(tmp_path)], settings, cache_dir=str(tmp_path / "cache"))
    warm = run_check([str(tmp_path)], settings, cache_dir=str(tmp_path / "cache"))
    uncached = run_check([str(tmp_path)], settings, cache=False)
    dicts = [[f.to_dict() for f in sorted(o.findings, key=lambda f: f.sort_key())] for o in (cold, warm, uncached)]
    assert dicts[0] == dicts[1] == dicts[2]
    assert [(d["cell"], d["code"]) for d in dicts[0]] == [(2, "GL000"), (3, "GL301"), (2, "GL201"), (6, "GL201")]
    # an entry holding notebook findings is valid, and gives back the same findings, cells included
    store = Cache(str(tmp_path / "other-cache"))
    store.store("k" * 40, add_result({"digest": "d", "results": {}}, "r", {"queries": {}, "findings": dicts[0]}))
    loaded = store.load("k" * 40)
    assert loaded is not None
    assert [Finding.from_dict(d).to_dict() for d in loaded["results"]["r"]["findings"]] == dicts[0]
    bad = [{**dicts[0][0], "cell": "2"}]
    store.store("b" * 40, add_result({"digest": "d", "results": {}}, "r", {"queries": {}, "findings": bad}))
    assert store.load("b" * 40) is None  # a cell that is not a number: a miss


def test_notebooks_in_the_process_pool_report_as_in_one_process(tmp_path, monkeypatch):
    from gradlint import runner

    for i in range(8):
        shutil.copyfile(NOTEBOOKS / "finetune_loss.ipynb", tmp_path / f"nb{i}.ipynb")
    settings = Settings(root=str(tmp_path))
    alone = runner.run_check([str(tmp_path)], settings, cache=False)
    monkeypatch.setattr(runner, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(runner, "_workers", lambda: 2)
    pooled = runner.run_check([str(tmp_path)], settings, cache=False)
    key = [(os.path.basename(f.path), f.cell, f.start, f.code) for f in alone.findings]
    assert len(key) == 16 and key == [(os.path.basename(f.path), f.cell, f.start, f.code) for f in pooled.findings]


# -- bad input ----------------------------------------------------------------------


@pytest.mark.parametrize("name, message", [
    ("invalid_json.ipynb", "gradlint: error: invalid_json.ipynb: not a notebook: invalid JSON at line 19, column 4: "
                           "Unterminated string starting at"),
    ("nbformat3.ipynb", "gradlint: error: nbformat3.ipynb: nbformat 3 notebook: only nbformat 4 is supported "
                        "(convert it: jupyter nbconvert --to notebook --nbformat 4)"),
])
def test_a_file_that_is_not_an_nbformat_4_notebook_is_one_error(gradlint_cli, tmp_path, name, message):
    copy(tmp_path, name, "feature_extraction.ipynb")
    code, out, err = check(gradlint_cli, tmp_path, ".")
    assert code == 2
    assert err.splitlines() == [message]
    assert len(findings(out)) == 2  # the other notebook is still linted


@pytest.mark.parametrize("name, message", [
    ("markdown_only.ipynb", "the notebook has no code cells; nothing linted"),
    ("r_kernel.ipynb", "not a Python notebook (language: R); nothing linted"),
])
def test_a_notebook_without_python_code_is_a_warning(gradlint_cli, tmp_path, name, message):
    copy(tmp_path, name)
    code, out, err = check(gradlint_cli, tmp_path, name)
    assert code == 0
    assert err.splitlines() == [f"gradlint: warning: {name}: {message}"]
    assert "All checks passed!" in out


@pytest.mark.parametrize("text", ["[1, 2]", '{"cells": 3, "nbformat": 4}', '{"nbformat": 4, "cells": [{"cell_type": "code", "source": 7}]}', "\ufeff{", "{" * 100_000])
def test_json_that_is_no_notebook_is_one_error(gradlint_cli, tmp_path, text):
    (tmp_path / "odd.ipynb").write_text(text, encoding="utf-8")
    code, _, err = check(gradlint_cli, tmp_path, "odd.ipynb")
    assert code == 2
    (line,) = err.splitlines()
    assert line.startswith("gradlint: error: odd.ipynb: not a notebook: ")


def test_a_notebook_is_not_read_from_standard_input(gradlint_cli, tmp_path):
    code, _, err = gradlint_cli("check", "--stdin-filename", "nb.ipynb", "-", cwd=tmp_path, input="{}")
    assert code == 2
    assert err.splitlines() == ["gradlint: error: nb.ipynb: a notebook is not read from standard input (name the file instead)"]


def test_debug_says_it_explains_python_files_only(gradlint_cli, tmp_path):
    copy(tmp_path, "finetune_loss.ipynb")
    code, out, err = gradlint_cli("debug", "finetune_loss.ipynb:3", cwd=tmp_path)
    assert (code, out) == (2, "")
    assert err.splitlines() == ["gradlint: error: finetune_loss.ipynb: a notebook; gradlint debug explains lines of Python files only"]


@pytest.mark.parametrize("name", sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")
                                        if p.name not in ("invalid_json.ipynb", "nbformat3.ipynb")))
def test_unchanged_text_gives_the_notebook_back_byte_for_byte(name):
    data = (NOTEBOOKS / name).read_bytes()
    source = NotebookSource.from_bytes(data)
    assert source.to_bytes() == data
    assert source.to_bytes(source.text) == data
    # every cell comes back from the virtual text as it was (masked lines restored)
    texts = source.cell_texts(source.text)
    assert all(texts[cell.number] == cell.text for cell in source.cells)


def test_fixed_text_that_would_merge_two_cells_is_refused():
    from gradlint.notebook import NotebookUnwritable

    source = NotebookSource.from_bytes((NOTEBOOKS / "finetune_loss.ipynb").read_bytes())
    lines = source.text.splitlines(keepends=True)
    second_marker = next(i for i, line in enumerate(lines) if line.startswith("#gradlint-cell:") and i > 0)
    merged = lines[:second_marker] + ["    " + lines[second_marker]] + lines[second_marker + 1:]
    with pytest.raises(NotebookUnwritable, match="span two cells"):
        source.to_bytes("".join(merged))
    with pytest.raises(NotebookUnwritable, match="moved a cell boundary"):
        source.to_bytes("".join(lines[:second_marker] + lines[second_marker + 1:]))


def test_a_cell_that_holds_gradlint_s_own_marker_is_not_written(gradlint_cli, tmp_path):
    (notebook,) = copy(tmp_path, "finetune_loss.ipynb")
    data = json.loads(notebook.read_text())
    data["cells"][0]["source"][0] = "import torch  #gradlint-cell:9\n"
    notebook.write_text(json.dumps(data, indent=1))
    before = notebook.read_bytes()
    code, _, err = check(gradlint_cli, tmp_path, notebook.name, "--fix")
    assert code == 2
    assert err.splitlines() == ["gradlint: error: finetune_loss.ipynb: cannot write fixes: cell 1 holds one of "
                                "gradlint's own marker comments; the file is left as it was"]
    assert notebook.read_bytes() == before


def test_lsp_output_counts_utf16_units_in_the_cell_s_own_line(gradlint_cli, tmp_path):
    cells = ["import torch\nmodel = torch.nn.Linear(2, 2)",
             "def evaluate(model, loader):\n    model.eval()\n    for x, y in loader:\n"
             "        tag = '\U0001f642'; logits = model(x)\n        print(tag, logits.argmax(1) == y)"]
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]), str(tmp_path / "nb.ipynb"))
    _, out, _ = check(gradlint_cli, tmp_path, "nb.ipynb", "--output-format", "json")
    (entry,) = json.loads(out)
    assert (entry["cell"], entry["location"]) == (2, {"row": 4, "column": 29})  # code points
    _, out, _ = check(gradlint_cli, tmp_path, "nb.ipynb", "--output-format", "lsp")
    ((diagnostic,),) = json.loads(out).values()
    assert diagnostic["range"]["start"] == {"line": 3, "character": 29}  # the emoji is two UTF-16 units
