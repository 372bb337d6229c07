"""SARIF 2.1.0 for GitHub code scanning: rule metadata, repository-relative URIs, full regions."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote

from gradlint import __version__
from gradlint.finding import Severity
from gradlint.rules import SYNTAX_ERROR_CODE, all_rules
from gradlint.rules.base import default_severity

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _rule_descriptors():
    descriptors = [{
        "id": SYNTAX_ERROR_CODE,
        "name": "syntax-error",
        "shortDescription": {"text": "file cannot be parsed"},
        "fullDescription": {"text": "The file is not valid Python, so no rule could check it."},
        "help": {"text": "Fix the syntax error; gradlint reports it at the position Python gives.", "markdown": "Fix the syntax error."},
        "defaultConfiguration": {"level": LEVELS[default_severity(SYNTAX_ERROR_CODE)]},
    }]
    for rule in all_rules():
        doc = rule.documentation()
        descriptors.append({
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": _section(doc, "What it flags") or rule.summary},
            "help": {"text": doc, "markdown": doc},
            "helpUri": rule.url(),
            "defaultConfiguration": {"level": LEVELS[rule.severity()]},
            "properties": {"tags": ["pytorch", "autograd"]},
        })
    return descriptors


def _section(doc: str, title: str) -> str:
    lines = doc.splitlines()
    out = []
    inside = False
    for line in lines:
        if line.startswith("## "):
            inside = line[3:].strip() == title
            continue
        if inside:
            out.append(line)
    return " ".join(l.strip() for l in out if l.strip())


def _artifact(path: str, root: str) -> dict:
    """A repository-relative, percent-encoded URI; an absolute file URI for a file outside the root.

    The name's own bytes are encoded (os.fsencode), so a name that is not UTF-8 still names its file.
    """
    absolute = Path(os.path.abspath(path))
    try:
        relative = absolute.relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return {"uri": absolute.as_uri()}
    return {"uri": quote(os.fsencode(relative)), "uriBaseId": "%SRCROOT%"}


def render_sarif(findings, context) -> str:
    descriptors = _rule_descriptors()
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    results = []
    for f in findings:
        region = {
            "startLine": f.start.line,
            "startColumn": f.start.column,
            "endLine": f.end.line,
            "endColumn": max(f.end.column, f.start.column + (1 if f.end.line == f.start.line else 0)),
        }
        message = f.message
        properties = {}
        if f.cell is not None:
            # a notebook: the whole lines of the .ipynb file that hold the cell's lines; the cell
            # position leads the message and is in the result's properties
            from gradlint.notebook import file_line

            region = {"startLine": file_line(f.path, f.cell, f.start.line), "endLine": file_line(f.path, f.cell, f.end.line)}
            message = f"cell {f.cell}:{f.start.line}:{f.start.column}: {f.message}"
            properties = {"properties": {"cell": f.cell, "cellStartLine": f.start.line, "cellStartColumn": f.start.column,
                                         "cellEndLine": f.end.line, "cellEndColumn": f.end.column}}
        results.append({
            "ruleId": f.code,
            "ruleIndex": index.get(f.code, 0),
            "level": LEVELS[f.severity],
            "message": {"text": message},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": _artifact(f.path, context.root),
                    "region": region,
                }
            }],
            **properties,
        })
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "gradlint",
                "version": __version__,
                "informationUri": "https://github.com/gradlint/gradlint",
                "rules": descriptors,
            }},
            # our columns count characters; SARIF would otherwise read them as UTF-16 code units
            "columnKind": "unicodeCodePoints",
            "originalUriBaseIds": {"%SRCROOT%": {"uri": Path(os.path.abspath(context.root)).as_uri() + "/"}},
            "results": results,
        }],
    }
    return json.dumps(log, indent=2) + "\n"
