"""Input gradlint refuses with one line and exit 2 (issue 12), through the real command line:
what is not a regular file (a FIFO would block the read for ever), files above `max-file-size`,
paths it may not read, an empty selection; and `--statistics` with JSON output.

Every run has a time limit: a run that blocks on a FIFO fails the test instead of hanging it.
"""

import ctypes
import json
import os
import re
import socket
import subprocess
import sys

import pytest
from samples import BAD  # GL301 on line 6, GL302 on line 10

LIMIT_S = 30
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def run(cwd, *args, input=None, preexec_fn=None):
    """`gradlint check --no-cache ARGS`: (exit code, stdout, stderr); killed after LIMIT_S seconds."""
    try:
        proc = subprocess.run([sys.executable, "-m", "gradlint", "check", "--no-cache", *args], cwd=cwd,
                              capture_output=True, input=input, timeout=LIMIT_S, preexec_fn=preexec_fn)
    except subprocess.TimeoutExpired:
        pytest.fail(f"gradlint check {' '.join(args)} still running after {LIMIT_S} s (blocked on a read?)")
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")


def finding_lines(out: str) -> list[str]:
    return [line.split(" ")[0] for line in out.splitlines() if re.match(r"\S+:\d+:\d+: GL", line)]


@pytest.fixture
def project(tmp_path):
    (tmp_path / "bad.py").write_text(BAD, encoding="utf-8")
    return tmp_path


# -- not a regular file ----------------------------------------------------------------------


def test_a_named_fifo_is_refused_without_blocking(project):
    os.mkfifo(project / "fifo.py")
    code, out, err = run(project, "fifo.py", "bad.py")
    assert code == 2
    assert err == "gradlint: error: fifo.py: not a regular file\n"
    assert finding_lines(out) == ["bad.py:6:9:", "bad.py:10:10:"]  # the other file is still linted


def test_a_symlink_to_a_fifo_is_refused(project):
    os.mkfifo(project / "fifo")
    os.symlink("fifo", project / "link.py")
    code, _, err = run(project, "link.py")
    assert (code, err) == (2, "gradlint: error: link.py: not a regular file\n")


def _bounded_memory() -> None:
    import resource

    # a read of /dev/zero that is not refused fails fast (MemoryError) instead of filling the machine
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def test_a_device_is_refused(tmp_path):
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero on this platform")
    code, _, err = run(tmp_path, "/dev/zero", preexec_fn=_bounded_memory)
    assert (code, err) == (2, "gradlint: error: /dev/zero: not a regular file\n")


def test_a_socket_is_refused(project):
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(project / "sock.py"))
        code, _, err = run(project, "sock.py")
    finally:
        server.close()
    assert (code, err) == (2, "gradlint: error: sock.py: not a regular file\n")


def test_a_folder_scan_skips_fifos_and_links_to_them(project):
    os.mkfifo(project / "fifo.py")
    os.mkfifo(project / "target")
    os.symlink("target", project / "link.py")
    code, out, err = run(project, ".")
    assert (code, err) == (1, "")
    assert finding_lines(out) == ["bad.py:6:9:", "bad.py:10:10:"]


# -- max-file-size ---------------------------------------------------------------------------


def big_source(size: int) -> str:
    """Valid Python with BAD's findings, padded with a comment to exactly `size` bytes."""
    return BAD + "#" * (size - len(BAD) - 1) + "\n"


def test_a_file_above_the_default_limit_is_refused_and_the_rest_linted(project):
    (project / "huge.py").write_text(big_source(5 * 1024 * 1024), encoding="utf-8")
    code, out, err = run(project, ".")
    assert code == 2
    assert err == "gradlint: error: huge.py: file is too large (5.0 MiB > 4 MiB limit; see max-file-size)\n"
    assert finding_lines(out) == ["bad.py:6:9:", "bad.py:10:10:"]
    assert "All checks passed" not in out


def test_a_file_just_below_the_default_limit_is_linted(project):
    (project / "large.py").write_text(big_source(4 * 1024 * 1024), encoding="utf-8")
    code, out, err = run(project, "large.py")
    assert (code, err) == (1, "")
    assert finding_lines(out)[0] == "large.py:6:9:"


@pytest.mark.parametrize("value, message", [
    ('"2kB"', "2.5 kB > 2 kB limit"),
    ('"2 KiB"', "2.4 KiB > 2 KiB limit"),
    ("2000", "2.5 kB > 2 kB limit"),
    ("2001", "2500 B > 2001 B limit"),
])
def test_max_file_size_from_the_configuration(project, value, message):
    (project / "pyproject.toml").write_text(f"[tool.gradlint]\nmax-file-size = {value}\n", encoding="utf-8")
    (project / "big.py").write_text(big_source(2500), encoding="utf-8")
    assert os.path.getsize(project / "big.py") == 2500
    code, out, err = run(project, "big.py", "bad.py")
    assert code == 2
    assert err == f"gradlint: error: big.py: file is too large ({message}; see max-file-size)\n"
    assert finding_lines(out) == ["bad.py:6:9:", "bad.py:10:10:"]


def test_a_larger_limit_lets_the_file_through(project):
    (project / "pyproject.toml").write_text('[tool.gradlint]\nmax-file-size = "8MiB"\n', encoding="utf-8")
    (project / "huge.py").write_text(big_source(5 * 1024 * 1024), encoding="utf-8")
    code, out, err = run(project, "huge.py")
    assert (code, err) == (1, "")
    assert finding_lines(out)[0] == "huge.py:6:9:"


@pytest.mark.parametrize("value", ['"4XB"', '"lots"', "0", "-1", "true", "4.5", '""'])
def test_a_bad_max_file_size_stops_the_run(project, value):
    config = project / "pyproject.toml"
    config.write_text(f"[tool.gradlint]\nmax-file-size = {value}\n", encoding="utf-8")
    code, out, err = run(project, "bad.py")
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1, err
    assert err.startswith(f"gradlint: error: {config}: 'max-file-size' must "), err


def test_standard_input_above_the_limit_is_refused(project):
    (project / "pyproject.toml").write_text('[tool.gradlint]\nmax-file-size = "1kB"\n', encoding="utf-8")
    code, out, err = run(project, "--stdin-filename", "model.py", "-", input=(BAD * 10).encode("utf-8"))
    assert (code, out) == (2, "")
    assert err == "gradlint: error: model.py: input is too large (over the 1 kB limit; see max-file-size)\n"


# -- paths it may not read -------------------------------------------------------------------


def _drop_file_access() -> None:
    """In the child: lose the capabilities that let root ignore file permissions.

    Dropped from the bounding set, they are gone after exec (root's permitted set is
    rebuilt from it); a uid switch would do as well but cannot reach an interpreter under /root.
    """
    if not IS_ROOT:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop, cap_dac_override, cap_dac_read_search = 24, 1, 2
    for cap in (cap_dac_override, cap_dac_read_search):
        if libc.prctl(pr_capbset_drop, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@pytest.fixture
def unprivileged(tmp_path):
    """preexec_fn for a run that file permissions apply to; skips where that cannot be had."""
    if not sys.platform.startswith("linux"):
        pytest.skip("dropping root's file capabilities is Linux-only")
    probe = tmp_path / "probe"
    probe.write_text("x", encoding="utf-8")
    probe.chmod(0)
    try:
        proc = subprocess.run([sys.executable, "-c", f"open({str(probe)!r})"], preexec_fn=_drop_file_access,
                              capture_output=True, timeout=LIMIT_S)
    except subprocess.SubprocessError as exc:
        pytest.skip(f"cannot drop root's file capabilities here: {exc}")
    finally:
        probe.chmod(0o600)
    if proc.returncode == 0:
        pytest.skip("a chmod 000 file stays readable to this process (capabilities not droppable)")
    return _drop_file_access


def test_an_unreadable_file_says_permission_denied(project, unprivileged):
    secret = project / "secret.py"
    secret.write_text(BAD, encoding="utf-8")
    secret.chmod(0)
    try:
        code, out, err = run(project, "secret.py", "bad.py", preexec_fn=unprivileged)
    finally:
        secret.chmod(0o600)
    assert code == 2
    assert err == "gradlint: error: secret.py: permission denied\n"  # not click's "Usage: ..."
    assert finding_lines(out) == ["bad.py:6:9:", "bad.py:10:10:"]


def test_an_unreadable_folder_says_permission_denied(project, unprivileged):
    locked = project / "locked"
    locked.mkdir()
    (locked / "model.py").write_text(BAD, encoding="utf-8")
    locked.chmod(0)
    try:
        folder = run(project, "locked", preexec_fn=unprivileged)
        inside = run(project, os.path.join("locked", "model.py"), preexec_fn=unprivileged)
    finally:
        locked.chmod(0o700)
    assert folder == (2, "", "gradlint: error: locked: permission denied\n")
    assert inside == (2, "", f"gradlint: error: {os.path.join('locked', 'model.py')}: permission denied\n")


def test_an_unreadable_config_names_the_file(project, unprivileged):
    config = project / "gradlint.toml"
    config.write_text('select = ["GL3"]\n', encoding="utf-8")
    config.chmod(0)
    try:
        code, out, err = run(project, "--config", "gradlint.toml", "bad.py", preexec_fn=unprivileged)
    finally:
        config.chmod(0o600)
    assert (code, out) == (2, "")
    assert err == "gradlint: error: gradlint.toml: cannot read: Permission denied\n"


# -- an empty selection ----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["", ",", " , "])
def test_an_empty_select_on_the_command_line_is_a_usage_error(project, value):
    code, out, err = run(project, "--select", value, "bad.py")
    assert (code, out) == (2, "")
    assert err.startswith("gradlint: error: --select: empty selection"), err
    assert len(err.splitlines()) == 1


def test_an_empty_select_in_the_configuration_is_an_error(project):
    config = project / "pyproject.toml"
    config.write_text("[tool.gradlint]\nselect = []\n", encoding="utf-8")
    code, out, err = run(project, "bad.py")
    assert (code, out) == (2, "")
    assert err.startswith(f"gradlint: error: {config}: 'select' is empty"), err


def test_an_empty_select_with_extend_select_selects_those(project):
    (project / "pyproject.toml").write_text('[tool.gradlint]\nselect = []\nextend-select = ["GL302"]\n',
                                            encoding="utf-8")
    code, out, err = run(project, "bad.py")
    assert (code, err) == (1, "")
    assert finding_lines(out) == ["bad.py:10:10:"]


# -- --statistics with JSON ------------------------------------------------------------------


def test_statistics_as_json(project):
    (project / "more.py").write_text(BAD.replace("with torch.no_grad:", "with torch.no_grad():"), encoding="utf-8")
    code, out, err = run(project, "--statistics", "--output-format", "json", "bad.py", "more.py")
    assert (code, err) == (1, "")
    assert json.loads(out) == [
        {"code": "GL301", "name": "in-place-parameter-update", "count": 2, "fixable": True},
        {"code": "GL302", "name": "grad-mode-not-called", "count": 1, "fixable": True},
    ]


def test_statistics_as_json_without_findings(project):
    (project / "clean.py").write_text("x = 1\n", encoding="utf-8")
    code, out, err = run(project, "--statistics", "--output-format", "json", "clean.py")
    assert (code, err, json.loads(out)) == (0, "", [])


@pytest.mark.parametrize("fmt", ["sarif", "github", "lsp"])
def test_statistics_with_another_format_is_refused(project, fmt):
    code, out, err = run(project, "--statistics", "--output-format", fmt, "bad.py")
    assert (code, out) == (2, "")
    assert err == f"gradlint: error: --statistics: not available with --output-format {fmt} (use text or json)\n"
