"""`gradlint check`, `rules` and `explain` through the real command line (`python -m gradlint`).

Each test writes a small project into tmp_path and reads what a user would see:
standard output, standard error, the exit code, and the files on disk.
"""

import json
import os
import pty
import subprocess
import sys
import textwrap

import pytest
from samples import BAD, FIXED  # GL301 on line 6, GL302 on line 10


# GL402: its fix is unsafe
UNSAFE = textwrap.dedent("""\
    import torch


    def clip(model):
        for p in model.parameters():
            p.data.clamp_(-0.5, 0.5)
""")

# GL303: display-only, never fixed
UNFIXABLE = textwrap.dedent("""\
    import torch


    def step(model, x):
        with torch.no_grad():
            loss = model(x).sum()
            loss.backward()
""")

CLEAN = "import torch\n\n\ndef f(model, x):\n    return model(x)\n"

GL301_LINE = "bad.py:6:9: GL301 [*] In-place update of a parameter with grad enabled raises"
GL302_LINE = "bad.py:10:10: GL302 [*] `torch.no_grad` is not called"


@pytest.fixture
def project(tmp_path):
    """A folder with one file of each kind; returns a function that writes more."""

    def write(name: str, text: str):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    write("bad.py", BAD)
    write.root = tmp_path
    return write


@pytest.fixture
def cli(project, gradlint_cli):
    """Run gradlint in the project folder (no cache, so every run really lints)."""

    def run(*args, input=None, env=None):
        if args and args[0] == "check":
            args = ("check", "--no-cache", *args[1:])
        return gradlint_cli(*args, cwd=project.root, input=input, env=env)

    return run


# -- findings, summary, exit codes ----------------------------------------------------------


def test_findings_are_reported_like_ruff_and_exit_1(cli):
    code, out, err = cli("check", "bad.py")
    lines = out.splitlines()
    assert code == 1, err
    assert lines[0].startswith(GL301_LINE)
    assert lines[1].startswith(GL302_LINE)
    assert lines[2:] == ["Found 2 problems (2 errors).", "[*] 2 fixable with the `--fix` option."]
    assert err == ""


def test_clean_file_exits_0(cli, project):
    project("clean.py", CLEAN)
    code, out, err = cli("check", "clean.py")
    assert (code, out, err) == (0, "All checks passed!\n", "")


def test_default_path_is_the_current_folder(cli, project):
    project("sub/deeper.py", BAD)
    code, out, _ = cli("check")
    assert code == 1
    assert "bad.py:6:9: GL301" in out
    assert os.path.join("sub", "deeper.py") + ":6:9: GL301" in out
    assert "Found 4 problems (4 errors)." in out


def test_usage_error_exits_2(cli):
    code, _, err = cli("check", "--no-such-option", "bad.py")
    assert code == 2
    assert "No such option" in err
    code, _, err = cli("check", "--output-format", "xml", "bad.py")
    assert code == 2
    assert "'xml' is not one of" in err


def test_version(cli):
    from gradlint import __version__

    code, out, _ = cli("--version")
    assert code == 0 and __version__ in out


# -- fixing ----------------------------------------------------------------------------------


def test_fix_writes_the_file_and_exits_0_when_all_is_fixed(cli, project):
    code, out, err = cli("check", "--fix", "bad.py")
    assert code == 0, err
    assert out == "Found 2 problems (2 fixed, 0 remaining).\n"
    assert (project.root / "bad.py").read_text(encoding="utf-8") == FIXED
    assert cli("check", "bad.py")[0] == 0


def test_fix_exits_1_when_unfixable_findings_remain(cli, project):
    project("step.py", UNFIXABLE)
    code, out, _ = cli("check", "--fix", "bad.py", "step.py")
    assert code == 1
    assert "step.py:7:9: GL303 Backward of a value computed with grad disabled" in out
    assert "Found 3 problems (2 fixed, 1 remaining: 1 error)." in out
    assert (project.root / "step.py").read_text(encoding="utf-8") == UNFIXABLE


def test_unsafe_fixes_are_hidden_and_not_applied_without_the_option(cli, project):
    path = project("unsafe.py", UNSAFE)
    code, out, _ = cli("check", "unsafe.py")
    assert code == 1
    assert "GL402 [*]" not in out and "GL402 Weights clipped through `.data`" in out
    assert "1 hidden fix can be enabled with the `--unsafe-fixes` option." in out
    code, out, _ = cli("check", "--fix", "unsafe.py")
    assert code == 1
    assert path.read_text(encoding="utf-8") == UNSAFE


def test_unsafe_fixes_option_shows_and_applies_them(cli, project):
    path = project("unsafe.py", UNSAFE)
    code, out, _ = cli("check", "--unsafe-fixes", "unsafe.py")
    assert code == 1
    assert "unsafe.py:6:9: GL402 [*]" in out
    assert "hidden fix" not in out
    code, out, _ = cli("check", "--fix", "--unsafe-fixes", "unsafe.py")
    assert code == 0, out
    fixed = path.read_text(encoding="utf-8")
    assert ".data" not in fixed and "torch.no_grad()" in fixed


def test_unsafe_fixes_from_the_configuration(cli, project):
    path = project("unsafe.py", UNSAFE)
    project("pyproject.toml", "[tool.gradlint]\nunsafe-fixes = true\n")
    code, _, _ = cli("check", "--fix", "unsafe.py")
    assert code == 0
    assert ".data" not in path.read_text(encoding="utf-8")


def test_diff_prints_the_fixes_and_writes_nothing(cli, project):
    code, out, _ = cli("check", "--diff", "bad.py")
    assert code == 1
    assert out.startswith("--- bad.py\n+++ bad.py\n@@ ")
    assert "-        p.clamp_(-1, 1)\n+        with torch.no_grad():\n+            p.clamp_(-1, 1)\n" in out
    assert "-    with torch.no_grad:\n+    with torch.no_grad():\n" in out
    assert (project.root / "bad.py").read_text(encoding="utf-8") == BAD


def test_diff_with_nothing_to_fix_prints_nothing_and_exits_0(cli, project):
    project("clean.py", CLEAN)
    assert cli("check", "--diff", "clean.py")[:2] == (0, "")


# -- selection -------------------------------------------------------------------------------


def codes_in(out: str) -> list[str]:
    return [line.split()[1] for line in out.splitlines() if ": GL" in line]


def test_select_a_code_and_a_prefix(cli):
    assert codes_in(cli("check", "--select", "GL302", "bad.py")[1]) == ["GL302"]
    assert codes_in(cli("check", "--select", "GL3", "bad.py")[1]) == ["GL301", "GL302"]
    assert codes_in(cli("check", "--select", "gl301", "bad.py")[1]) == ["GL301"]
    assert codes_in(cli("check", "--select", "GL1", "bad.py")[1]) == []


def test_select_comma_separated_and_repeated(cli):
    assert codes_in(cli("check", "--select", "GL301,GL302", "bad.py")[1]) == ["GL301", "GL302"]
    assert codes_in(cli("check", "--select", "GL301", "--select", "GL302", "bad.py")[1]) == ["GL301", "GL302"]


def test_ignore(cli):
    code, out, _ = cli("check", "--ignore", "GL301", "bad.py")
    assert codes_in(out) == ["GL302"]
    assert code == 1
    code, out, _ = cli("check", "--ignore", "GL3", "bad.py")
    assert (code, codes_in(out)) == (0, [])


def test_extend_select_adds_to_the_configured_selection(cli, project):
    project("pyproject.toml", '[tool.gradlint]\nselect = ["GL301"]\n')
    assert codes_in(cli("check", "bad.py")[1]) == ["GL301"]
    assert codes_in(cli("check", "--extend-select", "GL302", "bad.py")[1]) == ["GL301", "GL302"]


def test_select_on_the_command_line_replaces_the_configured_one(cli, project):
    project("pyproject.toml", '[tool.gradlint]\nselect = ["GL301"]\n')
    assert codes_in(cli("check", "--select", "GL302", "bad.py")[1]) == ["GL302"]


@pytest.mark.parametrize("option", ["--select", "--ignore", "--extend-select"])
def test_unknown_code_on_the_command_line_exits_2(cli, option):
    code, out, err = cli("check", option, "GL999", "bad.py")
    assert code == 2
    assert out == ""
    assert err == f"gradlint: error: {option}: unknown rule code or prefix 'GL999'\n"


# -- other options ---------------------------------------------------------------------------


def test_exit_zero_reports_but_exits_0(cli):
    code, out, _ = cli("check", "--exit-zero", "bad.py")
    assert code == 0
    assert "Found 2 problems (2 errors)." in out


def test_statistics_counts_per_rule(cli, project):
    project("more.py", BAD)
    code, out, _ = cli("check", "--statistics", "bad.py", "more.py")
    assert code == 1
    assert out.splitlines() == [
        "    2\tGL301\t[*] in-place-parameter-update",
        "    2\tGL302\t[*] grad-mode-not-called",
        "Found 4 problems (4 errors).",
        "[*] 4 fixable with the `--fix` option.",
    ]


def test_quiet_prints_findings_only(cli, project):
    code, out, _ = cli("check", "--quiet", "bad.py")
    assert code == 1
    assert [line.split(":")[0] for line in out.splitlines()] == ["bad.py", "bad.py"]
    project("clean.py", CLEAN)
    assert cli("check", "-q", "clean.py")[:2] == (0, "")


def test_config_option_names_the_file(cli, project, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("conf") / "lint.toml"
    elsewhere.write_text('select = ["GL302"]\n', encoding="utf-8")
    assert codes_in(cli("check", "--config", str(elsewhere), "bad.py")[1]) == ["GL302"]
    # a pyproject.toml next to the file does not count when --config names another
    project("pyproject.toml", '[tool.gradlint]\nselect = ["GL301"]\n')
    assert codes_in(cli("check", "--config", str(elsewhere), "bad.py")[1]) == ["GL302"]


def test_config_option_with_a_missing_file_exits_2(cli):
    code, _, err = cli("check", "--config", "missing.toml", "bad.py")
    assert code == 2
    assert err == "gradlint: error: missing.toml: configuration file not found\n"


def test_stdin_reports_under_the_given_filename(cli):
    code, out, _ = cli("check", "-", "--stdin-filename", "model/train.py", input=BAD)
    assert code == 1
    assert out.splitlines()[0].startswith("model/train.py:6:9: GL301 [*]")


def test_stdin_without_a_filename_reports_a_dash(cli):
    code, out, _ = cli("check", "-", input=BAD)
    assert code == 1
    assert out.splitlines()[0].startswith("-:6:9: GL301")


def test_stdin_fix_prints_the_fixed_source_to_stdout(cli, project):
    code, out, err = cli("check", "--fix", "-", "--stdin-filename", "bad.py", input=BAD)
    assert code == 0
    assert out == FIXED
    assert "2 fixed" in err
    # nothing on disk changes
    assert (project.root / "bad.py").read_text(encoding="utf-8") == BAD


def test_stdin_fix_with_nothing_to_fix_echoes_the_source(cli):
    code, out, _ = cli("check", "--fix", "-", "--stdin-filename", "clean.py", input=CLEAN)
    assert (code, out) == (0, CLEAN)


def test_stdin_uses_the_per_file_ignores_of_the_given_filename(cli, project):
    project("pyproject.toml", '[tool.gradlint]\nper-file-ignores = { "legacy/*" = ["GL301"] }\n')
    code, out, _ = cli("check", "-", "--stdin-filename", "legacy/old.py", input=BAD)
    assert codes_in(out) == ["GL302"]


def test_stdin_diff(cli):
    code, out, _ = cli("check", "--diff", "-", "--stdin-filename", "bad.py", input=BAD)
    assert code == 1
    assert "+    with torch.no_grad():" in out


def test_named_file_is_linted_even_when_excluded(cli, project):
    project("build/gen.py", BAD)
    code, out, _ = cli("check", "build/gen.py")
    assert code == 1
    assert os.path.join("build", "gen.py") + ":6:9: GL301" in out


def test_force_exclude_applies_excludes_to_named_files(cli, project):
    project("build/gen.py", BAD)
    code, out, err = cli("check", "--force-exclude", "build/gen.py")
    assert code == 0
    assert "GL301" not in out
    assert "no Python files found" in err
    # the other files named next to it are still linted
    code, out, _ = cli("check", "--force-exclude", "build/gen.py", "bad.py")
    assert code == 1 and "build" not in out and "bad.py:6:9" in out


def test_force_exclude_uses_configured_excludes(cli, project):
    project("pyproject.toml", '[tool.gradlint]\nextend-exclude = ["legacy"]\n')
    project("legacy/old.py", BAD)
    assert cli("check", "legacy/old.py")[0] == 1
    assert cli("check", "--force-exclude", "legacy/old.py")[0] == 0


# -- rules and explain -----------------------------------------------------------------------


def test_rules_lists_every_rule_with_its_fix(cli):
    from gradlint.rules import all_rules

    code, out, _ = cli("rules")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["code", "name", "fix"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:]}
    for rule in all_rules():
        assert rows[rule.code] == [rule.name, rule.fix_applicability or "none"]
    assert rows["GL301"] == ["in-place-parameter-update", "safe"]


def test_rules_as_json(cli):
    code, out, _ = cli("rules", "--output-format", "json")
    entries = {e["code"]: e for e in json.loads(out)}
    assert code == 0
    assert entries["GL302"]["name"] == "grad-mode-not-called"
    assert entries["GL302"]["fix"] == "safe"


@pytest.mark.parametrize("spelling", ["GL301", "gl301"])
def test_explain_prints_the_rule_documentation(cli, spelling):
    code, out, _ = cli("explain", spelling)
    assert code == 0
    assert out.startswith("# GL301 in-place-parameter-update\n")
    for section in ("## What it flags", "## Why it matters", "## Example", "## Fix", "## Fix safety"):
        assert section in out
    from gradlint.rules import rules_by_code

    assert rules_by_code()["GL301"].documentation() in out


def test_explain_unknown_code_exits_2_with_one_line(cli):
    code, out, err = cli("explain", "GL999")
    assert (code, out) == (2, "")
    assert err == "gradlint: error: unknown rule code 'GL999' (see `gradlint rules`)\n"


# -- colour ----------------------------------------------------------------------------------


def run_on_terminal(args, cwd, env=None):
    """Run gradlint with its standard output on a pseudo-terminal; returns (code, output)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "gradlint", *args], cwd=cwd, stdout=follower,
                            stderr=subprocess.PIPE, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the terminal closes when the process exits
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    proc.wait()
    proc.stderr.close()
    return proc.returncode, b"".join(chunks).decode()


def test_colour_on_a_terminal(project):
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    code, out = run_on_terminal(["check", "--no-cache", "bad.py"], project.root, env)
    assert code == 1
    assert "\x1b[" in out
    assert "GL301" in out


def test_no_colour_when_piped(cli):
    _, out, _ = cli("check", "bad.py")
    assert "\x1b[" not in out


def test_no_colour_on_a_terminal_with_no_color_set(project):
    env = {**os.environ, "NO_COLOR": "1"}
    code, out = run_on_terminal(["check", "--no-cache", "bad.py"], project.root, env)
    assert code == 1
    assert "\x1b[" not in out and "GL301" in out


def test_no_colour_in_machine_formats_on_a_terminal(project):
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    _, out = run_on_terminal(["check", "--no-cache", "--output-format", "json", "bad.py"], project.root, env)
    assert "\x1b[" not in out
    assert json.loads(out)[0]["code"] == "GL301"


def test_stdin_filename_without_paths_reads_standard_input(cli):
    code, out, _ = cli("check", "--stdin-filename", "model.py", input=BAD)
    assert code == 1
    assert out.splitlines()[0].startswith("model.py:6:9: GL301")


def test_stdin_fix_keeps_the_encoding_bom_and_line_endings(project, gradlint_cli):
    latin = ("# -*- coding: latin-1 -*-\n# café\n" + BAD).encode("latin-1")
    code, out, _ = gradlint_cli("check", "--fix", "-", "--stdin-filename", "a.py", input=latin, cwd=project.root)
    assert code == 0
    assert out == ("# -*- coding: latin-1 -*-\n# café\n" + FIXED).encode("latin-1")
    bom_crlf = b"\xef\xbb\xbf" + BAD.replace("\n", "\r\n").encode()
    code, out, _ = gradlint_cli("check", "--fix", "-", input=bom_crlf, cwd=project.root)
    assert code == 0
    assert out == b"\xef\xbb\xbf" + FIXED.replace("\n", "\r\n").encode()


def test_stdin_that_cannot_be_decoded_exits_2(cli):
    code, out, err = cli("check", "-", "--stdin-filename", "x.py", input="x = 'café'\n".encode("latin-1"))
    assert (code, out) == (2, b"")
    assert err.startswith(b"gradlint: error: x.py: not valid utf-8")


def test_check_and_fix_never_import_torch(project):
    # torch belongs to the verifier only; a lint (and a fix) run must not pay for it
    script = ("import sys\nfrom click.testing import CliRunner\nfrom gradlint.cli import main\n"
              "result = CliRunner().invoke(main, ['check', '--no-cache', '--fix', '--unsafe-fixes', 'bad.py'])\n"
              "assert result.exit_code == 0, result.output\n"
              "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith('torch.')))\n")
    proc = subprocess.run([sys.executable, "-c", script], cwd=project.root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "[]\n"
