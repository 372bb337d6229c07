"""The fork server: load torch once, then fork one fresh child per job.

Started by runner.ProcessRunner as `python -m gradlint.verify.forkserver`. It
reads one JSON request per line on stdin ({"entry": "measure_program", "job":
{...}}), forks, answers the child's pid on a line, waits for it, and answers
on the next line {"exitcode": N, "left": [...]}: the exit code (negative:
killed by that signal) and the processes the job left running, which the
server has killed. The child has run nothing but imports before the fork, so
its numbers are its own; the caller enforces time limits by killing the pid's
process group.

Nothing outlives the caller (processes.py): the server gets SIGTERM when the
caller dies and then kills everything below it; each job runs in its own
session (so its process group can be killed whole), under a memory limit, and
dies with the server; the server is a subreaper, so a fixture's child that
escaped with setsid is still found and killed when its job ends.

With `--single` (platforms without fork) it runs one job in this process and
exits with the job's status.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback

from gradlint.process_lifetime import die_with_parent
from gradlint.verify import processes


def _run_job(request: dict) -> int:
    from gradlint.verify import worker
    from gradlint.verify.runner import Job

    try:
        getattr(worker, request["entry"])(Job(**request["job"]))
        return 0
    except BaseException:  # the job's own errors are in its result; this is the worker failing
        traceback.print_exc()
        return 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass


def _parent_died(signum, frame) -> None:
    processes.kill_descendants(os.getpid())
    os._exit(1)


def _start_job(request: dict, server: int) -> None:
    """In the forked child: its own session, a memory cap, death with the server; then the job."""
    os.setsid()
    die_with_parent(server)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    processes.limit_memory(request["job"].get("memory_limit", 0))
    os._exit(_run_job(request))


def serve(parent: int) -> None:
    # the caller decides when jobs stop: a Ctrl-C reaches it, and it kills the job
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _parent_died)
    die_with_parent(parent, signal.SIGTERM)
    processes.become_subreaper()

    from gradlint.verify import preload, worker  # noqa: F401  (torch and the worker, once, before any fork)

    requests = sys.stdin.buffer
    answers = os.fdopen(os.dup(1), "wb", buffering=0)
    # whatever a child prints before it redirects its output must not reach the answers
    os.dup2(2, 1)
    server = os.getpid()
    for line in requests:
        if not line.strip():
            continue
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            answers.close()
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            _start_job(request, server)
        answers.write(f"{pid}\n".encode())
        if hasattr(os, "waitid"):
            # ended but not yet reaped: its pid, and so its group's id, cannot be reused meanwhile
            os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
        # whatever the job left running: every orphan adopted meanwhile (the job's children
        # and any that escaped its session), then (without /proc) what is left in its group
        left = processes.kill_descendants(server)
        processes.kill_group(pid)
        _, status = os.waitpid(pid, 0)
        processes.reap()
        answer = {"exitcode": os.waitstatus_to_exitcode(status), "left": left}
        answers.write((json.dumps(answer) + "\n").encode())


def main() -> None:
    arguments = sys.argv[1:]
    parent = int(arguments[arguments.index("--parent") + 1]) if "--parent" in arguments else os.getppid()
    if "--single" in arguments:
        die_with_parent(parent)
        request = json.loads(sys.stdin.buffer.read())
        processes.limit_memory(request["job"].get("memory_limit", 0))
        sys.exit(_run_job(request))
    serve(parent)


if __name__ == "__main__":
    main()
