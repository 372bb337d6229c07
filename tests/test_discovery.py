"""Which files `gradlint check` lints: recursive, .gitignore-aware, default and configured excludes."""

import os

import pytest

from gradlint.config import DEFAULT_EXCLUDES, Settings
from gradlint.discovery import DiscoveryError, discover


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """Create files under tmp_path (which becomes the current folder); returns a lister."""
    monkeypatch.chdir(tmp_path)

    def make(*names: str):
        for name in names:
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("x = 1\n", encoding="utf-8")

    make.root = tmp_path
    return make


def found(paths=(".",), settings=None, **kwargs) -> list[str]:
    settings = settings or Settings(root=os.getcwd())
    return [p.replace(os.sep, "/") for p in discover(list(paths), settings, **kwargs)]


def test_recursive_python_files_only_sorted(tree):
    tree("b.py", "a/z.py", "a/b/c.py", "stubs/s.pyi", "notes.txt", "script", "data.pyc", "a/README.md")
    assert found() == ["a/b/c.py", "a/z.py", "b.py", "stubs/s.pyi"]


@pytest.mark.parametrize("folder", [".git", ".venv", "venv", "build", "dist", "__pycache__", ".tox", ".nox",
                                    "node_modules", "site-packages", ".gradlint_cache"])
def test_default_excludes(tree, folder):
    assert folder in DEFAULT_EXCLUDES
    tree("keep.py", f"{folder}/skip.py", f"src/{folder}/deep/skip.py")
    assert found() == ["keep.py"]


def test_a_file_named_like_an_excluded_folder_is_not_excluded_by_accident(tree):
    tree("build.py", "dist_tools/x.py")
    assert found() == ["build.py", "dist_tools/x.py"]


def test_gitignore_is_respected_in_a_repository(tree):
    tree("keep.py", "gen/skip.py", "pkg/_version.py", "pkg/model.py", "pkg/sub/local.py", "pkg/sub/other.py")
    (tree.root / ".git").mkdir()
    (tree.root / ".gitignore").write_text("gen/\n_version.py\n", encoding="utf-8")
    (tree.root / "pkg" / "sub" / ".gitignore").write_text("local.py\n", encoding="utf-8")
    assert found() == ["keep.py", "pkg/model.py", "pkg/sub/other.py"]


def test_gitignore_negation(tree):
    tree("gen/a.py", "gen/keep.py")
    (tree.root / ".git").mkdir()
    (tree.root / ".gitignore").write_text("gen/*.py\n!gen/keep.py\n", encoding="utf-8")
    assert found() == ["gen/keep.py"]


def test_respect_gitignore_false(tree):
    tree("keep.py", "gen/skip.py")
    (tree.root / ".git").mkdir()
    (tree.root / ".gitignore").write_text("gen/\n", encoding="utf-8")
    assert found(settings=Settings(root=str(tree.root), respect_gitignore=False)) == ["gen/skip.py", "keep.py"]


def test_extend_exclude_by_name_and_by_path(tree):
    tree("keep.py", "scripts/old/a.py", "scripts/new/b.py", "vendored/c.py", "src/vendored/d.py")
    settings = Settings(root=str(tree.root), extend_exclude=("vendored", "scripts/old"))
    assert found(settings=settings) == ["keep.py", "scripts/new/b.py"]


def test_exclude_glob(tree):
    tree("keep.py", "model_pb2.py", "pkg/api_pb2.py")
    settings = Settings(root=str(tree.root), extend_exclude=("*_pb2.py",))
    assert found(settings=settings) == ["keep.py"]


def test_named_file_is_linted_even_when_excluded(tree):
    tree("build/gen.py", "venv/x.py")
    assert found(["build/gen.py", "venv/x.py"]) == ["build/gen.py", "venv/x.py"]


def test_force_exclude_skips_excluded_named_files(tree):
    tree("build/gen.py", "keep.py")
    assert found(["build/gen.py", "keep.py"], force_exclude=True) == ["keep.py"]


def test_named_gitignored_file_is_linted_unless_force_exclude(tree):
    tree("gen/x.py")
    (tree.root / ".git").mkdir()
    (tree.root / ".gitignore").write_text("gen/\n", encoding="utf-8")
    assert found(["gen/x.py"]) == ["gen/x.py"]
    assert found(["gen/x.py"], force_exclude=True) == []


def test_named_excluded_folder_is_walked_unless_force_exclude(tree):
    tree("build/a.py", "build/lib/b.py", "build/lib/__pycache__/c.py")
    assert found(["build"]) == ["build/a.py", "build/lib/b.py"]
    assert found(["build"], force_exclude=True) == []


def test_named_gitignored_folder_is_walked_and_its_own_ignores_still_count(tree):
    tree("gen/a.py", "gen/skip_me.py")
    (tree.root / ".git").mkdir()
    (tree.root / ".gitignore").write_text("gen/\n", encoding="utf-8")
    (tree.root / "gen" / ".gitignore").write_text("skip_me.py\n", encoding="utf-8")
    assert found(["gen"]) == ["gen/a.py"]


def test_folders_above_the_named_path_do_not_exclude_it(tmp_path, monkeypatch):
    # a project that lives under a folder called build (a CI checkout, say)
    project = tmp_path / "build" / "project"
    (project / "src").mkdir(parents=True)
    (project / "src" / "a.py").write_text("x = 1\n", encoding="utf-8")
    monkeypatch.chdir(project)
    assert found(["."]) == ["src/a.py"]
    assert found([str(project / "src")], settings=Settings(root=str(tmp_path / "elsewhere"))) == [
        str(project / "src" / "a.py").replace(os.sep, "/")
    ]


def test_force_exclude_counts_folders_from_the_project_root(tree):
    tree("build/gen.py")
    os.chdir(tree.root / "build")
    settings = Settings(root=str(tree.root), source=str(tree.root / "pyproject.toml"))
    assert found(["gen.py"], settings=settings, force_exclude=True) == []
    assert found(["gen.py"], settings=settings) == ["gen.py"]


def test_each_file_once(tree):
    tree("a/x.py")
    assert found(["a", "a/x.py", "./a/x.py"]) == ["a/x.py"]


def test_missing_path_raises(tree):
    with pytest.raises(DiscoveryError, match="missing.py: no such file or directory"):
        found(["missing.py"])


def test_symlink_loop_between_folders_terminates(tree):
    tree("a/x.py")
    os.symlink(tree.root / "a", tree.root / "a" / "loop")
    assert found() == ["a/x.py"]


def test_dangling_symlink_is_skipped(tree):
    tree("a/x.py")
    os.symlink(tree.root / "missing.py", tree.root / "a" / "dangling.py")
    assert found() == ["a/x.py"]


def test_symlinked_file_is_linted(tree):
    tree("real/x.py")
    (tree.root / "src").mkdir()
    os.symlink(tree.root / "real" / "x.py", tree.root / "src" / "link.py")
    assert found(["src"]) == ["src/link.py"]


def test_discovery_through_the_command_line(gradlint_cli, tmp_path):
    for name in ("a.py", "venv/b.py", "pkg/c.py"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("import torch\nwith torch.no_grad:\n    pass\n", encoding="utf-8")
    code, out, _ = gradlint_cli("check", "--no-cache", "--select", "GL302", cwd=tmp_path)
    assert code == 1
    reported = sorted(line.split(":")[0].replace(os.sep, "/") for line in out.splitlines() if ": GL302" in line)
    assert reported == ["a.py", "pkg/c.py"]


def test_a_fifo_in_the_tree_is_skipped_not_read(tree):
    # reading a FIFO nobody writes to would hang the run forever
    tree("a/x.py")
    os.mkfifo(tree.root / "a" / "pipe.py")
    assert found() == ["a/x.py"]


def test_the_project_of_a_file_git_ignores_is_its_own_package_tree(tmp_path):
    # a downloaded copy inside a repository: its project is the folder above its top package
    from gradlint.discovery import project_root

    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("vendor/\n")
    package = tmp_path / "vendor" / "lib" / "pkg"
    (package / "sub").mkdir(parents=True)
    for folder in (package, package / "sub"):
        (folder / "__init__.py").write_text("")
    (package / "sub" / "mod.py").write_text("x = 1\n")
    (tmp_path / "app.py").write_text("x = 1\n")
    settings = Settings(root=str(tmp_path))
    assert project_root(str(package / "sub" / "mod.py"), settings) == str(tmp_path / "vendor" / "lib")
    assert project_root(str(tmp_path / "app.py"), settings) == str(tmp_path)
