"""Per-rule precision and recall of a findings run against the labelled real-code corpus.

    python bench/realcode/score.py LABELS FINDINGS [--only PACKAGE ...] [--results FILE]

LABELS is JSON lines, one labelled site each: package, version, path, line, code,
label ("TP": a real bug the rule should report there; "TN": a place it must stay
quiet at) and why. FINDINGS is what bench/realcode/run.py writes (an object with
"findings", or a plain list), each finding with package, path, line and code.

A label matches a finding by (package, path, line, code). Per rule:
precision = TP findings / labelled findings; findings without a label are
counted and listed as unlabelled, outside the precision; recall = TP sites
found / all TP sites. Prints the table, then the misses, the false findings and
the unlabelled findings. Always exits 0: it measures, it does not gate.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field

Key = tuple  # (package, path, line, code)


def key_of(item: dict) -> Key:
    return (item["package"], item["path"], int(item["line"]), item["code"])


def load_labels(path: str) -> dict[Key, dict]:
    """Labels by site; a malformed line or label stops with its line number."""
    labels: dict[Key, dict] = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                key = key_of(item)
            except (ValueError, KeyError, TypeError) as error:
                raise SystemExit(f"score: {path}:{number}: not a label ({error})")
            if item.get("label") not in ("TP", "TN"):
                raise SystemExit(f"score: {path}:{number}: label must be TP or TN, not {item.get('label')!r}")
            if key in labels:
                raise SystemExit(f"score: {path}:{number}: a second label for {format_site(key)}")
            labels[key] = item
    return labels


def load_findings(path: str) -> tuple[list[dict], dict]:
    """The findings and the run's metadata (commit, packages) where present."""
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    if isinstance(data, list):
        return data, {}
    return data["findings"], {k: v for k, v in data.items() if k != "findings"}


@dataclass
class RuleScore:
    findings: int = 0
    tp: int = 0
    fp: int = 0
    unlabelled: int = 0
    bugs: int = 0
    found: int = 0

    @property
    def precision(self) -> float | None:
        judged = self.tp + self.fp
        return self.tp / judged if judged else None

    @property
    def recall(self) -> float | None:
        return self.found / self.bugs if self.bugs else None


@dataclass
class Score:
    rules: dict[str, RuleScore] = field(default_factory=dict)
    misses: list[dict] = field(default_factory=list)  # TP labels with no finding
    false_findings: list[tuple[dict, dict]] = field(default_factory=list)  # (finding, its TN label)
    unlabelled: list[dict] = field(default_factory=list)
    quiet_kept: int = 0  # TN labels with no finding: stayed quiet where it must

    def total(self) -> RuleScore:
        total = RuleScore()
        for rule in self.rules.values():
            for name in ("findings", "tp", "fp", "unlabelled", "bugs", "found"):
                setattr(total, name, getattr(total, name) + getattr(rule, name))
        return total


def score(labels: dict[Key, dict], findings: list[dict], packages: set[str] | None = None) -> Score:
    """Matches findings to labels; `packages` limits both sides to those packages."""
    if packages is not None:
        labels = {k: v for k, v in labels.items() if k[0] in packages}
        findings = [f for f in findings if f["package"] in packages]
    result = Score()
    reported: set[Key] = set()
    for finding in findings:
        key = key_of(finding)
        if key in reported:
            continue  # two findings of one rule on one line are one site
        reported.add(key)
        rule = result.rules.setdefault(finding["code"], RuleScore())
        rule.findings += 1
        label = labels.get(key)
        if label is None:
            rule.unlabelled += 1
            result.unlabelled.append(finding)
        elif label["label"] == "TP":
            rule.tp += 1
        else:
            rule.fp += 1
            result.false_findings.append((finding, label))
    for key, label in labels.items():
        if label["label"] == "TP":
            rule = result.rules.setdefault(key[3], RuleScore())
            rule.bugs += 1
            if key in reported:
                rule.found += 1
            else:
                result.misses.append(label)
        elif key not in reported:
            result.quiet_kept += 1
    return result


def format_site(key: Key) -> str:
    package, path, line, code = key
    return f"{package} {path}:{line} {code}"


def ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def table(result: Score) -> str:
    """The per-rule table in Markdown, the overall row last."""
    rows = ["| rule | findings | TP | FP | unlabelled | precision | labelled bugs | found | recall |",
            "|---|---|---|---|---|---|---|---|---|"]
    for code in sorted(result.rules):
        rule = result.rules[code]
        rows.append(f"| {code} | {rule.findings} | {rule.tp} | {rule.fp} | {rule.unlabelled} | "
                    f"{ratio(rule.precision)} | {rule.bugs} | {rule.found} | {ratio(rule.recall)} |")
    total = result.total()
    rows.append(f"| all | {total.findings} | {total.tp} | {total.fp} | {total.unlabelled} | "
                f"{ratio(total.precision)} | {total.bugs} | {total.found} | {ratio(total.recall)} |")
    return "\n".join(rows)


def report(result: Score) -> str:
    lines = [table(result), "",
             f"quiet sites kept quiet: {result.quiet_kept} (TN labels with no finding)", ""]
    lines.append(f"misses ({len(result.misses)}): labelled bugs with no finding")
    for label in sorted(result.misses, key=key_of):
        lines.append(f"  {format_site(key_of(label))}: {label['why']}")
    lines.append("")
    lines.append(f"false findings ({len(result.false_findings)}): findings at sites labelled TN")
    for finding, label in sorted(result.false_findings, key=lambda pair: key_of(pair[0])):
        lines.append(f"  {format_site(key_of(finding))}: {label['why']}")
    lines.append("")
    lines.append(f"unlabelled findings ({len(result.unlabelled)}): label these in labels.jsonl")
    for finding in sorted(result.unlabelled, key=key_of):
        lines.append(f"  {format_site(key_of(finding))}: {finding.get('message', '')}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels")
    parser.add_argument("findings")
    parser.add_argument("--only", nargs="*", default=None, help="score only these packages")
    parser.add_argument("--results", default=None, help="also write the table (Markdown) to this file")
    args = parser.parse_args(argv)
    labels = load_labels(args.labels)
    findings, meta = load_findings(args.findings)
    packages = set(args.only) if args.only else None
    result = score(labels, findings, packages)
    print(report(result))
    if args.results:
        commit = meta.get("commit", "unknown")
        with open(args.results, "w", encoding="utf-8") as handle:
            handle.write(f"Measured at commit {commit} by `python bench/realcode/run.py`.\n\n{table(result)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
