"""`gradlint verify` leaves no process behind, caps a fixture's memory, and keeps only the tail of its output.

Each test starts `gradlint verify` as a subprocess (its fork server loads torch:
a few seconds), bounded by a timeout, and checks by pid that nothing it started
is still running when it ends.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import tracemalloc

import pytest

pytest.importorskip("torch")

from gradlint.verify.runner import parse_size, read_output  # noqa: E402

LIMIT_S = 60  # a bound on each verify run; none takes more than a few seconds

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="checks processes through /proc")


def write_fixture(folder, name, body):
    path = folder / f"{name}.py"
    path.write_text(textwrap.dedent(body).lstrip(), encoding="utf-8")
    return path


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its reaper counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return False
    return stat[stat.rindex(b")") + 2:].split()[0] != b"Z"


def wait_gone(pids, seconds=5.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = [pid for pid in pids if alive(pid)]
        if not left:
            return []
        time.sleep(0.05)
    return [pid for pid in pids if alive(pid)]


def children_of(pid: int) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as handle:
                    stat = handle.read()
            except OSError:
                continue
            if int(stat[stat.rindex(b")") + 2:].split()[1]) == pid:
                found.append(int(name))
    return found


def kill_all(pids) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def verify(*args):
    command = [sys.executable, "-m", "gradlint", "verify", "--device", "cpu", "--repeat", "1", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=LIMIT_S)


SPAWNS = '''
    import os
    import subprocess
    import sys
    import time

    import torch

    EXPECT = []
    CLAIM = "none"

    PIDS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pids.txt")
    SLEEP = [sys.executable, "-c", "import time; time.sleep(120)"]


    def workload(device):
        started = subprocess.Popen(SLEEP)
        escaped = subprocess.Popen(SLEEP, start_new_session=True)
        daemon = os.fork()
        if daemon == 0:  # a daemon: setsid, fork again, and the middle process exits
            os.setsid()
            if os.fork() == 0:
                with open(PIDS, "a") as handle:
                    handle.write(f"{os.getpid()}\\n")
                time.sleep(120)
            os._exit(0)
        os.waitpid(daemon, 0)
        with open(PIDS, "a") as handle:
            handle.write(f"{started.pid}\\n{escaped.pid}\\n")
        return torch.ones(2)
'''


def test_processes_a_fixture_leaves_running_are_killed_and_fail_it(tmp_path):
    write_fixture(tmp_path, "spawns", SPAWNS)
    pids_file = tmp_path / "pids.txt"
    try:
        proc = verify(str(tmp_path / "spawns.py"), "--output-format", "json")
        pids = [int(line) for line in pids_file.read_text().split()]
        # three runs of the workload, three processes each: a Popen child, one in a new session, a daemon
        assert len(pids) == 9, proc.stderr
        assert wait_gone(pids) == []
        assert proc.returncode == 1, proc.stdout + proc.stderr
        entry = json.loads(proc.stdout)["fixtures"][0]
        assert not entry["ok"]
        assert len(entry["original"]["left_running"]) == 9
        assert {int(item.split()[0]) for item in entry["original"]["left_running"]} == set(pids)
        assert any("the original left 9 processes running (killed" in p for p in entry["problems"])
    finally:
        if pids_file.exists():
            kill_all(int(line) for line in pids_file.read_text().split())


BUSY = '''
    import os
    import subprocess
    import sys

    import torch

    EXPECT = []
    CLAIM = "none"

    HERE = os.path.dirname(os.path.abspath(__file__))


    def workload(device):
        child = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        with open(os.path.join(HERE, "pids.tmp"), "w") as handle:
            handle.write(f"{os.getpid()} {child.pid}\\n")
        os.replace(os.path.join(HERE, "pids.tmp"), os.path.join(HERE, "pids.txt"))
        while True:
            pass
'''


def test_sigkill_of_verify_takes_the_fork_server_and_the_fixture_with_it(tmp_path):
    write_fixture(tmp_path, "busy", BUSY)
    pids_file = tmp_path / "pids.txt"
    command = [sys.executable, "-m", "gradlint", "verify", "--device", "cpu", "--timeout", "60", str(tmp_path / "busy.py")]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = []
    try:
        deadline = time.monotonic() + LIMIT_S
        while not pids_file.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        assert pids_file.exists(), "the fixture never started"
        servers = children_of(process.pid)
        started = servers + [int(pid) for pid in pids_file.read_text().split()]
        assert len(started) == 3 and all(alive(pid) for pid in started)
        process.kill()
        process.wait(timeout=10)
        assert wait_gone(started) == [], "still running after the verifier was killed"
    finally:
        process.kill()
        process.wait(timeout=10)
        kill_all(started)


def test_a_fixture_over_the_memory_limit_fails_saying_so(tmp_path):
    write_fixture(tmp_path, "big", '''
        import torch

        EXPECT = []
        CLAIM = "none"


        def workload(device):
            return torch.ones(256 * 1024 * 1024, device=device).sum()  # 1 GiB
    ''')
    proc = verify(str(tmp_path / "big.py"), "--memory-limit", "512M")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "over the memory limit of 512 MiB (--memory-limit)" in proc.stdout
    assert "problem: the original ran out of memory under the limit of 512 MiB (raise it with --memory-limit)" in proc.stdout
    # the same program under the default limit runs
    proc = verify(str(tmp_path / "big.py"), "--output-format", "json")
    entry = json.loads(proc.stdout)["fixtures"][0]
    assert entry["original"]["status"] == "ok", proc.stdout


def test_a_bad_memory_limit_is_a_usage_error(tmp_path):
    write_fixture(tmp_path, "big", 'EXPECT = []\nCLAIM = "none"\n\ndef workload(device):\n    return 1\n')
    proc = verify(str(tmp_path / "big.py"), "--memory-limit", "lots")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "gradlint: error: --memory-limit: not a size: 'lots' (write e.g. 8G, 512M or none)"
    assert proc.stdout == ""


def test_sizes():
    assert parse_size("8G") == parse_size("8GiB") == 8 * 1024 ** 3
    assert parse_size("512m") == 512 * 1024 ** 2
    assert parse_size("1.5K") == 1536
    assert parse_size("none") == parse_size("0") == 0
    for bad in ("", "-1G", "8X", "G"):
        with pytest.raises(ValueError):
            parse_size(bad)


def test_only_the_tail_of_a_huge_output_is_read(tmp_path):
    path = tmp_path / "out.txt"
    line = "x" * 99 + "\n"
    with open(path, "w") as handle:
        for _ in range(10):  # 100 MB
            handle.write(line * 100_000)
        handle.write("STAGE: profiler noise\n")
        handle.write("".join(f"line {n}\n" for n in range(30)))
    tracemalloc.start()
    try:
        tail = read_output(str(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert tail.splitlines() == [f"line {n}" for n in range(5, 30)]
    assert peak < 4 * 1024 * 1024, f"{peak} bytes to read the tail of 100 MB"


def test_one_endless_line_is_cut(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("first\n" + "y" * 5_000_000)
    tail = read_output(str(path))
    assert tail.endswith(" [...]") and len(tail) < 2000
