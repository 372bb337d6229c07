"""The language server: documents in, diagnostics and code actions out.

Linting runs in a worker thread so the event loop keeps reading messages; a
change in a burst waits a short debounce and supersedes the lint it interrupts.
Code actions reuse the findings (and their fixes) of the version on screen, and
compute "fix all" in a second thread, so a slow fix never holds up diagnostics.
Every edit names the document version it was computed from (where the client
can check it), and an edit whose document changed meanwhile is never offered.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from gradlint import __version__, collector
from gradlint.config import ConfigError, Settings, resolve_settings
from gradlint.discovery import DiscoveryError, discover
from gradlint.engine import LintResult, applies, fix_source, lint_source
from gradlint.rules import known_codes
from gradlint.server import actions, notebooks
from gradlint.server.framing import FramedInput
from gradlint.server.protocol import RobustProtocol, is_parse_error
from gradlint.server.workspace import WorkspaceIndex
from gradlint.source import SourceText

logger = logging.getLogger(__name__)

CONFIG_FILES = ("pyproject.toml", "gradlint.toml")
PYTHON_SUFFIXES = (".py", ".pyi")
DEFAULT_DEBOUNCE_S = 0.03


def config_stamps(folder: str) -> tuple:
    """(path, mtime, size) of every configuration file the CLI's resolution could read from folder."""
    stamps = []
    current = folder
    while True:
        for name in CONFIG_FILES:
            candidate = os.path.join(current, name)
            try:
                stat = os.stat(candidate)
            except OSError:
                continue
            stamps.append((candidate, stat.st_mtime_ns, stat.st_size))
        parent = os.path.dirname(current)
        if parent == current:
            return tuple(stamps)
        current = parent


@dataclass
class Snapshot:
    """One version of an open document, as linted."""

    uri: str
    path: str
    version: int | None
    text: str


class GradlintServer(LanguageServer):
    def __init__(self, debounce: float = DEFAULT_DEBOUNCE_S):
        # Full sync: pygls splits lines for incremental edits at more characters
        # than LSP does (form feeds), which would misplace edits in such files.
        super().__init__(
            "gradlint", __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Full,
            notebook_document_sync=notebooks.SYNC,
            protocol_cls=RobustProtocol,
        )
        self.debounce = debounce
        self.lint_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gradlint-lint")
        # "fix all" runs in its own thread: a slow fix never holds up diagnostics
        self.fix_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gradlint-fix")
        self.pending: dict[str, asyncio.Task] = {}
        self.generation = 0  # bumped when a configuration file changes
        self._settings: dict[str, tuple[Settings, tuple]] = {}
        self._excluded: dict[str, bool] = {}
        self._reported_config_errors: set[str] = set()
        self.project = WorkspaceIndex()
        self.index_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gradlint-index")
        # uri -> (version, generation, result) of the latest lint, for code actions
        self._results: dict[str, tuple[int | None, int, LintResult]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None  # known once the client has initialized

    # -- errors ----------------------------------------------------------------

    def report_server_error(self, error, source):
        if is_parse_error(error):
            self.protocol.answer_parse_error(error)
            return
        super().report_server_error(error, source)

    def report_bad_frame(self, message: str) -> None:
        """From the reader's thread (framing.py): one line on stderr, and in the client's log
        once it has initialized (before that, LSP allows the server no notifications)."""
        print(message, file=sys.stderr, flush=True)
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self.log, message, types.MessageType.Error)

    def log(self, message: str, kind: types.MessageType = types.MessageType.Log) -> None:
        logger.info(message)
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    # -- configuration -----------------------------------------------------------

    def settings_for(self, path: str) -> Settings:
        """The CLI's resolution from the document's folder, cached until a config file changes.

        Not every editor watches files for the server (Neovim on Linux does not), so
        every lint also compares the stamps of the configuration files that could apply.
        """
        folder = os.path.dirname(os.path.abspath(path)) if path else os.getcwd()
        stamps = config_stamps(folder)
        cached = self._settings.get(folder)
        if cached is not None:
            if cached[1] == stamps:
                return cached[0]
            self.reload_configuration()
        try:
            settings = resolve_settings(folder, known_codes())
        except ConfigError as exc:
            settings = Settings(root=folder)
            message = f"gradlint: {exc} (using the default settings)"
            if message not in self._reported_config_errors:
                self._reported_config_errors.add(message)
                self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=message))
                self.log(message, types.MessageType.Error)
        self._settings[folder] = (settings, stamps)
        return settings

    def is_excluded(self, path: str, settings: Settings) -> bool:
        """Excluded files get no diagnostics, as with `gradlint check --force-exclude`."""
        if path not in self._excluded:
            excluded = False
            if os.path.isfile(path):
                try:
                    excluded = not discover([path], settings, force_exclude=True)
                except (DiscoveryError, OSError):
                    excluded = False
            self._excluded[path] = excluded
        return self._excluded[path]

    def reload_configuration(self) -> None:
        self.generation += 1
        self._settings.clear()
        self._excluded.clear()
        self._reported_config_errors.clear()
        self._results.clear()
        self.log("gradlint: configuration changed; linting open documents again")
        self.relint_open_documents()
        self.build_project_index()

    def relint_open_documents(self, delay: float = 0, skip: str | None = None) -> None:
        for uri in list(self.workspace.text_documents):
            if uri != skip and self.is_python(uri):
                self.schedule(uri, delay=delay)
        for uri in list(self.workspace.notebook_documents):
            if uri != skip:
                self.schedule_notebook(uri, delay=delay)

    def workspace_roots(self) -> list[str]:
        roots = [to_fs_path(folder.uri) for folder in self.workspace.folders.values()]
        if not roots and self.workspace.root_path:
            roots = [self.workspace.root_path]
        return [root for root in roots if root and os.path.isdir(root)]

    def build_project_index(self) -> None:
        """Summarise the workspace in the background, then lint the open documents with it."""
        roots = self.workspace_roots()
        if not roots:
            return
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self.index_thread, self.project.build, roots)

        def built(done: asyncio.Future) -> None:
            if done.cancelled():
                return
            if done.exception() is not None:
                self.log(f"gradlint: building the project index failed: {done.exception()}", types.MessageType.Warning)
                return
            self.log(done.result())
            self._results.clear()
            self.relint_open_documents()

        future.add_done_callback(built)

    # -- documents -------------------------------------------------------------

    def snapshot(self, uri: str) -> Snapshot | None:
        document = self.workspace.text_documents.get(uri)
        if document is None:
            return None
        return Snapshot(uri=uri, path=document.path, version=document.version, text=document.source)

    def is_python(self, uri: str) -> bool:
        document = self.workspace.text_documents.get(uri)
        if document is None or self.workspace.get_notebook_document(cell_uri=uri) is not None:
            return False  # a notebook's cell is linted with its notebook (schedule_notebook)
        return document.language_id == "python" or document.path.endswith(PYTHON_SUFFIXES)

    @property
    def encoding(self) -> str:
        return self.workspace.position_encoding or types.PositionEncodingKind.Utf16

    # -- linting ---------------------------------------------------------------

    def schedule(self, uri: str, delay: float, saved: bool = False) -> None:
        """Lint uri after `delay` seconds; a newer call supersedes this one.

        saved: the text is now the file's, so its summary in the project index is refreshed.
        """
        old = self.pending.pop(uri, None)
        if old is not None:
            old.cancel()
        self.pending[uri] = asyncio.ensure_future(self._lint_later(uri, delay, saved))

    def schedule_notebook(self, uri: str, delay: float, saved: bool = False) -> None:
        """Lint a notebook document's code cells after `delay` seconds; a newer call supersedes this one.

        saved: the cells are now the file's, so its summary in the project index is refreshed.
        """
        key = "notebook:" + uri
        old = self.pending.pop(key, None)
        if old is not None:
            old.cancel()
        self.pending[key] = asyncio.ensure_future(self._lint_notebook_later(uri, key, delay, saved))

    def _diagnose_notebook(self, cells, path: str, settings: Settings, encoding: str, saved: bool, index_changed):
        """In the lint thread: each cell's diagnostics (calling `index_changed` when the notebook's
        summary changed the project index)."""
        with collector.one_file():
            source = notebooks.program(cells)
            if path and (saved or (self.project.covers(path) and not self.project.knows(path))) \
                    and self.project.update(path, source.text):
                index_changed()
            return notebooks.diagnose(source, cells, path, settings, self.project.index_for(path), encoding)

    def _on_index_change(self, loop, uri: str):
        """What the lint thread calls when a document's summary changed the project index: the other
        open documents are linted again. Scheduled from the thread itself, so that it happens even
        when a newer change cancels the lint that made the update while it runs."""
        return lambda: loop.call_soon_threadsafe(self.relint_open_documents, self.debounce, uri)

    async def _lint_notebook_later(self, uri: str, key: str, delay: float, saved: bool = False) -> None:
        try:
            if delay:
                await asyncio.sleep(delay)
            notebook = self.workspace.get_notebook_document(notebook_uri=uri)
            if notebook is None:
                return
            version = notebook.version
            cells = notebooks.code_cells(self.workspace, notebook)
            path = to_fs_path(uri) or ""
            settings = self.settings_for(path)
            if path and self.is_excluded(path, settings):
                found = {cell_uri: [] for _, cell_uri, _ in cells}
            else:
                loop = asyncio.get_running_loop()
                found = await loop.run_in_executor(
                    self.lint_thread, self._diagnose_notebook, cells, path, settings, self.encoding, saved,
                    self._on_index_change(loop, uri))
            current = self.workspace.get_notebook_document(notebook_uri=uri)
            if current is None or current.version != version:
                return  # closed, or changed meanwhile: the newer lint publishes
            for cell_uri, diagnostics in found.items():
                self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=cell_uri, diagnostics=diagnostics))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # keep serving whatever one notebook does
            logger.exception("linting %s failed", uri)
            self.log(f"gradlint: internal error linting {uri}: {type(exc).__name__}: {exc}", types.MessageType.Error)
        finally:
            if self.pending.get(key) is asyncio.current_task():
                del self.pending[key]

    def forget(self, uri: str) -> None:
        old = self.pending.pop(uri, None)
        if old is not None:
            old.cancel()
        self._results.pop(uri, None)
        path = to_fs_path(uri)
        if path and not os.path.exists(path):
            self.project.forget(path)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    async def _lint_later(self, uri: str, delay: float, saved: bool = False) -> None:
        try:
            if delay:
                await asyncio.sleep(delay)
            snap = self.snapshot(uri)
            if snap is None:
                return
            settings = self.settings_for(snap.path)
            if self.is_excluded(snap.path, settings):
                found: list[types.Diagnostic] = []
            else:
                loop = asyncio.get_running_loop()
                generation = self.generation
                # other files' facts may depend on this one (who calls what, under which mode)
                result, found = await loop.run_in_executor(
                    self.lint_thread, self._diagnose, snap, settings, self.encoding, saved,
                    self._on_index_change(loop, uri))
                self._results[uri] = (snap.version, generation, result)
            current = self.snapshot(uri)
            if current is None or current.version != snap.version:
                return  # closed, or changed meanwhile: the newer lint publishes
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=found, version=snap.version)
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # keep serving whatever one document does
            logger.exception("linting %s failed", uri)
            self.log(f"gradlint: internal error linting {uri}: {type(exc).__name__}: {exc}", types.MessageType.Error)
        finally:
            if self.pending.get(uri) is asyncio.current_task():
                del self.pending[uri]

    def _diagnose(self, snap: Snapshot, settings: Settings, encoding: str, saved: bool, index_changed):
        """In the lint thread: the lint and its findings as LSP diagnostics (calling `index_changed`
        when the document's summary changed the project index)."""
        with collector.one_file():  # as in a CLI run: no collection walks the server's objects mid-lint
            if saved or (self.project.covers(snap.path) and not self.project.knows(snap.path)):
                if self.project.update(snap.path, snap.text):
                    index_changed()
            source = SourceText(snap.text)
            result = lint_source(source, snap.path, settings, self.project.index_for(snap.path))
            for error in result.errors:
                logger.warning("%s", error)
            return result, actions.diagnostics(result.findings, source, encoding)

    async def lint_result(self, snap: Snapshot) -> tuple[LintResult, Settings]:
        """The findings of exactly this version: the diagnostics' lint, or a new one."""
        settings = self.settings_for(snap.path)
        cached = self._results.get(snap.uri)
        if cached is not None and cached[0] == snap.version and cached[1] == self.generation:
            return cached[2], settings
        generation = self.generation
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(
            self.fix_thread, lint_source, SourceText(snap.text), snap.path, settings, self.project.index_for(snap.path)
        )
        self._results[snap.uri] = (snap.version, generation, result)
        return result, settings

    async def fixed_text(self, snap: Snapshot, settings: Settings) -> str:
        loop = asyncio.get_running_loop()
        outcome = await loop.run_in_executor(
            self.fix_thread,
            lambda: fix_source(SourceText(snap.text), snap.path, settings, self.project.index_for(snap.path), unsafe=settings.unsafe_fixes),
        )
        return outcome.text

    # -- code actions --------------------------------------------------------------

    def versioned_edits(self) -> bool:
        """Whether edits can name the version they were computed from (TextDocumentEdit), so
        that the client refuses to apply one to a buffer edited since."""
        caps = self.client_capabilities.workspace
        edit_caps = caps.workspace_edit if caps is not None else None
        return bool(edit_caps is not None and edit_caps.document_changes)

    def is_current(self, snap: Snapshot) -> bool:
        """The document is still open at the version snap was taken from. An edit computed
        from any other version is never offered: for a client that cannot check versions
        (versioned_edits is False) this is all that stands between a fix and the user's newer typing."""
        current = self.snapshot(snap.uri)
        return current is not None and current.version == snap.version and current.text == snap.text

    async def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        snap = self.snapshot(uri)
        if snap is None or not self.is_python(uri):
            return []
        settings = self.settings_for(snap.path)
        if self.is_excluded(snap.path, settings):
            return []
        result, settings = await self.lint_result(snap)
        if not self.is_current(snap):
            return []  # edited while the lint ran: the client asks again for the new text
        source = SourceText(snap.text)
        versioned = self.versioned_edits()
        found = actions.line_actions(uri, snap.version, source, result.findings, params, self.encoding, versioned)
        if not actions.wanted(actions.FIX_ALL_KIND, params.context.only):
            return found
        if not any(applies(f, settings.unsafe_fixes) for f in result.findings):
            return found
        if self.resolves_edits():
            # editors ask for actions at every cursor move: fix the file only when this one is chosen
            found.append(types.CodeAction(
                title=actions.FIX_ALL_TITLE, kind=actions.FIX_ALL_KIND, data={"uri": uri, "version": snap.version}
            ))
            return found
        fixed = await self.fixed_text(snap, settings)
        if not self.is_current(snap):
            return []
        action = actions.fix_all_action(uri, snap.version, source, fixed, self.encoding, versioned)
        if action is not None:
            found.append(action)
        return found

    def resolves_edits(self) -> bool:
        caps = self.client_capabilities.text_document
        code_action = caps.code_action if caps is not None else None
        resolve = code_action.resolve_support if code_action is not None else None
        return bool(resolve is not None and "edit" in resolve.properties)

    async def resolve_code_action(self, action: types.CodeAction) -> types.CodeAction:
        data = action.data if isinstance(action.data, dict) else {}
        if action.kind != actions.FIX_ALL_KIND or action.edit is not None or not isinstance(data.get("uri"), str):
            return action
        snap = self.snapshot(data["uri"])
        if snap is None or snap.version != data.get("version"):
            # offered for a version the user has edited since: fixing the newer text
            # would apply a fix they were never shown; no edit, and the action does nothing
            self.log(f"gradlint: fix all not applied: {data['uri']} changed since it was offered")
            return action
        settings = self.settings_for(snap.path)
        fixed = await self.fixed_text(snap, settings)
        if not self.is_current(snap):
            return action
        resolved = actions.fix_all_action(snap.uri, snap.version, SourceText(snap.text), fixed, self.encoding, self.versioned_edits())
        if resolved is not None:
            action.edit = resolved.edit
        return action


def create_server(debounce: float = DEFAULT_DEBOUNCE_S) -> GradlintServer:
    server = GradlintServer(debounce)

    @server.feature(types.INITIALIZE)
    def initialize(ls: GradlintServer, params: types.InitializeParams):
        options = params.initialization_options
        if isinstance(options, dict) and isinstance(options.get("debounceMs"), (int, float)):
            ls.debounce = max(0.0, float(options["debounceMs"]) / 1000)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: GradlintServer, params: types.InitializedParams):
        ls._loop = asyncio.get_running_loop()
        ls.build_project_index()
        caps = ls.client_capabilities.workspace
        watched = caps.did_change_watched_files if caps is not None else None
        if watched is None or not watched.dynamic_registration:
            return  # configuration changes then arrive only as saves
        watchers = [types.FileSystemWatcher(glob_pattern=f"**/{name}") for name in CONFIG_FILES]
        registration = types.Registration(
            id="gradlint-config-files",
            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
        )
        try:
            await ls.client_register_capability_async(types.RegistrationParams(registrations=[registration]))
        except Exception as exc:  # a client that refuses: saves still reload
            ls.log(f"gradlint: could not watch configuration files: {exc}")

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: GradlintServer, params):
        ls.project.stop()
        for task in ls.pending.values():
            task.cancel()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: GradlintServer, params: types.DidOpenTextDocumentParams):
        if ls.is_python(params.text_document.uri):
            ls.schedule(params.text_document.uri, delay=0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: GradlintServer, params: types.DidChangeTextDocumentParams):
        uri = params.text_document.uri
        if ls.is_python(uri):
            # the first change after a quiet spell lints at once; changes in a burst wait for a pause
            ls.schedule(uri, delay=ls.debounce if uri in ls.pending else 0)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: GradlintServer, params: types.DidSaveTextDocumentParams):
        uri = params.text_document.uri
        if uri.rsplit("/", 1)[-1] in CONFIG_FILES:
            ls.reload_configuration()
        elif ls.is_python(uri):
            ls.schedule(uri, delay=0, saved=True)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: GradlintServer, params: types.DidCloseTextDocumentParams):
        ls.forget(params.text_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def notebook_did_open(ls: GradlintServer, params: types.DidOpenNotebookDocumentParams):
        ls.schedule_notebook(params.notebook_document.uri, delay=0)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def notebook_did_change(ls: GradlintServer, params: types.DidChangeNotebookDocumentParams):
        uri = params.notebook_document.uri
        ls.schedule_notebook(uri, delay=ls.debounce if "notebook:" + uri in ls.pending else 0)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    def notebook_did_save(ls: GradlintServer, params: types.DidSaveNotebookDocumentParams):
        ls.schedule_notebook(params.notebook_document.uri, delay=0, saved=True)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def notebook_did_close(ls: GradlintServer, params: types.DidCloseNotebookDocumentParams):
        task = ls.pending.pop("notebook:" + params.notebook_document.uri, None)
        if task is not None:
            task.cancel()
        for cell in params.cell_text_documents:
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=cell.uri, diagnostics=[]))

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: GradlintServer, params: types.DidChangeWatchedFilesParams):
        if any(change.uri.rsplit("/", 1)[-1] in CONFIG_FILES for change in params.changes):
            ls.reload_configuration()

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, actions.FIX_ALL_KIND], resolve_provider=True
        ),
    )
    async def code_action(ls: GradlintServer, params: types.CodeActionParams):
        return await ls.code_actions(params)

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def code_action_resolve(ls: GradlintServer, action: types.CodeAction):
        return await ls.resolve_code_action(action)

    return server


def serve() -> None:
    """Serve over stdin/stdout until the client says exit."""
    server = create_server()
    collector.freeze_startup()
    server.start_io(stdin=FramedInput(sys.stdin.buffer, server.report_bad_frame))
