"""Issue 12, never lose a user's data: the cache folder, damaged cache entries, mixed line endings.

- `--cache-dir` names a folder on the user's disk: gradlint refuses one that is
  not empty and not a gradlint cache, and deletes only the version folders it
  marked as its own (and in them only its entry files);
- a cache entry of the right digest but the wrong shape (wrong types, missing
  keys, nested too deep for the JSON parser) is a miss: the run reports what a
  run without cache reports;
- a line inserted by a fix ends like the line it goes next to (CRLF/LF mixed);
  a BOM with a latin-1 declaration gets its own one-line error.
"""

import codecs
import json
import pathlib
import re

import pytest

from samples import BAD, compiles

ENTRY = re.compile(r"[0-9a-f]{40}")


def tree(root: pathlib.Path) -> dict[str, bytes | None]:
    """Every path under root with its bytes (None for a folder)."""
    return {str(p.relative_to(root)): (None if p.is_dir() else p.read_bytes()) for p in sorted(root.rglob("*"))}


# -- the cache folder ------------------------------------------------------------------------


def test_a_repository_as_cache_dir_is_refused_and_nothing_is_deleted(tmp_path, gradlint_cli):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "model.py").write_text(BAD)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.csv").write_text("x,y\n1,2\n")
    before = tree(tmp_path)
    code, out, err = gradlint_cli("check", "--cache-dir", ".", "src", cwd=tmp_path)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("gradlint: error: .: not a gradlint cache directory"), err
    assert "Traceback" not in err
    assert tree(tmp_path) == before  # nothing deleted, nothing written (no CACHEDIR.TAG either)


def test_a_folder_of_other_caches_is_refused(tmp_path, gradlint_cli):
    cache = tmp_path / "dot-cache"
    (cache / "pip" / "wheels").mkdir(parents=True)
    (cache / "pip" / "wheels" / "a.whl").write_bytes(b"PK")
    (tmp_path / "model.py").write_text(BAD)
    before = tree(tmp_path)
    code, out, err = gradlint_cli("check", "--cache-dir", str(cache), "model.py", cwd=tmp_path)
    assert code == 2 and "not a gradlint cache directory" in err and err.count("\n") == 1
    assert tree(tmp_path) == before


def test_another_tools_cachedir_tag_is_not_gradlints(tmp_path, gradlint_cli):
    cache = tmp_path / "target"
    (cache / "debug").mkdir(parents=True)
    (cache / "CACHEDIR.TAG").write_text("Signature: 8a477f597d28d172789f06886806bc55\n# created by cargo\n")
    (tmp_path / "model.py").write_text(BAD)
    before = tree(tmp_path)
    code, out, err = gradlint_cli("check", "--cache-dir", "target", "model.py", cwd=tmp_path)
    assert code == 2 and "not a gradlint cache directory" in err
    assert tree(tmp_path) == before


def test_an_empty_folder_becomes_a_cache(tmp_path, gradlint_cli):
    (tmp_path / "empty").mkdir()
    (tmp_path / "model.py").write_text(BAD)
    code, out, err = gradlint_cli("check", "--cache-dir", "empty", "model.py", cwd=tmp_path)
    assert code == 1 and "GL301" in out, err
    assert "created by gradlint" in (tmp_path / "empty" / "CACHEDIR.TAG").read_text()


def test_only_gradlints_marked_version_folders_are_pruned(tmp_path, gradlint_cli):
    from gradlint.cache import CACHEDIR_TAG, MARKER, MARKER_TEXT

    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "CACHEDIR.TAG").write_text(CACHEDIR_TAG)
    # an older gradlint build's folder, with the marker it wrote: pruned
    old = cache / "0.0.1-py311-00000000000000000000"
    (old / "ab").mkdir(parents=True)
    (old / MARKER).write_text(MARKER_TEXT)
    (old / "ab" / ("ab" + "0" * 38)).write_text("{}")
    # a marked folder where the user put a file of their own: the entries go, the file stays
    mixed = cache / "0.0.2-py311-00000000000000000000"
    (mixed / "cd").mkdir(parents=True)
    (mixed / MARKER).write_text(MARKER_TEXT)
    (mixed / "cd" / ("cd" + "1" * 38)).write_text("{}")
    (mixed / "notes.txt").write_text("mine")
    # folders gradlint cannot prove it made: kept, whatever they look like
    (cache / "mine").mkdir()
    (cache / "mine" / "results.txt").write_text("keep me")
    unmarked = cache / "0.0.3-py311-00000000000000000000"
    (unmarked / "ef").mkdir(parents=True)
    (unmarked / "ef" / ("ef" + "2" * 38)).write_text("{}")
    (tmp_path / "model.py").write_text(BAD)

    code, out, err = gradlint_cli("check", "--cache-dir", "cache", "model.py", cwd=tmp_path)
    assert code == 1 and "GL301" in out, err
    assert not old.exists()
    assert (mixed / "notes.txt").read_text() == "mine" and not (mixed / "cd").exists()
    assert (cache / "mine" / "results.txt").read_text() == "keep me"
    assert (unmarked / "ef" / ("ef" + "2" * 38)).exists()
    # this build's own folder carries the marker, so a later build may prune it
    current = [p for p in cache.iterdir() if p.is_dir() and p.name not in ("mine", mixed.name, unmarked.name)]
    assert len(current) == 1 and (current[0] / MARKER).read_text() == MARKER_TEXT


# -- damaged cache entries are misses ------------------------------------------------------------

CALLER = """\
import torch
from model import clip


def train(model):
    clip(model)
"""


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def _with_summary(entry, edit, text=lambda summary: json.dumps(summary)):
    """The entry with its summary (JSON text inside the entry) edited."""
    summary = json.loads(entry["summary"])
    edit(summary)
    return json.dumps({**entry, "summary": text(summary)})


def _retype_summary(entry):
    return _with_summary(entry, lambda summary: summary.update(defined=5))


def _retype_finding(entry):
    for result in entry["results"].values():
        for finding in result["findings"]:
            finding["location"]["row"] = str(finding["location"]["row"])
    return json.dumps(entry)


def _drop_key(entry):
    for result in entry["results"].values():
        del result["queries"]
    return json.dumps(entry)


def _wrong_finding(entry):
    for result in entry["results"].values():
        result["findings"] = [{"code": 301}]
    return json.dumps(entry)


def _deep_summary(entry):
    return json.dumps({**entry, "summary": None}).replace('"summary": null', '"summary": ' + _deep(200_000))


def _nested_names(entry):
    # deep, yet within what the JSON parser takes
    return _with_summary(entry, lambda summary: summary.update(defined="NAMES"),
                         lambda summary: json.dumps(summary).replace('"NAMES"', _deep(500)))


@pytest.mark.parametrize("damage", [_retype_summary, _retype_finding, _drop_key, _wrong_finding, _deep_summary, _nested_names])
def test_a_damaged_entry_with_the_right_digest_is_a_miss(tmp_path, gradlint_cli, damage):
    (tmp_path / "model.py").write_text(BAD)
    (tmp_path / "caller.py").write_text(CALLER)
    uncached = gradlint_cli("check", "--no-cache", ".", cwd=tmp_path)
    assert uncached[0] == 1 and "GL301" in uncached[1]
    assert gradlint_cli("check", "--cache-dir", "c", ".", cwd=tmp_path)[:2] == uncached[:2]
    entries = [p for p in (tmp_path / "c").rglob("*") if p.is_file() and ENTRY.fullmatch(p.name)
               and '"results"' in p.read_text()]  # the files' entries, not the run's index answers
    assert len(entries) == 2
    for path in entries:
        entry = json.loads(path.read_text())
        path.write_text(damage(entry))
    # the damaged entries keep their digests: they are read, found malformed, and ignored
    code, out, err = gradlint_cli("check", "--cache-dir", "c", ".", cwd=tmp_path)
    assert (code, out, err) == uncached
    # and replaced: the next run is served from the cache again, with the same report
    assert gradlint_cli("check", "--cache-dir", "c", ".", cwd=tmp_path) == uncached
    assert all(json.loads(p.read_text())["summary"] is not None for p in entries)


# -- line endings and encodings -----------------------------------------------------------------


def test_inserted_lines_take_the_ending_of_their_neighbours_in_a_mixed_file(tmp_path, gradlint_cli):
    # clip() has CRLF lines, evaluate() and the top of the file LF ones
    lines = BAD.splitlines(keepends=True)
    mixed = "".join(line.replace("\n", "\r\n") if 3 <= number <= 5 else line for number, line in enumerate(lines))
    assert "\r\n" in mixed and mixed.count("\r\n") == 3
    (tmp_path / "model.py").write_bytes(mixed.encode())
    code, out, err = gradlint_cli("check", "--no-cache", "--fix", "model.py", cwd=tmp_path)
    assert code == 0, err
    fixed = (tmp_path / "model.py").read_bytes()
    assert compiles(fixed)
    # the `with` inserted above the CRLF line ends in CRLF; the LF part stays LF
    assert b"        with torch.no_grad():\r\n            p.clamp_(-1, 1)\r\n" in fixed
    assert b"    with torch.no_grad():\n        return model(x)\n" in fixed
    assert fixed.count(b"\r\n") == 4


def test_an_added_import_ends_like_the_line_below_it(tmp_path, gradlint_cli):
    # the docstring's line ends in LF, everything below it in CRLF; torch is not imported yet
    body = "def clip(model):\r\n    for p in model.parameters():\r\n        p.clamp_(-1, 1)\r\n"
    (tmp_path / "model.py").write_bytes(('"""Clipping."""\n' + body).encode())
    code, out, err = gradlint_cli("check", "--no-cache", "--fix", "model.py", cwd=tmp_path)
    assert code == 0, err
    fixed = (tmp_path / "model.py").read_bytes()
    assert compiles(fixed)
    assert fixed.startswith(b'"""Clipping."""\nimport torch\r\ndef clip(model):\r\n'), fixed


def test_a_bom_with_a_latin_1_declaration_is_one_clear_error(tmp_path, gradlint_cli):
    data = codecs.BOM_UTF8 + BAD.replace("import torch\n", "# -*- coding: latin-1 -*-\nimport torch\n", 1).encode()
    assert not compiles(data)  # Python refuses the combination too
    (tmp_path / "model.py").write_bytes(data)
    (tmp_path / "other.py").write_text(BAD)
    code, out, err = gradlint_cli("check", "--no-cache", ".", cwd=tmp_path)
    assert code == 2
    assert err == ("gradlint: error: model.py: starts with a UTF-8 byte order mark but declares encoding "
                   "'latin-1' (PEP 263); Python rejects the combination: remove the BOM or the declaration\n")
    assert "other.py:6:" in out  # the other files are still linted
    # a BOM with a utf-8 declaration is fine
    (tmp_path / "model.py").write_bytes(codecs.BOM_UTF8 + b"# -*- coding: utf-8 -*-\n" + BAD.encode())
    assert gradlint_cli("check", "--no-cache", "model.py", cwd=tmp_path)[0] == 1


def test_newline_at_follows_each_line():
    from gradlint.source import SourceText

    source = SourceText("a\nb\r\nc\rd")
    assert [source.newline_at(n) for n in (1, 2, 3, 4)] == ["\n", "\r\n", "\r", "\r"]
    assert source.newline == "\n"
