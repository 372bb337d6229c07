"""The fork server: load torch once, then fork one fresh child per job.

Started by runner.ProcessRunner as `python -m gradlint.verify.forkserver`. It
reads one JSON request per line on stdin ({"entry": "measure_program", "job":
{...}}), forks, answers the child's pid on a line, waits for it, and answers
its exit code (negative: killed by that signal) on the next line. The child
has run nothing but imports before the fork, so its numbers are its own; the
caller enforces time limits by killing the pid.

With `--single` (platforms without fork) it runs one job in this process and
exits with the job's status.
"""

from __future__ import annotations

import json
import os
import sys
import traceback


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


def serve() -> None:
    from gradlint.verify import preload, worker  # noqa: F401  (torch and the worker, once, before any fork)

    requests = sys.stdin.buffer
    answers = os.fdopen(os.dup(1), "wb", buffering=0)
    # whatever a child prints before it redirects its output must not reach the answers
    os.dup2(2, 1)
    for line in requests:
        if not line.strip():
            continue
        request = json.loads(line)
        if request["job"]["device"] == "cpu" and "torch.utils.benchmark" not in sys.modules:
            import torch.utils.benchmark  # noqa: F401  (for every timing job; see preload.py for CUDA)
        pid = os.fork()
        if pid == 0:
            answers.close()
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os._exit(_run_job(request))
        answers.write(f"{pid}\n".encode())
        _, status = os.waitpid(pid, 0)
        answers.write(f"{os.waitstatus_to_exitcode(status)}\n".encode())


def main() -> None:
    if "--single" in sys.argv[1:]:
        sys.exit(_run_job(json.loads(sys.stdin.buffer.read())))
    serve()


if __name__ == "__main__":
    main()
