"""The rule catalog rules/GLxxx.md is generated from the rule classes; a stale page fails here.

Fix a failure by running `gradlint generate-docs` in the project root and committing rules/.
"""

import pathlib
import shutil

import pytest

from gradlint.docs import rule_pages
from gradlint.rules import all_rules
from gradlint.rules.base import SECTIONS

ROOT = pathlib.Path(__file__).resolve().parent.parent
CATALOG = ROOT / "rules"


def test_committed_rule_pages_are_current(gradlint_cli):
    code, out, err = gradlint_cli("generate-docs", "--check", "--output", str(CATALOG), cwd=ROOT)
    assert code == 0, f"rule pages are stale; run `gradlint generate-docs` and commit rules/:\n{err}"
    assert (out, err) == ("", "")


def test_every_rule_has_a_page_with_its_documentation():
    pages = rule_pages()
    for rule in all_rules():
        page = pages[f"{rule.code}.md"]
        assert page.startswith(f"# {rule.code} {rule.name}\n")
        assert rule.documentation() in page
        assert f"[{rule.code}]({rule.code}.md)" in pages["README.md"]


def test_every_rule_docstring_has_the_fixed_sections_in_order():
    for rule in all_rules():
        headings = [line[3:].strip() for line in rule.documentation().splitlines() if line.startswith("## ")]
        assert headings == list(SECTIONS), rule.code


def test_every_rule_url_points_at_its_page():
    for rule in all_rules():
        assert rule.url().endswith(f"/rules/{rule.code}.md")


@pytest.fixture
def catalog_copy(tmp_path):
    copy = tmp_path / "rules"
    shutil.copytree(CATALOG, copy) if CATALOG.is_dir() else copy.mkdir()
    return copy


def test_check_fails_on_an_edited_page(gradlint_cli, catalog_copy):
    assert gradlint_cli("generate-docs", "--output", str(catalog_copy))[0] == 0
    page = catalog_copy / "GL301.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nhand edit\n", encoding="utf-8")
    code, _, err = gradlint_cli("generate-docs", "--check", "--output", str(catalog_copy))
    assert code == 1
    assert err == f"stale: {page} (run `gradlint generate-docs`)\n"


def test_check_fails_on_a_missing_page_and_an_orphan(gradlint_cli, catalog_copy):
    assert gradlint_cli("generate-docs", "--output", str(catalog_copy))[0] == 0
    (catalog_copy / "GL302.md").unlink()
    (catalog_copy / "GL998.md").write_text("# a rule that no longer exists\n", encoding="utf-8")
    code, _, err = gradlint_cli("generate-docs", "--check", "--output", str(catalog_copy))
    assert code == 1
    assert f"missing: {catalog_copy / 'GL302.md'}" in err
    assert f"no such rule: {catalog_copy / 'GL998.md'}" in err


def test_generate_docs_writes_and_removes_then_check_passes(gradlint_cli, tmp_path):
    folder = tmp_path / "fresh"
    folder.mkdir()
    (folder / "GL998.md").write_text("old\n", encoding="utf-8")
    code, out, _ = gradlint_cli("generate-docs", "--output", str(folder))
    assert code == 0
    assert f"removed {folder / 'GL998.md'}" in out
    assert sorted(p.name for p in folder.iterdir()) == sorted(rule_pages())
    assert gradlint_cli("generate-docs", "--check", "--output", str(folder))[:2] == (0, "")
    # nothing to write the second time
    assert gradlint_cli("generate-docs", "--output", str(folder))[:2] == (0, "")


def test_generate_docs_is_hidden_and_never_writes_into_the_current_folder(gradlint_cli, tmp_path):
    code, out, _ = gradlint_cli("--help")
    assert code == 0 and "generate-docs" not in out
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "GL101.md").write_text("the user's own notes\n")
    gradlint_cli("generate-docs", cwd=tmp_path)
    # without --output it writes gradlint's own catalog (here: the checkout's, unchanged), not ./rules
    assert (tmp_path / "rules" / "GL101.md").read_text() == "the user's own notes\n"
