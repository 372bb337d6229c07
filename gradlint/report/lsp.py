"""LSP diagnostics as JSON: {file URI: [Diagnostic]} with 0-based positions.

The language server builds its diagnostics with `diagnostic()` too.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

# LSP DiagnosticSeverity: 1 error, 2 warning, 3 information
SEVERITY_BY_FAMILY = {"GL0": 1, "GL1": 2, "GL2": 2, "GL3": 1, "GL4": 3}


def severity(code: str) -> int:
    return SEVERITY_BY_FAMILY.get(code[:3], 2)


def diagnostic(f) -> dict:
    data = None
    if f.fix is not None:
        data = f.to_dict()["fix"]
    result = {
        "range": {
            "start": {"line": f.start.line - 1, "character": f.start.column - 1},
            "end": {"line": f.end.line - 1, "character": f.end.column - 1},
        },
        "severity": severity(f.code),
        "code": f.code,
        "source": "gradlint",
        "message": f.message,
        "data": data,
    }
    if f.url:
        result["codeDescription"] = {"href": f.url}
    return result


def file_uri(path: str) -> str:
    return Path(os.path.abspath(path)).as_uri()


def render_lsp(findings, context) -> str:
    by_file: dict[str, list] = {}
    for f in findings:
        by_file.setdefault(file_uri(f.path), []).append(diagnostic(f))
    return json.dumps(by_file, indent=2) + "\n"
