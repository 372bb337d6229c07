"""`[tool.gradlint]` in the nearest pyproject.toml, or a gradlint.toml: every key, and every way to get one wrong.

Through the real command line: a bad configuration must stop the run with exit
code 2 and one line naming the file and the key.
"""

import textwrap

import pytest
from samples import BAD  # GL301 on line 6, GL302 on line 10

from gradlint.config import ConfigError, Settings, find_config_file, load_config_file, resolve_settings
from gradlint.rules import known_codes

# GL401 on line 6 (a no_grad block that is provably inference)
INFERENCE = textwrap.dedent("""\
    import torch


    def predict_labels(model, x):
        model.eval()
        with torch.no_grad():
            return model(x).argmax(dim=1).tolist()
""")

UNSAFE = "import torch\n\n\ndef shrink(model):\n    for p in model.parameters():\n        p.data.clamp_(-0.5, 0.5)\n"


@pytest.fixture
def project(tmp_path):
    def write(name: str, text: str):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    write("bad.py", BAD)
    write.root = tmp_path
    return write


@pytest.fixture
def check(project, gradlint_cli):
    """`gradlint check ARGS` in the project folder: (exit code, [(path, code)], stderr)."""

    def run(*args, cwd=None):
        code, out, err = gradlint_cli("check", "--no-cache", "--output-format", "json", *args, cwd=cwd or project.root)
        import json

        found = [(f["filename"].replace("\\", "/"), f["code"]) for f in json.loads(out)] if out.strip() else []
        return code, found, err

    return run


def pyproject(body: str) -> str:
    return "[tool.gradlint]\n" + textwrap.dedent(body)


# -- every key -------------------------------------------------------------------------------


def test_defaults_select_every_rule(check):
    code, found, _ = check("bad.py")
    assert (code, found) == (1, [("bad.py", "GL301"), ("bad.py", "GL302")])


def test_select(check, project):
    project("pyproject.toml", pyproject('select = ["GL302"]\n'))
    assert check("bad.py")[1] == [("bad.py", "GL302")]


def test_ignore(check, project):
    project("pyproject.toml", pyproject('ignore = ["GL302"]\n'))
    assert check("bad.py")[1] == [("bad.py", "GL301")]


def test_extend_select(check, project):
    project("pyproject.toml", pyproject('select = ["GL1"]\nextend-select = ["GL302"]\n'))
    assert check("bad.py")[1] == [("bad.py", "GL302")]


def test_ignore_wins_over_select(check, project):
    project("pyproject.toml", pyproject('select = ["GL3"]\nignore = ["GL301"]\n'))
    assert check("bad.py")[1] == [("bad.py", "GL302")]


def test_per_file_ignores_match_paths_from_the_config_folder(check, project):
    project("pyproject.toml", pyproject('[tool.gradlint.per-file-ignores]\n"scripts/*" = ["GL301"]\n"old_*.py" = ["GL3"]\n'))
    project("scripts/run.py", BAD)
    project("lib/old_model.py", BAD)
    code, found, _ = check(".")
    assert found == [
        ("bad.py", "GL301"), ("bad.py", "GL302"),
        ("scripts/run.py", "GL302"),
    ]
    # the patterns are relative to the configuration's folder, wherever gradlint runs from
    code, found, _ = check("run.py", cwd=project.root / "scripts")
    assert found == [("run.py", "GL302")]


def test_exclude_and_extend_exclude(check, project):
    project("pyproject.toml", pyproject('exclude = ["generated"]\nextend-exclude = ["legacy/*.py", "scripts/old"]\n'))
    for name in ("generated/a.py", "legacy/b.py", "scripts/old/c.py", "scripts/new/d.py", "src/generated/e.py"):
        project(name, BAD)
    code, found, _ = check(".")
    assert sorted({path for path, _ in found}) == ["bad.py", "scripts/new/d.py"]


def test_exclude_keeps_the_default_excludes(check, project):
    project("pyproject.toml", pyproject('exclude = ["generated"]\n'))
    project(".venv/lib/site.py", BAD)
    project("build/lib/x.py", BAD)
    assert sorted({path for path, _ in check(".")[1]}) == ["bad.py"]


def test_respect_gitignore_false_lints_ignored_files(check, project):
    (project.root / ".git").mkdir()
    project(".gitignore", "ignored/\n")
    project("ignored/x.py", BAD)
    assert sorted({path for path, _ in check(".")[1]}) == ["bad.py"]
    project("pyproject.toml", pyproject("respect-gitignore = false\n"))
    assert sorted({path for path, _ in check(".")[1]}) == ["bad.py", "ignored/x.py"]


def test_unsafe_fixes(check, project):
    path = project("unsafe.py", UNSAFE)
    check("--fix", "unsafe.py")
    assert ".data" in path.read_text(encoding="utf-8")
    project("pyproject.toml", pyproject("unsafe-fixes = true\n"))
    check("--fix", "unsafe.py")
    assert ".data" not in path.read_text(encoding="utf-8")


def test_torch_version(check, project):
    project("infer.py", INFERENCE)
    assert check("infer.py")[1] == [("infer.py", "GL401")]
    project("pyproject.toml", pyproject('torch-version = "1.8"\n'))
    assert check("infer.py")[1] == []
    project("pyproject.toml", pyproject('torch-version = "1.9"\n'))
    assert check("infer.py")[1] == [("infer.py", "GL401")]
    project("pyproject.toml", pyproject('torch-version = "2.13.0"\n'))
    assert check("infer.py")[1] == [("infer.py", "GL401")]


def test_every_key_at_once_is_accepted(check, project):
    project("pyproject.toml", pyproject("""\
        select = ["GL"]
        ignore = ["GL401"]
        extend-select = ["GL3"]
        per-file-ignores = { "tests/*" = ["GL1"] }
        exclude = []
        extend-exclude = ["scripts/old"]
        respect-gitignore = true
        unsafe-fixes = false
        torch-version = "2.1"
    """))
    assert check("bad.py")[0] == 1


# -- which file ------------------------------------------------------------------------------


def test_gradlint_toml_holds_the_keys_at_the_top(check, project):
    project("gradlint.toml", 'select = ["GL301"]\n')
    assert check("bad.py")[1] == [("bad.py", "GL301")]


def test_gradlint_toml_may_use_a_tool_table_too(check, project):
    project("gradlint.toml", '[tool.gradlint]\nselect = ["GL301"]\n')
    assert check("bad.py")[1] == [("bad.py", "GL301")]


def test_gradlint_toml_wins_over_pyproject_in_the_same_folder(check, project):
    project("gradlint.toml", 'select = ["GL301"]\n')
    project("pyproject.toml", pyproject('select = ["GL302"]\n'))
    assert check("bad.py")[1] == [("bad.py", "GL301")]


def test_the_nearest_configuration_wins(check, project):
    project("pyproject.toml", pyproject('select = ["GL302"]\n'))
    project("sub/pyproject.toml", pyproject('select = ["GL301"]\n'))
    project("sub/bad.py", BAD)
    assert check("sub/bad.py")[1] == [("sub/bad.py", "GL301")]
    assert check("bad.py")[1] == [("bad.py", "GL302")]


def test_a_pyproject_without_a_gradlint_table_is_skipped(check, project):
    project("pyproject.toml", pyproject('select = ["GL302"]\n'))
    project("sub/pyproject.toml", "[project]\nname = 'x'\n")
    project("sub/bad.py", BAD)
    assert check("sub/bad.py")[1] == [("sub/bad.py", "GL302")]


def test_find_config_file(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.gradlint]\n", encoding="utf-8")
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert find_config_file(str(tmp_path / "a" / "b")) == str(tmp_path / "pyproject.toml")
    assert find_config_file(str(tmp_path / "a" / "b" / "missing.py")) == str(tmp_path / "pyproject.toml")


def test_settings_from_a_file_are_rooted_at_its_folder(tmp_path):
    path = tmp_path / "pyproject.toml"
    path.write_text(pyproject('select = ["gl3"]\ntorch-version = "2.1"\n'), encoding="utf-8")
    settings = load_config_file(str(path), known_codes())
    assert settings.select == ("GL3",)
    assert settings.torch_version == (2, 1)
    assert settings.root == str(tmp_path)
    assert settings.source == str(path)


def test_no_configuration_gives_the_defaults(tmp_path):
    settings = resolve_settings(str(tmp_path), known_codes())
    assert settings == Settings()
    assert settings.source is None


# -- bad configuration: exit 2, one line naming the file and the key ----------------------------

BAD_CONFIGS = [
    # (pyproject body after [tool.gradlint], the message after "<file>: ")
    ('colour = "red"\n', "unknown key 'colour' in [tool.gradlint]"),
    ('select = "GL3"\n', "'select' must be a list of strings"),
    ('select = ["GL999"]\n', "'select': unknown rule code or prefix 'GL999'"),
    ('select = ["XYZ"]\n', "'select': unknown rule code or prefix 'XYZ'"),
    ("ignore = [301]\n", "'ignore' must be a list of strings"),
    ('ignore = ["GL9"]\n', "'ignore': unknown rule code or prefix 'GL9'"),
    ('extend-select = ["E501"]\n', "'extend-select': unknown rule code or prefix 'E501'"),
    ('per-file-ignores = ["tests/*"]\n', "'per-file-ignores' must be a table of glob = [codes]"),
    ('per-file-ignores = { "tests/*" = "GL1" }\n', "'per-file-ignores' entry 'tests/*' must be a list of codes"),
    ('per-file-ignores = { "tests/*" = ["GL777"] }\n', "'per-file-ignores': unknown rule code or prefix 'GL777'"),
    ('exclude = "build"\n', "'exclude' must be a list of strings"),
    ("extend-exclude = [1]\n", "'extend-exclude' must be a list of strings"),
    ('respect-gitignore = "yes"\n', "'respect-gitignore' must be true or false"),
    ("unsafe-fixes = 1\n", "'unsafe-fixes' must be true or false"),
    ('torch-version = "two"\n', "'torch-version' must look like \"2.1\", got 'two'"),
    ("torch-version = 2.10\n", "'torch-version' must be a string such as \"2.1\", got 2.1"),
    ("select = [\n", "invalid TOML: "),
]


@pytest.mark.parametrize("body, message", BAD_CONFIGS, ids=[m.split(":")[0][:40] for _, m in BAD_CONFIGS])
def test_bad_configuration_exits_2_with_one_line(check, project, body, message):
    path = project("pyproject.toml", "")
    path.write_text("[tool.gradlint]\n" + body, encoding="utf-8")
    code, found, err = check("bad.py")
    assert code == 2
    assert found == []
    assert len(err.splitlines()) == 1, err
    assert err.startswith(f"gradlint: error: {path}: {message}"), err


def test_bad_gradlint_toml_names_the_file(check, project):
    path = project("gradlint.toml", "frobnicate = true\n")
    code, _, err = check("bad.py")
    assert code == 2
    assert err == f"gradlint: error: {path}: unknown key 'frobnicate' in [tool.gradlint]\n"


def test_config_that_is_not_utf8_exits_2(check, project):
    path = project("pyproject.toml", "")
    path.write_bytes(b"[tool.gradlint]\n# caf\xe9\n")
    code, _, err = check("bad.py")
    assert code == 2
    assert err.startswith(f"gradlint: error: {path}: invalid TOML: not UTF-8")


def test_tool_gradlint_that_is_not_a_table_exits_2(check, project):
    path = project("gradlint.toml", "[tool]\ngradlint = 3\n")
    code, _, err = check("bad.py")
    assert code == 2
    assert err == f"gradlint: error: {path}: 'tool.gradlint' must be a table\n"


def test_config_error_is_raised_in_process(tmp_path):
    path = tmp_path / "pyproject.toml"
    path.write_text(pyproject('select = ["GL999"]\n'), encoding="utf-8")
    with pytest.raises(ConfigError, match="GL999"):
        load_config_file(str(path), known_codes())



def test_gl000_is_reported_whatever_is_selected(check, project):
    project("broken.py", "def f(:\n")
    assert check("broken.py")[1] == [("broken.py", "GL000")]
    assert check("--select", "GL000", "broken.py")[1] == [("broken.py", "GL000")]
    # like Ruff: selecting other rules still reports a file that cannot be checked
    assert check("--select", "GL301", "broken.py")[:2] == (1, [("broken.py", "GL000")])
    # only ignoring GL000 silences it
    assert check("--ignore", "GL000", "broken.py")[:2] == (0, [])


def test_each_file_gets_its_nearest_configuration(check, project):
    """A sub-project's own [tool.gradlint] holds for its files (a monorepo), on top of the command line."""
    project("pyproject.toml", "[tool.gradlint]\nselect = [\"GL\"]\n")
    project("sub/pyproject.toml", "[tool.gradlint]\nignore = [\"GL301\"]\n")
    project("sub/inner.py", BAD)
    assert check(".")[1] == [
        ("bad.py", "GL301"),
        ("bad.py", "GL302"),
        ("sub/inner.py", "GL302"),
    ]
    # the command line goes on top of each configuration
    assert check("--ignore", "GL302", ".")[1] == [("bad.py", "GL301")]
    # --config holds for every file
    assert check("--config", "pyproject.toml", ".")[1] == [
        ("bad.py", "GL301"),
        ("bad.py", "GL302"),
        ("sub/inner.py", "GL301"),
        ("sub/inner.py", "GL302"),
    ]


def test_a_bad_nested_configuration_stops_the_run(check, project):
    project("bad.py", BAD)
    project("sub/gradlint.toml", "select = [\"GL999\"]\n")
    project("sub/inner.py", BAD)
    code, found, err = check(".")
    assert code == 2
    assert "GL999" in err and err.count("\n") == 1
