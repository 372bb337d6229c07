"""The runtime verifier: run fixture programs before and after gradlint's fixes and measure.

The only part of gradlint that imports torch. `gradlint verify` (cli.py) imports
this package lazily; `session.verify_fixtures` is the entry point.
"""

import warnings

# torch without NumPy warns once at import; the verifier never needs NumPy, and its
# errors must stay one line
warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
