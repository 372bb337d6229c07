"""File names in every output format (issue 12): real files whose names hold a newline or bytes
that are not UTF-8, linted through the command line.

Text, GitHub and stderr: one finding (or error) is one line, the name backslash-escaped.
JSON: valid UTF-8; JSON's own escape for the newline, a backslash escape for each bad byte.
SARIF and LSP: URIs that percent-encode the name's own bytes, so they still lead to the file;
SARIF validates against the 2.1.0 schema.

Standard output is strict UTF-8 (PYTHONIOENCODING) so that an unescaped name fails the run.
"""

import json
import os
import subprocess
import sys
from urllib.parse import unquote_to_bytes, urlsplit

import pytest
from samples import BAD  # GL301 on line 6, GL302 on line 10

from gradlint.report import encodable, printable

from samples import NO_SARIF_SCHEMA, SARIF_SCHEMA

NEWLINE = b"new\nline.py"
NOT_UTF8 = b"caf\xe9.py"  # latin-1 bytes: invalid UTF-8

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="needs a filesystem that takes any bytes in a name")


def run(cwd, *args):
    env = dict(os.environ, PYTHONIOENCODING="utf-8:strict")
    proc = subprocess.run([sys.executable, "-m", "gradlint", "check", "--no-cache", *args], cwd=cwd,
                          capture_output=True, timeout=60, env=env)
    # every format must be valid UTF-8: decode strictly
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")


@pytest.fixture
def project(tmp_path):
    for name in (NEWLINE, NOT_UTF8):
        with open(os.path.join(os.fsencode(tmp_path), name), "wb") as handle:
            handle.write(BAD.encode("utf-8"))
    return tmp_path


def output(project, fmt):
    code, out, err = run(project, "--output-format", fmt, ".")
    assert (code, err) == (1, "")
    return out


def test_text_one_line_per_finding(project):
    lines = output(project, "text").splitlines()
    assert lines[:4] == [
        "caf\\xe9.py:6:9: GL301 [*] " + lines[0].split(" [*] ", 1)[1],
        "caf\\xe9.py:10:10: GL302 [*] " + lines[1].split(" [*] ", 1)[1],
        "new\\nline.py:6:9: GL301 [*] " + lines[2].split(" [*] ", 1)[1],
        "new\\nline.py:10:10: GL302 [*] " + lines[3].split(" [*] ", 1)[1],
    ]
    assert lines[4:] == ["Found 4 problems (4 errors).", "[*] 4 fixable with the `--fix` option."]


def test_github_one_line_per_finding(project):
    lines = output(project, "github").splitlines()
    assert len(lines) == 4
    assert all(line.startswith("::error file=") for line in lines)
    files = [line.split(",", 1)[0].removeprefix("::error file=") for line in lines]
    # GitHub's own escape for the newline (%0A); the byte that is not UTF-8 as \xe9
    assert files == ["caf\\xe9.py", "caf\\xe9.py", "new%0Aline.py", "new%0Aline.py"]


def test_json_is_valid_utf8_and_keeps_the_newline(project):
    names = [entry["filename"] for entry in json.loads(output(project, "json"))]
    assert names == ["caf\\xe9.py", "caf\\xe9.py", "new\nline.py", "new\nline.py"]


def test_sarif_validates_and_its_uris_lead_to_the_files(project):
    log = json.loads(output(project, "sarif"))
    if SARIF_SCHEMA.is_file():
        import jsonschema

        jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]]
    assert uris == ["caf%E9.py", "caf%E9.py", "new%0Aline.py", "new%0Aline.py"]
    for uri in uris:
        assert os.path.isfile(os.path.join(os.fsencode(project), unquote_to_bytes(uri)))
    if not SARIF_SCHEMA.is_file():
        pytest.skip(f"URIs checked; {NO_SARIF_SCHEMA}")


def test_lsp_uris_lead_to_the_files(project):
    by_uri = json.loads(output(project, "lsp"))
    assert len(by_uri) == 2
    paths = sorted(unquote_to_bytes(urlsplit(uri).path) for uri in by_uri)
    assert paths == sorted(os.path.join(os.fsencode(os.path.realpath(project)), n) for n in (NEWLINE, NOT_UTF8))
    assert all(len(diagnostics) == 2 for diagnostics in by_uri.values())


def test_an_error_about_such_a_file_is_one_line(tmp_path):
    folder = os.fsencode(tmp_path)
    for name in (NEWLINE, NOT_UTF8):
        with open(os.path.join(folder, name), "wb") as handle:
            handle.write(b"x = 1\x00\n")  # null bytes: refused with a line naming the file
    code, out, err = run(tmp_path, ".")
    assert code == 2
    assert err.splitlines() == [
        "gradlint: error: caf\\xe9.py: file contains null bytes",
        "gradlint: error: new\\nline.py: file contains null bytes",
    ]
    assert "All checks passed" not in out


def test_a_missing_path_with_a_newline_is_one_line(tmp_path):
    code, _, err = run(tmp_path, "gone\n.py")
    assert (code, err) == (2, "gradlint: error: gone\\n.py: no such file or directory\n")


def test_diff_writes_the_name_as_its_own_bytes(project):
    proc = subprocess.run([sys.executable, "-m", "gradlint", "check", "--no-cache", "--diff", "."],
                          cwd=project, capture_output=True, timeout=60,
                          env=dict(os.environ, PYTHONIOENCODING="utf-8:strict"))
    assert proc.returncode == 1, proc.stderr
    assert b"--- " + NOT_UTF8 + b"\n" in proc.stdout  # what patch(1) needs to find the file


@pytest.mark.parametrize("raw, shown", [
    ("plain/é.py", "plain/é.py"),
    ("tab\there.py", "tab\\there.py"),
    ("esc\x1b[31m.py", "esc\\x1b[31m.py"),
    ("cr\r.py", "cr\\r.py"),
    ("sep\u2028.py", "sep\\u2028.py"),
    ("bidi\u202e.py", "bidi\\u202e.py"),
    ("c1\x85.py", "c1\\x85.py"),
    (os.fsdecode(b"byte\xff.py"), "byte\\xff.py"),
])
def test_printable(raw, shown):
    assert printable(raw) == shown
    assert len(printable(raw).splitlines()) == 1


def test_encodable_escapes_only_the_undecodable_bytes():
    assert encodable(os.fsdecode(b"a\n\xffb.py")) == "a\n\\xffb.py"
    assert printable("a\r\nb", keep="\r\n") == "a\r\nb"
