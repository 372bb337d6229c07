"""The language server's pure parts, without a process: positions, noqa edits, fix-all edits."""

from __future__ import annotations

import pytest

pytest.importorskip("lsprotocol", reason="the lsp extra (lsprotocol) is not installed")

from lsprotocol import types  # noqa: E402

from gradlint.finding import Position  # noqa: E402
from gradlint.server.actions import fix_all_action, noqa_edit, wanted  # noqa: E402
from gradlint.server.positions import Converter  # noqa: E402
from gradlint.source import SourceText, apply_edits  # noqa: E402

TEXT = 's = "😀é"; p.add_(1)\r\nnext\n'


@pytest.mark.parametrize(("encoding", "character"), [("utf-16", 14), ("utf-8", 17), ("utf-32", 13)])
def test_positions_count_code_units_of_the_negotiated_encoding(encoding, character):
    convert = Converter(SourceText(TEXT), encoding)
    # column 14 (1-based, characters) is the `p` after the emoji and the accent
    assert convert.to_lsp(Position(1, 14)) == types.Position(line=0, character=character)
    assert convert.from_lsp(types.Position(line=0, character=character)) == Position(1, 14)


def test_positions_past_the_end_clamp_to_the_text():
    convert = Converter(SourceText(TEXT))
    assert convert.to_lsp(Position(9, 1)) == types.Position(line=2, character=0)
    assert convert.from_lsp(types.Position(line=1, character=99)) == Position(2, 5)


def _noqa(text: str, line: int, code: str = "GL301") -> str | None:
    source = SourceText(text)
    edit = noqa_edit(source, line, code)
    return None if edit is None else apply_edits(source, [edit])


def test_noqa_is_appended_after_the_code_and_any_comment():
    assert _noqa("p.add_(1)   \n", 1) == "p.add_(1)  # noqa: GL301\n"
    assert _noqa("p.add_(1)  # why\n", 1) == "p.add_(1)  # why  # noqa: GL301\n"
    assert _noqa("p.add_(1)  # noqa: GL101\n", 1) == "p.add_(1)  # noqa: GL101, GL301\n"


def test_noqa_is_not_offered_where_it_cannot_go_or_is_already_there():
    assert _noqa("p.add_(1)  # noqa\n", 1) is None
    assert _noqa("p.add_(1)  # noqa: GL301\n", 1) is None
    assert _noqa('p.add_(f("""\n""")\n', 1) is None  # the line ends inside a string
    assert _noqa("x = 1 + \\\n    2\n", 1) is None  # a backslash continuation
    assert _noqa("p.add_(1)  # gradlint: noqa: GL101\n", 1) is None


def test_fix_all_is_one_minimal_edit():
    source = SourceText("a = 1\nwith torch.no_grad:\n    pass\nb = 2\n")
    fixed = "a = 1\nwith torch.no_grad():\n    pass\nb = 2\n"
    action = fix_all_action("file:///t.py", 3, source, fixed, "utf-16", versioned=False)
    (edit,) = action.edit.changes["file:///t.py"]
    assert edit.range.start == types.Position(line=1, character=18)
    assert edit.new_text == "()"
    assert fix_all_action("file:///t.py", 3, source, source.text, "utf-16", versioned=False) is None


def test_only_filter_matches_kinds_and_their_children():
    assert wanted("source.fixAll.gradlint", ["source.fixAll"])
    assert wanted("source.fixAll.gradlint", ["source"])
    assert wanted("quickfix", None)
    assert not wanted("quickfix", ["source.fixAll"])
    assert not wanted("source.fixAll.gradlint", ["source.organizeImports"])
