"""Each file in tests/cases marks the lines that must get a finding with `# expect: CODE`
(`# allow: CODE` accepts one without requiring it). Every other finding fails the test:
quiet cases are the unmarked lines."""

import pathlib
import re

import pytest

from gradlint.engine import build_index, lint_source

CASES = pathlib.Path(__file__).parent / "cases"
MARK = re.compile(r"#\s*(expect|allow):\s*([A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)")


def markers(text: str):
    want, allow = set(), set()
    for number, line in enumerate(text.splitlines(), 1):
        for kind, codes in MARK.findall(line):
            for code in re.split(r"\s*,\s*", codes.strip()):
                (want if kind == "expect" else allow).add((number, code))
    return want, allow


def case_files():
    return sorted(p for p in CASES.rglob("*.py"))


@pytest.mark.parametrize("path", case_files(), ids=lambda p: str(p.relative_to(CASES)))
def test_case_file(path):
    # a folder of cases is one project (cross-file facts); a lone file is its own project
    siblings = sorted(path.parent.glob("*.py")) if path.parent != CASES else [path]
    index = build_index([str(p) for p in siblings])
    text = path.read_text(encoding="utf-8")
    result = lint_source(text, str(path), index=index)
    assert not result.errors, result.errors
    got = {(f.start.line, f.code) for f in result.findings}
    want, allow = markers(text)
    missed = sorted(want - got)
    false = sorted(got - want - allow)
    assert not missed and not false, f"missed {missed}, false positives {false}"
