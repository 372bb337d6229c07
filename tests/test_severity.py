"""Severities (issue 15): each rule's default, `[tool.gradlint] severity`, every output format's level,
the summary's wording, `--fail-on` and the cache."""

from __future__ import annotations

import json
import textwrap

import pytest

from gradlint.finding import Finding, Position, Severity
from gradlint.report import ReportContext, render
from gradlint.rules import all_rules
from gradlint.rules.base import default_severity

from samples import NO_SARIF_SCHEMA, SARIF_SCHEMA

# GL301 on line 6 (error), GL101 on line 13 (warning), GL401 on line 18 (info)
MIXED = textwrap.dedent("""\
    import torch


    def clip(model):
        for p in model.parameters():
            p.clamp_(-1, 1)


    def validate(model, loader):
        model.eval()
        total = 0.0
        for x, y in loader:
            total += (model(x) - y).abs().sum().item()
        return total


    def predict(model, x):
        with torch.no_grad():
            return model(x).argmax(-1).tolist()
""")
EXPECTED = {"GL301": "error", "GL101": "warning", "GL401": "info"}
HEADER = MIXED.split("def clip")[0]
WARNING_ONLY = HEADER + "def validate" + MIXED.split("def validate")[1].split("def predict")[0]  # GL101
INFO_ONLY = HEADER + "def predict" + MIXED.split("def predict")[1]  # GL401


@pytest.fixture
def check(tmp_path, gradlint_cli):
    """`gradlint check --no-cache ARGS mixed.py` in a fresh project; `config` is its [tool.gradlint] body."""

    def run(*args, config: str | None = None, source: str = MIXED):
        (tmp_path / "mixed.py").write_text(source, encoding="utf-8")
        if config is not None:
            (tmp_path / "pyproject.toml").write_text("[tool.gradlint]\n" + config, encoding="utf-8")
        return gradlint_cli("check", "--no-cache", *args, "mixed.py", cwd=tmp_path)

    return run


def severities(out: str) -> dict:
    return {d["code"]: d["severity"] for d in json.loads(out)}


# -- the table -------------------------------------------------------------------------------


def test_every_rule_has_its_familys_severity():
    # RULES.md: GL3 error (it raises), GL1 and GL2 warning, GL4 information, GL402 warning; GL000 error
    family = {"GL1": "warning", "GL2": "warning", "GL3": "error", "GL4": "info", "GL5": "warning"}
    for rule in all_rules():
        expected = "warning" if rule.code == "GL402" else family[rule.code[:3]]
        assert rule.severity().value == expected, rule.code
    assert default_severity("GL000") is Severity.ERROR
    assert default_severity("GL402") is Severity.WARNING and default_severity("GL401") is Severity.INFO


def test_findings_carry_their_rules_severity(lint):
    assert {f.code: f.severity.value for f in lint(MIXED)} == EXPECTED
    assert [f.severity for f in lint("def broken(:\n")] == [Severity.ERROR]  # GL000


# -- configuration ---------------------------------------------------------------------------


def test_config_overrides_by_code_and_prefix(check):
    code, out, err = check("--output-format", "json", config='severity = { GL401 = "warning", GL1 = "error" }\n')
    assert code == 1, err
    assert severities(out) == {"GL301": "error", "GL101": "error", "GL401": "warning"}


def test_the_most_specific_selector_wins(check):
    code, out, err = check("--output-format", "json", config='severity = { GL4 = "error", GL401 = "info", ALL = "warning" }\n')
    assert code == 1, err
    assert severities(out) == {"GL301": "warning", "GL101": "warning", "GL401": "info"}


@pytest.mark.parametrize("body, words", [
    ('severity = { GL999 = "error" }\n', ["'severity'", "unknown rule code", "GL999"]),
    ('severity = { GL401 = "fatal" }\n', ["'severity'", "GL401", '"error", "warning" or "info"', "fatal"]),
    ('severity = { GL401 = 2 }\n', ["'severity'", "GL401", "got 2"]),
    ('severity = ["GL401"]\n', ["'severity' must be a table"]),
])
def test_bad_severity_settings_get_one_line_and_exit_2(check, body, words):
    code, out, err = check(config=body)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    for word in words:
        assert word in err


# -- output formats --------------------------------------------------------------------------


def test_text_summary_counts_each_severity(check):
    code, out, _ = check()
    assert code == 1
    assert "Found 3 problems (1 error, 1 warning, 1 suggestion)." in out.splitlines()
    # the editor-parsable start of each line is unchanged
    assert [line.split(" ")[:2] for line in out.splitlines()[:3]] == [
        ["mixed.py:6:9:", "GL301"], ["mixed.py:13:19:", "GL101"], ["mixed.py:18:10:", "GL401"]]


def _finding(code: str, line: int, severity=None) -> Finding:
    return Finding(code=code, name="n", message="m", path="a.py", start=Position(line, 1), end=Position(line, 2),
                   severity=severity)


def test_summary_plurals_and_fixed_counts():
    findings = [_finding("GL301", 1), _finding("GL302", 2), _finding("GL101", 3), _finding("GL201", 4),
                _finding("GL401", 5), _finding("GL401", 6)]
    summary = render("text", findings, ReportContext(show_fixes=False)).splitlines()[-1]
    assert summary == "Found 6 problems (2 errors, 2 warnings, 2 suggestions)."
    assert render("text", findings[4:5], ReportContext()).splitlines()[-1] == "Found 1 problem (1 suggestion)."
    after_fix = render("text", findings[2:3], ReportContext(fixed=2)).splitlines()[-1]
    assert after_fix == "Found 3 problems (2 fixed, 1 remaining: 1 warning)."
    assert render("text", [], ReportContext(fixed=1)) == "Found 1 problem (1 fixed, 0 remaining).\n"


def test_github_commands_follow_severity(check):
    code, out, _ = check("--output-format", "github")
    assert code == 1
    commands = {line.split("::")[2].split(" ")[0]: line.split("::")[1].split(" ")[0] for line in out.splitlines()}
    assert commands == {"GL301": "error", "GL101": "warning", "GL401": "notice"}


def test_sarif_levels_follow_severity_and_validate(check):
    code, out, _ = check("--output-format", "sarif", config='severity = { GL301 = "info" }\n')
    assert code == 1
    log = json.loads(out)
    run = log["runs"][0]
    assert {r["ruleId"]: r["level"] for r in run["results"]} == {"GL301": "note", "GL101": "warning", "GL401": "note"}
    defaults = {d["id"]: d["defaultConfiguration"]["level"] for d in run["tool"]["driver"]["rules"]}
    assert (defaults["GL000"], defaults["GL301"], defaults["GL101"], defaults["GL401"], defaults["GL402"]) == (
        "error", "error", "warning", "note", "warning")
    if not SARIF_SCHEMA.is_file():
        pytest.skip(f"levels checked; {NO_SARIF_SCHEMA}")
    import jsonschema

    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))


def test_lsp_severities_follow_the_finding(check):
    code, out, _ = check("--output-format", "lsp", config='severity = { GL101 = "info" }\n')
    assert code == 1
    (diagnostics,) = json.loads(out).values()
    assert {d["code"]: d["severity"] for d in diagnostics} == {"GL301": 1, "GL101": 3, "GL401": 3}


def test_language_server_diagnostics_read_the_findings_severity():
    pytest.importorskip("lsprotocol")
    from lsprotocol import types

    from gradlint.server.actions import diagnostics
    from gradlint.source import SourceText

    found = diagnostics([_finding("GL301", 1), _finding("GL301", 2, "warning"), _finding("GL401", 3)],
                        SourceText("a\nb\nc\n"), "utf-16")
    assert [d.severity for d in found] == [types.DiagnosticSeverity.Error, types.DiagnosticSeverity.Warning,
                                           types.DiagnosticSeverity.Information]


# -- --fail-on -------------------------------------------------------------------------------


@pytest.mark.parametrize("args, source, expected", [
    ((), MIXED, 1),  # default: any finding
    (("--fail-on", "error"), MIXED, 1),
    (("--fail-on", "error"), WARNING_ONLY, 0),
    (("--fail-on", "warning"), WARNING_ONLY, 1),
    (("--fail-on", "info"), WARNING_ONLY, 1),
])
def test_fail_on_gates_the_exit_code(check, args, source, expected):
    code, out, err = check(*args, source=source)
    assert (code, err) == (expected, "")
    assert "GL101" in out  # findings below the threshold are still reported


def test_fail_on_sees_configured_severities_and_bad_values(check):
    assert check("--fail-on", "error", source=WARNING_ONLY, config='severity = { GL101 = "error" }\n')[0] == 1
    code, _, err = check("--fail-on", "fatal")
    assert code == 2 and "'fatal' is not one of" in err


def test_fail_on_warning_passes_suggestions_only(check):
    code, out, _ = check("--fail-on", "warning", source=INFO_ONLY)
    assert code == 0 and "Found 1 problem (1 suggestion)." in out


# -- the cache -------------------------------------------------------------------------------


def test_cache_keeps_severity_and_a_changed_setting_is_a_miss(tmp_path, gradlint_cli):
    (tmp_path / "mixed.py").write_text(MIXED, encoding="utf-8")
    pyproject = tmp_path / "pyproject.toml"

    def run(config: str) -> dict:
        pyproject.write_text("[tool.gradlint]\n" + config, encoding="utf-8")
        code, out, err = gradlint_cli("check", "--output-format", "json", "mixed.py", cwd=tmp_path)
        assert code == 1, err
        return severities(out)

    assert run("") == EXPECTED
    assert run("") == EXPECTED  # read back from the cache
    assert run('severity = { GL3 = "warning" }\n')["GL301"] == "warning"
    assert run("") == EXPECTED


def test_a_cached_finding_without_severity_is_a_miss():
    from gradlint.cache import _is_finding

    stored = _finding("GL301", 1).to_dict()
    assert stored["severity"] == "error" and _is_finding(stored)
    assert Finding.from_dict(stored) == _finding("GL301", 1)
    for bad in (None, "fatal", ["error"], 1):
        assert not _is_finding({**stored, "severity": bad})
    del stored["severity"]
    assert not _is_finding(stored)
