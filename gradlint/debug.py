"""`gradlint debug PATH:LINE`: what the analysis computed for the expressions on one line.

Plain text, one fact per line, grouped per expression, so that a miss or a false
finding can be explained. Every fact is read from FileFacts (and the rules'
findings from the engine), never re-derived here; the "quiet" reasons for
GL101/GL102 name the first of the facts those rules check that ruled the line out.
"""

from __future__ import annotations

import ast
import os

from gradlint.analysis.backward import backward_of
from gradlint.analysis.facts import FileFacts
from gradlint.analysis.grad_mode import context_effect, set_grad_statement
from gradlint.analysis.training import eval_calls, is_test_code
from gradlint.analysis.tree import FUNCTION_TYPES
from gradlint.rules.base import Rule


class DebugError(Exception):
    """Bad input: one line for the user (exit 2)."""


def parse_location(location: str) -> tuple[str, int]:
    path, sep, line = location.rpartition(":")
    if not sep or not path or not line.strip().isdigit():
        raise DebugError(f"expected PATH:LINE (such as train.py:12), got {location!r}")
    return path, int(line)


def explain(location: str) -> str:
    """The report for PATH:LINE; raises DebugError for bad input."""
    from gradlint.config import ConfigError, resolve_settings
    from gradlint.engine import lint_source, parse
    from gradlint.rules import known_codes
    from gradlint.source import SourceError, read_source

    path, line = parse_location(location)
    if not os.path.exists(path):
        raise DebugError(f"{path}: no such file")
    if not os.path.isfile(path):
        raise DebugError(f"{path}: not a file (name one Python file)")
    if path.endswith(".ipynb"):
        raise DebugError(f"{path}: a notebook; gradlint debug explains lines of Python files only")
    try:
        source = read_source(path)
    except SourceError as exc:
        raise DebugError(f"{path}: {exc}") from None
    count = len(source.text.splitlines())
    if not 1 <= line <= count:
        raise DebugError(f"{path}: line {line} is out of range (the file has {count} lines)")
    try:
        module = parse(source.text)
    except SyntaxError as exc:
        raise DebugError(f"{path}:{exc.lineno or 1}: syntax error: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise DebugError(f"{path}: cannot parse: {type(exc).__name__}") from None
    try:
        settings = resolve_settings(os.path.dirname(os.path.abspath(path)), known_codes())
    except ConfigError as exc:
        raise DebugError(str(exc)) from None
    index = _project_index(path, settings)
    facts = FileFacts(path, source, module, index=index, settings=settings)
    result = lint_source(source, path, settings, index)
    return "\n".join(_Report(facts, line, result, settings.codes_for(path, known_codes())).lines()) + "\n"


def _project_index(path: str, settings):
    """The project index as `gradlint check PATH` sees it: the configuration's folder, else the
    git repository's, else the file's own folder, with the file itself in it."""
    from gradlint.discovery import DiscoveryError, discover, project_root
    from gradlint.engine import build_index

    root = project_root(path, settings) or os.path.dirname(os.path.abspath(path))
    try:
        others = discover([root], settings)
    except DiscoveryError:
        others = []
    mine = os.path.realpath(path)
    return build_index([path, *(p for p in others if os.path.realpath(p) != mine)])


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


class _Report:
    def __init__(self, facts: FileFacts, line: int, result, codes: frozenset[str]):
        self.facts = facts
        self.line = line
        self.result = result
        self.codes = codes
        self.statement = _statement_at(facts.module, line)
        self.scope = facts.flow.analysis_scope(self.statement) if self.statement is not None else facts.module
        self.nodes = [n for n in ast.walk(self.statement or facts.module) if getattr(n, "lineno", None) == line
                      and isinstance(n, ast.expr)]
        self.calls = sorted((n for n in self.nodes if isinstance(n, ast.Call)), key=_position)

    def at(self, node: ast.AST) -> str:
        start = self.facts.start(node)
        return f"{start.line}:{start.column}"

    def lines(self) -> list[str]:
        facts = self.facts
        out = [
            f"file: {facts.path}",
            f"module: {facts.module_name or '<none>'}",
            f"uses torch: {_yes(facts.uses_torch)}" + ("" if facts.uses_torch else " (no rule runs on this file)"),
            f"test code: {_yes(is_test_code(facts, self.scope))}",
            f"line {self.line}: {facts.source.line(self.line).strip()}",
        ]
        if self.statement is None:
            out.append("no statement on this line")
            return out + self._findings()
        out.append(f"scope: {self._scope_name(self.scope)}")
        mode = facts.grad_mode_at(self.statement)
        out.append(f"grad mode: {mode.value}")
        out.extend(f"  because: {reason}" for reason in self._mode_reasons())
        evals = eval_calls(facts, self.scope)
        out.append("eval calls in scope: " + (", ".join(f"line {c.lineno} {facts.text(c)}" for c, _ in evals) if evals else "none"))
        backwards = facts.flow.backwards(self.scope)
        out.append("backwards in scope: " + (", ".join(f"line {b.node.lineno}" for b in backwards) if backwards else "none"))
        for call in self.calls:
            out.extend(self._call(call))
        for node in sorted(self._loaded(), key=_position):
            out.extend(self._name(node))
        return out + self._findings()

    # -- scope and grad mode --------------------------------------------------------

    def _scope_name(self, scope: ast.AST) -> str:
        if isinstance(scope, ast.Module):
            return "<module>"
        name = self.facts.symbols.qualname_of(scope)
        return name or getattr(scope, "name", type(scope).__name__)

    def _mode_reasons(self) -> list[str]:
        """The `with` items, decorators, statements and callers that set the mode, innermost first."""
        facts = self.facts
        reasons = []
        for earlier in _earlier_statements(facts, self.statement):
            if set_grad_statement(facts.imports, earlier):
                reasons.append(f"line {earlier.lineno}: {facts.text(earlier)}")
        node = self.statement
        while True:
            parent = facts.tree.parent(node)
            if parent is None:
                break
            if isinstance(parent, (ast.With, ast.AsyncWith)) and node in parent.body:
                scope = facts.tree.scope_of(parent)
                for item in parent.items:
                    if facts.grad.effect(item.context_expr, False, scope) is not None:
                        reasons.append(f"line {parent.lineno}: with {facts.text(item.context_expr)}"
                                       + self._wrapper_note(item.context_expr, False))
            if isinstance(parent, FUNCTION_TYPES):
                reasons.extend(self._function_reasons(parent))
                break
            node = parent
        return reasons or ["default"]

    def _function_reasons(self, function) -> list[str]:
        facts = self.facts
        reasons = []
        scope = facts.tree.scope_of(function)
        for decorator in function.decorator_list:
            if facts.grad.effect(decorator, True, scope) is not None:
                reasons.append(f"line {decorator.lineno}: @{facts.text(decorator)}" + self._wrapper_note(decorator, True))
        entry = facts.framework_entry(function)
        if entry is not None:
            reasons.append(f"{entry[0]} runs {function.name} with grad off")
        qualified = facts.symbols.qualname_of(function)
        mode = facts.index.function_mode(qualified) if qualified else None
        if mode is not None:
            reasons.append(f"callers: every call site of {qualified} in the project runs with grad {mode.value}")
        return reasons

    def _wrapper_note(self, expr: ast.AST, as_decorator: bool) -> str:
        if context_effect(self.facts.imports, expr, as_decorator) is not None:
            return ""
        return " (project wrapper)"

    # -- expressions ------------------------------------------------------------------

    def _call(self, call: ast.Call) -> list[str]:
        facts = self.facts
        out = [f"call {facts.text(call)} at {self.at(call)}"]
        callee = facts.modules.callee(call)
        out.append(f"  forward: {_yes(callee is not None)}" + (f" (of {facts.text(callee)})" if callee is not None else ""))
        out.append(f"  backward: {_yes(backward_of(facts.imports, call) is not None)}")
        receiver = call.func.value if isinstance(call.func, ast.Attribute) and callee is None else (callee or call.func)
        out.append(f"  module kind of {facts.text(receiver)}: {facts.modules.kind_of(receiver) or 'not a module'}")
        if callee is not None:
            fate = facts.flow.fate(call)
            out.append(f"  reaches_backward: {_yes(fate.reaches_backward)}"
                       + (f" (line {', '.join(str(n.lineno) for n in sorted(fate.backwards, key=_position))})" if fate.backwards else ""))
            out.append(f"  escapes: {_yes(fate.escapes)}")
            if fate.kept:
                out.append("  kept: yes (stored on self where no file of the project reads it back)")
            out.append(f"  unknown: {_yes(fate.unknown)}")
        return out

    def _loaded(self) -> list[ast.AST]:
        """Names and attributes loaded on the line (not the method name of a call)."""
        called = {id(n.func) for n in self.calls if isinstance(n.func, ast.Attribute)}
        return [n for n in self.nodes if isinstance(n, (ast.Name, ast.Attribute)) and isinstance(n.ctx, ast.Load)
                and id(n) not in called]

    def _name(self, node: ast.AST) -> list[str]:
        facts = self.facts
        imported = facts.imports.resolve(node) if isinstance(node, (ast.Name, ast.Attribute)) else None
        if imported is not None:
            return [f"name {facts.text(node)} at {self.at(node)}", f"  refers to: {imported}"]
        return [f"name {facts.text(node)} at {self.at(node)}", f"  graph state: {facts.flow.state_of(node)}"]

    # -- findings and quiet rules -----------------------------------------------------

    def _findings(self) -> list[str]:
        from gradlint.noqa import parse_suppressions
        from gradlint.rules import all_rules

        here = [f for f in self.result.findings if f.start.line == self.line]
        out = ["findings:" if here else "findings: none"]
        out.extend(f"  {f.code} {f.start.line}:{f.start.column} {f.message}" for f in here)
        out.extend(f"  error: {e}" for e in self.result.errors)
        fired = {f.code for f in here}
        suppressions = parse_suppressions(self.facts.source.text)
        text = self.facts.source.text
        for rule in all_rules():
            if rule.code in fired:
                continue
            if rule.code not in self.codes:
                reason = "not selected"
            elif not self.facts.uses_torch:
                reason = "file does not use torch"
            elif suppressions.silences(self.line, rule.code):
                reason = "suppressed by noqa"
            elif rule.triggers and not any(t in text for t in rule.triggers):
                reason = "file never mentions " + ", ".join(repr(t) for t in rule.triggers)
            else:
                reason = self._quiet_reason(rule())
            out.append(f"{rule.code} quiet" + (f": {reason}" if reason else ""))
        return out

    def _quiet_reason(self, rule) -> str | None:
        """The rule's own verdict on each of its candidates on the line (forwards, blocks, edits),
        for rules that judge candidates one by one."""
        if type(rule).why_quiet is Rule.why_quiet:
            return None
        here = sorted((c for c in rule.candidates(self.facts) if c.lineno == self.line), key=_position)
        if not here:
            return f"no {rule.candidate} on this line"
        reasons = [rule.why_quiet(self.facts, node) for node in here]
        if len(here) == 1:
            return reasons[0]
        return "; ".join(f"{self.facts.text(c)}: {r or 'fires'}" for c, r in zip(here, reasons))


def _position(node: ast.AST) -> tuple[int, int]:
    return node.lineno, node.col_offset


def _statement_at(module: ast.Module, line: int) -> ast.stmt | None:
    """The innermost statement spanning line."""
    found = None
    for node in ast.walk(module):
        if isinstance(node, ast.stmt) and node.lineno <= line <= (node.end_lineno or node.lineno):
            if found is None or (node.lineno, -(node.end_lineno or 0)) >= (found.lineno, -(found.end_lineno or 0)):
                found = node
    return found


def _earlier_statements(facts, stmt: ast.stmt) -> list[ast.stmt]:
    """Statements before stmt in its block and the blocks around it, up to its function."""
    from gradlint.analysis.tree import block_of

    out = []
    node = stmt
    while node is not None and not isinstance(node, (*FUNCTION_TYPES, ast.Module)):
        found = block_of(facts.tree, node) if isinstance(node, ast.stmt) else None
        if found is not None:
            block, index = found
            out.extend(reversed(block[:index]))
        node = facts.tree.parent(node)
    return out
