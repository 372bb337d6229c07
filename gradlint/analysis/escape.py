"""Could a `no_grad` region become `inference_mode`? Where its values go (GL401).

`unsafe_reason(facts, region)` returns why switching the region to
inference_mode is not proven safe, or None when it is: nothing made inside
(INSIDE, see `values`) escapes (return, yield, stores on attributes, subscripts
or globals, arguments of methods of outside objects, hooks, later uses other
than Python-value conversions or printing), nothing creates modules, parameters
or optimizers, nothing re-enables autograd, and nothing updates an OUTSIDE
tensor in place.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass
from typing import Iterator

from gradlint.analysis.argument_effects import passes_guarded
from gradlint.analysis.call_keys import call_key
from gradlint.analysis.training import container_call, result_discarded, result_only_probed
from gradlint.analysis.inplace import inplace_receiver, is_inplace_method
from gradlint.analysis.tree import FUNCTION_TYPES, LOOP_TYPES, assigned_names, is_false, is_true, keyword
from gradlint.analysis.bindings import root_name
from gradlint.analysis.values import INSIDE, OUTSIDE, ValueFlags, is_string, region_nodes
from gradlint.analysis.vocabulary import (
    ARGUMENT_READING_METHODS,
    ARITHMETIC_BUILTINS,
    COMPUTING_METHODS,
    CONCATENATING_FUNCTIONS,
    BACKWARD_METHODS,
    CONTAINER_MUTATORS,
    FORWARD_LIKE_METHODS,
    GRAD_NEEDING_FUNCTIONS,
    GRAD_NEEDING_METHODS,
    ITERATION_WRAPPERS,
    ITERATOR_BUILTINS,
    LOGGING_METHODS,
    MODEL_FACTORIES,
    MODULE_REWRITING_FUNCTIONS,
    MODULE_SETUP_METHODS,
    MODULE_STATE_METHODS,
    NON_DIFFERENTIABLE_METHODS,
    NON_TENSOR_ATTRIBUTES,
    NOT_NO_GRAD_CONTEXTS,
    OPERATOR_NAMESPACE,
    OPERAND_READING_METHODS,
    PASSING_BUILTINS,
    PYTHON_BUILTINS,
    PYTHON_VALUE_METHODS,
    TRACING_FUNCTIONS,
    TENSOR_OP_METHODS,
    TORCH_ROOTS,
    VIEW_ATTRIBUTES,
    is_tensor_op,
    torch_not_op,
)


@dataclass(frozen=True)
class Region:
    """A `no_grad`/`inference_mode` region: a `with` item's body or a decorated function's body."""

    anchor: ast.expr  # the with item's context expression, or the decorator
    body: list[ast.stmt]
    scope: ast.AST  # the function (or module) whose names the body binds
    with_node: ast.With | None = None
    function: ast.AST | None = None


def grad_regions(facts, qualified: str) -> Iterator[Region]:
    """Every `with` item and decorator that calls (or, as a decorator, names) `qualified`."""
    for with_node in facts.tree.withs:
        if not isinstance(with_node, ast.With):
            continue
        for item in with_node.items:
            expr = item.context_expr
            if isinstance(expr, ast.Call) and facts.imports.qualname(expr.func) == qualified:
                yield Region(expr, with_node.body, facts.tree.scope_of(with_node), with_node=with_node)
    for function in facts.tree.functions:
        if not isinstance(function, ast.FunctionDef):
            continue  # a coroutine leaves the decorator's mode at its first await
        for decorator in function.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if facts.imports.qualname(target) == qualified:
                yield Region(decorator, function.body, function, function=function)


# -- bindings ------------------------------------------------------------------


def unsafe_reason(facts, region: Region) -> str | None:
    """Why switching this region to inference_mode is not proven safe; None when it is."""
    if region.with_node is not None and _in_class_body(facts, region.with_node):
        return "names bound in a class body are class attributes"
    checker = _RegionCheck(facts, region.body, region.scope, returns_escape=True)
    reason = checker.reason()
    if reason is None and region.with_node is not None:
        reason = _items_entered_inside(facts, region, checker)
    if reason is None and region.with_node is not None:
        reason = _later_uses(facts, region, checker.flags)
    if reason is None and checker.has_forward and facts.caching_module_classes:
        reason = f"`{facts.caching_module_classes[0]}` of this file keeps tensors it computes (a cache)"
    if reason is None and not checker.computes():
        reason = "runs no tensor op: nothing to gain"
    return reason


def inference_mode_proven(facts, function: ast.AST) -> bool:
    """Would `@torch.inference_mode()` on this function be as safe as `@torch.no_grad()` (GL401's
    proof, for a function that has no grad-mode decorator yet)? Never for torch before 1.9."""
    version = getattr(facts.settings, "torch_version", None)
    if version is not None and tuple(version) < (1, 9):
        return False
    if not isinstance(function, ast.FunctionDef):
        return False  # a coroutine leaves the decorator's mode at its first await
    return unsafe_reason(facts, Region(function, function.body, function, function=function)) is None


def calls_unseen_code(facts, function: ast.AST) -> bool:
    """Does function call, or enter as a context manager, an object the analysis cannot name (a
    callable handed in, or one made from it: an attribution's `attributor(x, target)`), other
    than a module forward or a builtin? Such code may compute gradients, so turning grad off for
    the whole function would turn it off there too."""
    if any(_unnamed(facts, call.func, function) and not facts.modules.is_forward(call)
           for call in facts.tree.calls_owned(function)):
        return True
    return any(_unnamed(facts, item.context_expr, function) for block in facts.tree.nodes(ast.With, ast.AsyncWith)
               if facts.tree.function_of(block) is function for item in block.items)


def _unnamed(facts, expr: ast.AST, scope: ast.AST) -> bool:
    """Is expr a name the analysis cannot resolve (a parameter, a local made from one): not a
    builtin, not torch's, not a project function or class?"""
    if not isinstance(expr, ast.Name) or hasattr(builtins, expr.id):
        return False
    name = facts.imports.qualname(expr)
    if name is not None and name.split(".")[0] in TORCH_ROOTS:
        return False
    return facts.symbols.resolve(expr, scope) is None


def _python_operator(node: ast.AST) -> bool:
    """`not x`, `x is None`, `k in d`: Python gives a bool, whatever x is (no tensor op)."""
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, ast.Not)
    return isinstance(node, ast.Compare) and all(isinstance(op, (ast.Is, ast.IsNot, ast.In, ast.NotIn)) for op in node.ops)


def _raised_flags(flags, exc: ast.AST | None) -> int:
    """What a raised exception holds: `raise Error(...)` builds no tensor, it keeps its arguments."""
    if isinstance(exc, ast.Call):
        return flags._arguments(exc)
    return flags.of(exc)


def _in_class_body(facts, node: ast.AST) -> bool:
    for ancestor in facts.tree.ancestors(node):
        if isinstance(ancestor, ast.ClassDef):
            return True
        if isinstance(ancestor, (*FUNCTION_TYPES, ast.Lambda)):
            return False
    return False


class _RegionCheck:
    """One pass over a region's nodes (or a called function's body)."""

    def __init__(self, facts, body: list[ast.stmt], scope: ast.AST, returns_escape: bool, depth: int = 0, visiting=None,
                 path: tuple = ()):
        self.facts = facts
        self.body = body
        self.scope = scope
        self.returns_escape = returns_escape
        self.depth = depth
        self.visiting = visiting if visiting is not None else set()  # callees this region's check has looked at
        self.path = path  # the called functions being checked around this one (a cycle stops there)
        self.incomplete = False  # a callee was left out for a cycle: the answer holds for this path only
        self.nodes = region_nodes(body)
        self.flags = ValueFlags(facts, scope, self.nodes)
        self.has_forward = False
        self.callees: dict[ast.AST, _RegionCheck] = {}  # `_inner`

    def _walk(self) -> Iterator[ast.AST]:
        for stmt in self.body:
            yield from self.facts.tree.walk(stmt)

    def reason(self) -> str | None:
        has_forward = False
        for node in self._walk():
            found = self._node(node)
            if found:
                return found
            if not isinstance(node, ast.Call):
                continue
            forward = self.facts.modules.is_forward(node)
            has_forward = has_forward or forward
            # an "init nets" or shape-probing forward (or a call of an object the analysis cannot
            # name, whose output only gives a shape): lazy modules create their parameters on the first
            # call, and made under inference_mode they would be inference tensors that never get a
            # gradient (measured: the optimizer then silently skips them)
            if forward and result_discarded(self.facts, node) or (
                    self.facts.modules.may_be_lazy(node) if forward else self._opaque(node)) and result_only_probed(self.facts, node):
                return "a forward run for its side effects or its output's shape (a lazy module creates its parameters on its first call)"
        if has_forward and _registers_forward_hooks(self.facts):
            return "a forward hook of this file may capture the activations"
        self.has_forward = has_forward
        return None

    def _opaque(self, call: ast.Call) -> bool:
        """A call of an object the analysis cannot name (not torch's, not a project function's)."""
        return _unnamed(self.facts, call.func, self.scope)

    def computes(self, seen: frozenset = frozenset()) -> bool:
        """Does the region run any tensor op, itself or in the functions of this file it calls?
        Blocks that only move references (or clear Python containers) gain nothing."""
        for node in self._walk():
            if isinstance(node, (ast.BinOp, ast.Compare, ast.UnaryOp)) and not _python_operator(node) and any(
                    self.flags.of(child) for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr)):
                return True
            if not isinstance(node, ast.Call):
                continue
            qualified = self.facts.imports.qualname(node.func)
            if qualified is not None:
                if qualified.startswith("torch.") and not torch_not_op(qualified):
                    return True
            elif self.facts.modules.is_forward(node) or self.facts.modules.is_loss_call(node):
                return True
            elif callees := self._callee_functions(node):
                if self._callees_compute(callees, seen):
                    return True
            # (formatting a tensor into a message, `msg.format(loss)`, is no tensor op worth a mode)
            elif isinstance(node.func, ast.Attribute) and (node.func.attr in TENSOR_OP_METHODS or node.func.attr in OPERAND_READING_METHODS):
                return True
        return False

    def _callees_compute(self, callees: list[ast.AST], seen: frozenset) -> bool:
        for function in callees:
            if function in seen:
                continue
            if self.depth >= 3 or isinstance(function, ast.AsyncFunctionDef):
                return True  # not followed further: taken to compute
            if self._inner(function).computes(seen | {function}):
                return True
        return False

    def _inner(self, function: ast.AST) -> "_RegionCheck":
        """The check of a function this region calls, made once for `reason` and `computes`."""
        inner = self.callees.get(function)
        if inner is None:
            inner = self.callees[function] = _RegionCheck(self.facts, function.body, function, returns_escape=False,
                                                          depth=self.depth + 1, visiting=self.visiting,
                                                          path=(*self.path, function))
        return inner

    def _node(self, node: ast.AST) -> str | None:
        flags = self.flags
        if isinstance(node, (*FUNCTION_TYPES, ast.ClassDef)):
            return "a function or class defined inside may keep values"
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            return "stores to a global"
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            if isinstance(node, ast.YieldFrom) or flags.of(node.value) & INSIDE:
                return "yields a tensor"
        if isinstance(node, ast.Return) and self.returns_escape and flags.of(node.value) & INSIDE:
            return "returns a tensor made inside"
        if isinstance(node, ast.Raise) and _raised_flags(flags, node.exc) & INSIDE:
            return "raises an exception holding a tensor made inside"
        if isinstance(node, ast.AugAssign):
            return self._augmented(node)
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                found = self._store(target, node.value)
                if found:
                    return found
        if isinstance(node, ast.Call):
            return self._call(node)
        return None

    def _augmented(self, node: ast.AugAssign) -> str | None:
        target = node.target
        if isinstance(target, ast.Name):
            target_flags = self.flags.name(target)
            if target.id in self.flags.bindings.declared_outer:
                return "updates a global"
            if not (self.flags.of(node.value) == 0 and target_flags == 0) and target_flags & OUTSIDE:
                return f"updates `{target.id}` (made outside) in place"
            return None
        if not self.flags.of(target.value) & OUTSIDE:
            return None  # `loss[mask] *= w`, `counts[i] += 1`: editing a tensor or container made inside
        if isinstance(target, ast.Subscript) and (
                self.flags.of(node.value) == 0 and self._python_container(target) or is_string(node.value)):
            return None  # `stats["steps"] += 1`, `history[i] += str(k)`: no tensor's element
        return f"updates `{self.facts.text(target)}` in place"

    def _store(self, target: ast.AST, value: ast.AST | None) -> str | None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                found = self._store(element, value)
                if found:
                    return found
            return None
        if isinstance(target, ast.Starred):
            return self._store(target.value, value)
        if isinstance(target, ast.Name):
            if target.id in self.flags.bindings.declared_outer and self.flags.of(value):
                return f"stores into the global `{target.id}`"
            return None
        if isinstance(target, ast.Attribute) and target.attr == "requires_grad" and not is_false(value):
            return "sets requires_grad"
        base_flags = self.flags.of(target.value)
        if not base_flags & OUTSIDE:
            return None  # filling a container or tensor made inside
        value_flags = self.flags.of(value)
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in ITERATOR_BUILTINS \
                and not self.flags.is_local(value.func.id):
            # `self._it = iter(collector)`: later calls advance it, and what its source keeps is not in view
            return f"stores an iterator into `{self.facts.text(target)}`"
        if isinstance(target, ast.Attribute) and not value_flags & INSIDE and (value_flags == 0 or target.attr not in ("data", "grad")):
            return None  # `self.best = acc.item()`: rebinding an attribute to a Python value or an outside object
        if isinstance(target, ast.Subscript) and value_flags == 0 and base_flags == OUTSIDE and self._python_container(target):
            return None
        if isinstance(target, ast.Subscript) and self._made_in_region(target.value):
            return None  # `inputs["labels"] = y` into a dict built here: where the dict goes is checked
        return f"stores into `{self.facts.text(target)}`"

    def _python_container(self, item: ast.Subscript) -> bool:
        """Is the container of `container[key]` no tensor: a dict or list literal of this scope
        (`results[k] = acc.item()`), or indexed by a string (`meta["grad_norm"]`: tensors take none)?"""
        key = item.slice
        if isinstance(key, ast.JoinedStr) or isinstance(key, ast.Constant) and isinstance(key.value, str):
            return True
        return self._literal_container(item.value, in_region=False)

    def _made_in_region(self, base: ast.AST) -> bool:
        """Is base a dict or list this region builds (every binding of it a literal, a
        comprehension or a container call inside the region)?"""
        return self._literal_container(base, in_region=True)

    def _literal_container(self, base: ast.AST, in_region: bool) -> bool:
        if not isinstance(base, ast.Name):
            return False
        bindings = self.flags.bindings.names.get(base.id, [])
        made = [b for b in bindings if b.kind == "value"]
        return bool(made) and all(
            (isinstance(b.value, (ast.Dict, ast.List, ast.DictComp, ast.ListComp)) or container_call(b.value))
            and (not in_region or self.flags.in_region(b.node)) for b in made) and not any(
            b.kind in ("opaque", "iter", "aug") for b in bindings)

    def _call(self, call: ast.Call) -> str | None:
        facts, flags = self.facts, self.flags
        func = call.func
        qualified = facts.imports.qualname(func)
        method = func.attr if isinstance(func, ast.Attribute) else None
        if qualified is not None:
            found = self._torch_call(call, qualified)
            if found:
                return found
        elif method in GRAD_NEEDING_METHODS:
            return f"calls `.{method}()`"
        elif isinstance(func, ast.Name) and func.id in BACKWARD_METHODS:
            return "runs a backward"
        if is_true(keyword(call, "requires_grad")) or keyword(call, "create_graph") is not None:
            return "makes a tensor that requires grad"
        out = keyword(call, "out")
        if out is not None and flags.of(out) & OUTSIDE:
            return "writes into an outside tensor (`out=`)"
        if method is not None and is_inplace_method(method):
            receiver = inplace_receiver(call)
            if receiver is not None and flags.of(receiver) & OUTSIDE:
                return f"updates `{facts.text(receiver)}` (made outside) in place"
            return None
        if method in MODULE_STATE_METHODS and flags.of(func.value) & OUTSIDE:
            return f"calls `.{method}()` on an outside object"
        if isinstance(func, ast.Name) and func.id == "setattr":
            return "sets an attribute"
        if self._creates_module(call, qualified):
            return "creates a module, parameter or optimizer"
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self" \
                and None in facts.self_call_definitions(call):
            # an override in another file's subclass (an abstract `update_mask` whose subclasses
            # rewrite the masks through `.data`): code out of view that may update self's tensors
            return f"`self.{func.attr}()` may run an override another file defines"
        callee_reason = self._local_callee(call)
        if callee_reason:
            return callee_reason
        if method is not None and qualified is None and flags.of(func.value) & OUTSIDE and self._caches_tensors(call):
            # `verbalizer.optimize_to_initialize()` keeping `self.ids = torch.vstack(...)`: under inference_mode
            # an inference tensor, which a later training forward may save for backward (an index)
            return f"calls `{facts.text(func)}`, a project method that keeps a tensor it makes on its object"
        if method is not None and qualified is None:
            if method in ITERATION_WRAPPERS and (facts.imports.resolve(func) or "").partition(".")[0] == "tqdm":
                return None  # `tqdm.tqdm(loader)`, `tqdm.auto.tqdm(loader)`: the progress bar iterates, as `tqdm(loader)` does
            return None if self._project_reader(call) else self._hands_out(call, method)
        if isinstance(func, ast.Name) and qualified is None:
            return self._unseen_function(call, func.id)
        if not isinstance(func, (ast.Name, ast.Attribute)):
            # `objectives[name](dist, logits, y)`, `make_fn()(x)`: a callable the analysis cannot resolve
            for argument in [*call.args, *(k.value for k in call.keywords)]:
                if flags.of(argument) & OUTSIDE:
                    return f"passes `{facts.text(argument)}` (made outside) to `{facts.text(func)}`, which the analysis cannot resolve"
        return None

    def _caches_tensors(self, call: ast.Call) -> bool:
        """May `obj.m()` keep a tensor it makes on obj (`ProjectIndex.caches_tensors`)? `self.x.m()`
        asks about the class `self.x` is built from when the analysis knows it (`Mean.update`
        keeps floats), by the method's name only when it does not."""
        facts = self.facts
        built = facts.attribute_path_class(call.func.value)
        if built is not None:
            return facts.index.caches_tensors(f"{built}.{call.func.attr}")
        key = call_key(facts.tree, facts.symbols, call)
        return key is not None and facts.index.caches_tensors(key)

    def _unseen_function(self, call: ast.Call, name: str) -> str | None:
        """A function this file does not define, given outside tensors or modules, may update or train them."""
        flags = self.flags
        if name in PYTHON_BUILTINS or name in ARITHMETIC_BUILTINS or name in PASSING_BUILTINS or name in ITERATION_WRAPPERS:
            if not flags.is_local(name):
                return None
        if self.facts.modules.is_forward(call) or self.facts.modules.is_loss_call(call) or self._callee_functions(call):
            return None
        if self._project_reader(call):
            return None
        for argument in [*call.args, *(k.value for k in call.keywords)]:
            if flags.of(argument) & OUTSIDE:
                return f"passes `{self.facts.text(argument)}` (made outside) to `{name}`, which this file does not show"
        return None

    def _project_reader(self, call: ast.Call) -> bool:
        """Is call another file's function (`helper(x)`, `utils.helper(x)`) that only reads what
        this call gives it?"""
        qualified = self.facts.symbols.resolve(call.func, self.scope)
        guards = self.facts.index.reader_guards(qualified) if qualified is not None else None
        return guards is not None and not passes_guarded(call, guards)

    def _torch_call(self, call: ast.Call, qualified: str) -> str | None:
        last = qualified.split(".")[-1]
        if qualified.startswith(GRAD_NEEDING_FUNCTIONS):
            return f"calls `{qualified}`"
        if qualified.startswith(OPERATOR_NAMESPACE):
            return f"calls the registered operator `{qualified}`, which may write into its arguments"
        if qualified.startswith(TRACING_FUNCTIONS):
            return f"traces with `{qualified}`, which runs the module in code the analysis does not see"
        if qualified == "torch.set_grad_enabled" and not (call.args and is_false(call.args[0])):
            return "may re-enable grad (`set_grad_enabled`)"
        if qualified == "torch.inference_mode" and call.args and not is_true(call.args[0]):
            return "leaves inference mode"
        if qualified.startswith("torch.distributed."):
            return f"calls `{qualified}` (collectives write into their tensors)"
        if qualified.startswith(MODULE_REWRITING_FUNCTIONS):
            return f"calls `{qualified}`, which rewrites a module's parameters in place"
        if last.endswith("_") and not last.endswith("__") and call.args and self.flags.of(call.args[0]) & OUTSIDE:
            return f"updates `{self.facts.text(call.args[0])}` (made outside) in place"
        return None

    def _creates_module(self, call: ast.Call, qualified: str | None) -> bool:
        if qualified is not None:
            last = qualified.split(".")[-1]
            if qualified.startswith("torch.nn.") and last[:1].isupper():
                return True
            # optimizers, model factories and anything from transformers (pipelines and models hold modules)
            return bool(MODEL_FACTORIES.match(qualified)) or qualified.startswith(("torch.optim.", "transformers.")) or qualified == "copy.deepcopy" or last == "from_pretrained"
        func = call.func
        if isinstance(func, ast.Name):
            if self.facts.names_module_class(func):
                return True
            return any(c.name == func.id and self.facts.modules.is_module_class(c) for c in self.facts.tree.classes)
        return isinstance(func, ast.Attribute) and func.attr == "from_pretrained"

    def _hands_out(self, call: ast.Call, method: str) -> str | None:
        """A method of an outside object that receives a tensor or module may keep it or update it in place."""
        facts, flags = self.facts, self.flags
        receiver = call.func.value
        if not flags.of(receiver) & OUTSIDE:
            return None
        if not flags._arguments(call):
            return None  # nothing but Python values given
        if method in ARGUMENT_READING_METHODS or facts.modules.is_forward(call) or facts.modules.is_loss_call(call):
            return None
        if method in LOGGING_METHODS and not flags._arguments(call) & INSIDE:
            return None  # `writer.add_scalar("loss", loss, step)`: displays what was made before the block
        if flags.numeric_call(call.func):
            return None
        if method in FORWARD_LIKE_METHODS and facts.modules.kind_of(receiver) == "module":
            return None
        if self._callee_functions(call):
            return None  # a method of this class: checked as a callee
        if method in CONTAINER_MUTATORS and self._made_in_region(receiver):
            return None  # filling a list or dict built here (`batch.append(x)`): where it goes is its own later use
        return f"passes a tensor or module to `{facts.text(call.func)}`, which may keep or update it"

    def _callee_functions(self, call: ast.Call) -> list[ast.AST]:
        """Functions of this file the call may run: `helper(...)` or `self.method(...)`."""
        func = call.func
        tree = self.facts.tree
        if isinstance(func, ast.Name):
            if self.flags.is_local(func.id) and not any(b.kind == "opaque" and isinstance(b.node, FUNCTION_TYPES) for b in self.flags.bindings.names[func.id]):
                return []  # a local variable, not a function of the file
            return [f for f in tree.functions if f.name == func.id and isinstance(tree.parent(f), ast.Module)] + [
                f for f in tree.functions if f.name == func.id and tree.parent(f) is self.scope]
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
            cls = tree.class_of(call)
            if cls is not None:
                own = [f for f in cls.body if isinstance(f, FUNCTION_TYPES) and f.name == func.attr]
                # every definition `self.m()` may run: overrides in this file's subclasses too
                # (an abstract `update_stats` whose subclasses update buffers in place)
                overrides = self.facts.self_call_definitions(call)
                return own + [f for f in overrides if isinstance(f, FUNCTION_TYPES) and f not in own]
        return []

    def _local_callee(self, call: ast.Call) -> str | None:
        for function in self._callee_functions(call):
            if function in self.path:
                self.incomplete = True  # recursion: judged where the cycle started
                continue
            if function in self.visiting:
                continue
            if self.depth >= 3:
                return f"calls `{function.name}` (too deep to check)"
            if isinstance(function, ast.AsyncFunctionDef):
                return f"calls the coroutine `{function.name}`"
            for decorator in function.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                name = self.facts.imports.qualname(target)
                if name in NOT_NO_GRAD_CONTEXTS:
                    return f"calls `{function.name}`, decorated with `{name}`"
            found = self._callee_reason(function)
            if found:
                return f"calls `{function.name}`, which {found}"
        return None

    def _callee_reason(self, function: ast.AST) -> str | None:
        """`reason()` of a called function, kept per file and depth for every region that calls it
        (a solver module's two dozen no_grad helpers calling each other) unless a cycle cut it short."""
        key = (function, self.depth + 1)
        memo = self.facts.callee_reasons
        if key in memo:
            return memo[key]
        self.visiting.add(function)
        inner = self._inner(function)
        found = inner.reason()
        if found is not None or not inner.incomplete:
            memo[key] = found
        else:
            self.incomplete = True
        return found


def find_caching_module_classes(facts) -> list[str]:
    """Module classes of this file whose forward, or a method of theirs it calls (`self.m(...)`,
    transitively), stores non-Python values on `self`.

    A forward of such a module under inference_mode may cache inference tensors
    (attention-bias or rotary caches) that a later training forward saves for backward.
    What other methods store (`fit` keeping its conditioning input) happens only where they
    are called, and a region that calls them is checked through the call.
    """
    found = []
    for cls in facts.tree.classes:
        if not facts.modules.is_module_class(cls):
            continue
        methods = {m.name: m for m in cls.body if isinstance(m, FUNCTION_TYPES)}
        pending = [methods[name] for name in ("forward", "__call__") if name in methods]
        seen: set[ast.AST] = set()
        while pending:
            method = pending.pop()
            if method in seen or method.name in MODULE_SETUP_METHODS:
                continue
            seen.add(method)
            flags = ValueFlags(facts, method, region_nodes(method.body))
            if any(_stores_on_self(node, flags) for node in facts.tree.scope_nodes(method)):
                found.append(cls.name)
                break
            pending.extend(methods[call.func.attr] for call in facts.tree.calls_owned(method)
                           if isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name)
                           and call.func.value.id == "self" and call.func.attr in methods)
    return found


def _stores_on_self(node: ast.AST, flags: ValueFlags) -> bool:
    if isinstance(node, ast.Assign):
        targets, value = node.targets, node.value
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and node.value is not None:
        targets, value = [node.target], node.value
    else:
        return False
    if flags.of(value) == 0:
        return False
    return any(isinstance(t, (ast.Attribute, ast.Subscript)) and root_name(t) == "self" for t in targets)


def _registers_forward_hooks(facts) -> bool:
    from gradlint.analysis.training import registers_forward_hooks

    return registers_forward_hooks(facts)


# -- uses after a `with` block ----------------------------------------------------------


def _items_entered_inside(facts, region: Region, checker: "_RegionCheck") -> str | None:
    """The items after the no_grad one are entered and exited inside it: in `with torch.no_grad(),
    calibration_mode(model):` calibration_mode's `__enter__` and `__exit__` run under no_grad, and
    they are checked as calls of the body are (this one may update the model in place)."""
    items = region.with_node.items
    first = next((i for i, item in enumerate(items) if item.context_expr is region.anchor), len(items))
    for item in items[first + 1:]:
        for node in facts.tree.walk(item.context_expr):
            found = checker._node(node)
            if found:
                entered = item.context_expr
                label = f"{facts.text(entered.func)}(...)" if isinstance(entered, ast.Call) else facts.text(entered)
                return f"`{label}`, entered inside: {found}"
    return None


def _later_uses(facts, region: Region, flags: ValueFlags) -> str | None:
    """A tensor made inside and read after the block may only be converted to a Python value or printed."""
    with_node = region.with_node
    scope = region.scope
    made_inside = {  # the definitions of a tensor made inside
        key for key, bindings in flags.bindings.by_key.items()
        if any(flags.in_region(b.node) for b in bindings) and flags.key_flags(key) & INSIDE
    }
    names = {flags.bindings.name_of_key[key] for key in made_inside}
    if not made_inside:
        return None
    end = (with_node.end_lineno, with_node.end_col_offset)
    loops = [a for a in facts.tree.ancestors(with_node) if isinstance(a, LOOP_TYPES) and facts.tree.is_inside(a, scope) and a is not scope]
    own = facts.tree.scope_node_ids(scope)
    for node in facts.tree.names_within(scope if not isinstance(scope, ast.Module) else facts.module):
        if node.id not in names:
            continue
        augmented = isinstance(facts.tree.parent(node), ast.AugAssign)
        if not (isinstance(node.ctx, ast.Load) or augmented):
            continue  # a new binding: the value made inside is not read there
        if flags.in_region(node) or facts.comprehension_source(node) is not None:
            continue
        if id(node) in own and not flags.keys(node) & made_inside:
            continue  # it reads another definition of the name
        later = (node.lineno, node.col_offset) >= end
        in_loop = any(facts.tree.is_inside(node, loop) for loop in loops)
        nested = id(node) not in own  # read by a nested function, whenever it runs
        if (later or in_loop or nested) and (augmented or not is_python_use(facts, node, flags)):
            return f"`{node.id}` (a tensor made inside) is used after the block at line {node.lineno}"
    return None


def is_python_use(facts, name: ast.Name, flags: ValueFlags) -> bool:
    """The use converts the tensor to a Python value or prints it: `x.item()`, `int(x)`, `f"{x}"`, `print(x)`.

    On the way it may pass through views and methods whose other operands are Python
    values: with no tensor that requires grad among their inputs, those ops save nothing
    for backward. An op that computes a new tensor from it that way (`torch.softmax(scores,
    0)`, `x.argmax(1)`, `x * 100`) ends the question: outside inference mode its result is a
    normal tensor, free to go anywhere (a view or `.to()` is still the inference tensor).
    """
    node = name
    while True:
        parent = facts.tree.parent(node)
        if isinstance(parent, ast.Attribute) and parent.value is node:
            if parent.attr in NON_TENSOR_ATTRIBUTES:
                return True
            grand = facts.tree.parent(parent)
            if isinstance(grand, ast.Call) and grand.func is parent:
                if parent.attr in PYTHON_VALUE_METHODS:
                    return True
                if parent.attr.endswith("_") or parent.attr in GRAD_NEEDING_METHODS:
                    return False
                if flags._arguments(grand) == 0 and parent.attr in COMPUTING_METHODS:
                    return True
                if flags._arguments(grand) == 0 or parent.attr in NON_DIFFERENTIABLE_METHODS:
                    node = grand
                    continue
                return False
            if parent.attr in VIEW_ATTRIBUTES or parent.attr == "data":
                node = parent
                continue
            return False
        if isinstance(parent, ast.Subscript) and parent.value is node:
            node = parent
            continue
        if isinstance(parent, ast.BinOp) and flags.of(parent.right if parent.left is node else parent.left) == 0:
            return True  # `x * 100`: a new tensor
        if isinstance(parent, (ast.UnaryOp, ast.BoolOp)):
            node = parent  # (`a and b` is one of its operands: where it goes decides)
            continue
        if isinstance(parent, ast.Compare) and not any(isinstance(op, (ast.Is, ast.IsNot, ast.In, ast.NotIn)) for op in parent.ops):
            node = parent  # `kl > threshold`: a comparison saves nothing, whatever the other operand
            continue
        if isinstance(parent, ast.Call) and parent.args == [node] and isinstance(parent.func, ast.Attribute) \
                and parent.func.attr == "append" and isinstance(parent.func.value, ast.Name):
            return _joined_into_new_tensor(facts, parent.func.value)
        if isinstance(parent, ast.Call) and node in parent.args:
            qualified = facts.imports.qualname(parent.func)
            if qualified == "torch.tensor":
                return True  # copies the values into a new, normal tensor
            if qualified is not None and qualified.startswith("torch.") and qualified.split(".")[-1] in NON_DIFFERENTIABLE_METHODS:
                node = parent  # `torch.isfinite(gain)`
                continue
            if is_tensor_op(qualified) and not any(
                    flags.of(other) for other in [*parent.args, *(k.value for k in parent.keywords)] if other is not node):
                if qualified.split(".")[-1] in COMPUTING_METHODS:
                    return True  # `torch.softmax(scores, 0)`: a new tensor
                node = parent  # `torch.stack(norms).sum()`: with Python values only beside it, saves nothing
                continue
            return isinstance(parent.func, ast.Name) and parent.func.id in PYTHON_BUILTINS
        if isinstance(parent, ast.FormattedValue):
            return True
        if isinstance(parent, ast.comprehension) and parent.iter is node:
            return _elements_used_as_python(facts, parent, flags)
        if isinstance(parent, (ast.If, ast.While, ast.Assert, ast.IfExp)) and parent.test is node:
            return True  # its truth value
        if isinstance(parent, ast.Compare) and all(isinstance(op, (ast.Is, ast.IsNot)) for op in parent.ops):
            return True
        return False


def _joined_into_new_tensor(facts, listed: ast.Name) -> bool:
    """Is the list a tensor is appended to a local list (`batches = []`) whose only other uses are
    more appends, `len`, and being joined by `torch.cat`/`torch.stack`? Joining copies the
    elements into a new, normal tensor (made outside inference mode), and the list goes nowhere
    else."""
    scope = facts.tree.scope_of(listed)
    bindings = facts.bindings(scope).names.get(listed.id, ())
    if not bindings or not all(b.kind == "mutate" or (b.kind == "value" and isinstance(b.value, ast.List) and not b.value.elts)
                               for b in bindings):
        return False
    for use in facts.tree.names_within(scope):
        if use.id != listed.id or isinstance(use.ctx, ast.Store):
            continue
        if facts.tree.scope_of(use) is not scope:
            return False  # a nested function reads it
        parent = facts.tree.parent(use)
        if isinstance(parent, ast.Attribute) and parent.attr == "append" and isinstance(facts.tree.parent(parent), ast.Call):
            continue
        if isinstance(parent, ast.Call) and parent.args[:1] == [use] and (
                facts.imports.qualname(parent.func) in CONCATENATING_FUNCTIONS
                or isinstance(parent.func, ast.Name) and parent.func.id == "len"):
            continue
        return False
    return True


def _elements_used_as_python(facts, generator: ast.comprehension, flags: ValueFlags) -> bool:
    """Does a comprehension over a tensor or a dict of them (`{k: v.cpu().numpy() for k, v in
    outs.items()}`) only convert each element to a Python value? The keys of `.items()` are
    the dict's own, not the tensors."""
    iterable, target = generator.iter, generator.target
    if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute) and iterable.func.attr == "items":
        if not (isinstance(target, ast.Tuple) and len(target.elts) == 2):
            return False
        target = target.elts[1]
    names = {leaf.id for leaf in assigned_names(target) if isinstance(leaf, ast.Name)}
    if not names or any(not isinstance(leaf, ast.Name) for leaf in assigned_names(target)):
        return False
    comprehension = facts.tree.parent(generator)
    uses = [node for node in facts.tree.walk(comprehension) if isinstance(node, ast.Name) and node.id in names
            and isinstance(node.ctx, ast.Load)]
    return bool(uses) and all(is_python_use(facts, use, flags) for use in uses)

