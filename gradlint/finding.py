"""What a rule reports: a finding, its position and an optional fix."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Applicability(str, enum.Enum):
    """How far a fix can be trusted (Ruff's vocabulary)."""

    SAFE = "safe"  # keeps the program's meaning; `--fix` applies it
    UNSAFE = "unsafe"  # may change behaviour; needs `--unsafe-fixes`
    DISPLAY_ONLY = "display-only"  # shown, never applied


class Severity(str, enum.Enum):
    """How bad a finding is; each rule's default is `gradlint.rules.base.default_severity`."""

    ERROR = "error"  # the code raises
    WARNING = "warning"  # it wastes memory or time, or leaks
    INFO = "info"  # a better API exists (a suggestion)

    @property
    def rank(self) -> int:
        """Higher is worse: `--fail-on warning` fails on a finding whose rank is at least WARNING's."""
        return {"info": 0, "warning": 1, "error": 2}[self.value]


@dataclass(frozen=True, order=True)
class Position:
    """A 1-based line and a 1-based column counted in characters."""

    line: int
    column: int


@dataclass(frozen=True)
class Edit:
    """Replace the text between start (inclusive) and end (exclusive)."""

    start: Position
    end: Position
    content: str


@dataclass(frozen=True)
class Fix:
    applicability: Applicability
    message: str
    edits: tuple[Edit, ...]


@dataclass
class Finding:
    code: str
    name: str
    message: str
    path: str
    start: Position
    end: Position
    fix: Fix | None = None
    url: str = field(default="")
    # None: the rule's default (`default_severity`); `[tool.gradlint] severity` may change it
    severity: Severity | None = None
    # in a notebook: the 1-based cell (counting every cell) whose lines `start` and `end` count
    cell: int | None = None

    def __post_init__(self):
        if self.severity is None:
            from gradlint.rules.base import default_severity

            self.severity = default_severity(self.code)
        self.severity = Severity(self.severity)  # "error" as well as Severity.ERROR

    @property
    def fixable(self) -> bool:
        return self.fix is not None and self.fix.applicability is not Applicability.DISPLAY_ONLY

    def sort_key(self):
        return (self.path, self.cell or 0, self.start, self.code)

    def to_dict(self) -> dict:
        """Ruff's JSON shape (also what the cache stores)."""
        fix = None
        if self.fix is not None:
            fix = {
                "applicability": self.fix.applicability.value,
                "message": self.fix.message,
                "edits": [
                    {
                        "content": e.content,
                        "location": {"row": e.start.line, "column": e.start.column},
                        "end_location": {"row": e.end.line, "column": e.end.column},
                    }
                    for e in self.fix.edits
                ],
            }
        data = {
            "code": self.code,
            "name": self.name,
            "message": self.message,
            "filename": self.path,
            "location": {"row": self.start.line, "column": self.start.column},
            "end_location": {"row": self.end.line, "column": self.end.column},
            "fix": fix,
            "url": self.url,
            "severity": self.severity.value,
        }
        if self.cell is not None:
            data["cell"] = self.cell  # a notebook's: rows count the lines of that cell (as in Ruff)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Finding":
        fix = None
        if data["fix"] is not None:
            fix = Fix(
                Applicability(data["fix"]["applicability"]),
                data["fix"]["message"],
                tuple(
                    Edit(
                        Position(e["location"]["row"], e["location"]["column"]),
                        Position(e["end_location"]["row"], e["end_location"]["column"]),
                        e["content"],
                    )
                    for e in data["fix"]["edits"]
                ),
            )
        return cls(
            code=data["code"],
            name=data["name"],
            message=data["message"],
            path=data["filename"],
            start=Position(data["location"]["row"], data["location"]["column"]),
            end=Position(data["end_location"]["row"], data["end_location"]["column"]),
            fix=fix,
            url=data.get("url", ""),
            severity=Severity(data["severity"]),
            cell=data.get("cell"),
        )
