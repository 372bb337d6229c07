"""Ruff's JSON shape: an array of findings with location, end_location, fix and url.

With --statistics, as in Ruff: an array of {code, name, count, fixable}, most frequent first.
"""

from __future__ import annotations

import json

from gradlint.report import encodable, statistics


def render_json(findings, context) -> str:
    if context.statistics:
        return json.dumps(statistics(findings, context.unsafe_fixes), indent=2) + "\n"
    entries = [f.to_dict() for f in findings]
    for entry in entries:
        # JSON escapes a newline in a name; bytes that are not UTF-8 have no JSON spelling
        entry["filename"] = encodable(entry["filename"])
    return json.dumps(entries, indent=2) + "\n"
