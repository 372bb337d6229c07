"""Issue 12: how `--fix` writes files.

- only the parent process writes, and only over the file it read: an edit saved
  while gradlint runs is kept, the file is named on stderr and the exit code is 2;
- the replacement keeps the file's owner, group and mode, and a hard-linked file
  is rewritten in place, so every link sees the fix;
- pool workers die with the parent, whether it is killed (SIGKILL) or terminated
  (SIGTERM), and nothing is written after the parent is gone.
"""

import os
import pathlib
import signal
import stat
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

import gradlint.engine
import gradlint.runner
from gradlint.cli import main
from samples import BAD, FIXED

USER_EDIT = BAD.replace("def clip(model):", "def clip(model):  # the user's edit, saved meanwhile")


def invoke(*args):
    """The command line in this process (so a test can act while it runs): (exit code, stderr)."""
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stderr


# -- an edit saved while gradlint runs ---------------------------------------------------------


@pytest.fixture
def user_saves_during_the_fix(monkeypatch):
    """While gradlint computes the fixes of the files named here, the user saves an edit to each."""
    edited: list[str] = []
    real = gradlint.engine.fix_source

    def fix_while_the_user_saves(source, path, *args, **kwargs):
        if os.path.basename(path) in edited:
            pathlib.Path(path).write_text(USER_EDIT)
        return real(source, path, *args, **kwargs)

    monkeypatch.setattr(gradlint.engine, "fix_source", fix_while_the_user_saves)
    return edited


@pytest.mark.parametrize("linked", [False, True], ids=["plain", "hard-linked"])
def test_an_edit_saved_during_the_run_is_kept(tmp_path, user_saves_during_the_fix, linked):
    work = tmp_path / "work"
    work.mkdir()
    (work / "edited.py").write_text(BAD)
    (work / "other.py").write_text(BAD)
    if linked:
        os.link(work / "edited.py", tmp_path / "elsewhere.py")
    user_saves_during_the_fix.append("edited.py")
    code, err = invoke("check", "--no-cache", "--fix", str(work))
    assert code == 2
    assert f"gradlint: error: {work / 'edited.py'}: changed while gradlint was running; fixes not written\n" in err
    assert (work / "edited.py").read_text() == USER_EDIT
    assert (work / "other.py").read_text() == FIXED  # the rest of the run is written
    assert sorted(p.name for p in work.iterdir()) == ["edited.py", "other.py"]


def test_a_file_touched_but_not_changed_is_not_overwritten_either(tmp_path, monkeypatch):
    (tmp_path / "model.py").write_text(BAD)
    real = gradlint.engine.fix_source

    def touching(source, path, *args, **kwargs):
        info = os.stat(path)
        os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 10**9))
        return real(source, path, *args, **kwargs)

    monkeypatch.setattr(gradlint.engine, "fix_source", touching)
    code, err = invoke("check", "--no-cache", "--fix", str(tmp_path / "model.py"))
    assert code == 2 and "changed while gradlint was running" in err
    assert (tmp_path / "model.py").read_text() == BAD


# -- owner, group, mode, hard links -------------------------------------------------------------

root_only = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to hand files to other users")


@root_only
def test_fix_as_root_keeps_owner_group_and_mode(tmp_path, gradlint_cli):
    path = tmp_path / "model.py"
    path.write_text(BAD)
    os.chown(path, 12345, 23456)
    os.chmod(path, 0o640)
    code, out, err = gradlint_cli("check", "--no-cache", "--fix", "model.py", cwd=tmp_path)
    assert code == 0, err
    info = os.stat(path)
    assert path.read_text() == FIXED
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (12345, 23456, 0o640)


@root_only
def test_a_user_who_cannot_chown_fixes_in_place_and_keeps_the_owner(tmp_path, request):
    # user 23456 may write the file (mode 0666) but may not give a new file to user 12345
    from gradlint.config import Settings
    from gradlint.runner import run_check

    import shutil
    import tempfile

    # pytest's tmp_path lies under a folder only root may enter
    folder = pathlib.Path(tempfile.mkdtemp(prefix="gradlint-owner-"))
    request.addfinalizer(lambda: shutil.rmtree(folder))
    os.chmod(folder, 0o777)
    path = folder / "model.py"
    path.write_text(BAD)
    os.chown(path, 12345, 12345)
    os.chmod(path, 0o666)
    # the same run as root first, on a copy: every module it needs is imported before the fork
    (tmp_path / "copy.py").write_text(BAD)
    assert run_check([str(tmp_path / "copy.py")], Settings(root=str(tmp_path)), fix=True, cache=False).fixed == 2
    child = os.fork()
    if child == 0:  # the run itself, as that user (no exec: this interpreter is root's and unreadable to it)
        status = 3
        try:
            os.setgroups([])
            os.setgid(23456)
            os.setuid(23456)
            outcome = run_check([str(path)], Settings(root=str(folder)), fix=True, cache=False)
            status = 0 if (outcome.fixed, outcome.errors) == (2, []) else 1
        finally:
            os._exit(status)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    info = os.stat(path)
    assert path.read_text() == FIXED
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (12345, 12345, 0o666)
    assert sorted(p.name for p in folder.iterdir()) == ["model.py"]


def test_fix_keeps_hard_links_and_every_link_sees_it(tmp_path, gradlint_cli):
    (tmp_path / "src").mkdir()
    path = tmp_path / "src" / "model.py"
    path.write_text(BAD)
    os.chmod(path, 0o604)
    link = tmp_path / "model-link.py"  # outside the linted folder
    os.link(path, link)
    code, out, err = gradlint_cli("check", "--no-cache", "--fix", "src", cwd=tmp_path)
    assert code == 0, err
    assert path.read_text() == FIXED and link.read_text() == FIXED
    assert os.stat(path).st_ino == os.stat(link).st_ino and os.stat(path).st_nlink == 2
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o604
    assert sorted(p.name for p in (tmp_path / "src").iterdir()) == ["model.py"]  # no copy left behind


# -- pool workers die with the parent ----------------------------------------------------------


def many_files(folder: pathlib.Path) -> None:
    """Enough work for the process pool (runner.PARALLEL_MIN_FILES / PARALLEL_MIN_BYTES) for a few seconds."""
    # a docstring per file brings the bytes over the pool's threshold without adding lint work
    padding = '"""' + "x" * (gradlint.runner.PARALLEL_MIN_BYTES // 24) + '"""\n'
    for k in range(24):
        parts = [padding, "import torch\n"]
        for i in range(60):
            parts.append(f"\ndef f{i}(model):\n    for p in model.parameters():\n        p.add_({k})\n"
                         f"    with torch.no_grad:\n        return {i}\n")
        (folder / f"m{k:02d}.py").write_text("".join(parts))


def _processes() -> dict[int, tuple[str, int]]:
    """pid -> (state, parent pid) of every process, from /proc."""
    found = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as handle:
                    fields = handle.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            found[int(name)] = (fields[0].decode(), int(fields[1]))
    return found


def _children(pid: int) -> set[int]:
    return {child for child, (state, parent) in _processes().items() if parent == pid and state != "Z"}


def _alive(pids) -> set[int]:
    running = _processes()
    return {pid for pid in pids if pid in running and running[pid][0] != "Z"}


def _snapshot(folder: pathlib.Path) -> dict[str, tuple[int, bytes]]:
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.iterdir()}


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads /proc")
@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2 if hasattr(os, "sched_getaffinity") else True,
                    reason="one CPU: no process pool")
@pytest.mark.parametrize("sent", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_pool_workers_die_with_the_parent_and_write_nothing_after(tmp_path, sent):
    many_files(tmp_path)
    parent = subprocess.Popen([sys.executable, "-m", "gradlint", "check", "--no-cache", "--fix", "."], cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    seen: set[int] = set()
    try:
        # wait for the pool of the fix pass (the second pool: the first one builds the project index)
        first: set[int] | None = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and parent.poll() is None:
            workers = _children(parent.pid)
            seen |= workers
            if first is None and workers:
                first = workers
            elif first is not None and workers - first:
                break
            time.sleep(0.005)
        assert parent.poll() is None, "the run ended before its fix pass started a pool"
        fixing = _children(parent.pid)
        seen |= fixing
        assert len(fixing - (first or set())) >= 1
        os.kill(parent.pid, sent)
        _, err = parent.communicate(timeout=30)
        after_kill = _snapshot(tmp_path)
        deadline = time.monotonic() + 5
        while _alive(seen) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not _alive(seen), "pool workers outlived their parent"
        assert parent.returncode == -sent
        assert b"Traceback" not in err, err.decode()
        time.sleep(0.3)
        assert _snapshot(tmp_path) == after_kill  # nothing written once the parent is gone
    finally:
        for pid in _alive(seen | {parent.pid}):
            os.kill(pid, signal.SIGKILL)
        if parent.poll() is None:
            parent.wait(timeout=10)
