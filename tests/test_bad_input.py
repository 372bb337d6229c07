"""Bad input, table-driven: each row is what a user might feed gradlint, the exit code and the one
line they must see (README, "Exit codes"). Never a traceback.

Then the inputs that must work and round-trip through --fix byte for byte
(encodings, BOM, CRLF), and the fixes that must not be written.
"""

import codecs
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from typing import Callable

import pytest

# GL301 on line 6 (safe fix), GL302 on line 10 (safe fix)
BAD = textwrap.dedent("""\
    import torch


    def clip(model):
        for p in model.parameters():
            p.clamp_(-1, 1)


    def evaluate(model, x):
        with torch.no_grad:
            return model(x)
""")

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def run(tmp_path, *args, input=None):
    proc = subprocess.run([sys.executable, "-m", "gradlint", "check", "--no-cache", *args], cwd=tmp_path,
                          capture_output=True, input=input)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


def write(tmp_path, name: str, data) -> str:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return name


@dataclass
class Row:
    id: str
    setup: Callable  # tmp_path -> command-line arguments
    code: int
    stderr: str = ""  # a regular expression for the whole of stderr ("" = nothing)
    stdout: str = ""  # a regular expression searched in stdout


def big_file(tmp_path):
    lines = ["import torch", ""]
    i = 0
    while len(lines) < 99_990:
        lines += [f"def f{i}(model, x):", f"    y = model(x) + {i}", "    return y", ""]
        i += 1
    lines += ["def clip(model):", "    for p in model.parameters():", "        p.clamp_(-1, 1)"]
    assert len(lines) >= 100_000 - 10
    return [write(tmp_path, "big.py", "\n".join(lines) + "\n")]


def symlink_loop(tmp_path):
    os.symlink(tmp_path / "b.py", tmp_path / "a.py")
    os.symlink(tmp_path / "a.py", tmp_path / "b.py")
    return ["a.py"]


def symlink_loop_in_folder(tmp_path):
    write(tmp_path, "pkg/ok.py", BAD)
    os.symlink(tmp_path / "pkg", tmp_path / "pkg" / "again")
    os.symlink(tmp_path / "pkg" / "y.py", tmp_path / "pkg" / "x.py")
    os.symlink(tmp_path / "pkg" / "x.py", tmp_path / "pkg" / "y.py")
    return ["pkg"]


def unreadable(tmp_path):
    name = write(tmp_path, "secret.py", BAD)
    os.chmod(tmp_path / name, 0)
    return [name]


def read_only(tmp_path):
    name = write(tmp_path, "frozen.py", BAD)
    os.chmod(tmp_path / name, 0o444)
    return ["--fix", name]


def invalid_pyproject(tmp_path):
    write(tmp_path, "pyproject.toml", "[tool.gradlint]\nselect = [\n")
    return [write(tmp_path, "bad.py", BAD)]


FINDINGS = r"bad\.py:6:9: GL301 .*\n.*bad\.py:10:10: GL302 "

ROWS = [
    Row("nonexistent path", lambda t: ["missing.py"], 2, r"gradlint: error: missing\.py: no such file or directory\n"),
    Row("folder without Python files", lambda t: [write(t, "docs/readme.txt", "hello") and "docs"], 0,
        r"gradlint: warning: no Python files found in docs\n"),
    Row("binary file named .py", lambda t: [write(t, "image.py", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))],
        2, r"gradlint: error: image\.py: file contains null bytes\n"),
    Row("binary without null bytes", lambda t: [write(t, "blob.py", bytes(range(128, 256)) * 4)], 2,
        r"gradlint: error: blob\.py: not valid utf-8 and has no encoding declaration \(PEP 263\): "
        r"byte 0x80 at line 1, column 1\n"),
    Row("non-UTF-8 without a declaration", lambda t: [write(t, "latin.py", "import torch\nname = 'café'\n".encode("latin-1"))],
        2, r"gradlint: error: latin\.py: not valid utf-8 and has no encoding declaration \(PEP 263\): "
           r"byte 0xe9 at line 2, column 12\n"),
    Row("unknown encoding declared", lambda t: [write(t, "odd.py", "# -*- coding: klingon -*-\nx = 1\n")], 2,
        r"gradlint: error: odd\.py: bad encoding declaration: unknown encoding: klingon\n"),
    Row("PEP 263 latin-1 declaration works", lambda t: [write(t, "bad.py", ("# -*- coding: latin-1 -*-\n# café\n" + BAD).encode("latin-1"))],
        1, "", r"bad\.py:8:9: GL301 "),
    Row("BOM works", lambda t: [write(t, "bad.py", codecs.BOM_UTF8 + BAD.encode())], 1, "", FINDINGS),
    Row("CRLF line endings work", lambda t: [write(t, "bad.py", BAD.replace("\n", "\r\n"))], 1, "", FINDINGS),
    Row("null bytes", lambda t: [write(t, "nul.py", b"x = 1\x00\n")], 2, r"gradlint: error: nul\.py: file contains null bytes\n"),
    Row("syntax error becomes GL000", lambda t: [write(t, "broken.py", "import torch\ndef f(:\n    pass\n")], 1, "",
        r"broken\.py:2:7: GL000 SyntaxError: invalid syntax\n"),
    Row("indentation error becomes GL000", lambda t: [write(t, "indent.py", "if x:\npass\n")], 1, "",
        r"indent\.py:2:1: GL000 IndentationError: expected an indented block"),
    Row("deeply nested brackets", lambda t: [write(t, "deep.py", "x = " + "(" * 300 + "1" + ")" * 300 + "\n")], 1, "",
        r"deep\.py:1:\d+: GL000 SyntaxError: too many nested parentheses"),
    Row("deeply nested expression", lambda t: [write(t, "chain.py", "import torch\nx = " + " + ".join(["p"] * 100_000) + "\n")],
        1, "", r"chain\.py:1:1: GL000 RecursionError: too deeply nested to parse"),
    Row("deep but valid nesting", lambda t: [write(t, "nested.py", "import torch\nx = " + "[" * 150 + "]" * 150 + "\n" + BAD.replace("import torch\n", ""))],
        1, "", r"nested\.py:\d+:9: GL301 "),
    Row("100,000-line file", big_file, 1, "", r"big\.py:99993:9: GL301 .*\nFound 1 problem \(1 error\)\."),
    Row("invalid pyproject.toml", invalid_pyproject, 2, r"gradlint: error: .*pyproject\.toml: invalid TOML: .*\n"),
    Row("unknown code in --select", lambda t: ["--select", "GL999", write(t, "bad.py", BAD)], 2,
        r"gradlint: error: --select: unknown rule code or prefix 'GL999'\n"),
    Row("unknown codes in noqa are ignored", lambda t: [write(t, "bad.py", BAD.replace("p.clamp_(-1, 1)", "p.clamp_(-1, 1)  # noqa: GL999, E501"))],
        1, "", FINDINGS),
    Row("symlink loop", symlink_loop, 2, r"gradlint: error: a\.py: Too many levels of symbolic links\n"),
    Row("symlink loop inside a folder", symlink_loop_in_folder, 1, "", r"pkg/ok\.py:6:9: GL301"),
    pytest.param(Row("file without read permission", unreadable, 2, r"gradlint: error: secret\.py: permission denied\n"),
                 marks=pytest.mark.skipif(IS_ROOT, reason="root reads a chmod 000 file; see test_unreadable_file_simulated")),
    Row("read-only file with --fix", read_only, 2,
        r"gradlint: error: frozen\.py: cannot write fixes: file is read-only\n", r"frozen\.py:6:9: GL301"),
    Row("a directory named .py", lambda t: [(t / "pkg.py").mkdir() or "pkg.py"], 0,
        r"gradlint: warning: no Python files found in pkg\.py\n"),
]


def row_id(row):
    return row.id if isinstance(row, Row) else row.values[0].id


@pytest.mark.parametrize("row", ROWS, ids=[row_id(r) for r in ROWS])
def test_bad_input(tmp_path, row):
    args = row.setup(tmp_path)
    code, out, err = run(tmp_path, *args)
    assert "Traceback" not in err + out
    assert code == row.code, (out, err)
    assert re.fullmatch(row.stderr, err, re.DOTALL) if row.stderr else err == "", err
    if row.stdout:
        assert re.search(row.stdout, out), out


def test_read_only_file_is_left_unchanged(tmp_path):
    args = read_only(tmp_path)
    run(tmp_path, *args)
    assert (tmp_path / "frozen.py").read_text(encoding="utf-8") == BAD
    assert oct(os.stat(tmp_path / "frozen.py").st_mode & 0o777) == oct(0o444)


def test_unreadable_file_simulated(tmp_path, monkeypatch):
    """As root chmod 000 does not stop reads: make the open refuse that one file, in process."""
    import os

    from click.testing import CliRunner

    from gradlint.cli import main

    write(tmp_path, "secret.py", BAD)
    write(tmp_path, "bad.py", BAD)
    real_open = os.open

    def refusing_open(file, *args, **kwargs):
        if str(file).endswith("secret.py"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(os, "open", refusing_open)
    result = CliRunner().invoke(main, ["check", "--no-cache", "secret.py", "bad.py"])
    assert result.exit_code == 2
    assert "secret.py: permission denied" in result.output
    assert "bad.py:6:9: GL301" in result.output  # the other file is still linted


# -- inputs that work, and round-trip through --fix --------------------------------------------


def fix(tmp_path, name: str, data: bytes) -> bytes:
    write(tmp_path, name, data)
    code, out, err = run(tmp_path, "--fix", name)
    assert code == 0, (out, err)
    return (tmp_path / name).read_bytes()


FIXED_BODY = BAD.replace("        p.clamp_(-1, 1)", "        with torch.no_grad():\n            p.clamp_(-1, 1)").replace(
    "with torch.no_grad:", "with torch.no_grad():")


def test_fix_keeps_the_bom(tmp_path):
    assert fix(tmp_path, "bom.py", codecs.BOM_UTF8 + BAD.encode()) == codecs.BOM_UTF8 + FIXED_BODY.encode()


def test_fix_keeps_crlf_line_endings(tmp_path):
    fixed = fix(tmp_path, "crlf.py", BAD.replace("\n", "\r\n").encode())
    assert fixed == FIXED_BODY.replace("\n", "\r\n").encode()


def test_fix_keeps_a_declared_encoding(tmp_path):
    header = "# -*- coding: latin-1 -*-\n# café\n"
    fixed = fix(tmp_path, "latin.py", (header + BAD).encode("latin-1"))
    assert fixed == (header + FIXED_BODY).encode("latin-1")


def test_fix_keeps_a_file_without_a_final_newline(tmp_path):
    fixed = fix(tmp_path, "tail.py", BAD.rstrip("\n").encode())
    assert fixed == FIXED_BODY.rstrip("\n").encode()


def test_fix_keeps_the_file_mode(tmp_path):
    name = write(tmp_path, "script.py", "#!/usr/bin/env python\n" + BAD)
    os.chmod(tmp_path / name, 0o755)
    assert run(tmp_path, "--fix", name)[0] == 0
    assert os.stat(tmp_path / name).st_mode & 0o777 == 0o755


def test_fix_through_a_symlink_rewrites_the_target(tmp_path):
    write(tmp_path, "real/model.py", BAD)
    os.symlink(tmp_path / "real" / "model.py", tmp_path / "link.py")
    assert run(tmp_path, "--fix", "link.py")[0] == 0
    assert os.path.islink(tmp_path / "link.py")
    assert (tmp_path / "real" / "model.py").read_text(encoding="utf-8") == FIXED_BODY


def test_fix_leaves_no_temporary_files(tmp_path):
    write(tmp_path, "a.py", BAD)
    run(tmp_path, "--fix", "a.py")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py"]


def test_syntax_error_file_is_never_changed_by_fix(tmp_path):
    data = b"import torch\nfor p in m.parameters():\n    p.add_(1)\ndef f(:\n"
    write(tmp_path, "broken.py", data)
    code, out, err = run(tmp_path, "--fix", "broken.py")
    assert code == 1 and "GL000" in out and err == ""
    assert (tmp_path / "broken.py").read_bytes() == data


# -- a fix that would leave the file unparsable is not written --------------------------------

# Loaded before the CLI in a subprocess: adds a test-only rule whose fix breaks the file
BREAKING_RULE = textwrap.dedent('''
    import ast
    import gradlint.rules as registry
    from gradlint.finding import Applicability, Edit, Fix
    from gradlint.rules.base import Rule

    class BreakingFix(Rule):
        """## What it flags\\nCalls of `breakme()`, for tests."""
        code = "GL990"
        name = "breaking-fix"
        summary = "test-only rule whose fix leaves the file unparsable"
        fix_applicability = "safe"

        def check(self, facts):
            for node in ast.walk(facts.module):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "breakme":
                    edit = Edit(facts.start(node), facts.end(node), "breakme(")
                    yield self.finding(facts, node, "test finding", Fix(Applicability.SAFE, "break it", (edit,)))

    _rules = registry._discover()
    registry._discover = lambda: _rules + (BreakingFix,)
''')


def run_with_plugin(tmp_path, plugin: str, *args):
    (tmp_path / "_plugin").mkdir(exist_ok=True)
    (tmp_path / "_plugin" / "test_only_rule.py").write_text(plugin, encoding="utf-8")
    bootstrap = ("import sys; sys.path.insert(0, '_plugin'); import test_only_rule; "
                 "from gradlint.cli import main; sys.argv[0] = 'gradlint'; main()")
    proc = subprocess.run([sys.executable, "-c", bootstrap, "check", "--no-cache", *args], cwd=tmp_path,
                          capture_output=True, text=True)
    return proc.returncode, proc.stdout, proc.stderr


def test_a_fix_that_breaks_the_file_is_not_written(tmp_path):
    data = BAD + "\nbreakme()\n"
    write(tmp_path, "model.py", data)
    code, out, err = run_with_plugin(tmp_path, BREAKING_RULE, "--fix", "model.py")
    assert code == 2
    assert "Traceback" not in err
    assert err == ("gradlint: error: model.py:13:1: the fix for GL990 would leave the file unparsable; "
                   "not applied\n")
    fixed = (tmp_path / "model.py").read_text(encoding="utf-8")
    # the other fixes were applied (one line longer), the breaking one was not
    assert fixed == FIXED_BODY + "\nbreakme()\n"
    assert "model.py:14:1: GL990" in out


def test_a_fix_that_breaks_the_file_is_not_printed_by_diff(tmp_path):
    write(tmp_path, "model.py", "breakme()\n")
    code, out, err = run_with_plugin(tmp_path, BREAKING_RULE, "--diff", "model.py")
    assert code == 2
    assert out == ""
    assert "would leave the file unparsable" in err


def test_an_added_import_goes_below_the_shebang_and_the_encoding_declaration(tmp_path):
    # GL301's fix needs `torch`; the file imports only `from torch import nn`
    header = "#!/usr/bin/env python\n# -*- coding: latin-1 -*-\n# café\n"
    body = "from torch import nn\n\n\ndef clip(model):\n    for p in model.parameters():\n        p.clamp_(-1, 1)\n"
    fixed = fix(tmp_path, "script.py", (header + body).encode("latin-1"))
    assert fixed.decode("latin-1").startswith(header + "import torch\nfrom torch import nn\n")
