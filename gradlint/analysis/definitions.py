"""Reaching definitions: which assignment of a local name a read sees.

A scope's name that is bound more than once (`output = model(x)` in the
training step and `output = model(val_x)` in the validation branch) is several
values, not one. `Definitions` tells them apart: each binding statement is a
definition, named `name@line:col` after the statement, and each read sees the
definitions that can reach it along the scope's control flow (computed by the
one solver, `dataflow.ForwardAnalysis`). Parameters and names bound before
the scope starts are the definition `name@in`.

Only names it can follow are versioned: bound at least twice, never declared
`global`/`nonlocal`, never bound by `:=` or inside a comprehension, never used
by a nested function, lambda or class (which see a later value). Every other
name is one value, as before, and keeps its plain name as its key.
"""

from __future__ import annotations

import ast
from collections import Counter

from gradlint.analysis.dataflow import ForwardAnalysis
from gradlint.analysis.tree import FUNCTION_TYPES, NESTED_TYPES, assigned_names

ENTRY = "in"


def definition_key(name: str, stmt: ast.stmt) -> str:
    return f"{name}@{stmt.lineno}:{stmt.col_offset}"


def entry_key(name: str) -> str:
    return f"{name}@{ENTRY}"


def plain(key: str) -> str:
    """A path with its definition marks removed: `out@12:4.feats` -> `out.feats`."""
    if "@" not in key:
        return key
    return ".".join(part.split("@", 1)[0] for part in key.split("."))


def simple_bindings(stmt: ast.stmt) -> list[str]:
    """Names a simple statement binds in its scope."""
    if isinstance(stmt, ast.Assign):
        return [leaf.id for target in stmt.targets for leaf in assigned_names(target) if isinstance(leaf, ast.Name)]
    if isinstance(stmt, ast.AnnAssign):
        return [stmt.target.id] if stmt.value is not None and isinstance(stmt.target, ast.Name) else []
    if isinstance(stmt, ast.AugAssign):
        return [stmt.target.id] if isinstance(stmt.target, ast.Name) else []
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return [(alias.asname or alias.name).split(".")[0] for alias in stmt.names if alias.name != "*"]
    if isinstance(stmt, (*FUNCTION_TYPES, ast.ClassDef)):
        return [stmt.name]
    return []


def header_bindings(target: ast.AST | None) -> list[str]:
    """Names a compound statement's header binds: `for` and `with` targets, `except` names, `case` patterns."""
    if target is None:
        return []
    if isinstance(target, ast.pattern):
        names = []
        for node in ast.walk(target):
            name = getattr(node, "name", None) if isinstance(node, (ast.MatchAs, ast.MatchStar)) else \
                getattr(node, "rest", None) if isinstance(node, ast.MatchMapping) else None
            if name:
                names.append(name)
        return names
    return [leaf.id for leaf in assigned_names(target) if isinstance(leaf, ast.Name)]


def _compound_targets(stmt: ast.stmt) -> list[ast.AST]:
    if isinstance(stmt, (ast.For, ast.AsyncFor)):
        return [stmt.target]
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return [item.optional_vars for item in stmt.items if item.optional_vars is not None]
    if isinstance(stmt, (ast.Try, ast.TryStar)):
        return [ast.Name(id=h.name, ctx=ast.Store()) for h in stmt.handlers if h.name]
    if isinstance(stmt, ast.Match):
        return [case.pattern for case in stmt.cases]
    return []


def _parameters(scope: ast.AST) -> list[str]:
    if not isinstance(scope, FUNCTION_TYPES):
        return []
    args = scope.args
    names = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return names


class Definitions(ForwardAnalysis):
    """Reaching definitions of the versioned names of one scope."""

    def __init__(self, tree, scope: ast.AST):
        super().__init__()
        self.tree = tree
        self.scope = scope
        self.hidden: set[str] = set()  # names nested code or other scopes may read or rebind
        solved = isinstance(scope, (ast.Module, *FUNCTION_TYPES))  # a lambda's one expression needs no flow
        self.versioned = self._versioned_names() if solved else frozenset()
        body = scope.body if solved else []
        start = {name: frozenset([entry_key(name)]) for name in self.versioned}
        if self.versioned:
            self.run(body, start)

    def _versioned_names(self) -> frozenset[str]:
        counts: Counter[str] = Counter(_parameters(self.scope))
        excluded: set[str] = set()
        for node in self.tree.scope_nodes(self.scope):
            if isinstance(node, ast.stmt):
                for name in simple_bindings(node):
                    counts[name] += 1
                for target in _compound_targets(node):
                    counts.update(header_bindings(target))
                if isinstance(node, (ast.Global, ast.Nonlocal)):
                    excluded.update(node.names)
                elif isinstance(node, NESTED_TYPES) and node is not self.scope:
                    excluded.update(n.id for n in self.tree.names_within(node))
            elif isinstance(node, ast.NamedExpr):
                excluded.add(node.target.id)
            elif isinstance(node, ast.comprehension):
                excluded.update(leaf.id for leaf in assigned_names(node.target) if isinstance(leaf, ast.Name))
            elif isinstance(node, ast.Lambda):
                excluded.update(n.id for n in self.tree.names_within(node))
        self.hidden = excluded
        return frozenset(name for name, count in counts.items() if count > 1 and name not in excluded)

    # -- the analysis --------------------------------------------------------------

    def join(self, a: dict, b: dict) -> dict:
        return {name: a.get(name, frozenset()) | b.get(name, frozenset()) for name in a.keys() | b.keys()}

    def transfer(self, stmt: ast.stmt, state: dict) -> dict:
        bound = [name for name in simple_bindings(stmt) if name in self.versioned]
        if isinstance(stmt, ast.Delete):
            deleted = [leaf.id for target in stmt.targets for leaf in assigned_names(target)
                       if isinstance(leaf, ast.Name) and leaf.id in self.versioned]
            return {**state, **{name: frozenset() for name in deleted}} if deleted else state
        if not bound:
            return state
        return {**state, **{name: frozenset([definition_key(name, stmt)]) for name in bound}}

    def bind(self, stmt: ast.stmt, target: ast.AST | None, state: dict) -> dict:
        bound = [name for name in header_bindings(target) if name in self.versioned]
        if not bound:
            return state
        return {**state, **{name: frozenset([definition_key(name, stmt)]) for name in bound}}

    # -- queries -------------------------------------------------------------------

    def reaching(self, name: str, stmt: ast.stmt) -> frozenset[str]:
        """The definition keys of a versioned name that reach the start of stmt."""
        state = self.before.get(stmt)
        if state is None:
            return frozenset()
        return state.get(name, frozenset())

    def read_keys(self, name: ast.Name) -> frozenset[str]:
        """The keys a read of a name stands for: its reaching definitions, or its plain name."""
        if name.id not in self.versioned:
            return frozenset([name.id])
        return self.reaching(name.id, self.tree.statement_of(name)) or frozenset([entry_key(name.id)])

    def binds(self, stmt: ast.stmt, name: str) -> bool:
        """Does stmt (a simple statement, or a compound one's header) bind name?"""
        return name in simple_bindings(stmt) or any(name in header_bindings(t) for t in _compound_targets(stmt))

    def store_key(self, name: str, stmt: ast.stmt) -> str:
        """The key of the value a statement binds to name."""
        return definition_key(name, stmt) if name in self.versioned else name

    def uses(self, name: str, stmt: ast.stmt) -> list[ast.Name] | None:
        """Every read of the value stmt binds to name, or None when code out of view may read it
        (a nested function, a global)."""
        if name in self.hidden or isinstance(self.scope, ast.Module):
            return None
        key = self.store_key(name, stmt)
        return [node for node in self.tree.scope_nodes(self.scope)
                if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)
                and (name not in self.versioned or key in self.read_keys(node))]

    def all_keys(self, name: str) -> set[str]:
        """Every definition of a name, for a question about the name as a whole."""
        if name not in self.versioned:
            return {name}
        keys = {entry_key(name)}
        for state in self.before.values():
            if state:
                keys |= state.get(name, frozenset())
        return keys
