"""Notebook documents (LSP 3.17 `notebookDocument/*`, as VS Code and JupyterLab's LSP send them).

A notebook's code cells are linted as one program, as `gradlint check` lints an
`.ipynb` file (gradlint.notebook), and each cell gets its own diagnostics, published
to the cell's document URI. Code actions are offered for Python files only.
"""

from __future__ import annotations

from lsprotocol import types

from gradlint.engine import lint_source
from gradlint.notebook import NotebookSource
from gradlint.rules import known_codes
from gradlint.server.actions import to_diagnostic
from gradlint.server.positions import Converter
from gradlint.source import SourceText

# every kind of notebook, for its Python cells
SYNC = types.NotebookDocumentSyncOptions(
    notebook_selector=[types.NotebookDocumentFilterWithNotebook(
        notebook="*", cells=[types.NotebookCellLanguage(language="python")])],
    save=True,
)


def code_cells(workspace, notebook: types.NotebookDocument) -> list[tuple[int, str, str]]:
    """(cell number counting every cell, cell URI, text) of the notebook's Python code cells, in order."""
    cells = []
    for number, cell in enumerate(notebook.cells, 1):
        if cell.kind != types.NotebookCellKind.Code:
            continue
        document = workspace.text_documents.get(cell.document)
        if document is None or (document.language_id or "python") != "python":
            continue
        cells.append((number, cell.document, document.source))
    return cells


def program(cells: list[tuple[int, str, str]]) -> NotebookSource:
    """The program the cells make, as `gradlint check` builds it from an .ipynb file."""
    return NotebookSource.from_cells([(number, text) for number, _, text in cells])


def diagnose(source: NotebookSource, cells: list[tuple[int, str, str]], path: str, settings, index,
             encoding: str) -> dict[str, list]:
    """Each cell URI's diagnostics (every cell given has an entry, empty when it has none)."""
    codes = settings.codes_for(path, known_codes())
    result = lint_source(source, path, settings, index, codes)
    found = source.localize(result.findings, codes, settings, path)
    uris = {number: uri for number, uri, _ in cells}
    converters = {number: Converter(SourceText(text), encoding) for number, _, text in cells}
    published: dict[str, list] = {uri: [] for _, uri, _ in cells}
    for finding in found:
        published[uris[finding.cell]].append(to_diagnostic(finding, converters[finding.cell]))
    return published
