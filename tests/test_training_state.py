"""GL5 across files: what an evaluation helper or a model class in another file does decides the
finding, with and without the cache (an edit there re-lints the training script)."""

import json
import pathlib
import shutil

CASES = pathlib.Path(__file__).parent / "cases" / "gl5_project"


def findings(gradlint_cli, folder, *extra):
    code, out, err = gradlint_cli("check", "--select", "GL5", "--output-format", "json", *extra, ".", cwd=folder)
    assert code in (0, 1), err
    return sorted((f["filename"].rsplit("/", 1)[-1], f["location"]["row"], f["code"]) for f in json.loads(out))


def test_gl5_project_findings_follow_edits_in_other_files(gradlint_cli, tmp_path):
    folder = tmp_path / "project"
    shutil.copytree(CASES, folder)
    (folder / "pyproject.toml").write_text("[tool.gradlint]\n")
    before = [("predict.py", 10, "GL503"), ("train.py", 14, "GL502")]
    assert findings(gradlint_cli, folder) == before
    assert findings(gradlint_cli, folder) == before  # from the cache

    # the evaluation helper now restores train mode: the training loop is fine
    evaluation = folder / "evaluation.py"
    evaluation.write_text(evaluation.read_text().replace(
        "    return [model(x).argmax(1) for x in loader]\n",
        "    out = [model(x).argmax(1) for x in loader]\n    model.train()\n    return out\n"))
    assert findings(gradlint_cli, folder) == [("predict.py", 10, "GL503")]

    # the model loses its BatchNorm: nothing in it behaves differently in eval mode
    models = folder / "models.py"
    models.write_text(models.read_text().replace("        self.norm = nn.BatchNorm2d(width)\n", ""))
    assert findings(gradlint_cli, folder) == []
    assert findings(gradlint_cli, folder, "--no-cache") == []
