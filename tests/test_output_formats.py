"""The output formats: text, json (Ruff's shape), sarif (schema + GitHub code scanning), github, lsp.

Each format is read through the real command line once, and its details are
checked through the renderers with findings built here.
"""

import json
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

from gradlint.finding import Applicability, Edit, Finding, Fix, Position
from gradlint.report import ReportContext, render
from gradlint.rules import all_rules
from samples import NO_SARIF_SCHEMA, NO_SCORE_CASES, SARIF_SCHEMA, SCORE_CASES

ROOT = pathlib.Path(__file__).resolve().parent.parent

# GL301 on line 6 (safe fix), GL302 on line 10 (safe fix), GL402 on line 16 (unsafe fix)
BAD = textwrap.dedent("""\
    import torch


    def clip(model):
        for p in model.parameters():
            p.clamp_(-1, 1)


    def evaluate(model, x):
        with torch.no_grad:
            return model(x)


    def shrink(model):
        for p in model.parameters():
            p.data.clamp_(-0.5, 0.5)
""")


@pytest.fixture
def report(tmp_path, gradlint_cli):
    """`gradlint check --output-format FMT` over src/bad.py in a fresh project: (exit code, stdout)."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "bad.py").write_text(BAD, encoding="utf-8")

    def run(fmt: str, *args, cwd=None, path="src"):
        code, out, err = gradlint_cli("check", "--no-cache", "--output-format", fmt, *args, path,
                                      cwd=cwd or tmp_path)
        assert code == 1, err
        return out

    run.root = tmp_path
    return run


def finding(code="GL301", line=3, column=5, end_line=3, end_column=12, fix=None, path="pkg/model.py",
            message="In-place update of a parameter with grad enabled raises `RuntimeError`") -> Finding:
    return Finding(code=code, name="in-place-parameter-update", message=message, path=path,
                   start=Position(line, column), end=Position(end_line, end_column), fix=fix,
                   url=f"https://github.com/gradlint/gradlint/blob/main/rules/{code}.md")


def make_fix(applicability=Applicability.SAFE) -> Fix:
    return Fix(applicability, "Wrap in `with torch.no_grad():`",
               (Edit(Position(3, 1), Position(3, 12), "with torch.no_grad():\n    p.add_(1)"),))


# -- text ------------------------------------------------------------------------------------


def test_text_through_the_cli(report):
    lines = report("text").splitlines()
    path = os.path.join("src", "bad.py")
    assert [line.split(" ")[0] for line in lines[:3]] == [f"{path}:6:9:", f"{path}:10:10:", f"{path}:16:9:"]
    assert [line.split(" ")[1:3] for line in lines[:3]] == [["GL301", "[*]"], ["GL302", "[*]"], ["GL402", "Weights"]]
    assert lines[3:] == [
        "Found 3 problems (2 errors, 1 warning).",
        "[*] 2 fixable with the `--fix` option.",
        "1 hidden fix can be enabled with the `--unsafe-fixes` option.",
    ]


def test_text_with_unsafe_fixes_counts_them_as_fixable(report):
    lines = report("text", "--unsafe-fixes").splitlines()
    assert "GL402 [*]" in lines[2]
    assert "[*] 3 fixable with the `--fix` option and `--unsafe-fixes`." in lines
    assert not any("hidden" in line for line in lines)


def test_text_marks_only_applicable_fixes():
    findings = [
        finding(line=1, fix=make_fix(Applicability.SAFE)),
        finding(line=2, fix=make_fix(Applicability.UNSAFE)),
        finding(line=3, fix=make_fix(Applicability.DISPLAY_ONLY)),
        finding(line=4),
    ]
    lines = render("text", findings, ReportContext()).splitlines()
    assert ["[*]" in line for line in lines[:4]] == [True, False, False, False]
    assert lines[4:] == ["Found 4 problems (4 errors).", "[*] 1 fixable with the `--fix` option.",
                         "1 hidden fix can be enabled with the `--unsafe-fixes` option."]


def test_text_summary_after_fixing():
    context = ReportContext(fixed=3)
    assert render("text", [finding()], context).splitlines()[-1] == "Found 4 problems (3 fixed, 1 remaining: 1 error)."
    assert render("text", [], context) == "Found 3 problems (3 fixed, 0 remaining).\n"


def test_text_without_findings():
    assert render("text", [], ReportContext()) == "All checks passed!\n"
    # a file that could not be read is not "all checks passed"
    assert render("text", [], ReportContext(errors=1)) == ""


def test_text_colour_only_when_asked():
    plain = render("text", [finding(fix=make_fix())], ReportContext(color=False))
    coloured = render("text", [finding(fix=make_fix())], ReportContext(color=True))
    assert "\x1b[" not in plain
    assert "\x1b[" in coloured
    strip = __import__("re").compile(r"\x1b\[[0-9;]*m")
    assert strip.sub("", coloured) == plain


def test_text_statistics():
    findings = [finding(line=1, fix=make_fix()), finding(line=2, fix=make_fix()), finding(code="GL303", line=3)]
    lines = render("text", findings, ReportContext(statistics=True)).splitlines()
    assert lines[:2] == ["    2\tGL301\t[*] in-place-parameter-update", "    1\tGL303\t[ ] in-place-parameter-update"]


# -- json ------------------------------------------------------------------------------------


def test_json_through_the_cli_has_ruffs_shape(report):
    data = json.loads(report("json"))
    assert [(d["code"], d["location"]["row"]) for d in data] == [("GL301", 6), ("GL302", 10), ("GL402", 16)]
    first = data[0]
    assert set(first) == {"code", "name", "message", "filename", "location", "end_location", "fix", "url", "severity"}
    assert first["name"] == "in-place-parameter-update"
    assert first["filename"] == os.path.join("src", "bad.py")
    assert first["location"] == {"row": 6, "column": 9}
    assert first["end_location"] == {"row": 6, "column": 24}
    assert first["url"].endswith("/rules/GL301.md")
    fix = first["fix"]
    assert fix["applicability"] == "safe"
    assert fix["message"]
    assert set(fix["edits"][0]) == {"content", "location", "end_location"}
    assert data[2]["fix"]["applicability"] == "unsafe"


def test_json_finding_without_fix_has_null():
    assert json.loads(render("json", [finding()], ReportContext()))[0]["fix"] is None
    assert render("json", [], ReportContext()) == "[]\n"


def test_json_round_trips_through_finding():
    original = finding(fix=make_fix(Applicability.UNSAFE))
    data = json.loads(render("json", [original], ReportContext()))[0]
    assert Finding.from_dict(data) == original


@pytest.mark.skipif(not SCORE_CASES.is_file(), reason=NO_SCORE_CASES)
def test_score_cases_reads_the_json(tmp_path):
    case = tmp_path / "case.py"
    case.write_text(BAD.replace("p.clamp_(-1, 1)", "p.clamp_(-1, 1)  # expect: GL301")
                    .replace("with torch.no_grad:", "with torch.no_grad:  # expect: GL302")
                    .replace("p.data.clamp_(-0.5, 0.5)", "p.data.clamp_(-0.5, 0.5)  # expect: GL402"), encoding="utf-8")
    run = subprocess.run([sys.executable, str(SCORE_CASES), str(tmp_path), "--gradlint", f"{sys.executable} -m gradlint"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "precision 1.00 recall 1.00 (3 found, 0 false, 0 missed of 3)" in run.stdout


# -- sarif -----------------------------------------------------------------------------------


def test_sarif_validates_against_the_schema(report):
    if not SARIF_SCHEMA.is_file():
        pytest.skip(NO_SARIF_SCHEMA)
    import jsonschema

    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    log = json.loads(report("sarif"))
    jsonschema.validate(log, schema)
    assert log["version"] == "2.1.0"
    # an empty run validates too
    jsonschema.validate(json.loads(render("sarif", [], ReportContext())), schema)


def test_sarif_meets_github_code_scanning_requirements(report):
    log = json.loads(report("sarif"))
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} >= {rule.code for rule in all_rules()}
    for rule in rules:
        for key in ("shortDescription", "fullDescription", "help"):
            assert rule[key]["text"].strip(), (rule["id"], key)
        assert rule["name"]
    assert [r["ruleId"] for r in run["results"]] == ["GL301", "GL302", "GL402"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["message"]["text"]
        location = result["locations"][0]["physicalLocation"]
        # repository-relative: no scheme, no leading slash, forward slashes
        assert location["artifactLocation"]["uri"] == "src/bad.py"
        region = location["region"]
        assert set(region) >= {"startLine", "startColumn", "endLine", "endColumn"}
    # columns count characters, and the log says so
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["results"][0]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 6, "startColumn": 9, "endLine": 6, "endColumn": 24}


def test_sarif_uri_is_relative_to_the_configuration_root(report):
    (report.root / "pyproject.toml").write_text("[tool.gradlint]\n", encoding="utf-8")
    log = json.loads(report("sarif", cwd=report.root / "src", path="."))
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert uris == {"src/bad.py"}


def test_sarif_uri_is_percent_encoded(tmp_path):
    log = json.loads(render("sarif", [finding(path=str(tmp_path / "my model.py"))], ReportContext(root=str(tmp_path))))
    artifact = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": "my%20model.py", "uriBaseId": "%SRCROOT%"}


def test_sarif_region_is_never_empty():
    # a zero-width finding (a syntax error points at one spot) still gets a one-column region
    f = finding(code="GL000", line=2, column=4, end_line=2, end_column=4)
    region = json.loads(render("sarif", [f], ReportContext()))["runs"][0]["results"][0]["locations"][0][
        "physicalLocation"]["region"]
    assert region == {"startLine": 2, "startColumn": 4, "endLine": 2, "endColumn": 5}


# -- github ----------------------------------------------------------------------------------


def test_github_workflow_commands(report):
    lines = report("github").splitlines()
    path = os.path.join("src", "bad.py")
    assert len(lines) == 3
    assert lines[0].startswith(
        f"::error file={path},line=6,col=9,endLine=6,endColumn=24,title=gradlint (GL301)::GL301 In-place update")
    assert lines[1].startswith(f"::error file={path},line=10,col=10,endLine=10,endColumn=23,title=gradlint (GL302)::")


def test_github_escapes_properties_and_data():
    f = finding(path="a,b:c%.py", message="50% of\nthe graph")
    line = render("github", [f], ReportContext())
    assert line == ("::error file=a%2Cb%3Ac%25.py,line=3,col=5,endLine=3,endColumn=12,"
                    "title=gradlint (GL301)::GL301 50%25 of%0Athe graph\n")


def test_github_without_findings_prints_nothing():
    assert render("github", [], ReportContext()) == ""


# -- lsp -------------------------------------------------------------------------------------


def test_lsp_json_maps_file_uris_to_diagnostics(report):
    data = json.loads(report("lsp"))
    uri = (report.root / "src" / "bad.py").resolve().as_uri()
    assert list(data) == [uri]
    first = data[uri][0]
    assert first["range"] == {"start": {"line": 5, "character": 8}, "end": {"line": 5, "character": 23}}
    assert first["code"] == "GL301"
    assert first["source"] == "gradlint"
    assert first["severity"] == 1
    assert first["codeDescription"]["href"].endswith("/rules/GL301.md")
    assert first["data"]["applicability"] == "safe"
    assert first["data"]["edits"][0]["location"] == {"row": 6, "column": 1}


def test_lsp_diagnostics_are_valid_lsp_objects(report):
    lsprotocol = pytest.importorskip("lsprotocol", reason="lsprotocol (the lsp extra) is not installed")
    from lsprotocol import types
    from lsprotocol.converters import get_converter

    converter = get_converter()
    data = json.loads(report("lsp"))
    for diagnostics in data.values():
        for item in diagnostics:
            diagnostic = converter.structure(item, types.Diagnostic)
            assert diagnostic.severity in (types.DiagnosticSeverity.Error, types.DiagnosticSeverity.Warning,
                                           types.DiagnosticSeverity.Information)
    assert lsprotocol


def test_lsp_without_findings_is_an_empty_object():
    assert json.loads(render("lsp", [], ReportContext())) == {}


def test_lsp_characters_are_utf16_offsets(tmp_path, gradlint_cli):
    # LSP counts UTF-16 code units: the emoji before the finding is two of them
    (tmp_path / "emoji.py").write_text(
        'import torch\n\n\ndef clip(model):\n    for p in model.parameters():\n        s = "🔥"; p.clamp_(-1, 1)\n',
        encoding="utf-8")
    code, out, _ = gradlint_cli("check", "--no-cache", "--output-format", "lsp", "emoji.py", cwd=tmp_path)
    assert code == 1
    (diagnostic,) = next(iter(json.loads(out).values()))
    assert diagnostic["range"] == {"start": {"line": 5, "character": 18}, "end": {"line": 5, "character": 33}}
    # json and text keep counting characters, as Ruff does
    code, out, _ = gradlint_cli("check", "--no-cache", "--output-format", "json", "emoji.py", cwd=tmp_path)
    assert json.loads(out)[0]["location"] == {"row": 6, "column": 18}
