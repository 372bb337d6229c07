"""The pre-commit hooks, run by the real pre-commit in a throwaway git repository.

`pre-commit try-repo` installs gradlint from a git repository into a fresh
virtualenv (pip, from PyPI: libcst, click, pathspec; never torch). The hooks
are tried from a clone of this project's HEAD, what a user's `rev:` would pin,
so uncommitted edits elsewhere in the working tree cannot break the install:
commit the manifest before testing it this way.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / ".pre-commit-hooks.yaml"

BAD = "import torch\n\n\ndef clip(model):\n    for p in model.parameters():\n        p.clamp_(-1, 1)\n"
FIXED = (
    "import torch\n\n\ndef clip(model):\n    for p in model.parameters():\n"
    "        with torch.no_grad():\n            p.clamp_(-1, 1)\n"
)
CLEAN = "import torch\n\n\ndef clip(model):\n    with torch.no_grad():\n        for p in model.parameters():\n            p.clamp_(-1, 1)\n"


def _pre_commit() -> list[str] | None:
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        found = shutil.which("pre-commit")
        return [found] if found else None
    return [sys.executable, "-m", "pre_commit"]


PRE_COMMIT = _pre_commit()
needs_tools = pytest.mark.skipif(
    PRE_COMMIT is None or shutil.which("git") is None,
    reason="needs git and pre-commit (pip install pre-commit)",
)


def _index_reachable() -> bool:
    url = os.environ.get("PIP_INDEX_URL") or "https://pypi.org/simple"
    parsed = urlparse(url)
    try:
        socket.create_connection((parsed.hostname, parsed.port or (443 if parsed.scheme == "https" else 80)), timeout=5).close()
    except OSError:
        return False
    return True


def _env() -> dict[str, str]:
    # a hook running this suite must not leak its repository into ours, and the hook
    # must run the gradlint pre-commit installed, not the checkout conftest puts on PYTHONPATH
    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "PYTHONPATH"}


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env or _env(), capture_output=True, text=True, timeout=600)


@needs_tools
def test_manifest_is_valid():
    result = run([*PRE_COMMIT, "validate-manifest", str(MANIFEST)], cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@needs_tools
def test_manifest_hooks_run_in_one_process_on_python_files():
    import yaml  # pre-commit's own dependency

    hooks = {hook["id"]: hook for hook in yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))}
    assert hooks["gradlint"]["entry"] == "gradlint check --force-exclude"
    assert hooks["gradlint-fix"]["entry"] == "gradlint check --fix --force-exclude"
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["types_or"] == ["python", "pyi", "jupyter"]  # notebooks too
        assert hook["require_serial"] is True


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory):
    """A clone of HEAD to try hooks from, a pre-commit home, and a factory for projects to lint."""
    if not (ROOT / ".git").exists():
        pytest.skip("the project is not a git checkout")
    if not _index_reachable():
        pytest.skip("pre-commit installs the hook from PyPI: the package index is not reachable")
    base = tmp_path_factory.mktemp("pre-commit")
    clone = base / "gradlint"
    cloned = run(["git", "clone", "--quiet", str(ROOT), str(clone)], cwd=base)
    assert cloned.returncode == 0, cloned.stderr
    if not (clone / ".pre-commit-hooks.yaml").exists():
        pytest.skip(".pre-commit-hooks.yaml is not committed yet")
    env = _env()
    env["PRE_COMMIT_HOME"] = str(base / "home")
    return clone, env, base


def _project(base: Path, name: str, files: dict[str, str]) -> Path:
    project = base / name
    project.mkdir()
    assert run(["git", "init", "--quiet"], cwd=project).returncode == 0
    for filename, text in files.items():
        (project / filename).write_text(text, encoding="utf-8")
    assert run(["git", "add", *files], cwd=project).returncode == 0
    return project


def try_repo(hook_repo, project: Path, *args: str) -> subprocess.CompletedProcess:
    clone, env, _ = hook_repo
    return run([*PRE_COMMIT, "try-repo", str(clone), *args], cwd=project, env=env)


def hook_output(stdout: str, hook_id: str) -> str:
    """The part of pre-commit's output that one hook printed."""
    for part in stdout.split("- hook id: ")[1:]:
        if part.split("\n", 1)[0].strip() == hook_id:
            return part
    raise AssertionError(f"no output from hook {hook_id}:\n{stdout}")


# Every try-repo run installs a fresh environment (about 20 s), so one run
# exercises both hooks: `gradlint` sees the finding, then `gradlint-fix` fixes it.
@needs_tools
def test_check_hook_fails_on_a_finding_and_fix_hook_rewrites_the_file(hook_repo):
    notebook = (ROOT / "tests" / "notebooks" / "feature_extraction.ipynb").read_text(encoding="utf-8")
    project = _project(hook_repo[2], "failing", {"train.py": BAD, "features.ipynb": notebook})
    result = try_repo(hook_repo, project, "--files", "train.py", "features.ipynb")
    assert result.returncode == 1, result.stdout + result.stderr
    check = hook_output(result.stdout, "gradlint")
    assert "exit code: 1" in check
    assert "train.py:6:9: GL301" in check
    # types_or has jupyter: pre-commit hands the notebook over too
    assert "features.ipynb:cell 3:2:5: GL202" in check
    fix = hook_output(result.stdout, "gradlint-fix")
    # pre-commit fails a hook that modified files, so the user reviews the fix
    assert "files were modified by this hook" in fix
    assert (project / "train.py").read_text(encoding="utf-8") == FIXED
    fixed = (project / "features.ipynb").read_text(encoding="utf-8")
    import nbformat  # the test extra's

    nbformat.validate(nbformat.reads(fixed, as_version=4))
    assert '"    features.append(output.detach())\\n",' in fixed
    assert fixed.replace("output.detach()", "output").replace('    "@torch.no_grad()\\n",\n', "") == notebook


@needs_tools
def test_check_hook_passes_on_clean_code(hook_repo):
    project = _project(hook_repo[2], "passing", {"train.py": CLEAN})
    result = try_repo(hook_repo, project, "gradlint", "--files", "train.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout
    assert (project / "train.py").read_text(encoding="utf-8") == CLEAN


def test_hook_environment_does_not_install_torch():
    # pre-commit installs the package with its base dependencies: torch there would mean a 2 GB hook
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not [d for d in project["dependencies"] if d.replace("-", "_").lower().startswith("torch")]
