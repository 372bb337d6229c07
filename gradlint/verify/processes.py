"""No fixture process outlives the verifier: parent-death signals, a subreaper, and a sweep.

- die_with_parent (gradlint/process_lifetime.py, shared with the lint pool): the
  fork server and each job's process get a signal when their parent dies;
- become_subreaper: the fork server adopts every orphan below it (Linux:
  PR_SET_CHILD_SUBREAPER), so a fixture's child that escaped with setsid or a
  double fork still has the fork server as an ancestor;
- kill_descendants: every live process below a pid, killed, for the report.
  Without /proc only the job's process group is killed (runner.py, forkserver.py).

This module does not import torch.
"""

from __future__ import annotations

import os
import signal
import sys
import time

from gradlint.process_lifetime import prctl

PR_SET_CHILD_SUBREAPER = 36
SWEEP_ROUNDS = 50  # a process that forks while it is being killed needs another round
COMMAND_CHARS = 80


def become_subreaper() -> bool:
    return prctl(PR_SET_CHILD_SUBREAPER, 1)


def limit_memory(nbytes: int) -> None:
    """Cap this process's memory (0: no cap). RLIMIT_DATA on Linux counts what a process
    writes to (heap and private mappings) and not address space merely reserved, which
    CUDA reserves by the terabyte; elsewhere RLIMIT_AS."""
    try:
        import resource
    except ImportError:  # Windows
        return
    if nbytes <= 0:
        return
    kind = resource.RLIMIT_DATA if sys.platform.startswith("linux") else resource.RLIMIT_AS
    _, hard = resource.getrlimit(kind)
    cap = nbytes if hard == resource.RLIM_INFINITY else min(nbytes, hard)
    try:
        resource.setrlimit(kind, (cap, cap))
    except (ValueError, OSError):
        pass  # a platform that refuses: the program runs without a cap


def _table() -> dict[int, tuple[int, bool]]:
    """pid -> (parent pid, is a zombie) for every process in /proc."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # the command name in parentheses may itself hold spaces and parentheses
        fields = stat[stat.rindex(b")") + 2:].split()
        table[int(name)] = (int(fields[1]), fields[0] == b"Z")
    return table


def descendants(root: int) -> list[int]:
    """The live (not zombie) processes below root; [] where there is no /proc."""
    if not os.path.isdir("/proc/self"):
        return []
    table = _table()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    found, stack = [], list(children.get(root, []))
    while stack:
        pid = stack.pop()
        if not table[pid][1]:
            found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def describe(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            command = handle.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
    except OSError:
        command = ""
    if len(command) > COMMAND_CHARS:
        command = command[:COMMAND_CHARS - 3] + "..."
    return f"{pid} {command}".rstrip()


def reap() -> None:
    """Collect every child of this process that has exited."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_descendants(root: int) -> list[str]:
    """SIGKILL every process below root until none is left alive; what was running, as
    'pid command'. The dead stay zombies until their parent (root, for orphans) reaps them."""
    killed: dict[int, str] = {}
    for _ in range(SWEEP_ROUNDS):
        live = descendants(root)
        if not live:
            break
        for pid in live:
            if pid not in killed:
                killed[pid] = describe(pid)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.01)
    return list(killed.values())


def kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
