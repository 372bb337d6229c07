"""Another array framework's code in a torch file: the branches a multi-backend library writes
for PaddlePaddle, TensorFlow, JAX, Chainer, ... (OTHER_FRAMEWORKS). Only the torch branch is
torch code: grad modes, forwards and call sites of the others mean nothing to autograd.

Read from the tree and the imports alone, so that the file's summary (the call sites it gives
the project index) and its rules (`FileFacts.foreign_code`) ask the same question.
"""

from __future__ import annotations

import ast

from gradlint.analysis.tree import FUNCTION_TYPES
from gradlint.analysis.vocabulary import OTHER_FRAMEWORKS


def foreign_code(tree, imports) -> "ForeignCode":
    """The file's ForeignCode, made once per tree."""
    return tree.memo(foreign_code, lambda: ForeignCode(tree, imports))


class ForeignCode:
    def __init__(self, tree, imports):
        self.tree = tree
        self.names = _framework_names(imports)
        self._functions: dict[ast.AST, bool] = {}
        self._arms: dict[tuple[int, bool], bool] = {}

    def __contains__(self, node: ast.AST) -> bool:
        """Is node in a function of another array framework: one (or one around it) whose code
        names PaddlePaddle, TensorFlow, JAX, ... (the module itself, or a project module that
        re-exports it: `from ..backend import paddle`) and never torch, or in an `if` arm that
        does (`elif self.model_type == "tf": import tensorflow as tf; ...`)?"""
        if not self.names:
            return False
        if self._in_foreign_arm(node):
            return True
        function = self.tree.function_of(node) if not isinstance(node, FUNCTION_TYPES) else node
        while function is not None:
            if self._foreign_function(function):
                return True
            function = self.tree.function_of(function)
        return False

    def _foreign(self, names: set[str]) -> bool:
        return bool(names & self.names["other"]) and not names & self.names["torch"]

    def _in_foreign_arm(self, node: ast.AST) -> bool:
        child = node
        for ancestor in self.tree.ancestors(node):
            if isinstance(ancestor, (*FUNCTION_TYPES, ast.Lambda, ast.ClassDef)):
                return False
            if isinstance(ancestor, ast.If) and child is not ancestor.test:
                arm = ancestor.body if child in ancestor.body else ancestor.orelse
                key = (id(ancestor), arm is ancestor.body)
                known = self._arms.get(key)
                if known is None:
                    named = {n.id for stmt in arm for n in self.tree.names_within(stmt)}
                    known = self._arms[key] = self._foreign(named)
                if known:
                    return True
            child = ancestor
        return False

    def _foreign_function(self, function: ast.AST) -> bool:
        known = self._functions.get(function)
        if known is None:
            known = self._functions[function] = self._foreign({name.id for name in self.tree.names_within(function)})
        return known


def _framework_names(imports) -> dict[str, set[str]]:
    """The file's import names for other array frameworks ("other") and for torch ("torch"),
    by the first or last part of what they import (`paddle`, `deepxde.backend.paddle`); empty
    when the file imports no other framework."""
    found: dict[str, set[str]] = {"other": set(), "torch": set()}
    for local, target in imports.everything.items():
        parts = {target.split(".")[0], target.rsplit(".", 1)[-1]}
        if parts & OTHER_FRAMEWORKS:
            found["other"].add(local)
        if "torch" in parts:
            found["torch"].add(local)
    return found if found["other"] else {}
