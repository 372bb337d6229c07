"""The on-disk cache of per-file results, like Ruff's: a folder that is safe to delete.

One entry per file path, replaced when the file changes (so the folder grows
with the number of files, not with their edits). It holds the digest of the
content it describes, the file's project-index summary and, per settings, its
findings together with the project-index answers those findings were computed
with. A result is served only when:

- the gradlint version and the code of the installed gradlint package are the
  ones that wrote it (the entry folder is named after both);
- the file's bytes (their digest is in the entry), its path (it names the
  entry), the settings fingerprint and the codes selected for that path (they
  name the result in the entry) are the same;
- every question the rules asked the project index (is `clip` only called under
  no_grad? is `Encoder` a Module subclass?) gets the same answer from this run's
  index, so a change in another file invalidates exactly the files that read it.

Entries are checked against the types they are read back as (a missing key, a
value of the wrong type, nesting deeper than any entry has) before they are
written, then written atomically (temporary file, then rename) with a seal, the
digest of their text; an entry that is unreadable, not JSON, or not sealed as
written (edited or damaged) is a miss, never an error.

The folder is the user's disk: gradlint writes a CACHEDIR.TAG into it and a
marker file into each version folder it creates, refuses a folder that is not
empty and has no such tag (`--cache-dir .` must never touch a repository), and
removes only version folders that carry its marker, and inside them only files
named like its entries.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import stat
import sys
import types
import typing

import gradlint
from gradlint.config import ConfigError
from gradlint.source import replace_file

CACHE_FOLDER = ".gradlint_cache"
CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by gradlint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)
# in each version folder gradlint creates: what proves the folder is gradlint's to delete
MARKER = "GRADLINT_CACHE"
MARKER_TEXT = "gradlint cache entries of one gradlint build; safe to delete\n"
# results kept per entry: enough for switching between a few configurations
MAX_RESULTS = 4


class CacheDirError(ConfigError):
    """A cache folder gradlint may not use: a bad option value (one line, exit 2)."""


def _package_stamp() -> str:
    """A digest of gradlint's own source: an edited rule must not reuse old results."""
    digest = hashlib.blake2b(digest_size=10)
    root = os.path.dirname(os.path.abspath(gradlint.__file__))
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                digest.update(os.path.relpath(path, root).encode())
                try:
                    with open(path, "rb") as handle:
                        digest.update(handle.read())
                except OSError:
                    digest.update(b"?")
    return digest.hexdigest()


def version_key() -> str:
    """The folder name for this gradlint: its version, the Python minor version and a source digest."""
    version = "".join(c if c.isalnum() or c in ".-" else "_" for c in str(gradlint.__version__))
    return f"{version}-py{sys.version_info[0]}{sys.version_info[1]}-{_package_stamp()}"


# -- what a result depends on in the project index ------------------------------


def _answer(value):
    """A JSON-comparable form of what the index answered."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (set, frozenset)):
        return sorted(map(repr, value))
    if isinstance(value, (list, tuple)):
        return [_answer(v) for v in value]
    return repr(value)  # an enum member such as GradMode.DISABLED, or anything else with a stable repr


_PLAIN = (str, int, float, bool, type(None))


class RecordingIndex:
    """Wraps a ProjectIndex and writes down every question asked and its answer.

    Method calls with plain arguments and membership tests on set attributes are
    recorded one by one; any other use records the whole attribute. When a use
    cannot be recorded, `exact` turns False and the result is not cached.
    """

    def __init__(self, index):
        self._index = index
        self.queries: dict[str, object] = {}
        self.exact = True

    def __getattr__(self, name: str):
        value = getattr(self._index, name)
        if name.startswith("_"):
            self.exact = False  # the index's internals: no way to replay that question
            return value
        if callable(value):
            return self._recording_method(name, value)
        if isinstance(value, (set, frozenset)):
            return _RecordingSet(self, name, value)
        self.queries[json.dumps(["attr", name])] = _answer(value)
        return value

    def _recording_method(self, name, method):
        def call(*args, **kwargs):
            result = method(*args, **kwargs)
            if kwargs:  # recorded by position, so that replaying it is one plain call
                import inspect

                try:
                    args = inspect.signature(method).bind(*args, **kwargs).args
                except TypeError:
                    args = None
            if args is None or not all(isinstance(a, _PLAIN) for a in args):
                self.exact = False
            else:
                self.queries[json.dumps(["call", name, list(args)])] = _answer(result)
            return result

        return call


class _RecordingSet:
    """A read-only view of a set attribute of the index that records membership tests."""

    def __init__(self, recorder: RecordingIndex, name: str, value):
        self._recorder = recorder
        self._name = name
        self._value = value

    def __contains__(self, item) -> bool:
        found = item in self._value
        if isinstance(item, _PLAIN):
            self._recorder.queries[json.dumps(["in", self._name, item])] = found
        else:
            self._recorder.exact = False
        return found

    def _whole(self):
        self._recorder.queries[json.dumps(["attr", self._name])] = _answer(self._value)
        return self._value

    def __iter__(self):
        return iter(self._whole())

    def __len__(self) -> int:
        return len(self._whole())

    def __bool__(self) -> bool:
        return bool(self._whole())

    def __getattr__(self, name: str):
        return getattr(self._whole(), name)


def answers_hold(index, queries: dict, memo: dict | None = None) -> bool:
    """Does this index answer every recorded question as before?

    `memo` holds the answers already known for this index (question -> answer): each
    question is put to the index once per run, however many files asked it, and not at
    all when a former run over the same files answered it (`Cache.load_answers`)."""
    try:
        for key, expected in queries.items():
            if memo is not None and key in memo:
                actual = memo[key]
            else:
                actual = _ask(index, key)
                if memo is not None:
                    memo[key] = actual
            if actual != expected:
                return False
    except Exception:  # a question this index cannot answer: not the same index
        return False
    return True


def _ask(index, key: str):
    kind, name, *rest = json.loads(key)
    value = getattr(index, name)
    if kind == "call":
        return _answer(value(*rest[0]))
    if kind == "in":
        return rest[0] in value
    return _answer(value)


# -- the store -----------------------------------------------------------------


class Cache:
    """Per-file entries under `<folder>/<version key>/<xx>/<entry key>`."""

    def __init__(self, folder: str):
        self.folder = os.path.abspath(folder)
        self.version = version_key()
        self.root = os.path.join(self.folder, self.version)
        self._prepared = False
        refuse_foreign_folder(folder)

    @staticmethod
    def entry_key(path: str) -> str:
        return hashlib.blake2b(os.path.abspath(path).encode(), digest_size=20).hexdigest()

    @staticmethod
    def result_key(settings_fingerprint: str, codes) -> str:
        raw = f"{settings_fingerprint}\0{','.join(sorted(codes))}"
        return hashlib.blake2b(raw.encode(), digest_size=12).hexdigest()

    @staticmethod
    def answers_key(paths) -> str:
        """The entry holding the project index's answers for a run over these files."""
        raw = "\0".join(sorted(os.path.abspath(p) for p in paths))
        return hashlib.blake2b(f"answers\0{raw}".encode(), digest_size=20).hexdigest()

    def _path(self, key: str) -> str:
        return os.path.join(self.root, key[:2], key)

    def load(self, key: str) -> dict | None:
        """The entry, or None when missing, unreadable, or not exactly what `store` wrote."""
        entry = self._read_sealed(key)
        return entry if type(entry) is dict else None

    def store(self, key: str, entry: dict) -> None:
        """Write atomically, sealed; an entry of the wrong shape is not written, and a cache that
        cannot be written is silently skipped."""
        self._write_sealed(key, entry, valid_entry)

    def load_answers(self, key: str, project: str) -> dict | None:
        """The answers the project index gave in a former run over the same files with the same
        contents (`project`: their digest), or None."""
        found = self._read_sealed(key)
        if type(found) is not dict or found.get("project") != project or type(found.get("answers")) is not dict:
            return None
        return found["answers"]

    def store_answers(self, key: str, project: str, answers: dict) -> None:
        self._write_sealed(key, {"project": project, "answers": answers}, _valid_answers)

    def _read_sealed(self, key: str):
        try:
            with open(self._path(key), "rb") as handle:
                text = handle.read().decode("utf-8")
            head, mark, tail = text.rpartition(SEAL_MARK)
            body = head + "}"
            if not mark or len(tail) != SEAL_LENGTH + 2 or tail[-2:] != '"}' or tail[:-2] != _digest(body):
                return None
            return json.loads(body)
        except (OSError, ValueError, RecursionError):
            return None

    def _write_sealed(self, key: str, data: dict, valid) -> None:
        try:
            text = json.dumps(data, separators=SEPARATORS)
            if not valid(json.loads(text)):  # checked as `load` will read it: JSON lists, plain strings
                return
            self._prepare()
            path = self._path(key)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            # the seal as the object's last key (a valid entry is a non-empty object: text ends in "}")
            sealed = f'{text[:-1]}{SEAL_MARK}{_digest(text)}"}}'
            replace_file(path, sealed.encode("utf-8"))
        except (OSError, TypeError, ValueError, RecursionError):
            pass

    def _prepare(self) -> None:
        """Create the folder with its CACHEDIR.TAG and this build's marked folder; prune older builds' folders."""
        if self._prepared:
            return
        self._prepared = True
        os.makedirs(self.root, exist_ok=True)
        for name, text in ((os.path.join(self.folder, "CACHEDIR.TAG"), CACHEDIR_TAG),
                           (os.path.join(self.folder, ".gitignore"), "# Automatically created by gradlint.\n*\n"),
                           (os.path.join(self.root, MARKER), MARKER_TEXT)):
            if not os.path.exists(name):
                with open(name, "w", encoding="utf-8") as handle:
                    handle.write(text)
        for name in os.listdir(self.folder):
            if name != self.version:
                _remove_version_folder(os.path.join(self.folder, name))


SEPARATORS = (",", ":")
SEAL_MARK = ',"seal":"'
SEAL_LENGTH = 32  # hex digits of the digest


def _digest(text: str) -> str:
    """An entry's seal: the digest of its JSON text, as written. `store` checked the entry's whole
    shape as JSON before writing it, so an entry whose text still has that digest is what was
    checked and `load` need not check it again; an entry edited, damaged or written by anything
    else is a miss."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


# -- the folder: never delete what gradlint did not make -------------------------

ENTRY_NAME = re.compile(r"[0-9a-f]{40}|\.gradlint-.*\.tmp")
SHARD_NAME = re.compile(r"[0-9a-f]{2}")


def _read_small(path: str, limit: int = 4096) -> str | None:
    """A small regular file's text (not through a link), else None."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        with open(path, "rb") as handle:
            return handle.read(limit).decode("utf-8", "replace")
    except OSError:
        return None


def is_gradlint_cache(folder: str) -> bool:
    """Does the folder carry the CACHEDIR.TAG gradlint writes?"""
    text = _read_small(os.path.join(folder, "CACHEDIR.TAG"))
    return text is not None and text.startswith(CACHEDIR_TAG.splitlines()[0]) and "created by gradlint" in text


def refuse_foreign_folder(folder: str) -> None:
    """CacheDirError for a folder that exists, is not empty and is not a gradlint cache.

    A missing folder is created at the first write; a file in its place, or a
    folder that cannot be read, only means nothing gets cached.
    """
    try:
        names = os.listdir(folder)
    except OSError:
        return
    if names and not is_gradlint_cache(folder):
        raise CacheDirError(f"{folder}: not a gradlint cache directory (it is not empty and has no CACHEDIR.TAG "
                            "written by gradlint); use a new or empty folder for --cache-dir")


def _remove_version_folder(folder: str) -> None:
    """Delete another gradlint build's entries: only a real folder with gradlint's marker, and in it
    only the shard folders and entry files gradlint names; anything else there stays, and so does the folder."""
    if _read_small(os.path.join(folder, MARKER)) != MARKER_TEXT:
        return
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        shard = os.path.join(folder, name)
        if not SHARD_NAME.fullmatch(name) or not os.path.isdir(shard) or os.path.islink(shard):
            continue
        try:
            for entry in os.listdir(shard):
                if ENTRY_NAME.fullmatch(entry):
                    os.unlink(os.path.join(shard, entry))
            os.rmdir(shard)
        except OSError:
            pass
    try:
        if os.listdir(folder) == [MARKER]:
            os.unlink(os.path.join(folder, MARKER))
            os.rmdir(folder)
    except OSError:
        pass


# -- what an entry may hold: anything else is a miss ---------------------------------


def _is_int(value) -> bool:
    return type(value) is int and value >= 1


def _one_of(value, strings: set[str]) -> bool:
    return type(value) is str and value in strings


def _is_str_list(value) -> bool:
    return type(value) is list and all(type(v) is str for v in value)


def _is_position(value) -> bool:
    return type(value) is dict and _is_int(value.get("row")) and _is_int(value.get("column"))


def _is_span(value) -> bool:
    return type(value) is dict and _is_position(value.get("location")) and _is_position(value.get("end_location"))


def _is_fix(value) -> bool:
    from gradlint.finding import Applicability

    if value is None:
        return True
    return (type(value) is dict and _one_of(value.get("applicability"), {a.value for a in Applicability})
            and type(value.get("message")) is str and type(value.get("edits")) is list
            and all(_is_span(e) and type(e.get("content")) is str for e in value["edits"]))


def _is_finding(value) -> bool:
    """The shape Finding.to_dict writes."""
    return (_is_span(value) and all(type(value.get(k)) is str for k in ("code", "name", "message", "filename"))
            and "fix" in value and _is_fix(value["fix"]) and type(value.get("url", "")) is str
            and value.get("severity") in ("error", "warning", "info")  # an entry from before severities: a miss
            and (value.get("cell") is None or _is_int(value["cell"])))


def _is_answer(value, depth: int = 0) -> bool:
    """What _answer makes: a JSON scalar, or lists of them (not nested deeper than any index answer is)."""
    if value is None or type(value) in (str, int, float, bool):
        return True
    return type(value) is list and depth < 8 and all(_is_answer(v, depth + 1) for v in value)


def _is_result(value) -> bool:
    return (type(value) is dict and type(value.get("queries")) is dict and type(value.get("findings")) is list
            and all(type(k) is str and _is_answer(v) for k, v in value["queries"].items())
            and all(_is_finding(f) for f in value["findings"]))


def _fits(value, hint) -> bool:
    """Does a JSON value have the type an annotation names? (A tuple is a JSON list; bool is not an int.)"""
    return _checker(hint)(value)


@functools.cache
def _checker(hint):
    """A function that checks a JSON value against one annotation, built once per annotation
    (a cold run checks every entry it writes: hundreds of thousands of values)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is type(None):
        return lambda value: value is None
    if origin in (typing.Union, types.UnionType):
        options = [_checker(a) for a in args]
        return lambda value: any(check(value) for check in options)
    if origin is list or origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = _checker(args[0])
        return lambda value: type(value) is list and all(map(item, value))
    if origin is tuple:
        items = [_checker(a) for a in args]
        return lambda value: type(value) is list and len(value) == len(items) and all(c(v) for c, v in zip(items, value))
    if origin is dict:
        key, item = _checker(args[0]), _checker(args[1])
        return lambda value: type(value) is dict and all(key(k) and item(v) for k, v in value.items())
    if origin is typing.Annotated:  # Annotated[str, Shape]: JSON text of a value of that shape
        shape = _checker(args[1])
        return lambda value: type(value) is str and _decodes_to(value, shape)
    if typing.is_typeddict(hint):
        fields = {name: _checker(field) for name, field in typing.get_type_hints(hint, include_extras=True).items()}
        names = fields.keys()
        return lambda value: type(value) is dict and value.keys() == names and all(
            check(value[name]) for name, check in fields.items())
    if hint is float:
        return lambda value: type(value) in (int, float)
    if hint in (str, int, bool):
        return lambda value: type(value) is hint
    return lambda value: False  # anything else cannot be checked: a miss


def _decodes_to(text: str, shape) -> bool:
    try:
        return shape(json.loads(text))
    except (ValueError, RecursionError):
        return False


@functools.cache
def _summary_fields() -> dict:
    from gradlint.analysis.summaries import FileSummary

    return typing.get_type_hints(FileSummary, include_extras=True)


def valid_summary(text: str) -> bool:
    """Is text what FileSummary.to_json writes, checked against FileSummary's annotations? The
    worker that summarises a file checks it there (`runner._summarize_job`), so that the summary
    texts a run holds, stores in entries and builds its index from are all checked once."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError, RecursionError):
        return False
    hints = _summary_fields()
    return type(value) is dict and set(value) == set(hints) and all(_fits(value[k], hints[k]) for k in hints)


def valid_entry(entry) -> bool:
    # a summary is JSON text checked where it was made (valid_summary), or None: did not parse
    return (type(entry) is dict and type(entry.get("digest")) is str and type(entry.get("results")) is dict
            and all(type(k) is str and _is_result(v) for k, v in entry["results"].items())
            and ("summary" not in entry or entry["summary"] is None or type(entry["summary"]) is str))


def _valid_answers(data) -> bool:
    return (type(data) is dict and type(data.get("project")) is str and type(data.get("answers")) is dict
            and all(type(k) is str for k in data["answers"]))


def add_result(entry: dict, result_key: str, result: dict) -> dict:
    """The entry with this settings' result added, keeping the newest few."""
    results = {k: v for k, v in entry.get("results", {}).items() if k != result_key}
    while len(results) >= MAX_RESULTS:
        results.pop(next(iter(results)))
    results[result_key] = result
    return {**entry, "results": results}
