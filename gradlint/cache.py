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

Entries are written atomically (temporary file, then rename); an unreadable or
malformed entry is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys

import gradlint
from gradlint.source import replace_file

CACHE_FOLDER = ".gradlint_cache"
CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by gradlint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)
# results kept per entry: enough for switching between a few configurations
MAX_RESULTS = 4


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


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
            if kwargs or not all(isinstance(a, _PLAIN) for a in args):
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


def answers_hold(index, queries: dict) -> bool:
    """Does this index answer every recorded question as before?"""
    try:
        for key, expected in queries.items():
            kind, name, *rest = json.loads(key)
            value = getattr(index, name)
            if kind == "call":
                actual = _answer(value(*rest[0]))
            elif kind == "in":
                actual = rest[0] in value
            else:
                actual = _answer(value)
            if actual != expected:
                return False
    except Exception:  # a question this index cannot answer: not the same index
        return False
    return True


# -- the store -----------------------------------------------------------------


class Cache:
    """Per-file entries under `<folder>/<version key>/<xx>/<entry key>`."""

    def __init__(self, folder: str):
        self.folder = os.path.abspath(folder)
        self.version = version_key()
        self.root = os.path.join(self.folder, self.version)
        self._prepared = False

    @staticmethod
    def entry_key(path: str) -> str:
        return hashlib.blake2b(os.path.abspath(path).encode(), digest_size=20).hexdigest()

    @staticmethod
    def result_key(settings_fingerprint: str, codes) -> str:
        raw = f"{settings_fingerprint}\0{','.join(sorted(codes))}"
        return hashlib.blake2b(raw.encode(), digest_size=12).hexdigest()

    def _path(self, key: str) -> str:
        return os.path.join(self.root, key[:2], key)

    def load(self, key: str) -> dict | None:
        """The entry, or None when missing, unreadable or malformed."""
        try:
            with open(self._path(key), "rb") as handle:
                entry = json.loads(handle.read())
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or not isinstance(entry.get("results"), dict):
            return None
        return entry

    def store(self, key: str, entry: dict) -> None:
        """Write atomically; a cache that cannot be written is silently skipped."""
        try:
            self._prepare()
            path = self._path(key)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            replace_file(path, json.dumps(entry, separators=(",", ":")).encode("utf-8"))
        except (OSError, TypeError, ValueError):
            pass

    def _prepare(self) -> None:
        """Create the folder with its CACHEDIR.TAG; drop folders of other gradlint builds."""
        if self._prepared:
            return
        self._prepared = True
        os.makedirs(self.root, exist_ok=True)
        tag = os.path.join(self.folder, "CACHEDIR.TAG")
        if not os.path.exists(tag):
            with open(tag, "w", encoding="utf-8") as handle:
                handle.write(CACHEDIR_TAG)
        ignore = os.path.join(self.folder, ".gitignore")
        if not os.path.exists(ignore):
            with open(ignore, "w", encoding="utf-8") as handle:
                handle.write("# Automatically created by gradlint.\n*\n")
        for name in os.listdir(self.folder):
            other = os.path.join(self.folder, name)
            if name != self.version and os.path.isdir(other):
                shutil.rmtree(other, ignore_errors=True)


def add_result(entry: dict, result_key: str, result: dict) -> dict:
    """The entry with this settings' result added, keeping the newest few."""
    results = {k: v for k, v in entry.get("results", {}).items() if k != result_key}
    while len(results) >= MAX_RESULTS:
        results.pop(next(iter(results)))
    results[result_key] = result
    return {**entry, "results": results}
