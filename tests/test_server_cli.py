"""`gradlint server` from the command line, where pygls may be missing."""

from __future__ import annotations

import subprocess
import sys


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_server_without_pygls_says_so_in_one_line_and_exits_2():
    # sys.modules[name] = None makes `import name` fail, as if it were not installed
    result = _python("import sys; sys.modules['pygls'] = None; from gradlint.cli import main; main(['server'])")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "torch-gradlint[lsp]" in lines[0]
    assert "Traceback" not in result.stderr


def test_importing_the_cli_does_not_import_the_server():
    result = _python("import sys, gradlint.cli; print(sorted(m for m in ('pygls', 'lsprotocol', 'gradlint.server') if m in sys.modules))")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
