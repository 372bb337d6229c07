"""The runtime verifier: run fixture programs before and after gradlint's fixes and measure.

The only part of gradlint that imports torch. `gradlint verify` (cli.py) imports
this package lazily; `session.verify_fixtures` is the entry point.
"""
