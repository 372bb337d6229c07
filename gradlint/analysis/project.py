"""Facts across files: the per-file summaries (`summaries`) merged into one project index,
by qualified name.

The index answers, by qualified name:
- `function_mode(q)`: the grad mode every call site of `q` runs with, transitively
  (a caller's mode is its own callers' mode, to a fixpoint; recursion ends);
  None when a site runs with grad, when `q` is passed around as a value, or
  when it has no call site (it is judged by its own body);
- `evaluated_paths(q)`: the `self.` module paths every call site of method `q` has put in
  eval mode, in evaluation code (a batch helper called only by an evaluation loop);
- `result_may_be_trained(q)`: does a call site keep `q`'s result with grad on outside
  evaluation code (its caller may backpropagate through it)?
- `wrapper_mode(key)`: the mode a project wrapper sets (`call:q` for `q()`, `bare:q` for `q`);
- `module_classes` / `lightning_classes` / `optimizer_classes`: qualified names of `nn.Module`,
  LightningModule and `torch.optim.Optimizer` subclasses, through any number of project classes;
- `uses_torch(module)`: does the module use torch, itself or through the
  project modules it imports.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from sys import intern

from gradlint.analysis import training_state
from gradlint.analysis.grad_mode import LIGHTNING_BASES, GradMode, meet_modes
from gradlint.analysis.call_keys import MAYBE
from gradlint.analysis.summaries import FileSummary
from gradlint.analysis.training import setup_name, test_function_name
from gradlint.analysis.vocabulary import MODULE_CLASS_ROOTS, OPTIMIZER_BASES

MAX_ALIAS_STEPS = 20
NOTHING: frozenset[str] = frozenset()


# -- the index ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Site:
    """One call site of a project function, as the index keeps it (one object for all the calls
    alike: slots and shared values keep a million-line project's index small)."""

    mode: str | None  # grad mode fixed at the site, or None: the enclosing function's
    enclosing: str | None  # qualified name of the function that makes the call
    around: tuple[str, ...]  # project grad-mode wrappers around the call
    evaluating: frozenset[str]  # `self.` module paths in eval mode there (evaluation code)
    kept: bool  # is the result used (not discarded, not made a number at once)?


def _interned(value):
    """value (plain data from a summary) with every string in it interned; lists edited in place."""
    kind = type(value)
    if kind is str:
        return intern(value)
    if kind is list:
        for position, item in enumerate(value):
            value[position] = _interned(item)
        return value
    if kind is dict:
        return {intern(key): _interned(item) for key, item in value.items()}
    return value


# bases that define no method a project class could be asked about
PLAIN_BASES = frozenset({"object", "abc.ABC", "ABC"})


class ProjectIndex:
    def __init__(self, summaries: Iterable[FileSummary]):
        self.defined: set[str] = set()
        self._sites: dict[str, list[Site]] = {}
        self._referenced: set[str] = set()
        self._references: dict[str, list[str | None]] = {}  # call key -> enclosing function of each reference
        self._aliases: dict[str, str] = {}
        self._wrappers: dict[str, str] = {}
        self._decorators: dict[str, list[str]] = {}
        self._torch_modules: set[str] = set()
        self._imports: dict[str, set[str]] = {}
        self._methods: dict[str, set[str]] = {}  # bare method name -> qualified methods
        self._forward_delegates: dict[str, list[str]] = {}
        self._autograd_forwards: set[str] = set()  # classes whose forward computes gradients itself
        self._grad_off_forwards: set[str] = set()  # classes whose forward may turn grad off itself
        self._tensor_caching: set[str] = set()  # methods that store a tensor they make on self
        self._read_attributes: set[str] = set()  # attribute names some file reads a value through
        self._training_states: list[dict] = []
        self._readers: dict[str, list[str]] = {}
        self._reader_guards: dict[str, dict[str, int]] = {}
        self._canonical: dict[str, str] = {}  # what `canonical` found, per name
        bases: dict[str, set[str]] = {}
        self._attributes: dict[str, dict[str, str]] = {}  # class -> {attribute: the class it is built from}
        # names recur across files (every call site names its function; every file names torch's
        # classes): the index keeps one string object for each, which halves its memory; so do
        # sites (calls from one function in the same circumstances: a quarter are distinct)
        shared_sites: dict[tuple, Site] = {}
        for summary in summaries:
            self.defined.update(map(intern, summary.defined))
            for key, enclosing in summary.referenced:
                key = intern(key)
                self._referenced.add(key)
                self._references.setdefault(key, []).append(_interned(enclosing))
            aliases = _interned(summary.aliases)
            self._aliases.update(aliases)
            self._wrappers.update(summary.wrappers)
            self._decorators.update(summary.decorators)
            self._forward_delegates.update(summary.forward_methods)
            self._autograd_forwards.update(summary.autograd_forwards)
            self._grad_off_forwards.update(summary.grad_off_forwards)
            self._tensor_caching.update(summary.tensor_caching)
            self._read_attributes.update(map(intern, summary.read_attributes))
            # names interned, not the states: each is JSON text of its own, decoded when asked
            self._training_states.append({part: {intern(name): text for name, text in states.items()}
                                          for part, states in summary.training_state.items()})
            self._readers.update(summary.readers)
            self._reader_guards.update(summary.reader_guards)
            if summary.uses_torch:
                self._torch_modules.add(summary.module)
            self._imports.setdefault(summary.module, set()).update(aliases.values())
            for callee, mode, enclosing, around, evaluating, kept in summary.calls:
                fields = (mode, _interned(enclosing), tuple(map(intern, around)) if around else (),
                          frozenset(map(intern, evaluating)) if evaluating else NOTHING, kept)
                site = shared_sites.get(fields)
                if site is None:
                    site = shared_sites[fields] = Site(*fields)
                self._sites.setdefault(intern(callee), []).append(site)
            for name, labels in summary.classes.items():
                bases.setdefault(name, set()).update(labels)
            self._attributes.update(_interned(summary.attributes))
        self._bases = bases
        for name in self.defined:
            owner = name.rpartition(".")[0]
            if owner in bases:
                self._methods.setdefault(name.rpartition(".")[2], set()).add(name)
        self._torch_users: dict[str, bool] = {}
        self.module_classes = self._subclasses(lambda label: label.startswith(MODULE_CLASS_ROOTS) and label.split(".")[-1][:1].isupper())
        self.lightning_classes = self._subclasses(lambda label: label in LIGHTNING_BASES)
        self._subclasses_of: dict[str, frozenset[str]] = {}  # base -> its project subclasses, as asked
        self.optimizer_classes = self._subclasses(lambda label: label in OPTIMIZER_BASES)

    # -- names ---------------------------------------------------------------------

    def canonical(self, name: str) -> str:
        """Follow imports and re-exports to the definition a name refers to."""
        found = self._canonical.get(name)
        if found is None:
            found = self._canonical[name] = self._follow_aliases(name)
        return found

    def refers_to(self, name: str, definition: str) -> bool:
        """Does name, followed through imports and re-exports, refer to `definition`? (One question
        to the index rather than `canonical` and a comparison: its answer changes with other files
        only where the comparison does.)"""
        return self.canonical(name) == definition

    def is_module_class(self, name: str) -> bool:
        """Does name, followed through imports and re-exports, refer to an `nn.Module` class of the project?"""
        return self.canonical(name) in self.module_classes

    def _follow_aliases(self, name: str) -> str:
        for _ in range(MAX_ALIAS_STEPS):
            if name in self.defined or name in self._bases or name in self._wrappers_by_name:
                return name
            target = self._aliases.get(name)
            if target is None:
                parts = name.split(".")
                for cut in range(len(parts) - 1, 0, -1):
                    prefix = ".".join(parts[:cut])
                    if prefix in self._aliases:
                        target = ".".join([self._aliases[prefix], *parts[cut:]])
                        break
                if target is None:
                    return name
            if target == name:
                return name
            name = target
        return name

    @cached_property
    def _wrappers_by_name(self) -> set[str]:
        return {k.split(":", 1)[1] for k in self._wrappers}

    def _in_hierarchy(self, cls: str, find, seen: frozenset = frozenset()) -> str | None:
        """The first answer `find` gives for cls or, in order, its project base classes (any depth)."""
        found = find(cls)
        if found is not None:
            return found
        for base in sorted(self._bases.get(cls, ())):
            base = self.canonical(base)
            if base in self._bases and base not in seen:
                found = self._in_hierarchy(base, find, seen | {cls})
                if found is not None:
                    return found
        return None

    def lineage(self, cls: str) -> list[str]:
        """cls and its project base classes (any depth), in lookup order."""
        found: list[str] = []
        self._in_hierarchy(cls, lambda c: found.append(c))  # `find` never answers: every class is visited
        return found

    def _method(self, cls: str, method: str) -> str | None:
        """`cls.method` looked up through the project's base classes."""
        return self._in_hierarchy(cls, lambda c: f"{c}.{method}" if f"{c}.{method}" in self.defined else None)

    def attribute_class(self, cls: str, attribute: str) -> str | None:
        """The class `self.attribute` is built from in cls or its project base classes."""
        found = self._in_hierarchy(cls, lambda c: self._attributes.get(c, {}).get(attribute))
        return self.canonical(found) if found is not None else None

    def _instance_callee(self, key: str) -> str:
        """`_callee`, where `self.attribute(...)` of an attribute that is no method but an object
        the class builds (`self.loss_fn = Loss()`) runs that object: its project class's `forward`
        or `__call__`, or a name under its own package (`torch.nn.CrossEntropyLoss.__call__`)."""
        name = self._callee(key)
        if key.startswith(("super:", MAYBE)) or name in self.defined:
            return name
        cls, _, attribute = name.rpartition(".")
        built = self.attribute_class(cls, attribute) if cls in self._bases else None
        if built is None:
            return name
        if built in self._bases:
            return self._method(built, "forward") or self._method(built, "__call__") or name
        return f"{built}.__call__"

    def forward_runs_autograd(self, cls: str, or_subclass: bool = False) -> bool:
        """Does the `forward` cls runs (its own or a project base's) compute gradients itself
        (`torch.autograd.grad` in a loss's gradient penalty)? Then the forward raises under no_grad.
        With or_subclass, the forward of any project class derived from cls counts too: an argument
        typed by a base class may be any of them."""
        return self._forward_in(self._autograd_forwards, cls, or_subclass)

    def forward_may_turn_grad_off(self, cls: str, or_subclass: bool = False) -> bool:
        """May the `forward` cls runs turn grad off by its own choice (decorated with no_grad, or
        `if self.requires_grad: ... else: with torch.no_grad(): ...`)? Then a forward of it may build
        no graph. or_subclass as for forward_runs_autograd."""
        return self._forward_in(self._grad_off_forwards, cls, or_subclass)

    def reads_attribute(self, name: str) -> bool:
        """Does some file of the project read a value through an attribute of this name
        (`reach.read_attributes`)? When none does, `self.name = out` keeps `out` for nobody."""
        return name in self._read_attributes

    def caches_tensors(self, key: str) -> bool:
        """May the call keyed `key` store a tensor it makes on its object (`summaries._tensor_caching`)?
        For a method of an unknown receiver (`?m`), whether any project method of that name does;
        for `C.m`, C's method (its own or a base's) or an override in a project subclass."""
        caching = self._tensor_caching
        if not caching:
            return False
        if key.startswith(MAYBE):
            bare = key[len(MAYBE):]
            return any(name in caching for name in self._methods.get(bare, ()))
        name = self._callee(key)
        if name in caching:
            return True
        cls, _, method = name.rpartition(".")
        return not key.startswith("super:") and any(o in caching for o in self._overrides(cls, method))

    def _forward_in(self, classes_with: set[str], cls: str, or_subclass: bool) -> bool:
        if not classes_with:
            return False
        cls = self.canonical(cls)
        classes = [cls, *sorted(self.subclasses_of(cls))] if or_subclass else [cls]
        for name in classes:
            owner = self._method(name, "forward")
            if owner is not None and owner.rpartition(".")[0] in classes_with:
                return True
        return False

    def lacks_method(self, cls: str, method: str) -> bool:
        """Is all of cls's hierarchy in the project (up to `object` or `abc.ABC`) and none of it
        defines method? Then `self.method(...)` calls a callable the object stores, not a method."""
        pending, seen = [self.canonical(cls)], set()
        while pending:
            name = pending.pop()
            if name in seen or name in PLAIN_BASES:
                continue
            seen.add(name)
            if name not in self._bases or f"{name}.{method}" in self.defined:
                return False
            pending.extend(self.canonical(base) for base in self._bases[name])
        return True

    def _callee(self, key: str) -> str:
        if key.startswith("super:"):
            cls, _, method = key[len("super:"):].rpartition(".")
            for base in sorted(self._bases.get(cls, ())):
                found = self._method(self.canonical(base), method)
                if found is not None:
                    return found
            return key
        name = self.canonical(key)
        if name not in self.defined:
            if name in self._bases:  # `Cls(...)` runs the class's `__init__` (its own or a base's)
                return self._method(name, "__init__") or name
            cls, _, method = name.rpartition(".")
            if cls in self._bases:
                return self._method(cls, method) or name
        return name

    @cached_property
    def _sites_by_callee(self) -> dict[str, list]:
        """The call sites of each definition. A call keyed `C.m` (`self.m()` in a method of C, or
        of an object built from C) runs C's `m` or, for `self` of a subclass, its override: the
        overrides in C's project subclasses get the site too (ParlAI's `TorchAgent.batch_act`
        runs `self.eval_step(batch)` under no_grad for every agent class's `eval_step`). A `forward`
        site counts for a plain class only (`plain_classes`)."""
        found: dict[str, list] = {}
        children = self._direct_subclasses
        plain = self.plain_classes
        for key, sites in self._sites.items():
            if key.startswith(MAYBE):
                found.setdefault(key, []).extend(sites)
                continue
            callee = self._callee(key)
            if key.endswith(".forward") and callee.rpartition(".")[0] not in plain:
                continue  # a module's forward runs from every `module(x)` too: its explicit calls are not all
            found.setdefault(callee, []).extend(sites)
            if not key.startswith("super:"):
                cls, _, method = self.canonical(key).rpartition(".")
                if cls in children:
                    for override in self._overrides(cls, method):
                        lineage = self.lineage(override.rpartition(".")[0])
                        found.setdefault(override, []).extend(s for s in sites if self._runs_for(s.enclosing, cls, lineage))
        return found

    def _runs_for(self, enclosing: str | None, cls: str, lineage: list[str]) -> bool:
        """Does a `self.m()` call made in `enclosing`, a method of cls, run for an instance of the
        subclass whose `lineage` is given? Not when it (or a class between) overrides that method
        without calling `super()`'s (Avalanche's StreamingLDA has its own `training_epoch`: the
        template's, which backpropagates `self.forward()`, never runs for it)."""
        if enclosing is None:
            return True
        owner, _, caller = enclosing.rpartition(".")
        if owner != cls:
            return True  # a nested function or another class's code: kept
        for current in lineage:
            if current == cls:
                return True
            if f"{current}.{caller}" in self.defined:
                return f"{current}.{caller}" in self._extending
        return True

    @cached_property
    def _extending(self) -> frozenset[str]:
        """Methods that call the method they override through `super()` (`super().training_epoch()`)."""
        return frozenset(site.enclosing for key, sites in self._sites.items() if key.startswith("super:")
                         for site in sites if site.enclosing and site.enclosing.rpartition(".")[2] == key.rpartition(".")[2])

    @cached_property
    def _direct_subclasses(self) -> dict[str, list[str]]:
        """Project class -> the project classes that name it among their bases."""
        found: dict[str, list[str]] = {}
        for name, labels in self._bases.items():
            for label in labels:
                base = self.canonical(label)
                if base in self._bases and base != name:
                    found.setdefault(base, []).append(name)
        return found

    def _overrides(self, cls: str, method: str) -> list[str]:
        """The definitions of method in cls's project subclasses, at any depth."""
        found, seen, pending = [], {cls}, list(self._direct_subclasses.get(cls, ()))
        while pending:
            current = pending.pop()
            if current in seen:
                continue
            seen.add(current)
            if f"{current}.{method}" in self.defined:
                found.append(f"{current}.{method}")
            pending.extend(self._direct_subclasses.get(current, ()))
        return found

    @cached_property
    def _referenced_names(self) -> set[str]:
        return {r if r.startswith(MAYBE) else self._callee(r) for r in self._referenced}

    def self_call_targets(self, cls: str, method: str) -> frozenset[str] | None:
        """What `self.method()` in a method of cls may run: the definition found up cls's project
        bases and every override in a project subclass; None when cls inherits it from a class
        out of view."""
        found = self._method(cls, method)
        if found is None:
            return None
        overrides = {name for name in self._methods.get(method, ())
                     if self._in_hierarchy(name.rpartition(".")[0], lambda c: c if c == cls else None) is not None}
        return frozenset({found} | overrides)

    def runs_forward(self, method: str) -> bool:
        """Does calling a module's method of this name run its forward? True when every project
        method of that name does (`agent.get_action(obs)` where `get_action` runs `self.actor(...)`)."""
        candidates = self._methods.get(method)
        return bool(candidates) and candidates <= self._forward_methods

    def method_runs_forward(self, cls: str, method: str) -> bool:
        """Does `method` of cls (its own or a project base's) run a forward of the module?"""
        if not self._forward_delegates:
            return False
        found = self._method(self.canonical(cls), method)
        return found is not None and found in self._forward_methods

    def self_call_runs_forward(self, cls: str, method: str) -> bool:
        """Does `self.method()` in a method of cls run a forward: does every definition it may run
        (`self_call_targets`) run one? (`self.get_logits(x)` of an attack object holding a model.)"""
        targets = self.self_call_targets(cls, method)
        return bool(targets) and targets <= self._forward_methods

    @cached_property
    def _forward_methods(self) -> frozenset[str]:
        """Methods that run a forward: directly, or through a submodule's method that does
        (kept while some name they call is run only by such methods, one of them direct)."""
        direct = {name for name, called in self._forward_delegates.items() if not called}
        found = set(self._forward_delegates)
        changed = True
        while changed:
            changed = False
            for name, called in self._forward_delegates.items():
                if name in found and called and not any(
                        (candidates := self._methods.get(m)) and candidates <= found and candidates & direct for m in called):
                    found.discard(name)
                    changed = True
        return frozenset(found)

    # -- grad mode -------------------------------------------------------------------

    def function_mode(self, name: str) -> GradMode | None:
        """DISABLED/INFERENCE when every call site of `name` runs with grad off; else None."""
        return self._function_modes.get(self.canonical(name))

    def called_with_grad_off(self, function: str) -> bool:
        """May some call site run the function with grad off (so that the code it runs with grad
        on may be only what the other call sites reach)? A site of unknown mode (in a module-level
        table of lambdas) may."""
        name = self.canonical(function)
        modes = self._function_modes
        return any((found := self._site_mode(name, site, modes)).grad_off or found is GradMode.UNKNOWN
                   for site in self._call_sites(name) or ())

    def entry_mode(self, function: str) -> GradMode | None:
        """The mode a function's body starts in: what its project decorators set, else its callers'.
        (Its torch decorators are read from its own file.)"""
        return self._decorated_mode(function) or self.function_mode(function)

    def _decorated_mode(self, function: str) -> GradMode | None:
        for key in self._decorators.get(function, ()):
            mode = self.wrapper_mode(key)
            if mode is not None:
                return mode
        return None

    def _call_sites(self, name: str) -> list | None:
        """The call sites that may run `name`; None when it is passed around as a value (it may be
        called anywhere) or has no call site (it is judged by its own body)."""
        bare = name.rpartition(".")[2]
        is_method = name in self._methods.get(bare, ())
        references = self._referenced_names
        if name in references or (is_method and MAYBE + bare in references):
            return None
        sites = list(self._sites_by_callee.get(name, ()))
        if is_method:
            sites += self._sites_by_callee.get(MAYBE + bare, ())
        return sites or None

    @cached_property
    def _function_modes(self) -> dict[str, GradMode]:
        """Every function's mode from its callers: the greatest fixpoint over the call graph.

        Every function with call sites starts as "not reached yet" (no mode); its mode is then the
        meet over the sites whose caller has one (an entry point, a function without call sites,
        runs with grad on), and modes only go down (inference, disabled, enabled), so this ends.
        A cycle of calls (agents' `eval_step` overrides calling `super().eval_step` and each
        other's through unknown receivers) is as grad-off as every way into it; one no caller
        outside reaches keeps no mode. A call from the function itself runs in its own mode and
        is left out of the meet. (A worklist, not recursion: real call chains are deeper than
        Python's stack.)"""
        sites = {name: found for name in self.defined if (found := self._call_sites(name)) is not None}
        dependents: dict[str, set[str]] = {}
        outer: dict[str, list[Site]] = {}
        for name, found in sites.items():
            outer[name] = [site for site in found if not (site.mode is None and site.enclosing is not None
                                                          and self.canonical(site.enclosing) == name)] or found
            for site in found:
                enclosing = site.enclosing
                if enclosing is not None and enclosing != name:
                    dependents.setdefault(self.canonical(enclosing), set()).add(name)
        unreached = object()
        state: dict[str, object] = dict.fromkeys(sites, unreached)
        pending = sorted(sites)
        queued = set(pending)
        while pending:
            name = pending.pop()
            queued.discard(name)
            mode = unreached
            for site in outer[name]:
                if site.mode is None and site.enclosing is not None:
                    caller = self.canonical(site.enclosing)
                    if state.get(caller) is unreached and self._decorated_mode(caller) is None:
                        continue  # its caller is not known to run yet
                found = self._site_mode(name, site, state)
                if not found.grad_off:
                    mode = GradMode.ENABLED  # one site with grad on decides (a `?update` may have thousands)
                    break
                mode = found if mode in (unreached, found) else GradMode.DISABLED
            if mode is not state[name]:
                state[name] = mode
                for dependent in dependents.get(name, ()):
                    if dependent not in queued:
                        queued.add(dependent)
                        pending.append(dependent)
        return {name: mode for name, mode in state.items() if isinstance(mode, GradMode) and mode.grad_off}

    def _site_mode(self, callee: str, site: Site, modes: dict[str, GradMode]) -> GradMode:
        mode, enclosing, around = site.mode, site.enclosing, site.around
        if mode is not None:
            found = GradMode(mode)
        elif enclosing is not None and enclosing != callee:
            enclosing = self.canonical(enclosing)
            found = self._decorated_mode(enclosing) or modes.get(enclosing) or GradMode.ENABLED
        else:
            found = GradMode.ENABLED
        if not found.grad_off:
            wrapped = [m for m in map(self.wrapper_mode, around) if m is not None]
            if wrapped:
                found = meet_modes(wrapped) or found
        return found

    # -- train and eval mode -----------------------------------------------------------

    def evaluated_paths(self, function: str) -> frozenset[str]:
        """The `self.` module paths every call site of a method puts in eval mode, in evaluation
        code (`_predict_batch` called only after `self.network.eval()` in code with no backward);
        empty when a site does not, or the method is passed around or never called."""
        sites = self._call_sites(self.canonical(function))
        if not sites:
            return frozenset()
        return frozenset.intersection(*(site.evaluating for site in sites))

    def result_may_be_trained(self, function: str) -> bool:
        """Does some call site keep the function's result, with grad on, outside evaluation code
        (so that its caller may backpropagate through it)?"""
        sites = self._call_sites(self.canonical(function)) or ()
        modes = self._function_modes
        return any(site.kept and not site.evaluating and not self._site_mode(function, site, modes).grad_off
                   for site in sites)

    def callers(self, function: str) -> list[str | None] | None:
        """The enclosing function (None: module level) of every call site that may run `function`;
        None when it is passed around as a value or never called."""
        sites = self._call_sites(self.canonical(function))
        return None if sites is None else [site.enclosing for site in sites]

    def local_callers(self, function: str, module: str) -> list[str] | None:
        """`callers`, when every one of them is a function of `module` (none at module level);
        None otherwise. The question a file asks to follow a function called from it alone: its
        answer is the same from the file's own index and the project's unless another file calls."""
        callers = self.callers(function)
        prefix = module + "."
        if not callers or any(c is None or not c.startswith(prefix) for c in callers):
            return None
        return callers

    # -- setup code ------------------------------------------------------------------

    def setup_only(self, function: str) -> bool:
        """Is every call and every reference of the function in setup code (`__init__`,
        `reset_parameters`, `load_*`, ... or a function that is itself run only by setup code)?
        Uses in test code do not count against it: tests exercise setup code too."""
        return self.canonical(function) in self._setup_only

    def _uses(self, name: str) -> list[str | None]:
        """The enclosing function of every call and every reference that may run `name`."""
        bare = name.rpartition(".")[2]
        is_method = name in self._methods.get(bare, ())
        found = [site.enclosing for site in self._sites_by_callee.get(name, ())]
        found += self._references_by_callee.get(name, [])
        if is_method:
            found += [site.enclosing for site in self._sites_by_callee.get(MAYBE + bare, ())]
            found += self._references_by_callee.get(MAYBE + bare, [])
        return found

    @cached_property
    def _references_by_callee(self) -> dict[str, list[str | None]]:
        found: dict[str, list[str | None]] = {}
        for key, enclosing in self._references.items():
            found.setdefault(key if key.startswith(MAYBE) else self._callee(key), []).extend(enclosing)
        return found

    @cached_property
    def _setup_only(self) -> set[str]:
        """A worklist, like the grad modes: a function joins once all its users are setup code.
        A user is setup or test code by its name, or by having joined; a function used at module
        level or by itself never joins. Each function counts the users it still waits for."""
        by_name: dict[str, bool] = {}

        def named_setup(user: str) -> bool:
            found = by_name.get(user)
            if found is None:
                found = by_name[user] = setup_name(user.rpartition(".")[2]) or test_function_name(user)
            return found

        waiting: dict[str, int] = {}
        dependents: dict[str, list[str]] = {}
        ready: list[str] = []
        for name in self.defined:
            found = self._uses(name)
            if not found or None in found:
                continue
            users = {self.canonical(u) for u in found}
            if name in users:
                continue
            others = [u for u in users if not named_setup(u)]
            waiting[name] = len(others)
            for user in others:
                dependents.setdefault(user, []).append(name)
            if not others:
                ready.append(name)
        setup: set[str] = set()
        while ready:
            name = ready.pop()
            setup.add(name)
            for dependent in dependents.get(name, ()):
                waiting[dependent] -= 1
                if waiting[dependent] == 0:
                    ready.append(dependent)
        return setup

    # -- argument effects (analysis/argument_effects.py) ---------------------------------

    def reader_guards(self, function: str) -> dict[str, int] | None:
        """None unless calling the function only reads what it is given (no in-place update, no
        store, no call of anything that might do more; its project callees read only, too); then
        the arguments a call must leave out for that to hold (argument_effects: `logger=None`)."""
        name = self.canonical(function)
        return self._reader_guards.get(name, {}) if name in self._readers_closed else None

    @cached_property
    def _readers_closed(self) -> frozenset[str]:
        """The readers whose project callees are all readers without guards (what a caller passes
        on is not matched to them), to a fixpoint (recursion stays in)."""
        callees = {name: [self.canonical(c) for c in found] for name, found in self._readers.items()}
        readers = set(callees)
        changed = True
        while changed:
            changed = False
            for name in list(readers):
                if any(c not in readers or c in self._reader_guards for c in callees[name]):
                    readers.discard(name)
                    changed = True
        return frozenset(readers)

    # -- training state (GL5: analysis/training_state.py) ----------------------------------

    @cached_property
    def _training_state(self) -> training_state.TrainingStateIndex:
        return training_state.TrainingStateIndex(
            self._training_states, self._instance_callee, lambda method: self._methods.get(method, ()), self.canonical)

    def leaves_in_eval(self, key: str, slot, rest: str = "") -> bool:
        """Does a call leave the module passed in `slot` (a position, a keyword or "self"; `rest`: a
        submodule path below it) in eval mode on every path?"""
        return self._training_state.leaves_in_eval(key, slot, rest)

    def may_set_mode(self, key: str, which: str = "any", handing_out: bool = True) -> bool | None:
        """May a call put a module in eval or train mode ('train': in train mode)? None when out of view.
        With `handing_out` False, only its own mode calls count (not modules it hands to code out of view)."""
        return self._training_state.may_set_mode(key, which, handing_out)

    def may_clear_gradients(self, key: str) -> bool | None:
        """Does a call (or a project function it calls) clear gradients? None when out of view."""
        return self._training_state.may_clear_gradients(key)

    def mode_sensitive(self, cls: str) -> bool | None:
        """Has the class a Dropout/BatchNorm-like layer (True), visibly none (False), or out of view (None)?"""
        return self._training_state.mode_sensitive(cls)

    def wrapper_mode(self, key: str) -> str | None:
        """The grad mode a project wrapper sets: `call:q` for `q()`, `bare:q` for `q`."""
        kind, _, name = key.partition(":")
        found = self._wrappers.get(f"{kind}:{self.canonical(name)}")
        return GradMode(found) if found else None

    # -- classes and modules -----------------------------------------------------------

    def _subclasses(self, is_root) -> frozenset[str]:
        found: set[str] = set()
        labels = {name: {self.canonical(label) for label in labels} | labels for name, labels in self._bases.items()}
        changed = True
        while changed:
            changed = False
            for name, bases in labels.items():
                if name not in found and any(is_root(b) or b in found for b in bases):
                    found.add(name)
                    changed = True
        return frozenset(found)

    @cached_property
    def plain_classes(self) -> frozenset[str]:
        """Project classes that are no module, optimizer or other framework object: every base up
        the hierarchy is `object` or another such class of the project (`class Task:`). Their
        `forward` and `backward` methods are their own, not a module's."""
        found: set[str] = set()
        changed = True
        while changed:
            changed = False
            for name, labels in self._bases.items():
                if name not in found and all(label in PLAIN_BASES or self.canonical(label) in found for label in labels):
                    found.add(name)
                    changed = True
        return frozenset(found)

    def subclasses_of(self, base: str) -> frozenset[str]:
        """The project classes derived, at any depth, from base (a framework's class or a project
        one), each base worked out once."""
        if base not in self._subclasses_of:
            self._subclasses_of[base] = self._subclasses(lambda label: label == base)
        return self._subclasses_of[base]

    def uses_torch(self, module: str) -> bool:
        """Does the module use torch, itself or through project modules it imports (transitively)?"""
        if module not in self._torch_users:
            seen, pending = {module}, [module]
            while pending:
                current = pending.pop()
                if current in self._torch_modules or self._torch_users.get(current):
                    break
                for target in self._imports.get(current, ()):
                    imported = self._module_of(target)
                    if imported is not None and imported not in seen:
                        seen.add(imported)
                        pending.append(imported)
            else:
                self._torch_users[module] = False
                return False
            self._torch_users[module] = True
        return self._torch_users[module]

    def _module_of(self, target: str) -> str | None:
        """The project module an import target names or is in (`pkg.utils.f` -> `pkg.utils`)."""
        parts = target.split(".")
        for cut in range(len(parts), 0, -1):
            prefix = ".".join(parts[:cut])
            if prefix in self._imports:
                return prefix
        return None
