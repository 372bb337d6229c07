"""Qualified names for one file: its module name, its definitions, and what a name refers to.

A file's module name comes from its place among `__init__.py` files
(`pkg/sub/mod.py` is `pkg.sub.mod`; a script outside any package is its stem).
Definitions are named as Python names them, without `<locals>`:
`pkg.sub.mod.Trainer.evaluate`. `resolve` turns a name or attribute chain into
the qualified name of what it refers to: a definition of this file, an import
(relative imports resolved), or None when the analysis cannot say.
"""

from __future__ import annotations

import ast
from functools import cached_property

from gradlint.analysis.names import ImportTable
from gradlint.analysis.tree import FUNCTION_TYPES, Tree, assigned_names


class Symbols:
    """Definitions of one file by qualified name, and name resolution at module level."""

    def __init__(self, tree: Tree, imports: ImportTable, module: str):
        self.tree = tree
        self.imports = imports
        self.module = module
        self.qualified: dict[ast.AST, str] = {}  # def / class node -> qualified name
        self.globals: dict[str, str] = {}  # module-level name -> qualified name (defs, classes, assignments)
        self._locals: dict[ast.AST, frozenset[str]] = {}
        self.call_keys: dict[ast.Call, str | None] = {}  # what `call_keys.call_key` found, per call
        self._resolved: dict[tuple[ast.AST, ast.AST | None], str | None] = {}  # what `resolve` found
        self._name(tree.module.body, module, top=True)

    def _name(self, body: list[ast.stmt], prefix: str, top: bool) -> None:
        for stmt in body:
            if isinstance(stmt, (*FUNCTION_TYPES, ast.ClassDef)):
                name = f"{prefix}.{stmt.name}" if prefix else stmt.name
                self.qualified[stmt] = name
                if top:
                    self.globals[stmt.name] = name
                self._name(stmt.body, name, top=False)
            elif top and isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for target in targets:
                    for leaf in assigned_names(target):
                        if isinstance(leaf, ast.Name):
                            self.globals[leaf.id] = f"{prefix}.{leaf.id}" if prefix else leaf.id
            elif isinstance(stmt, (ast.If, ast.Try)) or type(stmt).__name__ == "TryStar":
                # `if TYPE_CHECKING:` / `try: import ...` blocks define module names too
                for field in ("body", "orelse", "finalbody"):
                    self._name(getattr(stmt, field, []), prefix, top)
                for handler in getattr(stmt, "handlers", []):
                    self._name(handler.body, prefix, top)

    @cached_property
    def definitions_by_name(self) -> dict[str, ast.AST]:
        """Qualified name -> def or class node, for this file's definitions."""
        return {name: node for node, name in self.qualified.items()}

    def qualname_of(self, definition: ast.AST) -> str | None:
        return self.qualified.get(definition)

    def class_qualname(self, cls: ast.ClassDef | None) -> str | None:
        return self.qualified.get(cls) if cls is not None else None

    def resolve(self, expr: ast.AST, scope: ast.AST | None = None) -> str | None:
        """What a name or attribute chain refers to, as a qualified name: a module-level definition
        or import, unless `scope` (the function the expression is in) binds the name itself."""
        known = self._resolved
        key = (expr, scope)
        if key not in known:
            known[key] = self._resolve(expr, scope)
        return known[key]

    def _resolve(self, expr: ast.AST, scope: ast.AST | None) -> str | None:
        parts = []
        node = expr
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        while scope is not None and not isinstance(scope, ast.Module):
            if node.id in self.local_names(scope):
                # a name the function (or one around it) binds: a nested function or class it defines, or unknown
                nested = self._nested_definition(scope, node.id)
                return ".".join([nested, *reversed(parts)]) if nested is not None else None
            scope = self.tree.scope_of(scope)
        base = self.globals.get(node.id)
        if base is None:
            return self.imports.resolve(expr)
        return ".".join([base, *reversed(parts)])

    def _nested_definition(self, scope: ast.AST, name: str) -> str | None:
        """The qualified name of the one function or class named `name` that scope defines, when
        that `def` or `class` is the only way scope binds the name (no parameter, assignment or
        import of it)."""
        if not isinstance(scope, FUNCTION_TYPES):
            return None
        args = scope.args
        if name in {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg] if a is not None}:
            return None
        if name in self.tree.scopes_storing().get(scope, ()) or name in self._imported_in.get(scope, ()):
            return None
        defs = [node for node in self._nested_defs.get(scope, ()) if node.name == name]
        return self.qualified.get(defs[0]) if len(defs) == 1 else None

    @cached_property
    def _nested_defs(self) -> dict[ast.AST, list[ast.AST]]:
        found: dict[ast.AST, list[ast.AST]] = {}
        for node in self.tree.nodes(*FUNCTION_TYPES, ast.ClassDef):
            scope = self.tree.owner(node)
            if scope is not None:
                found.setdefault(scope, []).append(node)
        return found

    @cached_property
    def _imported_in(self) -> dict[ast.AST, set[str]]:
        found: dict[ast.AST, set[str]] = {}
        for node in self.tree.imports:
            scope = self.tree.owner(node)
            if scope is not None:
                found.setdefault(scope, set()).update((a.asname or a.name).split(".")[0] for a in node.names)
        return found

    def local_names(self, scope: ast.AST) -> frozenset[str]:
        """Names a function binds itself (parameters, assignments, loop and `with` targets, imports)."""
        found = self._locals.get(scope)
        if found is None:
            names = set()
            if isinstance(scope, (*FUNCTION_TYPES, ast.Lambda)):
                args = scope.args
                names.update(a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs])
                names.update(a.arg for a in (args.vararg, args.kwarg) if a is not None)
            if not isinstance(scope, ast.Module):
                names.update(self._bound_in.get(scope, ()))
            found = self._locals[scope] = frozenset(names)
        return found

    @cached_property
    def _bound_in(self) -> dict[ast.AST, set[str]]:
        """Function or lambda -> the names its own code binds (the nodes `tree.scope_nodes` gives
        it), found in one pass over the file's binding nodes rather than a walk per scope."""
        tree = self.tree
        found: dict[ast.AST, set[str]] = {}
        for scope, stores in tree.scopes_storing().items():
            found[scope] = set(stores)
        for scope, definitions in self._nested_defs.items():
            found.setdefault(scope, set()).update(node.name for node in definitions)
        for scope, names in self._imported_in.items():
            found.setdefault(scope, set()).update(names)
        return found
