"""Processes that end with their parent, whatever way the parent ends (SIGKILL included).

Used by the lint pool's workers (runner.py) and by the verifier's fork server
and jobs (verify/processes.py). Linux: the kernel signals the process at its
parent's death (prctl PR_SET_PDEATHSIG). Elsewhere a thread polls getppid.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
WATCHDOG_INTERVAL_S = 0.5


def prctl(option: int, value: int) -> bool:
    """Linux's prctl(option, value); False where it does not exist or fails."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(option, ctypes.c_ulong(value), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0)) == 0
    except (OSError, AttributeError):
        return False


def die_with_parent(parent: int, signum: int = signal.SIGKILL) -> None:
    """Send this process `signum` once `parent` (its parent now) has exited, at once if it already has."""
    if prctl(PR_SET_PDEATHSIG, signum):
        if os.getppid() != parent:  # it died before the prctl
            os.kill(os.getpid(), signum)
        return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCHDOG_INTERVAL_S)
        os.kill(os.getpid(), signum)

    threading.Thread(target=watch, name="gradlint-parent-watch", daemon=True).start()
