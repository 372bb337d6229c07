"""Resolve local names to qualified torch names, whatever the import spelling."""

from __future__ import annotations

import ast

from gradlint.analysis.vocabulary import OTHER_FRAMEWORKS, TORCH_ROOTS

# Several public paths lead to one object; rules compare canonical names.
CANONICAL = {
    "torch.autograd.no_grad": "torch.no_grad",
    "torch.autograd.grad_mode.no_grad": "torch.no_grad",
    "torch.autograd.enable_grad": "torch.enable_grad",
    "torch.autograd.grad_mode.enable_grad": "torch.enable_grad",
    "torch.autograd.set_grad_enabled": "torch.set_grad_enabled",
    "torch.autograd.grad_mode.set_grad_enabled": "torch.set_grad_enabled",
    "torch.autograd.inference_mode": "torch.inference_mode",
    "torch.autograd.grad_mode.inference_mode": "torch.inference_mode",
    "torch.nn.parameter.Parameter": "torch.nn.Parameter",
    "torch.nn.modules.module.Module": "torch.nn.Module",
    "torch.nn.parallel.DistributedDataParallel": "torch.nn.parallel.DistributedDataParallel",
    "torch.nn.DataParallel": "torch.nn.DataParallel",
    "pytorch_lightning.LightningModule": "lightning.LightningModule",
    "lightning.pytorch.LightningModule": "lightning.LightningModule",
    "pytorch_lightning.core.LightningModule": "lightning.LightningModule",
    "lightning.pytorch.core.LightningModule": "lightning.LightningModule",
}

TRACKED_ROOTS = ("torch", "lightning", "pytorch_lightning", "copy", "functools", "torchvision", "timm", "transformers", "accelerate")


def canonical(name: str) -> str:
    return CANONICAL.get(name, name)


class ImportTable:
    """The file's imports: local name -> the dotted path it was imported as.

    `qualname` answers for the tracked packages (torch and the frameworks) in
    their canonical spelling; `resolve` answers for every import, the project's
    own modules included (relative imports resolved against `package`, the
    package the file belongs to).
    """

    def __init__(self, tree: ast.AST, import_nodes=None, package: str = ""):
        self.aliases: dict[str, str] = {}
        self.everything: dict[str, str] = {}
        nodes = import_nodes if import_nodes is not None else (n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)))
        for node in nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    # `import a.b` binds `a`; `import a.b as c` binds `c` to `a.b`
                    target = alias.name if alias.asname else alias.name.split(".")[0]
                    local = alias.asname or target
                    self.everything[local] = target
                    if alias.name.split(".")[0] in TRACKED_ROOTS:
                        self.aliases[local] = target
            elif isinstance(node, ast.ImportFrom):
                source = absolute_module(node.module, node.level, package)
                if source is None:
                    continue
                tracked = node.level == 0 and source.split(".")[0] in TRACKED_ROOTS
                for alias in node.names:
                    if alias.name == "*":
                        continue
                    self.everything[alias.asname or alias.name] = f"{source}.{alias.name}"
                    if tracked:
                        self.aliases[alias.asname or alias.name] = f"{source}.{alias.name}"
        self.torch_aliases = sorted(n for n, q in self.aliases.items() if q == "torch")
        # what `qualname` and `resolve` found, per node (the tables above never change)
        self._qualnames: dict[ast.AST, str | None] = {}
        self._resolved: dict[ast.AST, str | None] = {}

    def qualname(self, node: ast.AST) -> str | None:
        """`th.no_grad` -> `torch.no_grad`; None for anything not from a tracked import."""
        known = self._qualnames
        if node in known:
            return known[node]
        found = known[node] = self._qualify(node, self.aliases, canonical)
        return found

    def resolve(self, node: ast.AST) -> str | None:
        """The dotted path of any imported name (`utils.smart_inference_mode`); None when not imported."""
        known = self._resolved
        if node in known:
            return known[node]
        found = known[node] = self._qualify(node, self.everything, _same)
        return found

    @staticmethod
    def _qualify(node: ast.AST, table: dict[str, str], spell) -> str | None:
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        base = table.get(node.id)
        if base is None:
            return None
        return spell(".".join([base, *reversed(parts)]))

    def is_(self, node: ast.AST, *names: str) -> bool:
        return self.qualname(node) in names

    def torch_alias(self) -> str | None:
        """The name this module uses for torch itself, if it imports it."""
        if "torch" in self.torch_aliases:
            return "torch"
        return self.torch_aliases[0] if self.torch_aliases else None

    def uses_torch(self) -> bool:
        return any(target.split(".")[0] in TORCH_ROOTS for target in self.aliases.values())

    def uses_another_framework(self) -> bool:
        """Does the file import an array framework other than torch (MXNet, TensorFlow, JAX, ...)?"""
        return any(target.split(".")[0] in OTHER_FRAMEWORKS for target in self.everything.values())


def _same(name: str) -> str:
    return name


def absolute_module(module: str | None, level: int, package: str) -> str | None:
    """`from ..utils import x` in package `a.b.c` -> `a.b.utils`; None when it climbs above the top."""
    if level == 0:
        return module
    parts = package.split(".") if package else []
    if level - 1 > len(parts) or (level - 1 == len(parts) and not module):
        return None
    base = parts[: len(parts) - (level - 1)]
    return ".".join([*base, module] if module else base) or None


def dotted(node: ast.AST) -> str | None:
    """`self.feats` for attribute chains of names; subscripts collapse onto their base."""
    parts = []
    while True:
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            break
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def base_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None
