"""What a finding says first: one sentence of at most about 100 characters that names the
consequence. Measured figures and the long explanation live in `gradlint explain CODE`; a
quoted torch error comes after the first sentence, verbatim."""

import pathlib
import re

import pytest

from gradlint.engine import build_index, lint_source
from gradlint.rules import all_rules

ROOT = pathlib.Path(__file__).parent.parent
SOURCES = sorted([*(ROOT / "tests" / "cases").rglob("*.py"), *(ROOT / "gradlint" / "fixtures").glob("*.py")])
FIRST_SENTENCE_LIMIT = 100


def first_sentence(message: str) -> str:
    return re.split(r"(?<=[.;])\s", message, maxsplit=1)[0]


def messages_by_code() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    index = build_index([str(p) for p in SOURCES])
    for path in SOURCES:
        for finding in lint_source(path.read_text(encoding="utf-8"), str(path), index=index).findings:
            found.setdefault(finding.code, set()).add(finding.message)
    return found


@pytest.fixture(scope="module")
def messages():
    return messages_by_code()


@pytest.mark.parametrize("code", [rule.code for rule in all_rules()])
def test_every_rule_speaks_in_the_cases(messages, code):
    assert messages.get(code), f"no case or fixture shows {code}'s message"


@pytest.mark.parametrize("code", [rule.code for rule in all_rules()])
def test_the_first_sentence_is_short(messages, code):
    for message in messages.get(code, ()):
        first = first_sentence(message)
        assert len(first) <= FIRST_SENTENCE_LIMIT, f"{len(first)} characters: {first}"
        assert "%" not in first and "MiB" not in first, f"a measured figure belongs in `gradlint explain`: {first}"
