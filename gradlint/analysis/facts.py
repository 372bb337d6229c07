"""FileFacts: everything a rule reads about one file, each part built once and on demand."""

from __future__ import annotations

import ast
from functools import cached_property

from gradlint.analysis.grad_mode import GradMode, GradModeResolver, LIGHTNING_NO_GRAD_HOOKS, is_lightning_module
from gradlint.analysis.names import ImportTable
from gradlint.analysis.project import ProjectIndex, summarize
from gradlint.analysis.tree import FUNCTION_TYPES, Tree
from gradlint.finding import Position
from gradlint.source import SourceText


class FileFacts:
    def __init__(self, path: str, source: SourceText, module: ast.Module, index: ProjectIndex | None = None, settings=None):
        self.path = path
        self.source = source
        self.module = module
        self.settings = settings
        self.tree = Tree(module)
        self.imports = ImportTable(module, self.tree.imports)
        self._index = index

    # -- project ---------------------------------------------------------------

    @cached_property
    def index(self) -> ProjectIndex:
        """The project index; a file linted alone is its own project."""
        if self._index is not None:
            return self._index
        return ProjectIndex([summarize(self.tree, self.imports)])

    # -- grad mode -------------------------------------------------------------

    def function_base_mode(self, function: ast.AST) -> GradMode | None:
        """The mode a function starts in before its decorators: framework entry or the project index."""
        if not isinstance(function, FUNCTION_TYPES):
            return None
        cls = self.tree.parent(function)
        if isinstance(cls, ast.ClassDef) and function.name in LIGHTNING_NO_GRAD_HOOKS:
            if is_lightning_module(self.imports, cls, self.index.lightning_classes):
                return GradMode.INFERENCE
        return self.index.function_mode(function.name)

    @cached_property
    def grad(self) -> GradModeResolver:
        return GradModeResolver(self.tree, self.imports, self.function_base_mode)

    def grad_mode_at(self, node: ast.AST) -> GradMode:
        """Which grad mode node runs in: ENABLED, DISABLED, INFERENCE or UNKNOWN."""
        return self.grad.grad_mode_at(node)

    # -- shared analyses -------------------------------------------------------

    @cached_property
    def modules(self):
        from gradlint.analysis.modules import ModuleFacts

        return ModuleFacts(self)

    @cached_property
    def parameters(self):
        from gradlint.analysis.parameters import ParameterFacts

        return ParameterFacts(self)

    @cached_property
    def eval_calls(self):
        from gradlint.analysis.training import eval_calls_by_scope

        return eval_calls_by_scope(self)

    @cached_property
    def flow(self):
        from gradlint.analysis.flow import FlowFacts

        return FlowFacts(self)

    # -- positions -------------------------------------------------------------

    def start(self, node: ast.AST) -> Position:
        return Position(node.lineno, self.source.char_column(node.lineno, node.col_offset))

    def end(self, node: ast.AST) -> Position:
        line = node.end_lineno or node.lineno
        col = node.end_col_offset if node.end_col_offset is not None else node.col_offset
        return Position(line, self.source.char_column(line, col))

    def text(self, node: ast.AST) -> str:
        start, end = self.source.offset(self.start(node)), self.source.offset(self.end(node))
        return self.source.text[start:end]
