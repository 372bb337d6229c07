"""Resolve local names to qualified torch names, whatever the import spelling."""

from __future__ import annotations

import ast

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
    """Local name -> dotted path of what it was imported as (only for tracked packages)."""

    def __init__(self, tree: ast.AST, import_nodes=None):
        self.aliases: dict[str, str] = {}
        nodes = import_nodes if import_nodes is not None else (n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)))
        for node in nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if not alias.name.split(".")[0] in TRACKED_ROOTS:
                        continue
                    if alias.asname:
                        self.aliases[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        self.aliases[top] = top
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module.split(".")[0] not in TRACKED_ROOTS:
                    continue
                for alias in node.names:
                    if alias.name == "*":
                        continue
                    self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        self.torch_aliases = sorted(n for n, q in self.aliases.items() if q == "torch")

    def qualname(self, node: ast.AST) -> str | None:
        """`th.no_grad` -> `torch.no_grad`; None for anything not from a tracked import."""
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        base = self.aliases.get(node.id)
        if base is None:
            return None
        return canonical(".".join([base, *reversed(parts)]))

    def is_(self, node: ast.AST, *names: str) -> bool:
        return self.qualname(node) in names

    def torch_alias(self) -> str | None:
        """The name this module uses for torch itself, if it imports it."""
        if "torch" in self.torch_aliases:
            return "torch"
        return self.torch_aliases[0] if self.torch_aliases else None


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
