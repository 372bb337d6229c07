"""Imported once by the fork server: the modules every child needs, loaded before any fork.

Only imports that leave CUDA alone: a child cannot use CUDA once its parent has
touched it (torch then refuses: "Cannot re-initialize CUDA in forked
subprocess").
"""

import torch  # noqa: F401
import torch.autograd.profiler  # noqa: F401  (the CPU peak)
