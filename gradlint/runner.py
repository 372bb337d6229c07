"""Run a whole `check`: discover files, build the project index, lint or fix each file.

    discover -> read + hash -> cache lookup
             -> pass 1: summaries of files the cache does not know; without --fix or --diff,
                from the same parse, the findings of those that may have some, linted
                against an index of their own file alone (parallel)
             -> project index
             -> cached or pass-1 results whose index answers hold in this index; prefilter
             -> pass 2: lint or fix the rest (parallel) -> cache write

Both passes use a process pool when there is enough work for it to pay off;
a handful of files stays in this process.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import os
import re
import time
from dataclasses import dataclass, field

from gradlint import collector, timings
from gradlint.analysis.module_paths import module_identity
from gradlint.config import Settings
from gradlint.discovery import discover
from gradlint.finding import Finding
from gradlint.notebook import NotebookSource, localize
from gradlint.source import FileChanged, FileStamp, SourceError, SourceText, decode, read_bytes, signals_held

# Below these a process pool costs more (fork, preloading the analysis, pickling) than it saves:
# about 0.2 s on 2 CPUs, the lint of some 500 kB
PARALLEL_MIN_FILES = 8
PARALLEL_MIN_BYTES = 500_000


@dataclass
class RunOutcome:
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # files read but with nothing to lint (a notebook without code cells), one line each
    warnings: list[str] = field(default_factory=list)
    fixed: int = 0
    diffs: list[str] = field(default_factory=list)
    files: int = 0
    # with timed=True: (path, phase, seconds) records and each file's line count (gradlint.timings)
    timings: list[tuple[str, str, float]] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)


@dataclass
class _File:
    path: str
    # the decoded file; None once this process needs it no more (without --fix or --diff, once read:
    # a run holds no texts, the workers read their files again, `_OnDisk`)
    source: SourceText | None
    size: int
    codes: frozenset[str]
    digest: str = ""
    # the file as it was read: fixes are written only over that same file
    stamp: FileStamp | None = None
    max_file_size: int | None = None
    lines: int = 0
    plain: bool = True  # Python source, not a notebook
    summarized: bool = False
    parses: bool = False  # has a summary
    # its FileSummary as JSON text (`to_json`), kept only for the cache (the index takes its own)
    summary: str | None = None
    entry_key: str = ""
    result_key: str = ""
    entry: dict | None = None
    # the settings of the configuration nearest to this file (None: the run's own)
    settings: Settings | None = None
    # pass 1's findings (linted against this file's own index), kept when the run's index agrees
    early: "_Checked | None" = None
    fires: bool | None = None  # might a selected rule report here (`_can_fire`)?


@dataclass
class _Checked:
    """What pass 2 produced for one file."""

    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    fixed: int = 0
    diff: str | None = None
    # with --fix: the fixed text, which the parent process writes (workers never write files)
    fixed_text: str | None = None
    # the index questions the result depends on; None: do not cache this result
    queries: dict | None = None
    cached: bool = False


def default_cache_dir(settings: Settings) -> str:
    """Next to the configuration file, else in the current folder (as Ruff does)."""
    from gradlint.cache import CACHE_FOLDER

    base = settings.root if settings.source else os.getcwd()
    return os.path.join(base, CACHE_FOLDER)


def run_check(paths: list[str], settings: Settings, *, fix: bool = False, unsafe: bool = False,
              diff: bool = False, force_exclude: bool = False, cache: bool = True,
              cache_dir: str | None = None, settings_for=None, timed: bool = False,
              progress=None) -> RunOutcome:
    """`settings_for(path)`, when given, picks each file's configuration (the nearest one);
    `timed` fills the outcome's timings (`--show-timings`); `progress` (a progress.Progress) hears
    of every file each pass finishes."""
    from gradlint.rules import all_rules, known_codes

    outcome = RunOutcome()
    known = known_codes()
    collector.freeze_startup()
    if timed:
        timings.start()
    with timings.phase("discover"):
        files = discover(paths, settings, force_exclude=force_exclude)
    outcome.files = len(files)
    store = _open_cache(settings, cache_dir) if cache else None
    units: list[_File] = []
    for path in files:
        file_settings = settings_for(path) if settings_for is not None else settings
        unit, error = _read(path, file_settings.codes_for(path, known), file_settings.max_file_size)
        if error:
            outcome.errors.append(error)
        else:
            unit.settings = file_settings if file_settings is not settings else None
            units.append(unit)
            if getattr(unit.source, "warning", None):
                outcome.warnings.append(f"{path}: {unit.source.warning}")
    # files named one by one (pre-commit, an editor): the rest of the project still informs the index,
    # unless no rule can report in any of them (no trigger word: no finding, whatever the index says)
    triggers = {rule.code: rule.triggers for rule in all_rules()}
    needed = any(_can_fire(unit, triggers) for unit in units)
    context = _project_context(paths, units, settings, force_exclude) if needed else []
    if store is not None:
        _look_up(store, units + context, settings)
    if not (fix or diff):
        # only --fix and --diff use a text again here (to write or show it): the workers read their
        # files themselves, so that this process, which the workers are forked from, holds no texts
        for unit in units + context:
            _can_fire(unit, triggers)
            unit.source = None

    # pass 1: every file's contribution to the project index, with the findings of those that may have some
    unknown = [u for u in units + context if not u.summarized]
    named = {id(u) for u in units}
    jobs = [(u.path, _job_source(u), u.codes, u.settings, not (fix or diff) and id(u) in named and u.plain
             and _can_fire(u, triggers)) for u in unknown]
    first_state = (settings, None, (fix, unsafe, diff)) if any(job[-1] for job in jobs) else None
    fresh = {}
    for unit, (summary, early) in zip(unknown, _map(_summarize_job, jobs, _weights(unknown), first_state,
                                                   on_done=_reporter(progress, "indexing", len(jobs)))):
        unit.summarized, unit.parses, unit.early = True, summary is not None, early
        unit.summary = summary if store is not None else None  # without a cache, only the index needs it
        fresh[id(unit)] = summary
    # in the files' order, whichever pass made them (the index is the same on a cold and a warm run)
    index = _LazyIndex([fresh.get(id(u), u.summary) for u in units + context if u.parses])
    del fresh
    answers, answers_key, project = _known_answers(store, units + context)
    known = len(answers)
    if store is not None:
        for unit in context:
            if unit.entry is None or "summary" not in unit.entry:
                _remember(store, unit, _Checked())

    # pass 2: cached and pass-1 results whose index answers hold, the prefilter, then the rest
    from gradlint.cache import answers_hold

    checked: dict[str, _Checked] = {}
    todo: list[_File] = []
    for unit in units:
        cached = _cached_result(unit, index, answers) if store is not None else None
        if cached is not None and not ((fix or diff) and _has_fix(cached, unsafe)):
            checked[unit.path] = cached
        elif unit.parses and not _can_fire(unit, triggers):
            checked[unit.path] = _Checked(queries={})
        elif unit.early is not None and unit.early.queries is not None and answers_hold(index, unit.early.queries, answers):
            checked[unit.path] = unit.early
        else:
            todo.append(unit)
        unit.early = None
    jobs = [(u.path, _job_source(u), u.codes, u.settings) for u in todo]
    state = (settings, index.built() if todo else None, (fix, unsafe, diff))
    for unit, result in zip(todo, _map(_check_job, jobs, _weights(todo), state,
                                       on_done=_reporter(progress, "checking", len(jobs)))):
        checked[unit.path] = result
        if result.fixed_text is not None:
            _write_fixes(unit, result, unit.settings or settings, index.built())
    if store is not None:
        for unit in units:
            _remember(store, unit, checked[unit.path])
            # every result kept was computed with (or checked against) this run's index
            answers.update(checked[unit.path].queries or {})
        if len(answers) > known:
            store.store_answers(answers_key, project, answers)

    for unit in units:
        result = checked[unit.path]
        outcome.findings.extend(result.findings)
        outcome.errors.extend(result.errors)
        outcome.fixed += result.fixed
        if result.diff:
            outcome.diffs.append(result.diff)
    if timed:
        outcome.timings = timings.stop()
        outcome.lines = {u.path: u.lines for u in units + context}
    return outcome


def _project_context(paths: list[str], units: list[_File], settings: Settings, force_exclude: bool) -> list[_File]:
    """When only files are named, the other Python files of their project, read for the index only.

    The project is the folder of the configuration file, else the git repository of the
    first file (`discovery.project_root`); without either, the named files are the whole project.
    """
    from gradlint.discovery import DiscoveryError, project_root

    if not all(os.path.isfile(p) for p in paths):
        return []
    root = project_root(paths[0], settings)
    if not root:
        return []
    try:
        others = discover([root], settings)
    except DiscoveryError:
        return []
    named = {os.path.realpath(u.path) for u in units}
    candidates = []
    for path in others:
        real = os.path.realpath(path)
        if real in named:
            continue
        named.add(real)
        unit, error = _read(path, frozenset(), settings.max_file_size)
        if unit is not None:
            candidates.append(unit)
    return _related_files(units, candidates)


DEFINED = re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]+(\w+)", re.MULTILINE)


def _names(text: str) -> set[str]:
    """The functions a file defines: other files' call sites of them are what the index needs."""
    from gradlint.analysis.call_keys import UNINDEXED

    return {name for name in DEFINED.findall(text) if name not in UNINDEXED and not name.startswith("__")}


def _related_files(units: list[_File], candidates: list[_File]) -> list[_File]:
    """The candidates the index needs for the named files:

    - those that mention a function the named files define: their call sites (one level: a
      caller's own callers are not followed; without them the caller counts as running with grad
      enabled, so nothing is silenced that should not be);
    - the project modules the named files import, and the ones those import (a grad-disabling
      decorator such as `@smart_inference_mode()` defined in `utils`, re-exported by a package's
      `__init__`; two levels): without them a wrapper reads as plain code and its forwards as run
      with grad."""
    names = set().union(*(_names(u.source.text) for u in units))
    # one search per file for any of the names as a word, however many names
    mention = re.compile(r"\b(?:%s)\b" % "|".join(map(re.escape, sorted(names)))) if names else None
    related = [u for u in candidates if mention is not None and any(n in u.source.text for n in names)
               and mention.search(u.source.text)]
    return related + [u for u in _imported_files(units, candidates) if u not in related]


IMPORT_FROM = re.compile(r"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+\(?([\w ,\t]+)", re.MULTILINE)
IMPORT = re.compile(r"^[ \t]*import[ \t]+([\w.]+)", re.MULTILINE)
IMPORT_DEPTH = 2  # imports and their imports: a wrapper re-exported by a package's `__init__`, not the whole project


def _imported_files(units: list[_File], candidates: list[_File]) -> list[_File]:
    """The candidates that the named files import, transitively up to IMPORT_DEPTH levels."""
    by_module = {}
    for unit in candidates:
        by_module.setdefault(module_identity(unit.path)[0], unit)
    found: list[_File] = []
    frontier, seen = list(units), {id(u) for u in units}
    for _ in range(IMPORT_DEPTH):
        following = []
        for unit in frontier:
            for module in _imported_modules(unit):
                target = by_module.get(module)
                if target is not None and id(target) not in seen:
                    seen.add(id(target))
                    found.append(target)
                    following.append(target)
        frontier = following
    return found


def _imported_modules(unit: _File) -> set[str]:
    """The dotted module names a file's import statements may load (`from a.b import c`: `a.b`
    and `a.b.c`; relative imports resolved from the file's package), read from its text."""
    from gradlint.analysis.names import absolute_module  # only for files named alone: warm runs never need it

    text = unit.source.text if unit.source is not None else ""
    _, package = module_identity(unit.path)
    modules = set(IMPORT.findall(text))
    for dots, module, imported in IMPORT_FROM.findall(text):
        module = absolute_module(module or None, len(dots), package)
        if not module:
            continue
        modules.add(module)
        modules.update(f"{module}.{name.split()[0]}" for name in imported.split(",") if name.strip())
    return modules


def _open_cache(settings: Settings, cache_dir: str | None):
    from gradlint.cache import Cache

    return Cache(cache_dir or default_cache_dir(settings))


def _look_up(store, units: list[_File], settings: Settings) -> None:
    """Each file's cache entry, and its summary when the entry has one."""
    fingerprint = settings.fingerprint()
    for unit in units:
        unit.entry_key = store.entry_key(unit.path)
        unit.result_key = store.result_key(unit.settings.fingerprint() if unit.settings else fingerprint, unit.codes)
        with timings.phase("cache", unit.path):
            unit.entry = store.load(unit.entry_key)
        if unit.entry is not None and unit.entry.get("digest") != unit.digest:
            unit.entry = None  # written for other contents of this file: replaced below
        if unit.entry is not None and "summary" in unit.entry:
            unit.summary = unit.entry["summary"]  # its shape was checked when it was written
            unit.summarized = True
            unit.parses = unit.summary is not None


class _LazyIndex:
    """The project index, built on first use (a warm run whose every question a former run over
    the same files answered needs none) from the files' summaries as JSON text, one summary
    object at a time."""

    def __init__(self, summaries: list[str]):
        self._summaries = summaries
        self._index = None

    def built(self):
        if self._index is None:
            from gradlint.analysis.project import ProjectIndex
            from gradlint.analysis.summaries import FileSummary

            with timings.phase("index"):
                self._index = ProjectIndex(FileSummary.from_json(text) for text in self._summaries)
            self._summaries = None
        return self._index

    def __getattr__(self, name: str):
        return getattr(self.built(), name)


def _known_answers(store, units: list[_File]) -> tuple[dict, str | None, str | None]:
    """The project index's answers a former run over exactly these files, with these contents,
    stored; the key they are stored under; the digest of the files."""
    if store is None:
        return {}, None, None
    digest = hashlib.blake2b(digest_size=16)
    for path, content in sorted((os.path.abspath(u.path), u.digest) for u in units):
        digest.update(f"{path}\0{content}\0".encode())
    key, project = store.answers_key([u.path for u in units]), digest.hexdigest()
    with timings.phase("cache"):
        answers = store.load_answers(key, project)
    return answers or {}, key, project


def _cached_result(unit: _File, index, answers: dict) -> _Checked | None:
    from gradlint.cache import answers_hold

    if unit.entry is None:
        return None
    result = unit.entry["results"].get(unit.result_key)
    if result is None or not answers_hold(index, result["queries"], answers):
        return None
    findings = [Finding.from_dict(data) for data in result["findings"]]  # shapes checked by Cache.load
    for finding in findings:
        finding.path = unit.path
    return _Checked(findings=findings, cached=True)


def _remember(store, unit: _File, result: _Checked) -> None:
    """Store a fresh summary, and a fresh result that is safe to serve again (no errors, file unchanged)."""
    from gradlint.cache import add_result

    reusable = not (result.cached or result.queries is None or result.errors or result.fixed or result.diff)
    if unit.entry is not None and "summary" in unit.entry and not reusable:
        return
    entry = unit.entry or {"digest": unit.digest, "results": {}}
    entry["summary"] = unit.summary
    if not reusable:
        store.store(unit.entry_key, entry)
        return
    data = {"queries": result.queries, "findings": [f.to_dict() for f in result.findings]}
    store.store(unit.entry_key, add_result(entry, unit.result_key, data))


def _read(path: str, codes: frozenset[str], max_file_size: int | None = None) -> tuple[_File | None, str | None]:
    try:
        with timings.phase("read", path):
            data, stamp = read_bytes(path, max_file_size)  # a FIFO, a device or a huge file is refused
            source = decode(path, data)  # a notebook: the program its code cells make
    except SourceError as exc:
        return None, f"{path}: {exc}"
    # what the file's summary is a function of: its bytes, and its module name (the `__init__.py`
    # files around it), so that a package made around a file is not read from a stale entry
    identity = ":".join(module_identity(path))
    return _File(path, source, len(data), codes, digest=f"{stamp.digest}:{identity}", stamp=stamp,
                 max_file_size=max_file_size, lines=source.text.count("\n"),
                 plain=type(source) is SourceText), None


@dataclass(frozen=True)
class _OnDisk:
    """A file a job reads itself (the parent keeps no text): the very bytes that were read, or an error."""

    path: str
    digest: str  # of the bytes read first
    max_size: int | None

    def load(self) -> SourceText:
        data, stamp = read_bytes(self.path, self.max_size)
        if stamp.digest != self.digest:
            raise SourceError("changed while gradlint was running; not checked")
        return decode(self.path, data)


def _job_source(unit: _File) -> "SourceText | _OnDisk":
    if unit.source is not None:
        return unit.source
    return _OnDisk(unit.path, unit.stamp.digest, unit.max_file_size)


def _loaded(source: "SourceText | _OnDisk") -> SourceText:
    return source.load() if isinstance(source, _OnDisk) else source


def _write_fixes(unit: _File, result: _Checked, settings: Settings, index) -> None:
    """Write a worker's fixed text over the file, if the file is still the one that was read
    (with --fix this process keeps every file's source).

    When it cannot be written, the findings reported are the original's, as if nothing was fixed.
    """
    from gradlint.engine import lint_source
    from gradlint.source import write_atomic

    try:
        write_atomic(unit.path, unit.source.to_bytes(result.fixed_text), expected=unit.stamp)
        return
    except FileChanged:
        result.errors.append(f"{unit.path}: changed while gradlint was running; fixes not written")
    except OSError as exc:
        result.errors.append(f"{unit.path}: cannot write fixes: {exc.strerror or exc}")
    except SourceError as exc:  # a notebook whose fixed cells cannot be written back byte-faithfully
        result.errors.append(f"{unit.path}: cannot write fixes: {exc}; the file is left as it was")
    result.fixed, result.fixed_text = 0, None
    found = lint_source(unit.source, unit.path, settings, index, unit.codes).findings
    result.findings = localize(unit.source, found, unit.codes, settings, unit.path)


def _can_fire(unit: _File, triggers: dict[str, tuple[str, ...]]) -> bool:
    """Might any selected rule report in this file? (A rule without triggers always might.)"""
    if unit.fires is None:
        unit.fires = _triggered(unit, triggers)
    return unit.fires


def _triggered(unit: _File, triggers: dict[str, tuple[str, ...]]) -> bool:
    text = unit.source.text
    if isinstance(unit.source, NotebookSource) and unit.source.broken_cells:
        return True  # GL000 for the cells that do not parse
    for code in unit.codes:
        words = triggers.get(code)
        if words is None:
            continue  # GL000: a file that parsed has no syntax error
        if not words or any(word in text for word in words):
            return True
    return False


def _has_fix(result: _Checked, unsafe: bool) -> bool:
    from gradlint.engine import applies

    return any(applies(f, unsafe) for f in result.findings)


# -- the work, in this process or in a pool ------------------------------------------

_WORKER_STATE: tuple | None = None
_IN_WORKER = False  # a pool worker: its freed memory goes back to the system (`_one_file`)
# a pass-1 file that took this much CPU freed enough to hand back (most take a few milliseconds)
TRIM_AFTER_S = 0.05


def _summarize_job(job) -> tuple[str | None, "_Checked | None"]:
    """A file's summary (JSON text); with `lint`, also its findings against an index of its own (pass 1)."""
    from gradlint.engine import summarize_and_lint, summarize_source

    path, source, codes, file_settings, lint = job
    try:
        source = _loaded(source)
    except SourceError:
        return None, None  # changed or gone since it was read: pass 2 says so, if it is a file to check
    if not lint:
        return _checked_text(summarize_source(source.text, path)), None
    summary, result, queries = summarize_and_lint(source, path, file_settings or _WORKER_STATE[0], codes)
    return _checked_text(summary), _Checked(findings=result.findings, errors=result.errors, queries=queries)


def _checked_text(summary) -> str | None:
    """The summary as JSON text, checked against its annotations here, in the worker (a summary
    of the wrong shape, a bug, adds nothing to the index rather than breaking it)."""
    from gradlint.cache import valid_summary

    if summary is None:
        return None
    text = summary.to_json()
    return text if valid_summary(text) else None


def _init_worker(settings: Settings, index, mode: tuple) -> None:
    global _WORKER_STATE
    _WORKER_STATE = (settings, index, mode)


def _check_job(job) -> _Checked:
    """Lint (or fix) one file with the index given to this worker; a notebook's findings in cell positions."""
    path, source, codes, file_settings = job
    try:
        source = _loaded(source)
    except SourceError as exc:
        return _Checked(errors=[f"{path}: {exc}"])
    out = _check_file(path, source, codes, file_settings)
    out.findings = localize(source, out.findings, codes, file_settings or _WORKER_STATE[0], path)
    return out


def _check_file(path: str, source: SourceText, codes: frozenset[str], file_settings: Settings | None) -> _Checked:
    from gradlint.cache import RecordingIndex
    from gradlint.engine import fix_source, lint_source

    settings, index, (fix, unsafe, diff) = _WORKER_STATE
    settings = file_settings or settings
    recorder = RecordingIndex(index)
    out = _Checked()
    if not (fix or diff):
        result = lint_source(source, path, settings, recorder, codes)
        out.findings, out.errors = result.findings, result.errors
    else:
        result = fix_source(source, path, settings, recorder, unsafe=unsafe, codes=codes)
        out.findings, out.errors = result.remaining.findings, list(result.remaining.errors)
        if result.text != source.text:
            # the file (or the diff) changes: report what the original has, cache nothing
            out.queries = None
            if diff:
                out.findings = lint_source(source, path, settings, index, codes).findings
                try:
                    out.diff = source.diff(path, result.text) if isinstance(source, NotebookSource) else \
                        unified_diff(path, source.text, result.text)
                except SourceError as exc:  # fixed cells that cannot go back into the notebook
                    out.errors.append(f"{path}: cannot show the fixes: {exc}")
                return out
            out.fixed, out.fixed_text = result.fixed, result.text
            return out
    out.queries = recorder.queries if recorder.exact else None
    return out


def _workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _weights(units: list[_File]) -> list[int]:
    return [u.size for u in units]


def _one_file(function, timed: bool, job):
    """One job, with the collector out of the way (gradlint.collector); with `timed`, the
    result comes with the job's timing records (a pool worker's are sent back with it).

    In a pool worker, what the job freed goes back to the system after every pass-2 file (a few
    hundred, the big ones among them) and after pass-1 files that took long: otherwise each
    worker keeps the high-water mark of the biggest file it analysed."""
    started = time.process_time()
    with collector.one_file():
        result = function(job)
    if _IN_WORKER and (function is _check_job or time.process_time() - started > TRIM_AFTER_S):
        _return_free_memory()
    return (result, timings.take()) if timed else result


def _reporter(progress, stage: str, total: int):
    """A callback for _map that tells progress how many of total files are done."""
    if progress is None:
        return None
    count = iter(range(1, total + 1))
    return lambda: progress.update(stage, next(count), total)


def _map(function, jobs: list, weights: list[int], state: tuple | None = None, on_done=None) -> list:
    """function over jobs, in order; in a process pool when the work is big enough. `on_done()` is
    called as each job's result arrives."""
    workers = min(_workers(), len(jobs))
    if workers < 2 or len(jobs) < PARALLEL_MIN_FILES or sum(weights) < PARALLEL_MIN_BYTES:
        if state is not None:
            _init_worker(*state)
        results = []
        for job in jobs:
            results.append(_one_file(function, False, job))
            if on_done is not None:
                on_done()
        return results
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if state is not None:
        _preload_for_lint()
    _return_free_memory()

    # fork shares the loaded modules with the workers; elsewhere a fresh interpreter
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    # big files first, so no worker is left with a large one at the end
    order = sorted(range(len(jobs)), key=lambda i: -weights[i])
    results: list = [None] * len(jobs)
    timed = timings.measuring()
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker,
                               initargs=(state, os.getpid(), timed))
    previous = _on_sigterm_kill(pool)
    try:
        chunk = max(1, len(jobs) // (workers * 8))
        # map submits every job and starts the workers at once. Signals wait until it is done: Python
        # swallows an exception raised inside its at-fork callbacks (Ctrl-C would be lost), and each
        # worker starts with them held until it has set its own handlers.
        with signals_held():
            done = pool.map(functools.partial(_one_file, function, timed), [jobs[i] for i in order], chunksize=chunk)
        for i, result in zip(order, done):
            if timed:
                result, records = result
                timings.add(records)
            results[i] = result
            if on_done is not None:
                on_done()
    except BaseException:
        # Ctrl-C or an error: drop the queued work and end the workers (they write nothing)
        _stop(pool)
        raise
    finally:
        _restore_sigterm(previous)
    pool.shutdown()
    return results


def _return_free_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc only; elsewhere nothing happens).

    glibc keeps freed pages in the heap. Before forking workers this matters most: building the
    index frees the summaries' JSON texts and the objects parsed from them, and each forked
    worker would count those pages again (about 70 MB of the large corpus's peak, summed PSS)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim():
    """glibc's malloc_trim, looked up once per process; None where there is none."""
    import ctypes

    try:
        return ctypes.CDLL(None).malloc_trim  # the symbols of the running program, libc's among them
    except (OSError, AttributeError, TypeError):
        return None  # not glibc (macOS, musl, Windows)


def _preload_for_lint() -> None:
    """What linting imports on first use, imported once before the workers fork rather than in
    each (libcst builds the fixes; about 0.15 s apiece)."""
    import gradlint.analysis.flow  # noqa: F401
    import gradlint.analysis.modules  # noqa: F401
    import libcst  # noqa: F401


def _on_sigterm_kill(pool):
    """While the pool runs, SIGTERM kills its workers, then ends this process as SIGTERM would.

    Returns the previous handler; None outside the main thread.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None

    def terminated(signum, frame):
        _kill_workers(pool)
        _die_of_sigterm()

    return signal.signal(signal.SIGTERM, terminated)


def _restore_sigterm(previous) -> None:
    import signal

    if previous is not None:
        signal.signal(signal.SIGTERM, previous)


def _die_of_sigterm() -> None:
    """End this process as SIGTERM's default action would, exit status included."""
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)
    os._exit(128 + signal.SIGTERM)  # not reached where SIGTERM is a real signal


def _kill_workers(pool) -> list:
    """SIGKILL every worker process of the pool; returns them."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        try:
            process.kill()
        except (OSError, ValueError, AttributeError):
            pass
    return processes


def _stop(pool) -> None:
    """Cancel the queued jobs, kill the worker processes and reap them."""
    pool.shutdown(wait=False, cancel_futures=True)
    processes = _kill_workers(pool)
    for process in processes:
        try:
            process.join(timeout=2)
        except (OSError, ValueError, AssertionError):
            pass


def _start_worker(state: tuple | None, parent: int, timed: bool) -> None:
    import signal

    from gradlint.source import HELD_SIGNALS

    # Ctrl-C reaches the whole process group: only the parent answers it (with one line)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # a forked worker inherits the parent's SIGTERM handler; a worker dies of SIGTERM plainly
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, HELD_SIGNALS)  # held by the parent while it forked us
    from gradlint.process_lifetime import die_with_parent

    die_with_parent(parent)  # SIGKILL when the parent dies, however it ends
    global _IN_WORKER
    _IN_WORKER = True
    if state is not None:
        _init_worker(*state)
    collector.forked()
    if timed:
        timings.start()


def run_stdin(text: str, filename: str, settings: Settings, *, fix: bool, unsafe: bool, diff: bool) -> tuple[RunOutcome, str]:
    """Lint (or fix) text read from standard input as if it were `filename`."""
    from gradlint.engine import fix_source, lint_source
    from gradlint.rules import known_codes

    outcome = RunOutcome(files=1)
    source = SourceText(text)
    codes = settings.codes_for(filename, known_codes())
    if fix or diff:
        result = fix_source(source, filename, settings, None, unsafe=unsafe, codes=codes)
        outcome.fixed = result.fixed
        outcome.findings = result.remaining.findings
        outcome.errors = result.remaining.errors
        if diff and result.text != text:
            outcome.diffs.append(unified_diff(filename, text, result.text))
        return outcome, result.text
    result = lint_source(source, filename, settings, None, codes)
    outcome.findings = result.findings
    outcome.errors = result.errors
    return outcome, text


def unified_diff(path: str, old: str, new: str) -> str:
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), fromfile=path, tofile=path
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def display_path(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel
