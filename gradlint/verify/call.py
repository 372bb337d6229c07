"""`gradlint verify --call FILE:FUNCTION [--setup FILE:FUNCTION]`: a user's own function,
before and after gradlint's fixes, with the verdicts the fixtures get.

The module is linted and fixed in memory (every fix, unsafe ones too, as for a
fixture; nothing is written); each program's process imports the module, the
original or the fixed text under the file's own name and import name, then the
setup module (which may import the module: it gets the same copy), and calls
the function with the arguments setup(device) returns, made anew before each
measured call. What the fixes are claimed to change follows from the codes
reported (a GL3 fix removes a crash, GL2 a leak, GL1 memory, GL401 time) unless
--claim says otherwise.

Everything that can be checked without torch is checked first: the FILE:FUNCTION
form, the files, that they parse, that the functions are defined at module level,
that gradlint has something to fix. Input that fails (also at run time: the
module raises at import, the setup raises or returns something else than
arguments) is told in one line and exits 2.
"""

from __future__ import annotations

import ast
import os
import shutil
import tempfile

from gradlint.analysis.module_paths import module_identity
from gradlint.source import SourceError, read_source
from gradlint.verify.fixture import Fixture
from gradlint.verify.runner import ProcessRunner, ProgramRun, Target
from gradlint.verify.static import StaticCheck, check_module


class CallError(Exception):
    """Input `--call` cannot use; the message is the whole story (exit 2)."""


def parse_spec(option: str, text: str) -> tuple[str, str]:
    path, colon, function = text.rpartition(":")
    if not colon or not path or not function.isidentifier():
        raise CallError(f"{option}: expected FILE.py:FUNCTION (e.g. {option} eval.py:evaluate), not {text!r}")
    return path, function


def _read(option: str, path: str) -> tuple[str, ast.Module]:
    if not os.path.exists(path):
        raise CallError(f"{option}: {path}: no such file")
    try:
        text = read_source(path).text
    except SourceError as exc:
        raise CallError(f"{option}: {path}: {exc}") from None
    try:
        return text, ast.parse(text, filename=path)
    except (SyntaxError, ValueError, RecursionError) as exc:
        line = getattr(exc, "lineno", None)
        raise CallError(f"{option}: {path}: not valid Python{f' (line {line})' if line else ''}") from None


def _module_names(body: list[ast.stmt]) -> tuple[set[str], bool]:
    """Names bound at module level (also inside if/try/with at that level); and whether a
    star import may bind more."""
    names: set[str] = set()
    star = False
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(stmt.name)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            names.update(node.id for target in targets for node in ast.walk(target) if isinstance(node, ast.Name))
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias in stmt.names:
                star = star or alias.name == "*"
                names.add(alias.asname or alias.name.split(".")[0])
        else:  # if, try, with, for at module level: their bodies run there too
            children = list(ast.iter_child_nodes(stmt))
            inner = [child for child in children if isinstance(child, ast.stmt)]
            inner += [s for child in children if isinstance(child, ast.excepthandler) for s in child.body]
            inner_names, inner_star = _module_names(inner)
            names |= inner_names
            star = star or inner_star
    return names, star


def _defined(option: str, path: str, module: ast.Module, function: str) -> None:
    names, star = _module_names(module.body)
    if function not in names and not star:
        raise CallError(f"{option}: {path} defines no {function} at module level")


def _required(definition: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    """The parameters a call must give (no default)."""
    arguments = definition.args
    positional = arguments.posonlyargs + arguments.args
    required = [a.arg for a in positional[:len(positional) - len(arguments.defaults)]]
    return required + [a.arg for a, default in zip(arguments.kwonlyargs, arguments.kw_defaults) if default is None]


def _identity(path: str, fallback: str) -> tuple[str, str]:
    """(import name, the folder it is imported from): a module inside packages keeps its
    dotted name, so that its relative imports and the setup's imports of it work."""
    name, _ = module_identity(path)
    folder = os.path.dirname(os.path.abspath(path))
    for _ in range(name.count(".")):
        folder = os.path.dirname(folder)
    return (name if name.replace(".", "").isidentifier() else fallback), folder


def prepare(call: str, setup: str | None, claim: str | None) -> tuple[Fixture, StaticCheck, Target, Target, str]:
    """Check the input and lint and fix the module (no torch): the pseudo-fixture, its
    static check, the original and fixed targets and the folder to import from."""
    path, function = parse_spec("--call", call)
    text, module = _read("--call", path)
    _defined("--call", path, module, function)
    setup_path = setup_function = setup_name = ""
    if setup:
        setup_path, setup_function = parse_spec("--setup", setup)
        _, setup_module = _read("--setup", setup_path)
        _defined("--setup", setup_path, setup_module, setup_function)
    name, root = _identity(path, "_gradlint_call")
    if setup_path:
        setup_name, _ = _identity(setup_path, "_gradlint_setup")
        if setup_name == name and os.path.abspath(setup_path) != os.path.abspath(path):
            setup_name = "_gradlint_setup_" + setup_name.replace(".", "_")
    definition = next((stmt for stmt in module.body if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
                       and stmt.name == function), None)
    lines = (definition.lineno, definition.end_lineno) if definition is not None else None
    if definition is not None and not setup and _required(definition):
        raise CallError(f"--call: {function}() takes arguments ({', '.join(_required(definition))}): "
                        "give --setup FILE:FUNCTION, a function of the device that returns them")
    fixture, static = check_module(path, text, lines, claim)
    fixture.label = f"{os.path.basename(path)}:{function}"
    if static.errors:
        raise CallError(f"--call: {path}: {static.errors[0]}")
    if not static.fixes_applied:
        found = ", ".join(static.reported) or "no findings"
        raise CallError(f"--call: {path}: gradlint has no fix to apply there ({found}); nothing to measure")
    common = dict(program=os.path.abspath(path), module_name=name, function=function, with_device=False,
                  setup_program=os.path.abspath(setup_path) if setup_path else "", setup_module_name=setup_name,
                  setup_function=setup_function)
    return fixture, static, Target(**common), Target(**common, source=static.fixed_text), root


def _load_failure(run: ProgramRun, call: str, setup: str | None) -> str | None:
    """The one line for a program that never got to the call: its module or setup failed."""
    if run is None or run.status not in ("import-error", "setup-error"):
        return None
    exception = run.exception or {}
    if exception.get("missing"):
        return exception["message"]
    where = f" (line {exception['line']})" if exception.get("line") else ""
    first = (exception.get("message", "").strip().splitlines() or [""])[0]
    what = f"{exception.get('type', 'error')}: {first}".rstrip(": ")
    if run.status == "setup-error":
        return f"--setup {setup}: {what}{where}"
    return f"--call {call}: importing the module raised {what}{where}"


def verify_call(call: str, setup: str | None, runner: ProcessRunner, prepared):
    """Measure the function before and after the fixes (`prepared` by prepare()): the
    FixtureResult, judged; CallError when the module or the setup fails before the call."""
    from gradlint.verify.session import measure_pair
    from gradlint.verify.verdict import FixtureResult, judge

    fixture, static, original, fixed, root = prepared
    result = FixtureResult(fixture, static)
    workdir = tempfile.mkdtemp(prefix="gradlint-verify-call-")
    try:
        measure_pair(result, original, fixed, runner, workdir, root)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    failure = _load_failure(result.original, call, setup)
    if failure:
        raise CallError(failure)
    judge(result)
    return result
