"""A non-editable install, as a user gets it from the wheel: the package, its data
(the bundled fixtures) and the `gradlint` command, used from outside the source tree.

No network: the wheel is built with the setuptools already installed
(--no-build-isolation) and installed with --no-index --no-deps into a fresh
venv; the runtime dependencies (click, libcst, pathspec) come from the running
interpreter's site-packages through a path file, which does not run that
interpreter's own path files, so an editable gradlint there stays invisible.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap

import pytest

import gradlint

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUNDLED = sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, "gradlint", "fixtures")) if name.endswith(".py"))


def _run(command, cwd, timeout=120):
    # without the checkout that conftest puts on PYTHONPATH: the wheel is what is checked
    env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(the fresh venv's bin folder, a work folder outside the source tree)."""
    base = tmp_path_factory.mktemp("install")
    source = base / "source"
    # a copy of what the build reads, so the build leaves nothing in the working tree
    os.makedirs(source)
    shutil.copy(os.path.join(ROOT, "pyproject.toml"), source)
    shutil.copy(os.path.join(ROOT, "README.md"), source)
    shutil.copytree(os.path.join(ROOT, "gradlint"), source / "gradlint",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    wheels = base / "wheels"
    build = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                  "-q", "-w", str(wheels), str(source)], cwd=base)
    assert build.returncode == 0, build.stdout + build.stderr
    [wheel] = os.listdir(wheels)
    assert wheel.startswith("torch_gradlint-"), wheel

    venv = base / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=base)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    install = _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                    "-q", str(wheels / wheel)], cwd=base)
    assert install.returncode == 0, install.stdout + install.stderr
    site = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=base)
    dependencies = sysconfig.get_paths()["purelib"]
    with open(os.path.join(site.stdout.strip(), "dev-dependencies.pth"), "w") as handle:
        handle.write(dependencies + "\n")
    work = base / "work"
    work.mkdir()
    return venv / "bin", work


def test_the_installed_package_is_the_wheel_with_its_name_and_version(installed):
    bin_folder, work = installed
    code = ("import gradlint, importlib.metadata as m; "
            "print(gradlint.__file__); print(m.version('torch-gradlint'), gradlint.__version__)")
    proc = _run([str(bin_folder / "python"), "-c", code], cwd=work)
    assert proc.returncode == 0, proc.stderr
    where, versions = proc.stdout.splitlines()
    assert where.startswith(str(bin_folder.parent)), where
    assert versions == f"{gradlint.__version__} {gradlint.__version__}"


def test_installed_check_reports_a_finding(installed):
    bin_folder, work = installed
    (work / "clip.py").write_text(textwrap.dedent("""\
        import torch


        def clip(model):
            for p in model.parameters():
                p.clamp_(-0.01, 0.01)
    """))
    proc = _run([str(bin_folder / "gradlint"), "check", "--no-cache", "clip.py"], cwd=work)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "clip.py:6:9: GL301" in proc.stdout


def test_installed_verify_lists_the_bundled_fixtures(installed):
    bin_folder, work = installed
    proc = _run([str(bin_folder / "gradlint"), "verify", "--list"], cwd=work)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert [line.split()[0] for line in lines] == BUNDLED
    # each listed path is a file of the installed package, and the format's README came along
    paths = [os.path.join(work, line.split()[-1]) for line in lines]
    assert all(os.path.isfile(path) and str(bin_folder.parent) in os.path.realpath(path) for path in paths)
    assert os.path.isfile(os.path.join(os.path.dirname(paths[0]), "README.md"))
