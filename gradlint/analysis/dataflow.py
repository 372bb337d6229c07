"""The one forward dataflow solver over a scope's statements.

Every flow-sensitive fact of the analysis (which definitions of a name reach a
statement, whether a name certainly carries a graph) is a `ForwardAnalysis`: a
state per program point, a `join` of two states, and a `transfer` through one
simple statement. The solver owns control flow, once for all of them:

- `if`/`match`: each branch from the same state, joined after;
- `for`/`while`: iterated to a fixed point, `break` and `continue` followed,
  `else` run when the loop ends normally; `while True:` ends only by `break`;
- `try`: a handler may start from the state before any statement of the body
  (or after it); `finally` runs after every way out, and what follows the try sees
  it run after the ways that continue (the body or `else`, a handler);
- `with`: the items' expressions, then the body; `leave` says what the exit restores;
- `return`, `raise`: nothing after them in the block runs (state `None`);
- nested functions and classes are single statements that bind their name.

`before[stmt]` holds the state in which stmt starts (for a loop: the state at
its head, joined over iterations, the state its test or target sees).
"""

from __future__ import annotations

import ast
from typing import Generic, TypeVar

from gradlint.analysis.tree import is_true

State = TypeVar("State")

# more rounds than any finite lattice used here needs; a guard, not a tuning knob
MAX_LOOP_ROUNDS = 8


class _Loop:
    def __init__(self):
        self.breaks = None
        self.continues = None


class ForwardAnalysis(Generic[State]):
    """Subclasses define join, transfer and, where compound statements bind names, bind."""

    def __init__(self):
        self.before: dict[ast.stmt, State | None] = {}
        self._loops: list[_Loop] = []

    # -- what a subclass provides --------------------------------------------------

    def join(self, a: State, b: State) -> State:
        raise NotImplementedError

    def transfer(self, stmt: ast.stmt, state: State) -> State:
        """The state after a simple statement (assignment, expression, import, def, ...)."""
        raise NotImplementedError

    def bind(self, stmt: ast.stmt, target: ast.AST | None, state: State) -> State:
        """The state after a compound statement's header binds target: a `for` target,
        a `with ... as` target, an `except ... as` name, a `case` pattern."""
        return state

    def header(self, stmt: ast.stmt, expr: ast.AST, state: State) -> State:
        """The state after a compound statement evaluates one of its header expressions: an
        `if`/`while` test (a `while` test at every round), a `for` iterable, a `with` item's
        context expression, a `match` subject."""
        return state

    def leave(self, stmt: ast.stmt, entry: State, end: State) -> State:
        """The state after a `with` statement whose body ended in `end`, given the state `entry`
        before it (a context manager's `__exit__` may restore what it found)."""
        return end

    # -- the solver ----------------------------------------------------------------

    def run(self, body: list[ast.stmt], state: State | None) -> State | None:
        for stmt in body:
            self._record(stmt, state)
            if state is None:
                continue  # unreachable; recorded so that lookups find it
            state = self._statement(stmt, state)
        return state

    def _record(self, stmt, state) -> None:
        previous = self.before.get(stmt)
        self.before[stmt] = state if previous is None else self._join(previous, state)

    def _join(self, a, b):
        if a is None:
            return b
        if b is None:
            return a
        return self.join(a, b)

    def _statement(self, stmt: ast.stmt, state: State) -> State | None:
        if isinstance(stmt, ast.If):
            state = self.header(stmt, stmt.test, state)
            return self._join(self.run(stmt.body, state), self.run(stmt.orelse, state))
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            return self._loop(stmt, self.header(stmt, stmt.iter, state))
        if isinstance(stmt, ast.While):
            return self._loop(stmt, state)
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            entry = state
            for item in stmt.items:
                state = self.header(stmt, item.context_expr, state)
                state = self.bind(stmt, item.optional_vars, state)
            end = self.run(stmt.body, state)
            return None if end is None else self.leave(stmt, entry, end)
        if isinstance(stmt, (ast.Try, ast.TryStar)):
            return self._try(stmt, state)
        if isinstance(stmt, ast.Match):
            return self._match(stmt, state)
        if isinstance(stmt, (ast.Return, ast.Raise)):
            self.transfer(stmt, state)
            return None
        if isinstance(stmt, (ast.Break, ast.Continue)):
            if self._loops:
                loop = self._loops[-1]
                if isinstance(stmt, ast.Break):
                    loop.breaks = self._join(loop.breaks, state)
                else:
                    loop.continues = self._join(loop.continues, state)
            return None
        return self.transfer(stmt, state)

    def _loop(self, loop: ast.stmt, state: State) -> State | None:
        head = state
        frame = _Loop()
        for _ in range(MAX_LOOP_ROUNDS):
            self.before[loop] = head
            if isinstance(loop, ast.While):
                head = self.header(loop, loop.test, head)
            entry = self.bind(loop, loop.target, head) if isinstance(loop, (ast.For, ast.AsyncFor)) else head
            frame = _Loop()
            self._loops.append(frame)
            try:
                end = self.run(loop.body, entry)
            finally:
                self._loops.pop()
            back = self._join(end, frame.continues)
            merged = self._join(head, back)
            if merged == head:
                break
            head = merged
        endless = isinstance(loop, ast.While) and is_true(loop.test)
        normal_exit = None if endless else self.run(loop.orelse, head)
        return self._join(normal_exit, frame.breaks)

    def _try(self, stmt: ast.Try, state: State) -> State | None:
        end = self.run(stmt.body, state)
        # an exception may leave the body before any of its statements, or after the last
        raised = state
        for node in _statements_within(stmt.body):
            raised = self._join(raised, self.before.get(node))
        raised = self._join(raised, end)
        after = self.run(stmt.orelse, end) if end is not None else None
        for handler in stmt.handlers:
            entry = self.bind(stmt, ast.Name(id=handler.name, ctx=ast.Store()) if handler.name else None, raised)
            after = self._join(after, self.run(handler.body, entry))
        if stmt.finalbody:
            # finally runs on every way out (its statements see them all); what follows the try is
            # reached only by the ways that continue, so it sees finally run after those alone
            self.run(stmt.finalbody, self._join(after, raised))
            return self.run(stmt.finalbody, after) if after is not None else None
        return after

    def _match(self, stmt: ast.Match, state: State) -> State | None:
        state = self.header(stmt, stmt.subject, state)
        after = state  # no case may match
        for case in stmt.cases:
            entry = self.bind(stmt, case.pattern, state)
            after = self._join(after, self.run(case.body, entry))
        return after


def _statements_within(body: list[ast.stmt]):
    """Every statement in body, at any depth of compound statements (not nested functions)."""
    stack = list(body)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody"):
            stack.extend(getattr(node, field, ()))
        for handler in getattr(node, "handlers", ()):
            stack.extend(handler.body)
        for case in getattr(node, "cases", ()):
            stack.extend(case.body)
