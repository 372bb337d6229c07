"""Bindings: every way a scope binds or fills its names, and which of them a read sees.

One table per scope (module, function or lambda; nested functions excluded), built
once per file (`FileFacts.bindings`): for each name, its `Binding`s (an assignment,
an augmented assignment, a loop target, a `with`/`except`/`case`/import/def name,
a parameter, or a fill of the object it names: `xs.append(v)`, `d[k] = v`,
`obj.attr = v`). Each binding carries the definition keys of `definitions.py`,
so that a read sees the bindings that reach it along the scope's control flow,
not every binding of its name, and, for a name unpacked from a value, where in
the value it sits.

Its readers: GL401's value flags (`values.py`), parameters (`parameters.py`),
state dicts (`state_dicts.py`) and the training-state queries (`seen_bindings`,
`bound_values`). Attribute paths (`self.total = ...`) are heap locations, not
names: `assignments` gathers the whole file's assignment statements by holder
scope (`self.x` by class, names by their scope), by statement rather than by
reaching definition, for the module evidence of `modules.py`, the summaries and
the rules that ask where a path is assigned.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cached_property

from gradlint.analysis.definitions import Definitions, entry_key, statement_targets, target_names
from gradlint.analysis.names import dotted
from gradlint.analysis.tree import FUNCTION_TYPES
from gradlint.analysis.vocabulary import CONTAINER_MUTATORS, SAME_ELEMENTS_BUILTINS

COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


@dataclass(frozen=True)
class Binding:
    node: ast.AST  # the statement, call or parameter that binds
    kind: str  # "value", "part" (of an unpacked value), "aug", "iter", "mutate" or "opaque"
    value: ast.AST | None  # the bound (or, for "mutate", the stored) expression, when there is one
    keys: frozenset[str]  # the definitions it makes; for "mutate", the definitions whose object it fills
    path: tuple = ()  # for "part" and an unpacking loop target: where in the value (`_, (a, b)`: b is (1, 1))
    target: ast.AST | None = None  # the Name or Attribute assigned (None for a fill, an import, def, except name)

    @property
    def binds(self) -> bool:
        """Does it give the name a new value (a fill of the named object does not)?"""
        return self.kind != "mutate"


class ScopeBindings:
    """The bindings of one scope, by name and by definition key."""

    def __init__(self, tree, scope: ast.AST):
        self.tree = tree
        self.scope = scope
        self.definitions = Definitions(tree, scope)

    @property
    def names(self) -> dict[str, list[Binding]]:
        """Name -> its bindings in the scope."""
        return self._table[0]

    @property
    def declared_outer(self) -> set[str]:
        """Names a `global` or `nonlocal` statement of the scope gives to another scope."""
        return self._table[1]

    @cached_property
    def _table(self) -> tuple[dict[str, list[Binding]], set[str]]:
        # built when first asked: reachability needs only the definitions
        self._names: dict[str, list[Binding]] = {}
        self._outer: set[str] = set()
        scope = self.scope
        if isinstance(scope, FUNCTION_TYPES + (ast.Lambda,)):
            args = scope.args
            for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
                if arg is not None:
                    self._add(arg.arg, arg, "opaque", None, self._entry(arg.arg))
        for node in self.tree.scope_nodes(scope):
            self._visit(node)
        return self._names, self._outer

    # -- definition keys -----------------------------------------------------------

    def _entry(self, name: str) -> frozenset[str]:
        return frozenset([entry_key(name) if name in self.definitions.versioned else name])

    def _stored(self, name: str, node: ast.AST) -> frozenset[str]:
        return frozenset([self.definitions.store_key(name, self.tree.statement_of(node))])

    def reaching_keys(self, name: str, node: ast.AST) -> frozenset[str]:
        """The definitions of name that reach the statement holding node."""
        if name not in self.definitions.versioned:
            return frozenset([name])
        return self.definitions.reaching(name, self.tree.statement_of(node)) or frozenset([entry_key(name)])

    def read_keys(self, name: ast.Name) -> frozenset[str]:
        """The definitions a read of name stands for (for an augmented target: the value it updates)."""
        return self.reaching_keys(name.id, name)

    # -- the table -----------------------------------------------------------------

    def _add(self, name: str, node: ast.AST, kind: str, value: ast.AST | None, keys: frozenset[str], path: tuple = (),
             target: ast.AST | None = None) -> None:
        self._names.setdefault(name, []).append(Binding(node, kind, value, keys, path, target))

    def _bind(self, name: str, node: ast.AST, kind: str, value: ast.AST | None, path: tuple = (),
              target: ast.AST | None = None) -> None:
        self._add(name, node, kind, value, self._stored(name, node), path, target)

    def _fill(self, name: str, node: ast.AST, value: ast.AST | None) -> None:
        self._add(name, node, "mutate", value, self.reaching_keys(name, node))

    @cached_property
    def by_key(self) -> dict[str, list[Binding]]:
        found: dict[str, list[Binding]] = {}
        for bindings in self.names.values():
            for binding in bindings:
                for key in binding.keys:
                    found.setdefault(key, []).append(binding)
        return found

    @cached_property
    def depends(self) -> dict[str, set[str]]:
        """Definition key -> the definitions its bindings read (their values' names; for `n += v`,
        the value of n it updates)."""
        found: dict[str, set[str]] = {}
        for name, bindings in self.names.items():
            for binding in bindings:
                read: set[str] = set()
                if binding.value is not None:
                    for node in self.tree.walk(binding.value):
                        if isinstance(node, ast.Name):
                            read |= self.read_keys(node)
                if binding.kind == "aug":
                    read |= self.reaching_keys(name, binding.node)
                for key in binding.keys:
                    found.setdefault(key, set()).update(read)
        return found

    @cached_property
    def name_of_key(self) -> dict[str, str]:
        return {key: name for name, bindings in self.names.items() for binding in bindings for key in binding.keys}

    def keys_of(self, name: str) -> set[str]:
        """Every definition of name in the scope."""
        return {key for binding in self.names.get(name, ()) for key in binding.keys}

    def binds(self, name: str) -> bool:
        """Does the scope give name a value (not only fill the object it names)?"""
        return any(binding.binds for binding in self.names.get(name, ()))

    def loop_sources(self, name: str) -> list[ast.AST] | None:
        """What a loop variable runs over, at each binding of it (through `zip`, `enumerate`,
        `list(...)`: `element_source`), or None unless every binding of name is such a loop target
        (enumerate's index included: None)."""
        bound = [b for b in self.names.get(name, ()) if b.binds]
        found = []
        for binding in bound:
            source = element_source(binding.value, binding.path) if binding.kind == "iter" and binding.value is not None else None
            if source is None:
                return None
            found.append(source[0])
        return found or None

    def reaching(self, name: ast.Name) -> list[Binding]:
        """The bindings (fills excluded) a read of name in this scope sees."""
        keys = self.read_keys(name)
        return [b for b in self.names.get(name.id, ()) if b.binds and b.keys & keys]

    def updated(self, bindings: list[Binding], name: str) -> list[Binding]:
        """bindings with each `name += v` replaced by the bindings that reach it, transitively."""
        found, seen, stack = [], set(), list(bindings)
        while stack:
            binding = stack.pop()
            if id(binding) in seen:
                continue
            seen.add(id(binding))
            if binding.kind != "aug":
                found.append(binding)
                continue
            keys = self.reaching_keys(name, binding.node)
            stack.extend(b for b in self.names.get(name, ()) if b.binds and b.keys & keys)
        return found

    def _target(self, node: ast.AST, target: ast.AST | str, value: ast.AST | None, kind: str) -> None:
        for leaf, leaf_value, leaf_kind, path in unpacked(target, value, kind):
            if isinstance(leaf, str):
                self._bind(leaf, node, leaf_kind, leaf_value, path)
            elif isinstance(leaf, ast.Name):
                self._bind(leaf.id, node, leaf_kind, leaf_value, path, leaf)
            elif isinstance(leaf, ast.pattern):
                for name in target_names(leaf):
                    self._bind(name, node, "opaque", None)
            elif isinstance(leaf, (ast.Attribute, ast.Subscript)):
                base = root_name(leaf)
                if base is not None:
                    self._fill(base, node, leaf_value)

    def _visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.stmt):
            for target, value, kind in statement_targets(node):
                self._target(node, target, value, kind)
            if isinstance(node, (ast.Global, ast.Nonlocal)):
                self._outer.update(node.names)
        elif isinstance(node, ast.NamedExpr):
            self._target(node, node.target, node.value, "value")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CONTAINER_MUTATORS:
            base = root_name(node.func.value)
            if base is not None:
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    self._fill(base, node, arg)


def unpacked(target: ast.AST | str, value: ast.AST | None, kind: str, path: tuple = ()):
    """The leaves a binding target binds (a name, an attribute or subscript, a `case` pattern),
    each as (leaf, value, kind, path): `a, b = x, y` pairs each leaf with its own value; any other
    unpacking makes each leaf a "part" of the whole value, at `path` in it (`_, (a, b) = v`: b is
    (1, 1); a starred leaf adds "*")."""
    if isinstance(target, (ast.Tuple, ast.List)):
        pairwise = (
            kind == "value" and isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts)
            and not any(isinstance(e, ast.Starred) for e in [*value.elts, *target.elts])
        )
        part = "part" if kind == "value" else kind
        for index, element in enumerate(target.elts):
            if pairwise:
                yield from unpacked(element, value.elts[index], kind, path)
            else:
                yield from unpacked(element, value, part, (*path, index))
    elif isinstance(target, ast.Starred):
        yield from unpacked(target.value, value, "part" if kind == "value" else kind, (*path, "*"))
    else:
        yield target, value, kind, path


def holder_scope(tree, node: ast.AST, path: str) -> ast.AST:
    """Where a fact about path, seen at node, holds: an attribute of `self` in its whole class
    (every method sees what `__init__` assigned), any other name or path in node's scope."""
    if path.startswith("self."):
        cls = tree.class_of(node)
        if cls is not None:
            return cls
    return tree.scope_of(node)


def assignments(tree) -> dict[tuple[ast.AST, str], list[Binding]]:
    """(holder scope, dotted path) -> the assignment statements of the file that bind it (`x = v`,
    `x: T = v`, `obj.a = v`, a leaf of an unpacking, of kind "value" or "part"; augmented ones as
    "aug"), read with the same enumeration as the tables (`statement_targets`, `unpacked`): the
    flow-insensitive view the module evidence of `modules.py` and the summaries weigh. Its keys
    are paths, not reaching definitions. Computed once per tree."""
    return tree.memo(assignments, lambda: _assignments(tree))


def _assignments(tree) -> dict[tuple[ast.AST, str], list[Binding]]:
    found: dict[tuple[ast.AST, str], list[Binding]] = {}
    for node in tree.nodes(ast.Assign, ast.AnnAssign, ast.AugAssign):
        for target, value, kind in statement_targets(node):
            for leaf, leaf_value, leaf_kind, path in unpacked(target, value, kind):
                name = dotted(leaf) if isinstance(leaf, (ast.Name, ast.Attribute)) else None
                if name is not None:
                    found.setdefault((holder_scope(tree, node, name), name), []).append(
                        Binding(node, leaf_kind, leaf_value, frozenset([name]), path, leaf))
    return found


def root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def comprehension_target(tree, node: ast.Name) -> tuple[ast.AST, tuple] | None:
    """The iterable a comprehension variable runs over and where in each element it is bound
    (`[p for _, p in m.named_parameters()]`: p is (1,)), when node is one."""
    child, below = node, None  # the ancestor's child on the way up, and that child's child
    for ancestor in tree.ancestors(node):
        if isinstance(ancestor, COMPREHENSIONS):
            generators = ancestor.generators
            if child in generators:
                # a generator's iterable sees only the generators before it (the first one's is
                # evaluated in the enclosing scope: `[f(x) for x in x]`); its conditions see it too
                position = generators.index(child)
                generators = generators[:position] if below is child.iter else generators[:position + 1]
            for generator in reversed(generators):
                path = _path_in(generator.target, node.id)
                if path is not None:
                    return generator.iter, path
        if isinstance(ancestor, (ast.stmt, ast.Lambda)):
            return None  # (no comprehension holds a statement: none is further up)
        child, below = ancestor, child
    return None


def element_source(iterable: ast.AST, path: tuple) -> tuple[ast.AST, tuple] | None:
    """Where a variable bound at path in each element of iterable comes from, looking through
    `zip` and `enumerate` (and `list(...)`, `sorted(...)` and the like around them): `o` in
    `for t, o in zip(targets, outputs)` is an element of `outputs`; None for enumerate's index
    (an int)."""
    while path and isinstance(path[0], int) and isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) \
            and all(k.arg in ("strict", "start") for k in iterable.keywords) and not any(isinstance(a, ast.Starred) for a in iterable.args):
        index = path[0]
        if iterable.func.id in SAME_ELEMENTS_BUILTINS and len(iterable.args) == 1:
            iterable = iterable.args[0]
        elif iterable.func.id == "zip" and index < len(iterable.args):
            iterable, path = iterable.args[index], path[1:]
        elif iterable.func.id == "enumerate" and len(iterable.args) == 1:
            if index == 0:
                return None
            iterable, path = iterable.args[0], path[1:]
        else:
            break
    return iterable, path


def _path_in(target: ast.AST, name: str, path: tuple = ()) -> tuple | None:
    if isinstance(target, ast.Name):
        return path if target.id == name else None
    if isinstance(target, ast.Starred):
        return _path_in(target.value, name, (*path, "*"))
    if isinstance(target, (ast.Tuple, ast.List)):
        for index, element in enumerate(target.elts):
            found = _path_in(element, name, (*path, index))
            if found is not None:
                return found
    return None


def seen_bindings(facts, name: ast.Name, through_updates: bool = False) -> list[Binding]:
    """The bindings (fills excluded) a read name may see: in its own scope those that reach the
    read, in an enclosing scope that binds it (a closure, a global) all of them; [] when nothing in
    view binds it. A comprehension variable is not a binding of any scope (`comprehension_target`).
    With `through_updates`, `n += v` stands for the bindings it updates (a tensor's `+=` works in
    place on the object they bound)."""
    scope = facts.tree.scope_of(name)
    own = True
    while True:
        table = facts.bindings(scope)
        if table.binds(name.id):
            found = table.reaching(name) if own else [b for b in table.names[name.id] if b.binds]
            return table.updated(found, name.id) if through_updates else found
        if isinstance(scope, ast.Module):
            return []
        scope = facts.tree.scope_of(scope)
        own = False


def bound_values(facts, name: ast.Name) -> list[ast.AST | None]:
    """The values a read name may hold (None: not known): those of `seen_bindings`, where a
    comprehension variable, a part of an unpacked value or a loop, `with`, import or parameter
    binding gives None. [] when nothing in view binds the name."""
    if facts.comprehension_target(name) is not None:
        return [None]
    return [b.value if b.kind == "value" else None for b in seen_bindings(facts, name)]
