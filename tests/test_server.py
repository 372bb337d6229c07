"""`gradlint server` driven over stdio by pytest-lsp, as an editor would drive it.

One server process serves the whole module (starting one costs about a second);
every test opens its own documents.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import sys
import time

import pytest
from samples import BAD, FIXED  # GL301 on line 6, GL302 on line 10

pytest_lsp = pytest.importorskip("pytest_lsp", reason="the lsp test extra (pytest-lsp) is not installed")

from lsprotocol import types  # noqa: E402
from pygls.exceptions import JsonRpcException  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities  # noqa: E402
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features  # noqa: E402
from pygls.protocol import default_converter  # noqa: E402

pytestmark = pytest.mark.asyncio(loop_scope="module")

WAIT_S = 30  # generous: CI machines are slow and share their cores



CLEAN = "import torch\n\n\ndef f(model, x):\n    with torch.no_grad():\n        return model(x)\n"


def make_client() -> LanguageClient:
    """pytest-lsp's client, also recording every publish (with its version) and registration."""
    client = LanguageClient(converter_factory=default_converter)
    client.published = []
    client.registrations = []

    def publish(ls, params: types.PublishDiagnosticsParams):
        ls.published.append(params)
        ls.diagnostics[params.uri] = params.diagnostics

    def register(ls, params: types.RegistrationParams):
        ls.registrations.extend(params.registrations)

    features = dict(DEFAULT_CLIENT_FEATURES)
    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
    features[types.CLIENT_REGISTER_CAPABILITY] = register
    register_lsp_features(client, features)
    return client


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(server_command=[sys.executable, "-m", "gradlint", "server"], client_factory=make_client),
)
async def client(lsp_client: LanguageClient, tmp_path_factory):
    root = tmp_path_factory.mktemp("workspace")
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="workspace")],
    ))
    lsp_client.root = root
    yield
    await lsp_client.shutdown_session()


# -- helpers ---------------------------------------------------------------------


def _uri(client, name: str) -> str:
    return (client.root / name).as_uri()


async def published(client, uri: str, version: int | None = None, since: int = 0):
    """The first diagnostics published for uri (and version) after index `since`."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        for params in client.published[since:]:
            if params.uri == uri and (version is None or params.version == version):
                return list(params.diagnostics)
        await asyncio.sleep(0.01)
    raise AssertionError(f"no diagnostics for {uri} version {version} within {WAIT_S}s")


async def open_document(client, name: str, text: str, version: int = 1):
    uri = _uri(client, name)
    since = len(client.published)
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)
    ))
    return uri, await published(client, uri, version, since)


async def change_document(client, uri: str, text: str, version: int):
    since = len(client.published)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
    ))
    return await published(client, uri, version, since)


def codes(diagnostics) -> list[str]:
    return sorted(d.code for d in diagnostics)


def offset(text: str, position: types.Position) -> int:
    """Offset of an LSP position; the test texts are ASCII, so any encoding counts alike."""
    lines = text.splitlines(keepends=True)
    return sum(len(line) for line in lines[: position.line]) + position.character


def apply(text: str, edit: types.WorkspaceEdit, uri: str) -> str:
    """Apply a WorkspaceEdit's edits for uri, as the editor would."""
    if edit.document_changes:
        edits = [e for change in edit.document_changes if change.text_document.uri == uri for e in change.edits]
    else:
        edits = list(edit.changes[uri])
    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(text, e.range.start)] + e.new_text + text[offset(text, e.range.end):]
    return text


async def actions_at(client, uri: str, line: int, diagnostics=(), only=None):
    return await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=types.Position(line=line, character=0), end=types.Position(line=line, character=0)),
        context=types.CodeActionContext(diagnostics=list(diagnostics), only=only),
    ))


# -- diagnostics ---------------------------------------------------------------------


async def test_diagnostics_on_open_carry_code_link_severity_and_fix(client: LanguageClient):
    uri, diagnostics = await open_document(client, "on_open.py", BAD)
    by_code = {d.code: d for d in diagnostics}
    assert sorted(by_code) == ["GL301", "GL302"]
    gl301 = by_code["GL301"]
    assert gl301.range.start == types.Position(line=5, character=8)
    assert gl301.severity == types.DiagnosticSeverity.Error  # GL3: raises at run time
    assert gl301.source == "gradlint"
    assert gl301.code_description.href.endswith("GL301.md")
    assert "RuntimeError" in gl301.message
    assert gl301.data["applicability"] == "safe"  # the fix travels with the diagnostic
    assert "torch.no_grad()" in gl301.data["edits"][0]["content"]
    gl302 = by_code["GL302"]
    assert gl302.range.start.line == 9
    assert gl302.data["applicability"] == "safe"


async def test_diagnostics_follow_changes_and_clear_on_close(client: LanguageClient):
    uri, diagnostics = await open_document(client, "changes.py", CLEAN)
    assert diagnostics == []
    assert codes(await change_document(client, uri, BAD, version=2)) == ["GL301", "GL302"]
    assert codes(await change_document(client, uri, BAD.replace("torch.no_grad:", "torch.no_grad():"), version=3)) == ["GL301"]
    since = len(client.published)
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    assert await published(client, uri, since=since) == []


async def test_quick_fix_edit_gives_the_fixed_text(client: LanguageClient):
    uri, diagnostics = await open_document(client, "quick_fix.py", BAD)
    gl301 = [d for d in diagnostics if d.code == "GL301"]
    found = await actions_at(client, uri, 5, gl301)
    fixes = [a for a in found if a.kind == types.CodeActionKind.QuickFix and a.is_preferred]
    assert len(fixes) == 1, [a.title for a in found]
    assert "GL301" in fixes[0].title
    assert fixes[0].diagnostics[0].code == "GL301"
    fixed = apply(BAD, fixes[0].edit, uri)
    assert fixed == FIXED.replace("with torch.no_grad():\n        return", "with torch.no_grad:\n        return")
    assert codes(await change_document(client, uri, fixed, version=2)) == ["GL302"]


async def test_fix_all_applies_every_safe_fix(client: LanguageClient):
    uri, _ = await open_document(client, "fix_all.py", BAD)
    found = await actions_at(client, uri, 0, only=[types.CodeActionKind.SourceFixAll])
    assert [a.kind for a in found] == ["source.fixAll.gradlint"]
    # the client resolves edits (VS Code does): the fixes are computed when the action is chosen
    assert found[0].edit is None
    resolved = await client.code_action_resolve_async(found[0])
    assert apply(BAD, resolved.edit, uri) == FIXED


async def test_noqa_action_adds_and_extends_the_comment(client: LanguageClient):
    text = BAD.replace("p.clamp_(-1, 1)", "p.clamp_(-1, 1)  # keep")
    uri, diagnostics = await open_document(client, "noqa.py", text)
    found = await actions_at(client, uri, 5, [d for d in diagnostics if d.code == "GL301"])
    disable = [a for a in found if a.title == "Disable GL301 for this line"]
    assert len(disable) == 1
    silenced = apply(text, disable[0].edit, uri)
    assert "p.clamp_(-1, 1)  # keep  # noqa: GL301\n" in silenced
    assert codes(await change_document(client, uri, silenced, version=2)) == ["GL302"]

    text = BAD.replace("with torch.no_grad:", "with torch.no_grad:  # noqa: GL101")
    uri, diagnostics = await open_document(client, "noqa_extend.py", text)
    found = await actions_at(client, uri, 9, diagnostics)
    disable = [a for a in found if a.title == "Disable GL302 for this line"]
    silenced = apply(text, disable[0].edit, uri)
    assert "with torch.no_grad:  # noqa: GL101, GL302\n" in silenced
    assert codes(await change_document(client, uri, silenced, version=2)) == ["GL301"]


async def test_configuration_change_is_picked_up(client: LanguageClient):
    project = client.root / "configured"
    project.mkdir()
    pyproject = project / "pyproject.toml"
    pyproject.write_text('[tool.gradlint]\nignore = ["GL302"]\n', encoding="utf-8")
    uri, diagnostics = await open_document(client, "configured/model.py", BAD)
    assert codes(diagnostics) == ["GL301"]

    # the server asked the editor to watch configuration files
    watched = [r for r in client.registrations if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES]
    assert watched and any("pyproject.toml" in w["globPattern"] for w in watched[0].register_options["watchers"])

    pyproject.write_text('[tool.gradlint]\nignore = ["GL301"]\n', encoding="utf-8")
    since = len(client.published)
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
        changes=[types.FileEvent(uri=pyproject.as_uri(), type=types.FileChangeType.Changed)]
    ))
    assert codes(await published(client, uri, since=since)) == ["GL302"]

    # an editor that watches nothing: the next lint notices the file changed
    pyproject.write_text('[tool.gradlint]\nselect = ["GL301"]\n', encoding="utf-8")
    assert codes(await change_document(client, uri, BAD + "\n", version=2)) == ["GL301"]

    # saving the configuration in the editor reloads it too
    pyproject.write_text("[tool.gradlint]\n", encoding="utf-8")
    since = len(client.published)
    client.text_document_did_save(types.DidSaveTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=pyproject.as_uri())
    ))
    assert codes(await published(client, uri, since=since)) == ["GL301", "GL302"]


async def test_facts_come_from_the_whole_workspace_like_gradlint_check(client: LanguageClient):
    helpers = "import torch\n\n\ndef clip_all(model):\n    for p in model.parameters():\n        p.clamp_(-1, 1)\n"
    uri, diagnostics = await open_document(client, "helpers.py", helpers)
    assert codes(diagnostics) == ["GL301"]  # on its own, clip_all runs with grad enabled
    since = len(client.published)
    train = "import torch\nfrom helpers import clip_all\n\n\ndef step(model):\n    with torch.no_grad():\n        clip_all(model)\n"
    await open_document(client, "train.py", train)
    # its only caller disables grad: `gradlint check .` is quiet about helpers.py, and so is the editor
    assert await published(client, uri, since=since) == []
    for name in ("helpers.py", "train.py"):
        client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=_uri(client, name))))


# -- bad input -----------------------------------------------------------------------


async def test_syntax_error_is_gl000_and_the_server_stays_up(client: LanguageClient):
    uri, diagnostics = await open_document(client, "broken.py", "import torch\n\ndef f(:\n    pass\n")
    assert codes(diagnostics) == ["GL000"]
    assert diagnostics[0].severity == types.DiagnosticSeverity.Error
    assert diagnostics[0].range.start.line == 2
    assert list(await actions_at(client, uri, 2, diagnostics)) == []  # nothing to fix or silence
    assert codes(await change_document(client, uri, BAD, version=2)) == ["GL301", "GL302"]


async def test_very_large_document(client: LanguageClient):
    filler = "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(8_000))
    text = "import torch\n\n\n" + filler + BAD.replace("import torch\n", "")
    assert text.count("\n") > 32_000
    uri, diagnostics = await open_document(client, "large.py", text)
    assert codes(diagnostics) == ["GL301", "GL302"]
    assert diagnostics[0].range.start.line > 32_000
    found = await actions_at(client, uri, diagnostics[1].range.start.line, diagnostics)
    assert any(a.title == "Disable GL302 for this line" for a in found)
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))


async def raw_request(client, body: bytes, msg_id):
    """Write a raw message and wait for the answer to msg_id (pytest-lsp only sends well-formed ones)."""
    answer = concurrent.futures.Future()
    client.protocol._request_futures[msg_id] = answer
    client.protocol.writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    return await asyncio.wait_for(asyncio.wrap_future(answer), WAIT_S)


async def test_malformed_requests_get_errors_and_the_server_stays_up(client: LanguageClient):
    request = {"jsonrpc": "2.0", "id": "bad-params", "method": "textDocument/codeAction", "params": {"textDocument": 42}}
    with pytest.raises(JsonRpcException) as info:
        await raw_request(client, json.dumps(request).encode(), "bad-params")
    assert info.value.code == -32602  # invalid params

    with pytest.raises(JsonRpcException) as info:
        await asyncio.wait_for(client.protocol.send_request_async("gradlint/noSuchMethod", {}), WAIT_S)
    assert info.value.code == -32601  # method not found

    # a body that is not JSON: the answer's id is null, since the request's is unknown
    with pytest.raises(JsonRpcException) as info:
        await raw_request(client, b'{"jsonrpc": "2.0", "id": 7, "method": ', None)
    assert info.value.code == -32700  # parse error

    uri, diagnostics = await open_document(client, "after_errors.py", BAD)
    assert codes(diagnostics) == ["GL301", "GL302"]


# -- fixes never overwrite newer edits --------------------------------------------------


async def test_edits_name_the_version_they_were_computed_from(client: LanguageClient):
    uri, diagnostics = await open_document(client, "versioned.py", BAD, version=4)
    found = await actions_at(client, uri, 5, [d for d in diagnostics if d.code == "GL301"])
    quick = [a for a in found if a.kind == types.CodeActionKind.QuickFix]
    assert len(quick) == 2  # the fix and the noqa
    for action in quick:  # the client refuses them once the buffer moves on
        (change,) = action.edit.document_changes
        assert change.text_document.uri == uri and change.text_document.version == 4
    (fix_all,) = await actions_at(client, uri, 0, only=[types.CodeActionKind.SourceFixAll])
    resolved = await client.code_action_resolve_async(fix_all)
    assert resolved.edit.document_changes[0].text_document.version == 4


async def test_fix_all_offered_for_an_older_version_is_not_applied_to_the_newer_text(client: LanguageClient):
    uri, _ = await open_document(client, "stale_fix_all.py", BAD)
    (offered,) = await actions_at(client, uri, 0, only=[types.CodeActionKind.SourceFixAll])
    edited = BAD + "\n\ndef added_later(model):\n    for p in model.parameters():\n        p.clamp_(-1, 1)\n"
    await change_document(client, uri, edited, version=2)
    # chosen after the user typed: it was offered for version 1, so it edits nothing
    stale = await client.code_action_resolve_async(offered)
    assert stale.edit is None
    # asked again, it is offered for version 2 and fixes the new text too
    (fresh,) = await actions_at(client, uri, 0, only=[types.CodeActionKind.SourceFixAll])
    assert fresh.data["version"] == 2
    resolved = await client.code_action_resolve_async(fresh)
    assert resolved.edit.document_changes[0].text_document.version == 2
    assert apply(edited, resolved.edit, uri).endswith(
        "def added_later(model):\n    for p in model.parameters():\n        with torch.no_grad():\n            p.clamp_(-1, 1)\n")


async def test_a_fix_computed_while_the_user_types_is_dropped(client: LanguageClient):
    # long enough that computing every fix takes seconds, so the change below surely arrives meanwhile
    filler = "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(10_000))
    text = "import torch\n\n\n" + filler + BAD.replace("import torch\n", "")
    uri, _ = await open_document(client, "typing_meanwhile.py", text)
    (offered,) = await actions_at(client, uri, 0, only=[types.CodeActionKind.SourceFixAll])
    resolving = asyncio.ensure_future(client.code_action_resolve_async(offered))
    await asyncio.sleep(0)  # the resolve request is written first
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text + "# typed\n")],
    ))
    resolved = await asyncio.wait_for(resolving, WAIT_S)
    assert resolved.edit is None
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))


# -- notebook documents ------------------------------------------------------------


async def test_a_notebook_document_is_linted_as_one_program_with_diagnostics_per_cell(client: LanguageClient):
    notebook_uri = _uri(client, "clip.ipynb")
    cells = [
        ("markdown", "# Weight clipping"),
        ("python", "import torch\nimport torch.nn as nn\n\nmodel = nn.Linear(4, 4)\n%matplotlib inline"),
        ("python", "for p in model.parameters():\n    p.clamp_(-1, 1)"),
    ]
    cell_uris = [f"vscode-notebook-cell:{notebook_uri[len('file:'):]}#cell{i}" for i in range(len(cells))]
    since = len(client.published)
    client.notebook_document_did_open(types.DidOpenNotebookDocumentParams(
        notebook_document=types.NotebookDocument(uri=notebook_uri, notebook_type="jupyter-notebook", version=1, cells=[
            types.NotebookCell(kind=types.NotebookCellKind.Markup if language == "markdown" else types.NotebookCellKind.Code,
                               document=uri)
            for (language, _), uri in zip(cells, cell_uris)]),
        cell_text_documents=[types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)
                             for (language, text), uri in zip(cells, cell_uris)],
    ))
    # the GL301 in cell 3, at the cell's own line and column; cell 2 (with its magic) is clean
    third = await published(client, cell_uris[2], since=since)
    assert [(d.code, d.range.start.line, d.range.start.character) for d in third] == [("GL301", 1, 4)]
    assert await published(client, cell_uris[1], since=since) == []
    assert all(p.uri != cell_uris[0] for p in client.published[since:])  # markdown is not linted

    # the fix typed into cell 3 clears it
    since = len(client.published)
    client.notebook_document_did_change(types.DidChangeNotebookDocumentParams(
        notebook_document=types.VersionedNotebookDocumentIdentifier(uri=notebook_uri, version=2),
        change=types.NotebookDocumentChangeEvent(cells=types.NotebookDocumentCellChanges(text_content=[
            types.NotebookDocumentCellContentChanges(
                document=types.VersionedTextDocumentIdentifier(uri=cell_uris[2], version=2),
                changes=[types.TextDocumentContentChangeWholeDocument(
                    text="with torch.no_grad():\n    for p in model.parameters():\n        p.clamp_(-1, 1)")])])),
    ))
    assert await published(client, cell_uris[2], since=since) == []

    since = len(client.published)
    client.notebook_document_did_close(types.DidCloseNotebookDocumentParams(
        notebook_document=types.NotebookDocumentIdentifier(uri=notebook_uri),
        cell_text_documents=[types.TextDocumentIdentifier(uri=uri) for uri in cell_uris],
    ))
    assert await published(client, cell_uris[1], since=since) == []


async def test_a_notebook_s_calls_inform_the_project_index(client: LanguageClient):
    helper = ("import torch\n\n\ndef evaluate_nb(model, loader):\n    model.eval()\n    correct = 0\n"
              "    for x, y in loader:\n        logits = model(x)\n        correct += (logits.argmax(1) == y).sum().item()\n"
              "    return correct\n")
    (client.root / "nb_helpers.py").write_text(helper)
    helper_uri, diagnostics = await open_document(client, "nb_helpers.py", helper)
    assert codes(diagnostics) == ["GL101"]

    notebook_uri = _uri(client, "report.ipynb")
    cell_uri = f"vscode-notebook-cell:{notebook_uri[len('file:'):]}#cell0"
    text = "import torch\nfrom nb_helpers import evaluate_nb\n\nwith torch.no_grad():\n    evaluate_nb(torch.nn.Linear(2, 2), [])"
    since = len(client.published)
    client.notebook_document_did_open(types.DidOpenNotebookDocumentParams(
        notebook_document=types.NotebookDocument(uri=notebook_uri, notebook_type="jupyter-notebook", version=1, cells=[
            types.NotebookCell(kind=types.NotebookCellKind.Code, document=cell_uri)]),
        cell_text_documents=[types.TextDocumentItem(uri=cell_uri, language_id="python", version=1, text=text)],
    ))
    client.notebook_document_did_save(types.DidSaveNotebookDocumentParams(
        notebook_document=types.NotebookDocumentIdentifier(uri=notebook_uri)))
    # the notebook's summary goes into the index (when it opens, and again when it is saved): the
    # helper's only caller, in the notebook, disables grad, so the helper is linted again, quiet
    assert await published(client, helper_uri, since=since) == []
