"""Source texts and paths several test modules share."""

import pathlib
import textwrap
import warnings

# the team's shared folder beside the project checkout (`../shared`): the SARIF schema and the
# acceptance scorer; a contributor's clone may not have it, and the tests that need it say so
SHARED = pathlib.Path(__file__).resolve().parent.parent.parent / "shared"
SARIF_SCHEMA = SHARED / "schemas" / "sarif-schema-2.1.0.json"
SCORE_CASES = SHARED / "bin" / "score-cases"
NO_SARIF_SCHEMA = "the SARIF 2.1.0 schema (shared/schemas/ beside the project folder) is not there"
NO_SCORE_CASES = "the acceptance scorer (shared/bin/score-cases beside the project folder) is not there"

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
