"""Fixes that undo each other: `--fix` stops where the fight began and names the rules."""

import ast

from gradlint import engine
from gradlint.finding import Applicability, Edit
from gradlint.fixes import make_fix
from gradlint.rules.base import Rule


def _swapper(code, old, new):
    class Swap(Rule):
        name = f"swap-{old}"
        summary = "test rule"
        fix_applicability = "safe"

        def check(self, facts):
            for node in ast.walk(facts.module):
                if isinstance(node, ast.Name) and node.id == old:
                    edit = Edit(facts.start(node), facts.end(node), new)
                    yield self.finding(facts, node, f"{old} should be {new}", make_fix(Applicability.SAFE, "swap", [edit]))

    Swap.code = code
    return Swap


def test_fighting_fixes_stop_at_the_state_before_the_cycle(monkeypatch):
    rules = [_swapper("GL901", "alpha", "beta"), _swapper("GL902", "beta", "alpha"), _swapper("GL903", "gamma", "delta")]
    monkeypatch.setattr(engine, "selected_rules", lambda codes: [r() for r in rules])
    source = "gamma = 1\nalpha = gamma\n"
    result = engine.fix_source(source, "f.py", codes=frozenset({"GL901", "GL902", "GL903"}))
    # the fix that converges is kept; the two that undo each other are not applied
    assert "delta" in result.text and "gamma" not in result.text
    assert [e for e in result.remaining.errors if "undo each other" in e] == [
        "f.py: the fixes for GL901, GL902 undo each other; stopped where they began to repeat (a gradlint bug: please report it)"]


def test_converging_fixes_report_nothing(monkeypatch):
    rules = [_swapper("GL903", "gamma", "delta")]
    monkeypatch.setattr(engine, "selected_rules", lambda codes: [r() for r in rules])
    result = engine.fix_source("gamma = 1\n", "f.py", codes=frozenset({"GL903"}))
    assert result.text == "delta = 1\n" and result.fixed == 1 and not result.remaining.errors
