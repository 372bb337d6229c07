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


def target_names(target: ast.AST | str | None) -> list[str]:
    """The names a binding target binds: an assignment, loop or `with` target (tuples unpacked;
    attributes and subscripts fill an object, they bind no name), a `case` pattern, or a plain
    name (an import, def, class or `except` name)."""
    if target is None:
        return []
    if isinstance(target, str):
        return [target]
    if isinstance(target, ast.pattern):
        names = []
        for node in ast.walk(target):
            name = getattr(node, "name", None) if isinstance(node, (ast.MatchAs, ast.MatchStar)) else \
                getattr(node, "rest", None) if isinstance(node, ast.MatchMapping) else None
            if name:
                names.append(name)
        return names
    return [leaf.id for leaf in assigned_names(target) if isinstance(leaf, ast.Name)]


def statement_targets(stmt: ast.stmt) -> list[tuple[ast.AST | str, ast.AST | None, str]]:
    """What a statement binds, as (target, value, kind): a simple statement's own targets, or a
    compound statement's header (`for` and `with` targets, `except` names, `case` patterns).

    The one list of Python's binding statements: the reaching definitions below and the
    bindings table (`bindings.py`) both read it. kind is "value" (target = value), "aug"
    (target op= value), "iter" (a loop target over the iterable value) or "opaque" (an import,
    def, class, `with`, `except` or `case` name: no value in view). A name bound without a target
    expression (import, def, class, except) comes as the name itself."""
    if type(stmt) in _BINDS_NOTHING:
        return []
    if isinstance(stmt, ast.Assign):
        return [(target, stmt.value, "value") for target in stmt.targets]
    if isinstance(stmt, ast.AnnAssign):
        return [(stmt.target, stmt.value, "value")] if stmt.value is not None else []
    if isinstance(stmt, ast.AugAssign):
        return [(stmt.target, stmt.value, "aug")]
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return [((alias.asname or alias.name).split(".")[0], None, "opaque") for alias in stmt.names if alias.name != "*"]
    if isinstance(stmt, (*FUNCTION_TYPES, ast.ClassDef)):
        return [(stmt.name, None, "opaque")]
    if isinstance(stmt, (ast.For, ast.AsyncFor)):
        return [(stmt.target, stmt.iter, "iter")]
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return [(item.optional_vars, None, "opaque") for item in stmt.items if item.optional_vars is not None]
    if isinstance(stmt, (ast.Try, ast.TryStar)):
        return [(handler.name, None, "opaque") for handler in stmt.handlers if handler.name]
    if isinstance(stmt, ast.Match):
        return [(case.pattern, None, "opaque") for case in stmt.cases]
    return []


# the statements that bind no name (the commonest, answered first)
_BINDS_NOTHING = frozenset({ast.Expr, ast.Return, ast.If, ast.While, ast.Pass, ast.Raise, ast.Break, ast.Continue,
                            ast.Assert, ast.Delete, ast.Global, ast.Nonlocal})


def bound_names(stmt: ast.stmt) -> list[str]:
    """Every name a statement binds in its scope (for a compound statement: in its header)."""
    return [name for target, _, _ in statement_targets(stmt) for name in target_names(target)]


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
        self._excluded: set[str] = set()  # declared global/nonlocal, bound by `:=` or in a comprehension
        self._nested: set[int] = set()  # ids of the nested functions, lambdas and classes
        self._nested_use: dict[str, bool] = {}
        flows = isinstance(scope, (ast.Module, *FUNCTION_TYPES))  # a lambda's one expression needs no flow
        self.versioned = self._versioned_names() if flows else frozenset()
        self._solved = not self.versioned

    def _solve(self) -> None:
        """Run the solver when a reaching definition is first asked (a table of bindings needs only
        which names are versioned)."""
        if not self._solved:
            self._solved = True
            self.run(self.scope.body, {name: frozenset([entry_key(name)]) for name in self.versioned})

    def _versioned_names(self) -> frozenset[str]:
        counts: dict[str, int] = {}  # name -> how many bindings (a plain dict: Counter.update is slow)
        for name in _parameters(self.scope):
            counts[name] = counts.get(name, 0) + 1
        excluded = self._excluded
        for node in self.tree.scope_nodes(self.scope):
            if isinstance(node, ast.stmt):
                for name in bound_names(node):
                    counts[name] = counts.get(name, 0) + 1
                if isinstance(node, (ast.Global, ast.Nonlocal)):
                    excluded.update(node.names)
                elif isinstance(node, NESTED_TYPES) and node is not self.scope:
                    self._nested.add(id(node))
            elif isinstance(node, ast.NamedExpr):
                excluded.add(node.target.id)
            elif isinstance(node, ast.comprehension):
                excluded.update(leaf.id for leaf in assigned_names(node.target) if isinstance(leaf, ast.Name))
            elif isinstance(node, ast.Lambda):
                self._nested.add(id(node))
        return frozenset(name for name, count in counts.items()
                         if count > 1 and name not in excluded and not self._used_nested(name))

    def hidden(self, name: str) -> bool:
        """May code other than the scope's own read or rebind name: a nested function, lambda or
        class (which sees a later value), a `global`/`nonlocal` declaration, `:=` or a comprehension?"""
        return name in self._excluded or self._used_nested(name)

    def _used_nested(self, name: str) -> bool:
        """Does a nested function, lambda or class of the scope (its body or its defaults) name it?"""
        known = self._nested_use
        if name not in known:
            known[name] = bool(self._nested) and any(self._in_nested(node) for node in self.tree.names_by_id.get(name, ()))
        return known[name]

    def _in_nested(self, node: ast.AST) -> bool:
        for ancestor in self.tree.ancestors(node):
            if id(ancestor) in self._nested:
                return True
            if ancestor is self.scope:
                return False
        return False

    # -- the analysis --------------------------------------------------------------

    def join(self, a: dict, b: dict) -> dict:
        return {name: a.get(name, frozenset()) | b.get(name, frozenset()) for name in a.keys() | b.keys()}

    def transfer(self, stmt: ast.stmt, state: dict) -> dict:
        if isinstance(stmt, ast.Delete):
            deleted = [leaf.id for target in stmt.targets for leaf in assigned_names(target)
                       if isinstance(leaf, ast.Name) and leaf.id in self.versioned]
            return {**state, **{name: frozenset() for name in deleted}} if deleted else state
        bound = [name for name in bound_names(stmt) if name in self.versioned]
        if not bound:
            return state
        return {**state, **{name: frozenset([definition_key(name, stmt)]) for name in bound}}

    def bind(self, stmt: ast.stmt, target: ast.AST | None, state: dict) -> dict:
        bound = [name for name in target_names(target) if name in self.versioned]
        if not bound:
            return state
        return {**state, **{name: frozenset([definition_key(name, stmt)]) for name in bound}}

    # -- queries -------------------------------------------------------------------

    def reaching(self, name: str, stmt: ast.stmt) -> frozenset[str]:
        """The definition keys of a versioned name that reach the start of stmt."""
        self._solve()
        state = self.before.get(stmt)
        if state is None:
            return frozenset()
        return state.get(name, frozenset())

    def read_keys(self, name: ast.Name) -> frozenset[str]:
        """The keys a read of a name stands for: its reaching definitions, or its plain name."""
        if name.id not in self.versioned:
            return frozenset([name.id])
        return self.reaching(name.id, self.tree.statement_of(name)) or frozenset([entry_key(name.id)])

    def unbound_entry(self, key: str) -> str | None:
        """The name, when key is the entry of a function's local that is no parameter: the value a
        read sees on a path where no binding of the name ran (it raises there). Known for versioned
        names only (bound twice or more)."""
        name, _, mark = key.partition(".")[0].partition("@")
        if mark != ENTRY or not isinstance(self.scope, FUNCTION_TYPES) or name not in self.versioned:
            return None
        return None if name in _parameters(self.scope) else name

    def binds(self, stmt: ast.stmt, name: str) -> bool:
        """Does stmt (a simple statement, or a compound one's header) bind name?"""
        return name in bound_names(stmt)

    def store_key(self, name: str, stmt: ast.stmt) -> str:
        """The key of the value a statement binds to name."""
        return definition_key(name, stmt) if name in self.versioned else name

    def uses(self, name: str, stmt: ast.stmt) -> list[ast.Name] | None:
        """Every read of the value stmt binds to name, or None when code out of view may read it
        (a nested function, a global)."""
        if self.hidden(name) or isinstance(self.scope, ast.Module):
            return None
        key = self.store_key(name, stmt)
        return [node for node in self.tree.scope_nodes(self.scope)
                if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)
                and (name not in self.versioned or key in self.read_keys(node))]

    def all_keys(self, name: str) -> set[str]:
        """Every definition of a name, for a question about the name as a whole."""
        if name not in self.versioned:
            return {name}
        self._solve()
        keys = {entry_key(name)}
        for state in self.before.values():
            if state:
                keys |= state.get(name, frozenset())
        return keys
