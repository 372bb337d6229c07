"""Source texts several test modules share."""

import textwrap

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
