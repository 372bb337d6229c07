"""Imported once by the fork server when verifying on CPU: pay the profiler's start-up there.

The first `torch.profiler.profile(profile_memory=True)` in a process takes
seconds (Kineto initialises); every forked child then starts it in milliseconds.
Not used for CUDA runs, which read CUDA's own statistics and must not find
anything initialised before the fork.
"""

import torch
import torch.utils.benchmark  # noqa: F401  (imported here once, for the timing jobs)
from torch.profiler import ProfilerActivity, profile

with profile(activities=[ProfilerActivity.CPU], profile_memory=True):
    torch.zeros(1).add_(1)
