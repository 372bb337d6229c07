import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")

# Every child process a test starts imports the gradlint of this checkout, the one
# pytest itself imports, not whatever the environment has installed (an editable
# install of another clone, an older wheel). tests/test_install.py removes it again
# for the installed wheel it checks.
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")]))


@pytest.fixture
def lint():
    """Lint a source string as one file; returns its findings."""
    from gradlint.engine import lint_source

    def run(text: str, path: str = "case.py", **kwargs):
        result = lint_source(text, path, **kwargs)
        assert not result.errors, result.errors
        return result.findings

    return run


@pytest.fixture
def gradlint_cli():
    """Run the real command line in a subprocess: (exit code, stdout, stderr)."""
    import subprocess

    def run(*args, cwd=None, input=None, env=None):
        proc = subprocess.run(
            [sys.executable, "-m", "gradlint", *args],
            cwd=cwd, input=input, capture_output=True, text=isinstance(input, str) or input is None, env=env,
        )
        return proc.returncode, proc.stdout, proc.stderr

    return run

# tests/cases and tests/fix_cases hold programs to lint, some named like pytest's test files
collect_ignore_glob = ["cases/*", "fix_cases/*"]
