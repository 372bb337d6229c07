"""Imported once by the fork server: the modules every child needs, loaded before any fork.

Only imports: nothing here may initialise CUDA (a forked child could not use it
then) or start threads.
"""

import torch  # noqa: F401
import torch.autograd.profiler  # noqa: F401  (the CPU peak)
import torch.utils.benchmark  # noqa: F401  (the timing jobs)
