"""Source texts several test modules share."""

import textwrap
import warnings

# GL301 (safe fix) on line 6 and GL302 (safe fix) on line 10
BAD = textwrap.dedent("""\
    import torch


    def clip(model):
        for p in model.parameters():
            p.clamp_(-1, 1)


    def evaluate(model, x):
        with torch.no_grad:
            return model(x)
""")

# BAD after its fixes
FIXED = textwrap.dedent("""\
    import torch


    def clip(model):
        for p in model.parameters():
            with torch.no_grad():
                p.clamp_(-1, 1)


    def evaluate(model, x):
        with torch.no_grad():
            return model(x)
""")


def compiles(code) -> bool:
    """Does Python compile this source (text or bytes)? The tests' own oracle, apart from gradlint's."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(code, "<checked>", "exec", dont_inherit=True)
        return True
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
