"""Each tests/fix_cases/NAME.py has NAME.fixed.py: the text after every fix (unsafe too).
Fixing twice must change nothing the second time, and the fixed file must parse."""

import ast
import pathlib

import pytest

from gradlint.engine import fix_source

FIXES = pathlib.Path(__file__).parent / "fix_cases"


def inputs():
    return sorted(p for p in FIXES.glob("*.py") if not p.name.endswith(".fixed.py"))


@pytest.mark.parametrize("path", inputs(), ids=lambda p: p.stem)
def test_fix_case(path):
    expected = path.with_name(path.stem + ".fixed.py").read_text(encoding="utf-8")
    result = fix_source(path.read_text(encoding="utf-8"), str(path), unsafe=True)
    assert result.text == expected
    ast.parse(result.text)
    again = fix_source(result.text, str(path), unsafe=True)
    assert again.text == result.text
    assert again.fixed == 0
