"""Fix safety (issue 9) through the real command line.

- interrupt safety: a `--fix` run killed at random moments leaves every file
  either wholly old or wholly new;
- over the repository's own corpus (rule cases, fix cases, fixtures), in UTF-8,
  CRLF, BOM and latin-1 variants: after `--fix --unsafe-fixes` every file still
  compiles, a second run changes nothing, files without a fix stay byte-identical,
  and line endings, encoding and BOM are kept.

The same checks over third-party code (torchvision, transformers, ...) are in
tests/corpus_check.py, a separate command.
"""

import codecs
import json
import os
import pathlib
import random
import signal
import subprocess
import sys
import time
import warnings

import pytest

from gradlint.runner import PARALLEL_MIN_BYTES

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS_FOLDERS = [ROOT / "tests" / "cases", ROOT / "tests" / "fix_cases", ROOT / "gradlint" / "fixtures"]


def gradlint(*args, cwd):
    return subprocess.run([sys.executable, "-m", "gradlint", *args], cwd=cwd, capture_output=True)


def compiles(data: bytes) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(data, "<fixed>", "exec", dont_inherit=True)
        return True
    except (SyntaxError, ValueError):
        return False


# -- interrupt safety ------------------------------------------------------------------------


def many_files(folder: pathlib.Path, count: int = 24, functions: int = 120) -> dict[str, bytes]:
    """Files big and many enough that fixing them takes a few seconds, in several processes."""
    contents = {}
    # a docstring per file brings the bytes over the pool's threshold without adding lint work
    padding = '"""' + "x" * (PARALLEL_MIN_BYTES // count) + '"""\n'
    for k in range(count):
        parts = [padding, "import torch\n"]
        for i in range(functions):
            parts.append(f"\ndef f{i}(model):\n    for p in model.parameters():\n        p.add_({k})\n"
                         f"    with torch.no_grad:\n        return {i}\n")
        data = "".join(parts).encode()
        if k % 3 == 1:
            data = data.replace(b"\n", b"\r\n")
        elif k % 3 == 2:
            data = codecs.BOM_UTF8 + data
        contents[f"m{k:02d}.py"] = data
    for name, data in contents.items():
        (folder / name).write_bytes(data)
    return contents


def test_a_fix_run_killed_at_random_moments_leaves_each_file_old_or_new(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    old = many_files(work)

    # what a complete run writes, and how long it takes (only to spread the kills over it)
    started = time.monotonic()
    proc = gradlint("check", "--no-cache", "--fix", ".", cwd=work)
    duration = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    new = {name: (work / name).read_bytes() for name in old}
    assert all(new[name] != old[name] for name in old)

    rng = random.Random(20240607)
    kills = 8
    for attempt in range(kills):
        for name, data in old.items():
            (work / name).write_bytes(data)
        child = subprocess.Popen([sys.executable, "-m", "gradlint", "check", "--no-cache", "--fix", "."], cwd=work,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        # spread the kills from start-up to the end of the writes
        time.sleep(rng.uniform(0.1, duration))
        try:
            os.killpg(child.pid, signal.SIGKILL)  # the workers too
        except ProcessLookupError:
            pass
        child.wait()
        for name in old:
            data = (work / name).read_bytes()
            assert data in (old[name], new[name]), f"kill {attempt}: {name} is neither the old nor the new file"
        # a killed run may leave its temporary file behind, never under a name that gets linted
        leftovers = [p.name for p in work.iterdir() if p.name not in old]
        assert all(name.startswith(".gradlint-") and name.endswith(".tmp") for name in leftovers), leftovers

    # after all that, one uninterrupted run finishes the job
    proc = gradlint("check", "--no-cache", "--fix", ".", cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert {name: (work / name).read_bytes() for name in old} == new


# -- the repository's corpus in every encoding -------------------------------------------------


def corpus_files() -> list[pathlib.Path]:
    files = []
    for folder in CORPUS_FOLDERS:
        if folder.is_dir():
            files += sorted(p for p in folder.rglob("*.py") if not p.name.endswith(".fixed.py"))
    return files


def variants(data: bytes) -> dict[str, bytes]:
    out = {"utf8": data, "crlf": data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"), "bom": codecs.BOM_UTF8 + data}
    try:
        text = data.decode("utf-8")
        # a latin-1 file needs its declaration on the first line (a shebang may come first)
        latin = ("# -*- coding: latin-1 -*-\n" + text).encode("latin-1")
        out["latin1"] = latin
    except UnicodeEncodeError:
        pass
    return out


@pytest.fixture(scope="module")
def fixed_corpus(tmp_path_factory):
    """Every corpus file in every variant, linted, fixed (unsafe too), then fixed again."""
    files = corpus_files()
    if not files:
        pytest.skip("no corpus files (tests/cases, tests/fix_cases, gradlint/fixtures) found")
    work = tmp_path_factory.mktemp("corpus")
    # each case folder stays one project, as tests/test_cases.py runs them
    originals: dict[str, bytes] = {}
    for path in files:
        rel = path.relative_to(ROOT)
        for kind, data in variants(path.read_bytes()).items():
            target = work / kind / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            originals[str(target.relative_to(work))] = data
    lint = gradlint("check", "--no-cache", "--unsafe-fixes", "--output-format", "json", "--exit-zero", ".", cwd=work)
    assert lint.returncode == 0, lint.stderr
    fixable = {os.path.normpath(f["filename"]) for f in json.loads(lint.stdout)
               if f["fix"] and f["fix"]["applicability"] in ("safe", "unsafe")}
    first = gradlint("check", "--no-cache", "--fix", "--unsafe-fixes", ".", cwd=work)
    after_first = {name: (work / name).read_bytes() for name in originals}
    second = gradlint("check", "--no-cache", "--fix", "--unsafe-fixes", ".", cwd=work)
    after_second = {name: (work / name).read_bytes() for name in originals}
    return {"originals": originals, "fixable": fixable, "first": first, "second": second,
            "after_first": after_first, "after_second": after_second}


def test_fixing_the_corpus_reports_no_errors(fixed_corpus):
    for run in (fixed_corpus["first"], fixed_corpus["second"]):
        assert run.returncode in (0, 1), run.stderr.decode()
        assert run.stderr == b"", run.stderr.decode()


def test_something_was_fixed(fixed_corpus):
    changed = [n for n, data in fixed_corpus["after_first"].items() if data != fixed_corpus["originals"][n]]
    assert len(changed) >= len(fixed_corpus["fixable"]) > 0


def test_every_fixed_file_compiles(fixed_corpus):
    for name, data in fixed_corpus["after_first"].items():
        if compiles(fixed_corpus["originals"][name]):
            assert compiles(data), name


def test_a_second_run_changes_nothing(fixed_corpus):
    assert fixed_corpus["after_second"] == fixed_corpus["after_first"]


def test_files_without_a_fix_stay_byte_identical(fixed_corpus):
    for name, data in fixed_corpus["after_first"].items():
        if os.path.normpath(name) not in fixed_corpus["fixable"]:
            assert data == fixed_corpus["originals"][name], name


def test_line_endings_encoding_and_bom_are_kept(fixed_corpus):
    for name, data in fixed_corpus["after_first"].items():
        kind = pathlib.PurePath(name).parts[0]
        if kind == "crlf":
            assert b"\n" not in data.replace(b"\r\n", b""), f"{name}: a bare LF after fixing"
        else:
            assert b"\r" not in data, f"{name}: a CR after fixing"
        assert data.startswith(codecs.BOM_UTF8) == (kind == "bom"), name
        if kind == "latin1":
            assert data.startswith(b"# -*- coding: latin-1 -*-\n"), name
            data.decode("latin-1")
        else:
            data.decode("utf-8")


def test_ctrl_c_stops_with_one_line_and_never_a_traceback(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    old = many_files(work, count=12)
    for delay in (0.3, 0.8, 1.5):
        child = subprocess.Popen([sys.executable, "-m", "gradlint", "check", "--no-cache", "--fix", "."], cwd=work,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        time.sleep(delay)
        try:
            os.killpg(child.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole group
        except ProcessLookupError:
            pass
        _, err = child.communicate(timeout=120)
        # interrupted (130), killed before Python set its handler (-2), or already done (0)
        assert child.returncode in (130, -signal.SIGINT, 0), err
        assert b"Traceback" not in err, err.decode()
        if child.returncode == 130:
            assert err == b"gradlint: interrupted\n"
        for name, data in old.items():
            (work / name).write_bytes(data)


def test_ctrl_c_inside_an_import_is_an_interruption_not_an_internal_error(capsys):
    # Python wraps a KeyboardInterrupt raised while a class is made (libcst's `__set_name__`
    # during its import) in a RuntimeError; the command still stops as interrupted
    from gradlint.cli import _guarded

    def command():
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise RuntimeError("Error calling __set_name__ on 'Field' instance") from exc

    with pytest.raises(SystemExit) as stopped:
        _guarded(command)()
    assert stopped.value.code == 130
    assert capsys.readouterr().err == "gradlint: interrupted\n"
