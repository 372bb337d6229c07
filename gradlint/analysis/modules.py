"""Which calls are forwards: calls of module objects.

A name is a module when the code shows it: `.eval()`/`.train()`/`.to()`/`.cuda()`
and other Module-only methods are called on it, it is built from an `nn` layer
class, a Module subclass of the analysed files, a model factory or a wrapper
(DataParallel, DDP, torch.compile), it is annotated as one, or, for a function
parameter or attribute nobody assigns visibly, its name says so (`model`,
`encoder`, `target_net`, ...). `self(x)` in a Module subclass and
`x.forward(...)` are forwards too. The telling name is trusted for an attribute of
any object the code holds (`agent.cri_target`), never for a name from an import.
"""

from __future__ import annotations

import ast
import re
from functools import cached_property

from gradlint.analysis.bindings import holder_scope
from gradlint.analysis.names import dotted
from gradlint.analysis.tree import FUNCTION_TYPES
from gradlint.analysis.vocabulary import (
    LOSS_FUNCTIONS,
    LOSS_LAYERS,
    MODEL_FACTORIES,
    MODULE_API_METHODS,
    MODULE_SELF_RETURNING,
    MODULE_WRAPPERS,
    OPTIMIZER_NAME,
    PARAMETERLESS_LAYERS,
    PROPERTY_DECORATORS,
)

# a parameter or attribute named like this, called with tensors, is a module
MODULE_NAME = re.compile(
    r"^(?:[a-z0-9]+_)?(model|models|net|network|module|encoder|decoder|backbone|head|policy|critic|actor|teacher|student|"
    r"generator|discriminator|classifier|q_?net|q_?func|qf\d*|vf|value_?net|target|mlp|cnn|rnn|lstm|gru|transformer|"
    r"unet|vae|autoencoder|embedder|extractor|feature_extractor|predictor|regressor|ema|online|learner|G|D|netG|netD)"
    r"(?:_?\d+|_(?:ema|g|d|s|t|a|b|old|new|target|online|main|base|copy))?$"
)
# `assert_model_equals`, `get_model`, `build_encoder`: functions about modules, not modules
VERB_PREFIX = re.compile(r"^(get|set|make|build|create|load|save|assert|check|compute|update|init|reset|run|train|eval|test|to|from|is|has|apply|register|forward|predict|log|print|copy|freeze|unfreeze|"
                         r"prepare|wrap|unwrap|export|convert|merge|fuse|patch|setup|configure|enable|disable|prune|quantize|compile|add|remove|replace)_")
NOT_MODULE_NAME = re.compile(r"(loss|criterion|fn|func|metric|optimizer|opt|sched|scheduler|tokenizer|loader|hook|callback|transform)", re.I)
LOSS_NAME = re.compile(r"(loss|criterion|crit)", re.I)


def named_like_a_module(name: str) -> bool:
    """Does a name (a parameter's, an attribute's) tell a module: `model`, `actor_target`, `netG`?"""
    return bool(MODULE_NAME.match(name)) and not NOT_MODULE_NAME.search(name) and not VERB_PREFIX.match(name) \
        and name not in MODULE_API_METHODS


class ModuleFacts:
    def __init__(self, facts):
        self.facts = facts
        self.tree = facts.tree
        self.imports = facts.imports
        self._callees: dict[ast.Call, ast.AST | None] = {}  # what `callee` found, per call
        self._kinds: dict[ast.AST, str | None] = {}  # what `kind_of` found, per expression

    # -- classes ---------------------------------------------------------------

    def is_module_class(self, cls: ast.ClassDef) -> bool:
        if self.facts.symbols.qualname_of(cls) in self.facts.index.module_classes:
            return True
        for base in cls.bases:
            name = self.imports.qualname(base)
            if name and (name.startswith("torch.nn.") or name.startswith("lightning")):
                return True
        return False

    def _class_kind(self, func: ast.AST) -> str | None:
        """'module', 'parameterless' or 'loss' when func names a module class; else None."""
        name = self.imports.qualname(func)
        if name is not None:
            last = name.split(".")[-1]
            if name.startswith("torch.nn.") and last[:1].isupper() and name.count(".") == 2 or name.startswith("torch.nn.modules."):
                if LOSS_LAYERS.search(last):
                    return "loss"
                if PARAMETERLESS_LAYERS.match(last):
                    return "parameterless"
                if last in ("Parameter", "ParameterList", "ParameterDict", "Module"):
                    return None
                return "module"
            if MODEL_FACTORIES.match(name):
                return "module"
            return None
        if isinstance(func, (ast.Name, ast.Attribute)) and self.facts.names_module_class(func, self.tree.scope_of(func)):
            return "module"
        return None

    # -- evidence per name ---------------------------------------------------------

    @cached_property
    def _method_evidence(self) -> set[tuple[ast.AST, str]]:
        """(scope, dotted path) pairs on which a Module-only method is called."""
        found = set()
        for call in self.tree.calls:
            if isinstance(call.func, ast.Attribute) and call.func.attr in MODULE_API_METHODS:
                path = dotted(call.func.value)
                if path:
                    found.add((holder_scope(self.tree, call, path), path))
        return found

    def _assigned(self, scope: ast.AST, path: str) -> list[ast.AST]:
        """The values the file assigns to path in scope (`self.x`: in its class)."""
        return [b.value for b in self.facts.assignments.get((scope, path), ()) if b.kind == "value"]

    def _built_as_module(self, expr: ast.AST) -> bool:
        """`self.GAN.D_aug`: the class each attribute is built from, followed from the class of
        `self` (`self.GAN = StyleGAN2(...)`, whose `__init__` does `self.D_aug = AugWrapper(...)`),
        ends at a module class of the project or a torch layer."""
        name = self.facts.attribute_path_class(expr)
        return name is not None and (name in self.facts.index.module_classes or name.startswith("torch.nn.")
                                     and name.split(".")[-1][:1].isupper() and name != "torch.nn.Parameter")

    def _annotation(self, node: ast.AST, path: str) -> ast.AST | None:
        function = self.tree.function_of(node) if not isinstance(node, FUNCTION_TYPES) else node
        while function is not None:
            for arg in [*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs]:
                if arg.arg == path:
                    return arg.annotation if arg.annotation is not None else False
            function = self.tree.function_of(function)
        return None

    def kind_of(self, expr: ast.AST, depth: int = 0) -> str | None:
        """'module', 'loss', 'parameterless' or None (not known to be a module)."""
        if depth == 0:
            known = self._kinds
            if expr not in known:
                known[expr] = self._kind_of(expr, 0)
            return known[expr]
        return self._kind_of(expr, depth)

    def _kind_of(self, expr: ast.AST, depth: int) -> str | None:
        if depth > 5:
            return None
        if isinstance(expr, ast.Call):
            kind = self._class_kind(expr.func)
            if kind:
                return kind
            name = self.imports.qualname(expr.func)
            if name in MODULE_WRAPPERS and expr.args:
                return self.kind_of(expr.args[0], depth + 1)
            if isinstance(expr.func, ast.Attribute) and expr.func.attr in MODULE_SELF_RETURNING:
                return self.kind_of(expr.func.value, depth + 1)
            return None
        if isinstance(expr, ast.IfExp):
            # `G = self.G if not ddp else self.G_ddp`: the kind both arms agree on
            kinds = {self.kind_of(expr.body, depth + 1), self.kind_of(expr.orelse, depth + 1)}
            return kinds.pop() if len(kinds) == 1 else None
        path = dotted(expr) if isinstance(expr, (ast.Name, ast.Attribute)) else None
        if path is None:
            return None
        if path == "self":
            cls = self.tree.class_of(expr)
            return "module" if cls is not None and self.is_module_class(cls) else None
        scope_key = holder_scope(self.tree, expr, path)
        # scopes up the chain: a closure sees its function's names, functions see module-level names
        scopes = [scope_key]
        if not path.startswith("self."):
            scope = scope_key
            while not isinstance(scope, ast.Module):
                scope = self.tree.scope_of(scope)
                scopes.append(scope)
        visible = False  # does the file assign path visibly, in one of those scopes?
        for scope in scopes:
            values = self._assigned(scope, path)
            if values:
                visible = True
                kinds = {self.kind_of(v, depth + 1) for v in values}
                if "loss" in kinds:
                    return "loss"
                if "parameterless" in kinds and len(kinds) == 1:
                    return "parameterless"
                if "module" in kinds:
                    return "module"
            if (scope, path) in self._method_evidence and not OPTIMIZER_NAME.search(path.rpartition(".")[2]):
                # (an optimizer has zero_grad and state_dict too: `optimizer = optimizer_cls(params)`)
                return "module"
        if path.count(".") > 1 and path.startswith("self.") and self._built_as_module(expr):
            return "module"
        annotation = self._annotation(expr, path) if "." not in path else None
        if annotation:
            name = self.imports.qualname(annotation)
            if name and (name.startswith("torch.nn.") or name in ("lightning.LightningModule",)):
                kind = self._class_kind(annotation)
                return kind or ("module" if name == "torch.nn.Module" else None)
            if isinstance(annotation, (ast.Name, ast.Attribute)) and self.facts.names_module_class(annotation):
                return "module"
            return None
        # a parameter or an attribute the analysed code never assigns visibly: trust a telling name
        last = path.split(".")[-1]
        # (a parameter's name, or an attribute of an object the code holds: `self.actor`, `agent.cri_target`;
        # not an attribute of an imported module or class: `TensorDict.from_module`)
        held = annotation is False or ("." in path and self.imports.resolve(expr.value) is None
                                       and not OPTIMIZER_NAME.search(path.split(".")[-2]))  # not `optimizer.toggle_model`
        if not visible and held and named_like_a_module(last) and not self._own_method(expr, path):
            return "module"
        if not visible and (annotation is False) and LOSS_NAME.search(last):
            return "loss"
        return None

    def _own_method(self, expr: ast.AST, path: str) -> bool:
        """Is path `self.m` where m is a method of self's class or of a project base in this file,
        and no property (`self.fix_network(self.backbone)` calls a method; its name says nothing
        of a module; a `student` property aliasing the architecture is the module it names)?"""
        if path.count(".") != 1 or not path.startswith("self."):
            return False
        cls = self.tree.class_of(expr)
        name = self.facts.symbols.qualname_of(cls) if cls is not None else None
        targets = self.facts.index.self_call_targets(name, path[len("self."):]) if name is not None else None
        if not targets:
            return False
        definitions = [self.facts.symbols.definitions_by_name.get(target) for target in targets]
        return all(isinstance(d, FUNCTION_TYPES) and not any(
            isinstance(dec, ast.Name) and dec.id in PROPERTY_DECORATORS or isinstance(dec, ast.Attribute) and dec.attr in PROPERTY_DECORATORS
            for dec in d.decorator_list) for d in definitions)

    def may_be_lazy(self, call: ast.Call) -> bool:
        """Could this forward be the call on which a lazy module (`nn.LazyLinear`) creates its
        parameters? False only when the module is built in view, from torch.nn layers none of
        which is lazy (`net = nn.Sequential(nn.Conv2d(...), ...)` in the same function)."""
        callee = self.callee(call)
        path = dotted(callee) if callee is not None else None
        if path is None:
            return True
        values = self._assigned(holder_scope(self.tree, callee, path), path)
        if not values:
            return True
        for value in values:
            name = self.imports.qualname(value.func) if isinstance(value, ast.Call) else None
            if name is None or not name.startswith("torch.nn."):
                return True
            for node in ast.walk(value):
                if isinstance(node, (ast.Name, ast.Attribute)) and "Lazy" in (self.imports.qualname(node) or dotted(node) or ""):
                    return True
        return False

    # -- forwards ---------------------------------------------------------------

    def callee(self, call: ast.Call) -> ast.AST | None:
        """The module object a forward call runs, or None when call is not a forward."""
        known = self._callees
        if call not in known:
            known[call] = self._callee(call)
        return known[call]

    def _callee(self, call: ast.Call) -> ast.AST | None:
        func = call.func
        if self.facts.foreign_code(call):
            return None  # another framework's branch of a multi-backend library
        if isinstance(func, ast.Attribute) and func.attr == "forward" and not self._plain_self(func.value):
            return func.value
        if isinstance(func, ast.Attribute) and func.attr == "module" and self.kind_of(func.value) == "module":
            return func
        if self.kind_of(func) == "module":
            return func
        if isinstance(func, ast.Attribute) and func.attr not in MODULE_API_METHODS \
                and self.facts.index.runs_forward(func.attr) and self.kind_of(func.value) == "module":
            return func.value  # a method of the module that runs its forward (`agent.get_action(obs)`)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.attr not in MODULE_API_METHODS \
                and self._built_method_runs_forward(func.value, func.attr):
            return func.value  # `model = SDNE(...)`, then `model.get_emb(A)`, whose method runs `self.encode0(...)`
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self" \
                and func.attr not in MODULE_API_METHODS and self._self_method_runs_forward(call):
            return func.value  # `self.get_logits(x)` of an object whose method runs `self.model(x)`
        return None

    def _built_method_runs_forward(self, receiver: ast.Name, method: str) -> bool:
        """Does `receiver.method(...)` run a forward, receiver built from a project class whose
        `method` (looked up its bases) runs one (`ProjectIndex.method_runs_forward`)?"""
        cls = self.facts.constructed_class(receiver)
        return cls is not None and self.facts.index.method_runs_forward(cls, method)

    def _plain_self(self, expr: ast.AST) -> bool:
        """Is expr the `self` of a plain project class (`ProjectIndex.plain_classes`), whose
        `self.forward(...)` is its own method (a middleware dispatcher's), not a module's forward?"""
        if not (isinstance(expr, ast.Name) and expr.id == "self"):
            return False
        cls = self.tree.class_of(expr)
        name = self.facts.symbols.qualname_of(cls) if cls is not None else None
        return name is not None and name in self.facts.index.plain_classes

    def _self_method_runs_forward(self, call: ast.Call) -> bool:
        cls = self.tree.class_of(call)
        name = self.facts.symbols.qualname_of(cls) if cls is not None else None
        return name is not None and self.facts.index.self_call_runs_forward(name, call.func.attr)

    def runs_autograd(self, call: ast.Call) -> bool:
        """Is call a forward of a project module class whose `forward` computes gradients itself
        (`ProjectIndex.forward_runs_autograd`)? Such a forward raises under no_grad."""
        return self._forward_class_has(call, self.facts.index.forward_runs_autograd, subclasses=True)

    def may_run_without_grad(self, call: ast.Call) -> bool:
        """Is call a forward of a project module class whose `forward` may turn grad off itself
        (`ProjectIndex.forward_may_turn_grad_off`)? Such a forward may build no graph. The class
        must be the one named: a parameter typed `nn.Module` may be any module, and says nothing."""
        return self._forward_class_has(call, self.facts.index.forward_may_turn_grad_off, subclasses=False)

    def _forward_class_has(self, call: ast.Call, has, subclasses: bool) -> bool:
        """Does has(class, or_subclass) hold for the class whose instance call runs: the one `self`
        belongs to, the one `self.x` (or `self.x.y`) is built from, or the one a local name is built
        from or a parameter is annotated with? With subclasses, those of `self`'s class and of the
        annotation count too (an argument typed by a base class may be any of them)."""
        callee = self.callee(call)
        if callee is None:
            return False
        symbols = self.facts.symbols
        cls = self.tree.class_of(call)
        owner = symbols.qualname_of(cls) if cls is not None else None
        if isinstance(callee, ast.Name) and callee.id == "self":
            return owner is not None and has(owner, or_subclass=subclasses)
        path = dotted(callee)
        if path is None:
            return False
        if path.startswith("self."):
            built = self.facts.attribute_path_class(callee)  # `self.model.encoder`
            return built is not None and has(built)
        if "." in path:
            return False
        annotation = self._annotation(callee, path)
        if annotation:
            name = symbols.resolve(annotation, self.tree.scope_of(callee))
            return name is not None and has(name, or_subclass=subclasses)
        # any class it may be built from (one of a table's) counts
        return any(has(built) for built in self.facts.possible_classes(callee))

    def is_forward(self, call: ast.Call) -> bool:
        return self.callee(call) is not None

    def gives_output(self, call: ast.Call) -> bool:
        """Is call a forward whose value is the module's output (`m(x)`, `m.forward(x)`,
        `ddp.module(x)`), not a method that runs one and hands back what it likes
        (`agent.act(obs)` may return numpy)?"""
        callee = self.callee(call)
        return callee is not None and (callee is call.func or isinstance(call.func, ast.Attribute) and call.func.attr == "forward")

    def is_loss_call(self, call: ast.Call) -> bool:
        """A loss module or criterion: its result is a loss built from its inputs."""
        if self.kind_of(call.func) == "loss":
            return True
        name = self.imports.qualname(call.func)
        return bool(name and name.startswith("torch.nn.functional.") and ("loss" in name or name.split(".")[-1] in LOSS_FUNCTIONS))

    @cached_property
    def forwards(self) -> list[ast.Call]:
        return [call for call in self.tree.calls if self.is_forward(call)]

