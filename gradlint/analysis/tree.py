"""Structure over the standard library's ast: parents, scopes, statement blocks."""

from __future__ import annotations

import ast
from collections import deque
from functools import cached_property
from typing import Iterator

FUNCTION_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef)
SCOPE_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.Module)
LOOP_TYPES = (ast.For, ast.AsyncFor, ast.While)
NESTED_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)  # scopes of their own
BLOCK_FIELDS = ("body", "orelse", "finalbody", "handlers")


class Tree:
    """Parent links and per-scope indexes for one parsed module."""

    def __init__(self, module: ast.Module):
        self.module = module
        self.parents: dict[ast.AST, ast.AST] = {}
        self.calls: list[ast.Call] = []
        self.functions: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        self.classes: list[ast.ClassDef] = []
        self.withs: list[ast.With | ast.AsyncWith] = []
        self.imports: list[ast.Import | ast.ImportFrom] = []
        self._by_type: dict[type, list[ast.AST]] = {}
        self._scope_of: dict[ast.AST, ast.AST] = {}  # what `scope_of` found, per node
        self._function_of: dict[ast.AST, ast.AST | None] = {}  # what `function_of` found, per node
        self._class_of: dict[ast.AST, ast.ClassDef | None] = {}  # what `class_of` found, per node
        by_type = self._by_type
        parents = self.parents
        AST = ast.AST
        # one breadth-first pass (ast.walk order) that reads each field once: this is the hot loop of a run
        queue = deque([module])
        pop, extend = queue.popleft, queue.extend
        while queue:
            node = pop()
            kids = []
            for name in node._fields:
                value = getattr(node, name, None)
                if isinstance(value, list):
                    for item in value:
                        if isinstance(item, AST):
                            parents[item] = node
                            kids.append(item)
                elif isinstance(value, AST):
                    parents[value] = node
                    kids.append(value)
            extend(kids)
            kind = type(node)
            found = by_type.get(kind)
            if found is None:
                by_type[kind] = [node]
            else:
                found.append(node)
            if kind is ast.Call:
                self.calls.append(node)
            elif kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
                self.functions.append(node)
            elif kind is ast.ClassDef:
                self.classes.append(node)
            elif kind is ast.With or kind is ast.AsyncWith:
                self.withs.append(node)
            elif kind is ast.Import or kind is ast.ImportFrom:
                self.imports.append(node)
        self._scope_nodes: dict[ast.AST, list[ast.AST]] = {}
        self._scope_ids: dict[ast.AST, frozenset[int]] = {}
        self._names_within: dict[ast.AST, list[ast.Name]] = {}
        self._blocks: dict[ast.AST, tuple[list[ast.stmt], int] | None] = {}
        self._memo: dict = {}

    def memo(self, analysis, compute):
        """compute()'s result, computed once per tree and kept under the key `analysis`: for the
        analyses that read nothing but the tree and that both the file's summary and its rules
        ask for (`bindings.assignments`, `training.mode_calls_by_scope`, ...). It lives as long as
        the tree; its readers must not change it."""
        memo = self._memo
        if analysis not in memo:
            memo[analysis] = compute()
        return memo[analysis]

    def nodes(self, *types: type) -> list[ast.AST]:
        """Every node of these exact types in the module (a cheap alternative to ast.walk)."""
        if len(types) == 1:
            return self._by_type.get(types[0], [])
        return [n for t in types for n in self._by_type.get(t, [])]

    def parent(self, node: ast.AST) -> ast.AST | None:
        return self.parents.get(node)

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        node = self.parents.get(node)
        while node is not None:
            yield node
            node = self.parents.get(node)

    def scope_of(self, node: ast.AST) -> ast.AST:
        """The innermost function, lambda or the module that contains node."""
        known = self._scope_of
        found = known.get(node)
        if found is None:
            found = next((a for a in self.ancestors(node) if isinstance(a, SCOPE_TYPES)), self.module)
            known[node] = found
        return found

    def analysis_scope(self, node: ast.AST) -> ast.AST:
        """The function (or module) whose statements hold node; lambdas belong to their definer."""
        scope = self.scope_of(node)
        while isinstance(scope, ast.Lambda):
            scope = self.scope_of(scope)
        return scope

    def function_of(self, node: ast.AST):
        """The innermost function (not a lambda) that contains node, or None."""
        known = self._function_of
        if node in known:
            return known[node]
        found = None
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, FUNCTION_TYPES):
                found = ancestor
                break
        known[node] = found
        return found

    def class_of(self, node: ast.AST) -> ast.ClassDef | None:
        """The class whose method (directly) contains node."""
        known = self._class_of
        if node in known:
            return known[node]
        found = None
        function = self.function_of(node)
        while function is not None:
            parent = self.parents.get(function)
            if isinstance(parent, ast.ClassDef):
                found = parent
                break
            function = self.function_of(function)
        known[node] = found
        return found

    def statement_of(self, node: ast.AST) -> ast.stmt:
        while not isinstance(node, ast.stmt):
            node = self.parents[node]
        return node

    def owner(self, node: ast.AST) -> ast.AST | None:
        """The function or lambda whose `scope_nodes` hold node; None for the module's nodes and for
        nodes no scope holds (a class body, an annotation, a keyword-only default)."""
        below, child = None, node
        parents = self.parents
        ancestor = parents.get(node)
        while ancestor is not None:
            kind = type(ancestor)
            # (`in` on a list of nodes tests identity: nodes have no `==` of their own)
            if (kind is ast.FunctionDef or kind is ast.AsyncFunctionDef) and child in ancestor.body \
                    or kind is ast.Lambda and child is ancestor.body:
                return ancestor
            if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef or kind is ast.Lambda or kind is ast.ClassDef:
                held = below if type(child) is ast.arguments else child
                if held not in _outer_parts(ancestor):
                    return None
            elif kind is ast.Module:
                return None
            below, child = child, ancestor
            ancestor = parents.get(ancestor)
        return None

    def calls_owned(self, scope: ast.AST) -> list[ast.Call]:
        """The calls among `scope_nodes(scope)` (a function's or lambda's), in `calls` order."""
        return self._owned[0].get(scope, [])

    def stores_owned(self, scope: ast.AST) -> dict[str, list[ast.Name]]:
        """Name -> the `Name` nodes among `scope_nodes(scope)` that store it (for the module: its
        own code, class bodies excluded)."""
        return self._owned[1].get(scope, {})

    def scopes_storing(self) -> dict[ast.AST, dict[str, list[ast.Name]]]:
        """`stores_owned` of every scope that stores a name."""
        return self._owned[1]

    @cached_property
    def _owned(self) -> tuple[dict, dict]:
        """Calls and stored names by owning scope: one pass for all scopes instead of a walk each."""
        calls: dict[ast.AST, list[ast.Call]] = {}
        stores: dict[ast.AST, dict[str, list[ast.Name]]] = {}
        for call in self.calls:
            scope = self.owner(call)
            if scope is not None:
                calls.setdefault(scope, []).append(call)
        for name in self.nodes(ast.Name):
            if isinstance(name.ctx, ast.Store):
                scope = self.owner(name)
                if scope is None and self._at_module_level(name):
                    scope = self.module
                if scope is not None:
                    stores.setdefault(scope, {}).setdefault(name.id, []).append(name)
        return calls, stores

    def _at_module_level(self, node: ast.AST) -> bool:
        """Is node module-level code (not in a class body or a function's signature)?"""
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, NESTED_TYPES):
                return False
        return True

    @cached_property
    def names_by_id(self) -> dict[str, list[ast.Name]]:
        """Identifier -> every Name node that spells it, anywhere in the module."""
        found: dict[str, list[ast.Name]] = {}
        for name in self.nodes(ast.Name):
            found.setdefault(name.id, []).append(name)
        return found

    def scope_node_ids(self, scope: ast.AST) -> frozenset[int]:
        """The ids of `scope_nodes(scope)`, for membership tests."""
        found = self._scope_ids.get(scope)
        if found is None:
            found = self._scope_ids[scope] = frozenset(map(id, self.scope_nodes(scope)))
        return found

    def names_within(self, container: ast.AST) -> list[ast.Name]:
        """The Name nodes in container, nested scopes included, in `ast.walk` order."""
        found = self._names_within.get(container)
        if found is None:
            found = self._names_within[container] = [n for n in self.walk(container) if type(n) is ast.Name]
        return found

    def scope_nodes(self, scope: ast.AST) -> list[ast.AST]:
        """Every node of scope, nested functions and lambdas excluded (but their defaults included)."""
        nodes = self._scope_nodes.get(scope)
        if nodes is None:
            nodes = []
            append = nodes.append
            stack = list(reversed(scope.body)) if isinstance(scope, (ast.Module, *FUNCTION_TYPES)) else [scope.body]
            pop, extend = stack.pop, stack.extend
            while stack:
                node = pop()
                append(node)
                kind = type(node)
                if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef or kind is ast.Lambda or kind is ast.ClassDef:
                    extend(reversed(_outer_parts(node)))  # NESTED_TYPES
                    continue
                extend(reversed(_children(node)))
            self._scope_nodes[scope] = nodes
        return nodes

    @staticmethod
    def child_nodes(node: ast.AST) -> list[ast.AST]:
        """`ast.iter_child_nodes(node)` as a list."""
        return _children(node)

    @staticmethod
    def walk(node: ast.AST) -> list[ast.AST]:
        """ast.walk's nodes, in its order, as a list. (Keeping every node's child list from the
        tree's one pass measured no faster on the language-server module and cost a sixth more
        memory on large files.)"""
        found = [node]
        extend = found.extend
        for current in found:  # breadth first, as ast.walk: the list is the queue
            extend(_children(current))
        return found

    def loops_around(self, node: ast.AST, scope: ast.AST) -> list[ast.AST]:
        """Enclosing loops inside scope, innermost first (node in the loop's body, not its header)."""
        loops = []
        child = node
        for ancestor in self.ancestors(node):
            if ancestor is scope:
                break
            if isinstance(ancestor, LOOP_TYPES) and child in ancestor.body:
                loops.append(ancestor)
            child = ancestor
        return loops

    def exclusive(self, a: ast.AST, b: ast.AST, scope: ast.AST) -> bool:
        """Can a and b never both run in one call of scope? They lie in different arms of one
        branching statement (`separating_branch`) that no loop of scope repeats."""
        branch = self.separating_branch(a, b, scope)
        return branch is not None and not self.loops_around(branch, scope)

    def arm_holding(self, branch: ast.If | ast.Match, node: ast.AST) -> list[ast.AST]:
        """The statements (or the `case`) of the arm of branch that holds node (an `elif` is in
        its `if`'s `orelse` arm, as `separating_branch` has it)."""
        if isinstance(branch, ast.Match):
            return [case for case in branch.cases if self.is_inside(node, case)]
        return branch.body if any(self.is_inside(node, stmt) for stmt in branch.body) else branch.orelse

    def separating_branch(self, a: ast.AST, b: ast.AST, scope: ast.AST) -> ast.If | ast.Match | None:
        """The `if` (an `elif` is an arm of the `if` above it) or `match` inside scope whose
        different arms hold a and b, or None when no branch separates them."""
        arms: dict[int, ast.AST] = {}  # ancestor of a (by id) -> a's child of it on the way up
        child = a
        for ancestor in self.ancestors(a):
            arms[id(ancestor)] = child
            if ancestor is scope:
                break
            child = ancestor
        child = b
        for ancestor in self.ancestors(b):
            if id(ancestor) in arms:
                mine = arms[id(ancestor)]
                if isinstance(ancestor, ast.If):
                    split = (mine in ancestor.body) != (child in ancestor.body) and child is not ancestor.test \
                        and mine is not ancestor.test
                elif isinstance(ancestor, ast.Match):
                    split = mine is not child and isinstance(mine, ast.match_case) and isinstance(child, ast.match_case)
                else:
                    split = False
                return ancestor if split else None
            if ancestor is scope:
                return None
            child = ancestor
        return None

    def is_inside(self, node: ast.AST, container: ast.AST) -> bool:
        if node is container:
            return True
        return any(a is container for a in self.ancestors(node))


def _outer_parts(definition: ast.AST) -> list[ast.AST]:
    """The parts of a nested def, lambda or class that the enclosing scope evaluates (decorators and
    positional defaults; a class's bases): its own scope holds the rest, or no scope does."""
    if isinstance(definition, ast.ClassDef):
        return definition.bases
    return [*getattr(definition, "decorator_list", []), *definition.args.defaults]


def walk(node: ast.AST) -> list[ast.AST]:
    """ast.walk's nodes, in ast.walk's order, as a list: without its two generators per node it
    is several times faster (the summaries walk every function and class of a project)."""
    found = [node]
    AST = ast.AST
    for current in found:  # breadth first, as ast.walk: the list is the queue
        for name in current._fields:
            value = getattr(current, name, None)
            if isinstance(value, list):
                found.extend(item for item in value if isinstance(item, AST))
            elif isinstance(value, AST):
                found.append(value)
    return found


def _children(node: ast.AST) -> list[ast.AST]:
    """ast.iter_child_nodes(node) as a list."""
    out = []
    AST = ast.AST
    for name in node._fields:
        value = getattr(node, name, None)
        if type(value) is list:
            for item in value:
                if isinstance(item, AST):
                    out.append(item)
        elif isinstance(value, AST):
            out.append(value)
    return out


def block_of(tree: Tree, stmt: ast.stmt) -> tuple[list[ast.stmt], int] | None:
    """The statement list that holds stmt and its index there."""
    found = tree._blocks.get(stmt)
    if found is None and stmt not in tree._blocks:
        parent = tree.parent(stmt)
        # index every statement of the parent's blocks at once: asking sibling by sibling is quadratic
        for field in BLOCK_FIELDS if parent is not None else ():
            block = getattr(parent, field, None)
            if isinstance(block, list):
                for index, item in enumerate(block):
                    tree._blocks[item] = (block, index)
        found = tree._blocks.setdefault(stmt, None)
    return found


def called_method(call: ast.Call) -> str | None:
    return call.func.attr if isinstance(call.func, ast.Attribute) else None


def call_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def is_true(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def is_false(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def is_none(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def assigned_names(target: ast.AST) -> Iterator[ast.AST]:
    """The store targets inside an assignment target (tuples unpacked)."""
    if isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from assigned_names(element)
    elif isinstance(target, ast.Starred):
        yield from assigned_names(target.value)
    else:
        yield target
