"""Ruff's JSON shape: an array of findings with location, end_location, fix and url."""

from __future__ import annotations

import json


def render_json(findings, context) -> str:
    return json.dumps([f.to_dict() for f in findings], indent=2) + "\n"
