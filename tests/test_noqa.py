"""Suppressions: `# noqa`, `# noqa: CODES` on the reported line, and file-level `# gradlint: noqa`."""

import textwrap

import pytest

from gradlint.noqa import parse_suppressions

# GL301 on line 6, GL302 on line 10; {a} and {b} are the comments on those lines, {top} the file's first line
TEMPLATE = """\
{top}import torch


def clip(model):
    for p in model.parameters():
        p.clamp_(-1, 1){a}


def evaluate(model, x):
    with torch.no_grad:{b}
        return model(x)
"""


def source(a: str = "", b: str = "", top: str = "") -> str:
    return TEMPLATE.format(a=a, b=b, top=top)


def codes(lint, text: str) -> list[tuple[int, str]]:
    return [(f.start.line, f.code) for f in lint(text)]


def test_without_comments_both_are_reported(lint):
    assert codes(lint, source()) == [(6, "GL301"), (10, "GL302")]


@pytest.mark.parametrize("comment", [
    "  # noqa",
    "  # NOQA",
    "  #noqa",
    "  # noqa: GL301",
    "  # noqa:GL301",
    "  # noqa: gl301",
    "  # noqa: GL301, GL101",
    "  # noqa: GL101 GL301",
    "  # noqa: GL301 -- clipping under no_grad happens in the caller",
    "  # type: ignore  # noqa: GL301",
])
def test_line_noqa_silences_the_finding_on_its_line(lint, comment):
    assert codes(lint, source(a=comment)) == [(10, "GL302")]


@pytest.mark.parametrize("comment", ["  # noqa: GL302", "  # noqa: GL101", "  # noqa: GL3011"])
def test_line_noqa_with_other_codes_keeps_the_finding(lint, comment):
    assert codes(lint, source(a=comment)) == [(6, "GL301"), (10, "GL302")]


def test_noqa_applies_to_its_own_line_only(lint):
    assert codes(lint, source(b="  # noqa")) == [(6, "GL301")]


def test_unknown_codes_in_noqa_are_ignored(lint):
    # codes of other tools (E501) and codes gradlint does not have (GL999) neither fail nor silence
    assert codes(lint, source(a="  # noqa: E501, GL999")) == [(6, "GL301"), (10, "GL302")]
    assert codes(lint, source(a="  # noqa: E501, GL999, GL301")) == [(10, "GL302")]


def test_noqa_inside_a_string_is_not_a_comment(lint):
    text = textwrap.dedent("""\
        import torch


        def clip(model):
            for p in model.parameters():
                p.clamp_(-1, 1); s = "# noqa"
    """)
    assert codes(lint, text) == [(6, "GL301")]


def test_file_level_noqa_silences_everything(lint):
    assert codes(lint, source(top="# gradlint: noqa\n")) == []


def test_file_level_noqa_with_codes(lint):
    assert codes(lint, source(top="# gradlint: noqa: GL301\n")) == [(11, "GL302")]
    assert codes(lint, source(top="# gradlint: noqa: GL301, GL302\n")) == []


def test_file_level_noqa_may_stand_anywhere(lint):
    text = source() + "\n# gradlint: noqa: GL302\n"
    assert codes(lint, text) == [(6, "GL301")]


def test_file_level_noqa_for_a_rule_not_in_the_file(lint):
    assert codes(lint, source(top="# gradlint: noqa: GL401\n")) == [(7, "GL301"), (11, "GL302")]


def test_file_level_noqa_with_unknown_codes_only_silences_nothing(lint):
    assert codes(lint, source(top="# gradlint: noqa: XYZ123\n")) == [(7, "GL301"), (11, "GL302")]


def test_plain_noqa_on_a_line_without_findings_is_not_file_level(lint):
    assert codes(lint, source(top="# noqa\n")) == [(7, "GL301"), (11, "GL302")]


def test_noqa_silences_a_syntax_error_only_with_gl000(lint):
    broken = "def f(:  # noqa: GL301\n"
    assert [f.code for f in lint(broken)] == ["GL000"]
    assert lint("def f(:  # noqa: GL000\n") == []


def test_noqa_in_a_file_that_does_not_tokenize(lint):
    # an unclosed bracket stops the tokenizer: the comments are found by a line scan instead
    assert [(f.code, f.start.line) for f in lint("x = (1,\n")] == [("GL000", 1)]
    assert lint("x = (1,  # noqa\n") == []
    assert [f.code for f in lint("x = (1,  # noqa: GL301\n")] == ["GL000"]


def test_parse_suppressions():
    sup = parse_suppressions("a = 1  # noqa: GL301,gl302\nb = 2  # noqa\n# gradlint: noqa: GL401\n")
    assert sup.silences(1, "GL301") and sup.silences(1, "GL302") and not sup.silences(1, "GL101")
    assert sup.silences(2, "GL101")
    assert sup.silences(5, "GL401") and not sup.silences(5, "GL301")


def test_noqa_through_the_command_line(gradlint_cli, tmp_path):
    (tmp_path / "a.py").write_text(source(a="  # noqa: GL301"), encoding="utf-8")
    (tmp_path / "b.py").write_text(source(top="# gradlint: noqa\n"), encoding="utf-8")
    code, out, _ = gradlint_cli("check", "--no-cache", "a.py", "b.py", cwd=tmp_path)
    assert code == 1
    assert [line.split(":")[:2] for line in out.splitlines() if ": GL" in line] == [["a.py", "10"]]
