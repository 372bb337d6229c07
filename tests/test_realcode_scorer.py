"""The real-code scorer (bench/realcode/score.py): matching and arithmetic on small made-up data."""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench", "realcode"))
import score  # noqa: E402


def label(path, line, code, verdict, package="pkg"):
    return {"package": package, "version": "1", "path": path, "line": line, "code": code,
            "label": verdict, "why": f"{verdict} at {path}:{line}"}


def finding(path, line, code, package="pkg"):
    return {"package": package, "version": "1", "path": path, "line": line, "code": code, "message": "m"}


def write(tmp_path, labels, findings):
    labels_path = tmp_path / "labels.jsonl"
    labels_path.write_text("".join(json.dumps(item) + "\n" for item in labels))
    findings_path = tmp_path / "findings.json"
    findings_path.write_text(json.dumps({"commit": "abc1234", "findings": findings}))
    return str(labels_path), str(findings_path)


def test_precision_recall_and_lists(tmp_path):
    labels = [label("a.py", 1, "GL402", "TP"), label("a.py", 2, "GL402", "TN"), label("a.py", 3, "GL402", "TN"),
              label("b.py", 5, "GL101", "TP"), label("b.py", 9, "GL101", "TP"), label("c.py", 4, "GL201", "TN")]
    findings = [finding("a.py", 1, "GL402"), finding("a.py", 2, "GL402"), finding("a.py", 3, "GL402"),
                finding("a.py", 4, "GL402"),  # no label
                finding("b.py", 5, "GL101")]
    result = score.score(score.load_labels(write(tmp_path, labels, findings)[0]), findings)
    gl402, gl101 = result.rules["GL402"], result.rules["GL101"]
    assert (gl402.findings, gl402.tp, gl402.fp, gl402.unlabelled) == (4, 1, 2, 1)
    assert gl402.precision == pytest.approx(1 / 3)  # the unlabelled finding is outside the precision
    assert (gl402.bugs, gl402.found, gl402.recall) == (1, 1, 1.0)
    assert (gl101.precision, gl101.bugs, gl101.found, gl101.recall) == (1.0, 2, 1, 0.5)
    assert [m["line"] for m in result.misses] == [9]
    assert sorted(f["line"] for f, _ in result.false_findings) == [2, 3]
    assert [f["line"] for f in result.unlabelled] == [4]
    assert result.quiet_kept == 1  # c.py:4 stayed quiet
    total = result.total()
    assert (total.tp, total.fp, total.bugs, total.found) == (2, 2, 3, 2)
    assert total.precision == 0.5 and total.recall == pytest.approx(2 / 3)


def test_matching_needs_package_path_line_and_code():
    labels = {score.key_of(label("a.py", 7, "GL101", "TP")): label("a.py", 7, "GL101", "TP")}
    near_misses = [finding("a.py", 8, "GL101"), finding("a.py", 7, "GL102"), finding("b.py", 7, "GL101"),
                   finding("a.py", 7, "GL101", package="other")]
    result = score.score(labels, near_misses)
    assert result.rules["GL101"].found == 0 and len(result.misses) == 1
    assert len(result.unlabelled) == 4


def test_only_limits_both_labels_and_findings():
    labels = {score.key_of(item): item for item in [label("a.py", 1, "GL402", "TP", package="x"),
                                                     label("a.py", 1, "GL402", "TP", package="y")]}
    result = score.score(labels, [finding("a.py", 1, "GL402", package="x")], packages={"x"})
    assert (result.rules["GL402"].bugs, result.rules["GL402"].found) == (1, 1)


def test_a_rule_with_nothing_to_judge_prints_a_dash(tmp_path):
    result = score.score({}, [])
    assert score.ratio(result.total().precision) == "-"


def test_bad_label_is_one_line_naming_the_line(tmp_path):
    path = tmp_path / "labels.jsonl"
    path.write_text(json.dumps(label("a.py", 1, "GL402", "TP")) + "\n" + json.dumps(label("a.py", 2, "GL402", "maybe")) + "\n")
    with pytest.raises(SystemExit, match=r"labels.jsonl:2: label must be TP or TN"):
        score.load_labels(str(path))
    path.write_text(json.dumps(label("a.py", 1, "GL402", "TP")) * 1 + "\n" + json.dumps(label("a.py", 1, "GL402", "TN")) + "\n")
    with pytest.raises(SystemExit, match=r":2: a second label"):
        score.load_labels(str(path))


def test_command_line_prints_table_lists_and_writes_results(tmp_path):
    labels_path, findings_path = write(tmp_path, [label("a.py", 1, "GL402", "TN"), label("a.py", 9, "GL402", "TP")],
                                       [finding("a.py", 1, "GL402")])
    results = tmp_path / "RESULTS.md"
    completed = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "realcode", "score.py"), labels_path,
                                findings_path, "--results", str(results)], capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert "| GL402 | 1 | 0 | 1 | 0 | 0.00 | 1 | 0 | 0.00 |" in completed.stdout
    assert "pkg a.py:9 GL402: TP at a.py:9" in completed.stdout  # the miss, with its why
    assert "pkg a.py:1 GL402: TN at a.py:1" in completed.stdout  # the false finding, with its why
    text = results.read_text()
    assert "abc1234" in text and "| all | 1 | 0 | 1 |" in text
