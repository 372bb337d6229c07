"""FileFacts: everything a rule reads about one file, each part built once and on demand."""

from __future__ import annotations

import ast
import re
from functools import cached_property

from gradlint.analysis.call_sites import CallSites
from gradlint.analysis.bindings import Binding, ScopeBindings, assignments, comprehension_target
from gradlint.analysis.frameworks import foreign_code
from gradlint.analysis.grad_mode import FRAMEWORK_NO_GRAD_METHODS, GradMode, GradModeResolver, LIGHTNING_BASES, effect_of_mode, meet_modes
from gradlint.analysis.names import ImportTable, dotted
from gradlint.analysis.project import ProjectIndex
from gradlint.analysis.call_keys import constructed_class, possible_classes
from gradlint.analysis.summaries import summarize, wrapper_key
from gradlint.analysis.module_paths import module_identity
from gradlint.analysis.symbols import Symbols
from gradlint.analysis.tree import FUNCTION_TYPES, Tree
from gradlint.analysis.vocabulary import CALLBACK_RUNNING_BUILTINS, CALLBACK_RUNNING_METHODS, NUMERIC_LIBRARIES
from gradlint.finding import Position
from gradlint.source import SourceText

DOCTEST_CALL = re.compile(r"^\s*>>> (\w+)\(", re.MULTILINE)


class FileFacts:
    def __init__(self, path: str, source: SourceText, module: ast.Module, index: ProjectIndex | None = None, settings=None):
        self.path = path
        self.source = source
        self.module = module
        self.settings = settings
        self.tree = Tree(module)
        self.module_name, package = module_identity(path)
        self.imports = ImportTable(module, self.tree.imports, package)
        self.symbols = Symbols(self.tree, self.imports, self.module_name)
        self._index = index
        # results of the shared analyses, per scope or per name, each computed once
        self._bindings: dict[ast.AST, ScopeBindings] = {}
        self._comprehension_targets: dict[ast.Name, tuple | None] = {}
        self.python_returns: dict[ast.AST, bool] = {}  # values._returns_python by function
        self.callee_reasons: dict[tuple[ast.AST, int], str | None] = {}  # escape: a called function's check, by depth
        self._nested_fills: dict[ast.AST, frozenset[str]] = {}

    # -- project ---------------------------------------------------------------

    @cached_property
    def index(self) -> ProjectIndex:
        """The project index; a file linted alone is its own project."""
        if self._index is not None:
            return self._index
        return ProjectIndex([summarize(self.tree, self.imports, self.symbols)])

    def self_call_definitions(self, call: ast.Call) -> list[ast.AST | None]:
        """What `self.m(...)` in a method may run: the definition its class finds up its bases and
        every override in a project subclass (`ProjectIndex.self_call_targets`), each as this file's
        function node, or None for one in another file; [] when m comes from a class out of view."""
        cls = self.tree.class_of(call)
        name = self.symbols.qualname_of(cls) if cls is not None else None
        targets = self.index.self_call_targets(name, call.func.attr) if name is not None else None
        return [self.symbols.definitions_by_name.get(target) for target in sorted(targets or ())]

    def constructed_class(self, name: ast.Name) -> str | None:
        """The project class a local name was built from (`model = Net(...)`, then perhaps
        `model = model.to(device)`), or None (`call_keys.constructed_class`)."""
        return constructed_class(self.tree, self.symbols, self.tree.scope_of(name), name.id)

    def attribute_path_class(self, expr: ast.AST) -> str | None:
        """The class `self.a` (or `self.a.b`) holds, each attribute followed from the class of
        `self` through what its methods build there (`ProjectIndex.attribute_class`): a project
        class or a torch one (`torch.nn.Linear`); None when not known."""
        path = dotted(expr)
        cls = self.tree.class_of(expr)
        built = self.symbols.qualname_of(cls) if cls is not None else None
        if path is None or not path.startswith("self.") or built is None:
            return None
        for attribute in path.split(".")[1:]:
            built = self.index.attribute_class(built, attribute)
            if built is None:
                return None
        return built

    def possible_classes(self, name: ast.Name) -> set[str]:
        """Every project class a local name may have been built from, a pick from a table of
        classes included (`call_keys.possible_classes`)."""
        return possible_classes(self.tree, self.symbols, self.tree.scope_of(name), name.id)

    def names_module_class(self, name: ast.AST, scope: ast.AST | None = None) -> bool:
        """Does this name (a class, an annotation) refer to an `nn.Module` subclass of the project?"""
        qualified = self.symbols.resolve(name, scope)
        return qualified is not None and self.index.is_module_class(qualified)

    def is_lightning_class(self, cls: ast.ClassDef) -> bool:
        if any(self.imports.qualname(base) in LIGHTNING_BASES for base in cls.bases):
            return True
        qualified = self.symbols.qualname_of(cls)
        return qualified is not None and qualified in self.index.lightning_classes

    def framework_entry(self, function: ast.AST) -> tuple[str, GradMode] | None:
        """(framework base, mode) when function is a method that a framework runs with grad off
        (`FRAMEWORK_NO_GRAD_METHODS`: Lightning's `validation_step`, MMEngine's `predict`), its
        class derived from that base directly or through project classes; else None."""
        cls = self.tree.parent(function)
        if not isinstance(cls, ast.ClassDef):
            return None
        qualified = None
        for base, (methods, mode) in FRAMEWORK_NO_GRAD_METHODS.items():
            if function.name not in methods:
                continue
            if any(self.imports.qualname(b) == base for b in cls.bases):
                return base, mode
            qualified = qualified or self.symbols.qualname_of(cls)
            if qualified is not None and qualified in self.index.subclasses_of(base):
                return base, mode
        return None

    @cached_property
    def doctest_calls(self) -> frozenset[str]:
        """Names the module docstring's examples call (`>>> test()`): under pytest's
        `--doctest-modules` those functions run as tests."""
        text = ast.get_docstring(self.module, clean=False) or ""
        return frozenset(DOCTEST_CALL.findall(text))

    @cached_property
    def uses_torch(self) -> bool:
        """Does the file use torch, itself or through the project modules it imports?

        A file that imports no framework at all may still be handed torch objects
        (an `evaluate(model, loader)` helper): it counts as torch code. A file that
        imports another array framework (MXNet, TensorFlow, JAX) and neither torch
        nor a project module that uses it does not."""
        if self.imports.uses_torch() or not self.imports.uses_another_framework():
            return True
        return self.index.uses_torch(self.module_name)

    def foreign_code(self, node: ast.AST) -> bool:
        """Is node another array framework's code (`frameworks.ForeignCode`)? Only the torch
        branch of a multi-backend library is torch code."""
        return node in foreign_code(self.tree, self.imports)

    # -- grad mode -------------------------------------------------------------

    def function_base_mode(self, function: ast.AST) -> GradMode | None:
        """The mode a function starts in before its decorators: framework entry or the project index."""
        if not isinstance(function, FUNCTION_TYPES):
            return None
        entry = self.framework_entry(function)
        if entry is not None:
            return entry[1]
        qualified = self.symbols.qualname_of(function)
        mode = self.index.function_mode(qualified) if qualified else None
        return mode if mode is not None else self._callback_mode(function)

    def _callback_mode(self, function: ast.AST) -> GradMode | None:
        """A nested function its enclosing function only hands to calls that run it at once and
        leave the grad mode alone (`model.apply(apply_masks)`, `sorted(xs, key=rank)`) runs in
        their grad mode, when it is off at every one. (One handed elsewhere may run later, or under
        a mode its runner sets: an optimizer's `step(closure)` turns grad on for the closure.)"""
        enclosing = self.tree.function_of(function)
        if enclosing is None:
            return None
        uses = [n for n in self.tree.names_within(enclosing) if n.id == function.name and isinstance(n.ctx, ast.Load)]
        if not uses or any(self.tree.function_of(use) is not enclosing for use in uses):
            return None
        if self.tree.stores_owned(enclosing).get(function.name):
            return None  # the name is bound again
        for use in uses:
            parent = self.tree.parent(use)
            if isinstance(parent, ast.keyword):
                parent = self.tree.parent(parent)
            if not (isinstance(parent, ast.Call) and parent.func is not use and _runs_callback_now(parent)):
                return None
        modes = [self.grad_mode_at(use) for use in uses]
        return meet_modes(modes)

    def _project_effect(self, expr: ast.AST, as_decorator: bool, scope: ast.AST):
        key = wrapper_key(self.symbols, expr, as_decorator, scope)
        return effect_of_mode(self.index.wrapper_mode(key)) if key else None

    @cached_property
    def grad(self) -> GradModeResolver:
        return GradModeResolver(self.tree, self.imports, self.function_base_mode, self._project_effect)

    def grad_mode_at(self, node: ast.AST) -> GradMode:
        """Which grad mode node runs in: ENABLED, DISABLED, INFERENCE or UNKNOWN."""
        return self.grad.grad_mode_at(node)

    def some_caller_disables_grad(self, node: ast.AST) -> bool:
        """Is node in a function some of whose call sites may run it with grad off? Then which of
        its statements the grad-on callers reach may depend on the arguments (`from_linear(...,
        init_only=True)` returns early), so what node does with grad on is not proven."""
        function = self.tree.function_of(node)
        name = self.symbols.qualname_of(function) if function is not None else None
        return name is not None and self.index.called_with_grad_off(name)

    # -- bindings --------------------------------------------------------------

    def bindings(self, scope: ast.AST) -> ScopeBindings:
        """What the scope (module, function or lambda) binds, and which definitions each read sees."""
        found = self._bindings.get(scope)
        if found is None:
            found = self._bindings[scope] = ScopeBindings(self.tree, scope)
        return found

    def nested_fills(self, scope: ast.AST) -> frozenset[str]:
        """Names of scope that a function or lambda nested in it (at any depth) fills without
        binding them (`found.append(x)` in a hook closing over `found`): what the name holds
        also depends on when that code runs."""
        known = self._nested_fills.get(scope)
        if known is None:
            found: set[str] = set()
            pending = [n for n in self.tree.scope_nodes(scope) if isinstance(n, (*FUNCTION_TYPES, ast.Lambda)) and n is not scope]
            while pending:
                inner = pending.pop()
                for name, bindings in self.bindings(inner).names.items():
                    if not any(b.binds for b in bindings):
                        found.add(name)
                pending.extend(n for n in self.tree.scope_nodes(inner) if isinstance(n, (*FUNCTION_TYPES, ast.Lambda)) and n is not inner)
            known = self._nested_fills[scope] = frozenset(found)
        return known

    @cached_property
    def call_sites(self) -> CallSites:
        """This file's calls of each project function, and what they pass (`call_sites.py`)."""
        return CallSites(self)

    @cached_property
    def assignments(self) -> dict[tuple[ast.AST, str], list[Binding]]:
        """(holder scope, dotted path) -> the file's assignments of it (`bindings.assignments`)."""
        return assignments(self.tree)

    def comprehension_target(self, name: ast.Name) -> tuple[ast.AST, tuple] | None:
        """The iterable a comprehension variable runs over and its place in each element, when name is one."""
        known = self._comprehension_targets
        if name not in known:
            known[name] = comprehension_target(self.tree, name)
        return known[name]

    def comprehension_source(self, name: ast.Name) -> ast.AST | None:
        """The iterable a comprehension variable runs over, when name is one."""
        found = self.comprehension_target(name)
        return found[0] if found is not None else None

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
    def mode_calls(self):
        from gradlint.analysis.training import mode_calls_by_scope

        return mode_calls_by_scope(self.tree)

    @cached_property
    def caching_module_classes(self) -> list[str]:
        """Module classes of this file that keep tensors they compute on `self` (escape.py)."""
        from gradlint.analysis.escape import find_caching_module_classes

        return find_caching_module_classes(self)

    @cached_property
    def registered_buffers(self) -> dict[ast.ClassDef, frozenset[str]]:
        """The names each class registers with `register_buffer("name", ...)`."""
        found = {}
        for cls in self.tree.classes:
            names = set()
            for node in ast.walk(cls):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "register_buffer":
                    first = node.args[0] if node.args else None
                    if isinstance(first, ast.Constant) and isinstance(first.value, str):
                        names.add(first.value)
            found[cls] = frozenset(names)
        return found

    @cached_property
    def built_optimizers(self) -> frozenset[str]:
        """Dotted names the file binds to a `torch.optim` optimizer (`sgd = torch.optim.SGD(...)`)."""
        found = set()
        for (_, path), bindings in self.assignments.items():
            for binding in bindings:
                name = self.imports.qualname(binding.value.func) if binding.kind == "value" and isinstance(binding.value, ast.Call) else None
                if name and name.startswith("torch.optim.") and name.count(".") == 2:
                    found.add(path)
        return frozenset(found)

    @cached_property
    def gradient_clearing(self) -> list[ast.AST]:
        """The nodes that clear gradients (`zero_grad()`, `p.grad = None`, ...)."""
        from gradlint.analysis.training_state import clearing_nodes

        return clearing_nodes(self.tree)

    @cached_property
    def gradient_clearing_around(self) -> frozenset[ast.AST]:
        """Every node that holds a gradient-clearing node (its scopes, classes, blocks)."""
        return frozenset(a for node in self.gradient_clearing for a in (node, *self.tree.ancestors(node)))

    @cached_property
    def numeric_modules(self) -> frozenset[str]:
        """Local names bound to numpy, math, pandas and the like, or their submodules (NUMERIC_LIBRARIES:
        their results are not tensors)."""
        return frozenset(local for local, target in self.imports.everything.items()
                         if target.partition(".")[0] in NUMERIC_LIBRARIES)

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


def _runs_callback_now(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr in CALLBACK_RUNNING_METHODS
    return isinstance(func, ast.Name) and func.id in CALLBACK_RUNNING_BUILTINS
