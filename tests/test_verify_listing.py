"""`gradlint verify` reads and checks the fixtures it is given before torch loads:
a file that is not a fixture is refused at once, and `--list` needs no torch at all.

Each command runs in a child whose import system refuses torch: any attempt to
find or import it (the verifier checks `find_spec("torch")` before it starts
its fork server) ends the child with exit status 99.
"""

import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUNDLED = os.path.join(ROOT, "gradlint", "fixtures")
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

FIXTURE = textwrap.dedent("""\
    import torch

    EXPECT = ["GL301"]
    CLAIM = "crash"


    def workload(device):
        w = torch.ones(2, requires_grad=True, device=device)
        w.clamp_(0, 1)
        return w
""")


def verify_without_torch(*args, cwd):
    proc = subprocess.run([sys.executable, "-c", NO_TORCH, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.parametrize("name, text, reason", [
    ("notes.py", "x = 1\n", "not a fixture: no CLAIM declared (one of memory, crash, leak, time, results, none)"),
    ("half.py", 'CLAIM = "crash"\n', "not a fixture: no EXPECT declared (the codes gradlint must report; [] for none)"),
    ("no_workload.py", 'CLAIM = "crash"\nEXPECT = []\n', "not a fixture: no module-level `def workload(device):`"),
    ("README.md", "# Notes\n\nSome `code`: here.\n", "not a fixture: not valid Python (line 3)"),
])
def test_a_file_that_is_not_a_fixture_is_refused_before_torch(tmp_path, name, text, reason):
    (tmp_path / name).write_text(text)
    code, out, err = verify_without_torch(name, "--device", "cpu", cwd=tmp_path)
    assert code == 2, err
    assert out == ""
    assert err.splitlines() == [f"gradlint: error: {name}: {reason}"]


def test_one_bad_file_among_fixtures_is_refused_before_torch(tmp_path):
    (tmp_path / "good.py").write_text(FIXTURE)
    (tmp_path / "notes.py").write_text("x = 1\n")
    code, out, err = verify_without_torch("good.py", "notes.py", cwd=tmp_path)
    assert code == 2, err
    assert err.startswith("gradlint: error: notes.py: not a fixture: ")


def test_a_real_fixture_goes_on_to_torch(tmp_path):
    # the other side of the tests above: a good fixture passes the checks and reaches torch
    (tmp_path / "good.py").write_text(FIXTURE)
    code, out, err = verify_without_torch("good.py", cwd=tmp_path)
    assert code == 99 and err == "torch was looked for\n"


def test_list_shows_the_bundled_fixtures_without_torch(tmp_path):
    code, out, err = verify_without_torch("--list", cwd=tmp_path)
    assert code == 0, err
    expected = sorted(name[:-3] for name in os.listdir(BUNDLED) if name.endswith(".py"))
    rows = [line.split() for line in out.splitlines()]
    assert [row[0] for row in rows] == expected
    weight_clipping = next(row for row in rows if row[0] == "weight_clipping")
    assert weight_clipping[1:3] == ["GL301", "crash"]
    assert os.path.samefile(os.path.join(tmp_path, weight_clipping[3]), os.path.join(BUNDLED, "weight_clipping.py"))


def test_list_of_a_folder_names_its_fixtures_only(tmp_path):
    (tmp_path / "good.py").write_text(FIXTURE)
    (tmp_path / "helper.py").write_text("x = 1\n")
    code, out, err = verify_without_torch("--list", ".", cwd=tmp_path)
    assert code == 0, err
    assert out.split() == ["good", "GL301", "crash", os.path.join(".", "good.py")]


def test_list_of_a_missing_path_is_a_usage_error(tmp_path):
    code, out, err = verify_without_torch("--list", "nope.py", cwd=tmp_path)
    assert (code, out) == (2, "")
    assert err == "gradlint: error: nope.py: no such file or folder\n"
