"""gradlint: a static linter for PyTorch autograd misuse."""

__version__ = "0.1.0"
