"""Imported once by the fork server when verifying on CPU: pay the profiler's start-up there.

The first `torch.profiler.profile(profile_memory=True)` in a process takes
seconds (Kineto initialises); every forked child then starts it in milliseconds.
Not used for CUDA runs, which read CUDA's own statistics and must not find
anything initialised before the fork.
"""

import os

import torch
import torch.utils.benchmark  # noqa: F401  (imported here once, for the timing jobs)
from torch.profiler import ProfilerActivity, profile


def _warm_up_quietly() -> None:
    # Kineto announces every profiler start and stop on stderr: not for the user's terminal
    saved = [os.dup(1), os.dup(2)]
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        os.dup2(null, 2)
        with profile(activities=[ProfilerActivity.CPU], profile_memory=True):
            torch.zeros(1).add_(1)
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved + [null]:
            os.close(fd)


_warm_up_quietly()
