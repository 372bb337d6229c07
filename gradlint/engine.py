"""Lint and fix: parse once, build the facts once, run the selected rules, filter, fix.

Two passes over a project: the first summarises each file for the project index
(functions only ever called with grad disabled, Module subclasses), the second
runs the rules with that index.
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass, field

from gradlint import timings
from gradlint.analysis.facts import FileFacts
from gradlint.analysis.names import ImportTable
from gradlint.analysis.project import ProjectIndex
from gradlint.analysis.summaries import FileSummary, summarize
from gradlint.analysis.module_paths import module_identity
from gradlint.analysis.symbols import Symbols
from gradlint.analysis.tree import Tree
from gradlint.config import Settings
from gradlint.finding import Applicability, Edit, Finding, Position
from gradlint.noqa import parse_suppressions
from gradlint.rules import SYNTAX_ERROR_CODE, all_rules, known_codes
from gradlint.source import SourceError, SourceText, apply_edits, read_source

MAX_FIX_ROUNDS = 10


@dataclass
class LintResult:
    path: str
    findings: list[Finding] = field(default_factory=list)
    # problems that are not findings: unreadable file, a rule that crashed (exit 2)
    errors: list[str] = field(default_factory=list)
    source: SourceText | None = None


def parse(text: str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escape sequences and the like are not our business
        return ast.parse(text, type_comments=False)


def syntax_error_finding(path: str, source: SourceText, exc: BaseException) -> Finding:
    if isinstance(exc, SyntaxError):
        line = exc.lineno or 1
        column = exc.offset or 1
        detail = exc.msg
    else:
        # Python itself gives up on such files with a RecursionError (or MemoryError) while compiling
        line, column, detail = 1, 1, f"{type(exc).__name__}: too deeply nested to parse"
    if isinstance(exc, SyntaxError):
        detail = f"{type(exc).__name__}: {detail}"
    line = min(max(line, 1), max(len(source.line_starts()), 1))
    column = max(1, min(column, len(source.line(line)) + 1))
    return Finding(
        code=SYNTAX_ERROR_CODE,
        name="syntax-error",
        message=detail,
        path=path,
        start=Position(line, column),
        end=Position(line, column),
    )


def summarize_source(text: str, path: str | None = None) -> FileSummary | None:
    """The file's contribution to the project index; None when it does not parse."""
    try:
        with timings.phase("parse", path or ""):
            module = parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    try:
        with timings.phase("model", path or ""):
            tree = Tree(module)
            name, package = module_identity(path)
            imports = ImportTable(module, tree.imports, package)
            symbols = Symbols(tree, imports, name)
        with timings.phase("summaries", path or ""):
            return summarize(tree, imports, symbols, text)
    except Exception:  # RecursionError, or a bug: the file then adds nothing; linting it reports the error
        return None


class _Deferred:
    """An index whose answers come from a ProjectIndex given later (the file's own, once its
    summary is made from the model that linting builds)."""

    def __init__(self):
        self.target = None

    def __getattr__(self, name: str):
        if self.target is None:
            self.target = ProjectIndex([])
        return getattr(self.target, name)


def summarize_and_lint(source: SourceText, path: str, settings: Settings, codes: frozenset[str]):
    """A run's first pass over a file that may get findings, from one parse and one model: its
    summary, and its findings linted against an index of this file alone, with every question they
    asked that index (None when one cannot be replayed). A run keeps those findings when its own
    index answers every question alike, as it keeps a cached result (gradlint.cache.answers_hold).
    Returns (summary or None, LintResult, questions or None)."""
    from gradlint.cache import RecordingIndex

    own = _Deferred()
    recorder = RecordingIndex(own)
    summary, summarized = None, False

    def summarize_model(facts: FileFacts) -> None:
        nonlocal summary, summarized
        summarized = True
        try:
            with timings.phase("summaries", path):
                summary = summarize(facts.tree, facts.imports, facts.symbols, source.text)
        except Exception:  # as in summarize_source: the file adds nothing to the index
            summary = None
        own.target = ProjectIndex([summary] if summary is not None else [])

    result = lint_source(source, path, settings, recorder, codes, with_model=summarize_model)
    if not summarized:  # no rule ran (or the file does not parse): the summary on its own
        summary = summarize_source(source.text, path)
    return summary, result, recorder.queries if recorder.exact else None


def selected_rules(codes: frozenset[str]):
    return [rule() for rule in all_rules() if rule.code in codes]


def lint_source(
    source: SourceText | str,
    path: str,
    settings: Settings | None = None,
    index: ProjectIndex | None = None,
    codes: frozenset[str] | None = None,
    *,
    with_model=None,
) -> LintResult:
    """Every finding for one file's text, after noqa and selection filters. `with_model`, when
    given, is called with the file's FileFacts before any rule runs (summarize_and_lint)."""
    if isinstance(source, str):
        source = SourceText(source)
    settings = settings or Settings()
    if codes is None:
        codes = settings.codes_for(path, known_codes())
    result = LintResult(path=path, source=source)
    text = source.text
    rules = [rule for rule in selected_rules(codes) if not rule.triggers or any(t in text for t in rule.triggers)]
    findings: list[Finding] = []
    try:
        with timings.phase("parse", path):
            module = parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        if SYNTAX_ERROR_CODE in codes:
            findings.append(syntax_error_finding(path, source, exc))
        module = None
    if module is not None and rules:
        try:
            with timings.phase("model", path):
                facts = FileFacts(path, source, module, index=index, settings=settings)
            if with_model is not None:
                with_model(facts)
        except RecursionError:
            result.errors.append(f"{path}: too deeply nested to analyse")
            facts = None
        except Exception as exc:  # a bug in the shared analysis: no rule can run on this file
            result.errors.append(f"{path}: internal error in the analysis: {type(exc).__name__}: {exc}")
            facts = None
        # a file that does not use torch (itself or through the project's modules) gets no torch findings
        if facts is not None and not facts.uses_torch:
            facts = None
        for rule in rules if facts is not None else []:
            try:
                with timings.phase("rules", path):
                    findings.extend(rule.check(facts))
            except RecursionError:
                result.errors.append(f"{path}: {rule.code} gave up: code too deeply nested")
            except Exception as exc:  # one broken rule must not stop the others
                result.errors.append(f"{path}: internal error in {rule.code} ({rule.name}): {type(exc).__name__}: {exc}")
    kept = [f for f in findings if f.code in codes]
    if kept:  # most files have no finding: their comments need not be tokenized
        suppressions = parse_suppressions(text)
        kept = [f for f in kept if not suppressions.silences(f.start.line, f.code)]
    result.findings = dedupe(kept)
    for finding in result.findings if settings.severity else ():
        finding.severity = settings.severity_of(finding.code)  # `[tool.gradlint] severity`
    return result


def dedupe(findings: list[Finding]) -> list[Finding]:
    seen = set()
    out = []
    for finding in sorted(findings, key=Finding.sort_key):
        key = (finding.code, finding.start, finding.end, finding.message)
        if key not in seen:
            seen.add(key)
            out.append(finding)
    return out


def applies(finding: Finding, unsafe: bool) -> bool:
    if finding.fix is None:
        return False
    if finding.fix.applicability is Applicability.SAFE:
        return True
    return unsafe and finding.fix.applicability is Applicability.UNSAFE


def _overlaps(a: Edit, b: Edit) -> bool:
    if a == b:
        return False
    # insertions at the same point conflict too (their order would be arbitrary)
    if a.start == a.end and b.start == b.end:
        return a.start == b.start
    return a.start < b.end and b.start < a.end or (a.start == b.start)


def choose_edits(findings: list[Finding], unsafe: bool) -> tuple[list[Edit], int]:
    """Non-overlapping edits of the applicable fixes (identical edits shared) and how many fixes they are."""
    chosen: list[Edit] = []
    count = 0
    for finding in sorted(findings, key=lambda f: f.start):
        if not applies(finding, unsafe):
            continue
        edits = finding.fix.edits
        if any(_overlaps(e, c) for e in edits for c in chosen):
            continue
        for edit in edits:
            if edit not in chosen:
                chosen.append(edit)
        count += 1
    return chosen, count


@dataclass
class FixResult:
    text: str
    fixed: int
    remaining: LintResult


def fix_source(
    source: SourceText | str,
    path: str,
    settings: Settings | None = None,
    index: ProjectIndex | None = None,
    unsafe: bool = False,
    codes: frozenset[str] | None = None,
) -> FixResult:
    """Apply fixes until none is left to apply (bounded, like Ruff), re-checking the text after every round.

    A fix whose result would not compile (or not parse, for a file that did not
    compile to begin with) is left out and reported; the other fixes still apply.
    """
    if isinstance(source, str):
        source = SourceText(source)
    original = source
    strict = _compiles(source.text)
    fixed = 0
    problems: list[str] = []
    rejected: set = set()
    result = lint_source(source, path, settings, index, codes)
    # each round's starting text, fixed count and result: a text seen before means fixes undo each other
    history: list[tuple[str, int, LintResult]] = []
    applied: list[set[str]] = []
    for _ in range(MAX_FIX_ROUNDS):
        candidates = [f for f in result.findings if _fix_key(f) not in rejected]
        edits, count = choose_edits(candidates, unsafe)
        if not edits:
            break
        new_text = apply_edits(source, edits)
        seen = next((i for i, (text, _, _) in enumerate(history) if text == new_text), None)
        if seen is not None:
            # the fixes undo each other: stop at the state where the cycle began, and name them
            rules = sorted(set().union(*applied[seen:], {f.code for f in candidates if applies(f, unsafe)}))
            text, fixed, result = history[seen]
            source = SourceText(text, encoding=original.encoding, bom=original.bom)
            problems.append(f"{path}: the fixes for {', '.join(rules)} undo each other; stopped where they began "
                            "to repeat (a gradlint bug: please report it)")
            break
        if not _valid(new_text, strict):
            # find the fixes that break the file, one at a time, and go on without them
            for finding in candidates:
                if applies(finding, unsafe) and not _valid(apply_edits(source, list(finding.fix.edits)), strict):
                    rejected.add(_fix_key(finding))
                    problems.append(f"{path}:{finding.start.line}:{finding.start.column}: the fix for {finding.code} "
                                    f"would leave the file unparsable; not applied")
            if not any(_fix_key(f) in rejected for f in candidates):
                problems.append(f"{path}: the fixes together would leave the file unparsable; not applied")
                break
            continue
        history.append((source.text, fixed, result))
        applied.append({f.code for f in candidates if applies(f, unsafe)})
        fixed += count
        source = SourceText(new_text, encoding=original.encoding, bom=original.bom)
        result = lint_source(source, path, settings, index, codes)
    else:
        if choose_edits([f for f in result.findings if _fix_key(f) not in rejected], unsafe)[0]:
            problems.append(f"{path}: fixes did not converge after {MAX_FIX_ROUNDS} rounds; the last round was kept")
    result.errors.extend(dict.fromkeys(problems))
    return FixResult(text=source.text, fixed=fixed, remaining=result)


def _fix_key(finding: Finding):
    """The same fix in a later round (positions shift as other fixes apply)."""
    return finding.code, finding.message, tuple(edit.content for edit in finding.fix.edits) if finding.fix else ()


def _compiles(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<fixed>", "exec", dont_inherit=True)
        return True
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


def _valid(text: str, strict: bool) -> bool:
    """Fixed text must compile when the original did (parse is not enough: `return` outside a function parses)."""
    if strict:
        return _compiles(text)
    try:
        parse(text)
        return True
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


def read_or_error(path: str) -> tuple[SourceText | None, str | None]:
    try:
        return read_source(path), None
    except SourceError as exc:
        return None, f"{path}: {exc}"


def build_index(paths: list[str], texts: dict[str, str] | None = None) -> ProjectIndex:
    """The project index from every readable, parsable file."""
    summaries = []
    for path in paths:
        text = texts.get(path) if texts else None
        if text is None:
            source, _ = read_or_error(path)
            if source is None:
                continue
            text = source.text
        summary = summarize_source(text, path)
        if summary is not None:
            summaries.append(summary)
    return ProjectIndex(summaries)
