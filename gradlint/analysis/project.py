"""Facts across files: per-file summaries merged into one project index.

- functions whose every call site in the analysed files runs with grad disabled
  (an uncalled function, or one also passed around as a value, is judged by its own body);
- class names that are `nn.Module` / LightningModule subclasses, through any chain of bases.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from gradlint.analysis.grad_mode import GradMode, GradModeResolver, LIGHTNING_BASES
from gradlint.analysis.names import ImportTable
from gradlint.analysis.tree import Tree

# Calls of these never name a user function we could index.
UNINDEXED = frozenset({"forward", "__call__", "__init__", "backward", "step", "zero_grad", "eval", "train", "to", "item"})


@dataclass
class FileSummary:
    """What one file contributes to the project index (cacheable, plain data)."""

    defined: list[str] = field(default_factory=list)
    # (callee name, mode fixed at the site or None to inherit, enclosing function name or None)
    calls: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    referenced: list[str] = field(default_factory=list)
    # class name -> base expressions: qualified torch names, or plain local names
    classes: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"defined": self.defined, "calls": self.calls, "referenced": self.referenced, "classes": self.classes}

    @classmethod
    def from_dict(cls, data: dict) -> "FileSummary":
        return cls(data["defined"], [tuple(c) for c in data["calls"]], data["referenced"], data["classes"])


def _base_label(imports: ImportTable, base: ast.AST) -> str | None:
    name = imports.qualname(base)
    if name is not None:
        return name
    if isinstance(base, ast.Name):
        return base.id
    if isinstance(base, ast.Attribute):
        return base.attr
    return None


GRAD_MODE_WORDS = ("no_grad", "inference_mode", "set_grad_enabled", "enable_grad")


def summarize(tree: Tree, imports: ImportTable, text: str | None = None) -> FileSummary:
    """What this file adds to the project index. `text`, when given, lets a file that never
    names a grad-mode function skip the grad-mode resolution (all its call sites inherit)."""
    summary = FileSummary()
    resolver = None
    if text is None or any(word in text for word in GRAD_MODE_WORDS):
        resolver = GradModeResolver(tree, imports, lambda function: None)
    defined = {f.name for f in tree.functions}
    summary.defined = sorted(defined)
    # names that may be functions of another analysed file: defined here or imported by name
    candidates = set(defined)
    for node in tree.imports:
        if isinstance(node, ast.ImportFrom):
            candidates.update(alias.asname or alias.name for alias in node.names)
    for cls in tree.classes:
        summary.classes[cls.name] = [b for b in (_base_label(imports, base) for base in cls.bases) if b]
    for call in tree.calls:
        func = call.func
        if isinstance(func, ast.Name):
            callee = func.id
        elif isinstance(func, ast.Attribute):
            callee = func.attr
        else:
            continue
        if callee in UNINDEXED or callee.startswith("__"):
            continue
        enclosing = tree.function_of(call)
        if resolver is not None:
            mode = resolver.mode_at(call)
        else:
            mode = None if enclosing is not None else GradMode.ENABLED
        summary.calls.append((callee, mode.value if mode is not None else None, enclosing.name if enclosing else None))
    referenced = set()
    for node, parent in tree.parents.items():
        # a function passed around as a value may be called anywhere
        kind = type(node)
        if kind is ast.Name:
            name = node.id
            if name not in candidates:
                continue
        elif kind is ast.Attribute:
            name = node.attr
            if name not in defined:
                continue
        else:
            continue
        if isinstance(node.ctx, ast.Load) and not (type(parent) is ast.Call and parent.func is node):
            referenced.add(name)
    summary.referenced = sorted(referenced)
    return summary


MODULE_ROOTS = ("torch.nn.", "lightning.", "pytorch_lightning.", "transformers.", "timm.")


class ProjectIndex:
    def __init__(self, summaries: list[FileSummary]):
        self.defined: set[str] = set()
        self._sites: dict[str, list[tuple[str | None, str | None]]] = {}
        self._referenced: set[str] = set()
        bases: dict[str, set[str]] = {}
        for summary in summaries:
            self.defined.update(summary.defined)
            self._referenced.update(summary.referenced)
            for callee, mode, enclosing in summary.calls:
                self._sites.setdefault(callee, []).append((mode, enclosing))
            for name, labels in summary.classes.items():
                bases.setdefault(name, set()).update(labels)
        self._modes: dict[str, GradMode | None] = {}
        self.module_classes = self._subclasses(bases, lambda label: label.startswith(MODULE_ROOTS) and label.split(".")[-1][:1].isupper())
        self.lightning_classes = self._subclasses(bases, lambda label: label in LIGHTNING_BASES)

    @staticmethod
    def _subclasses(bases: dict[str, set[str]], is_root) -> frozenset[str]:
        found: set[str] = set()
        changed = True
        while changed:
            changed = False
            for name, labels in bases.items():
                if name not in found and any(is_root(l) or l in found for l in labels):
                    found.add(name)
                    changed = True
        return frozenset(found)

    def function_mode(self, name: str) -> GradMode | None:
        """DISABLED/INFERENCE when every call site of `name` runs with grad off; else None."""
        if name not in self._modes:
            self._modes[name] = None  # guards against recursion through cycles
            self._modes[name] = self._resolve(name)
        return self._modes[name]

    def _resolve(self, name: str) -> GradMode | None:
        sites = self._sites.get(name)
        if not sites or name in self._referenced or name not in self.defined:
            return None
        modes = set()
        for mode, enclosing in sites:
            if mode is not None:
                modes.add(GradMode(mode))
            elif enclosing is not None and enclosing != name:
                inherited = self.function_mode(enclosing)
                modes.add(inherited if inherited is not None else GradMode.ENABLED)
            else:
                modes.add(GradMode.ENABLED)
        if modes == {GradMode.INFERENCE}:
            return GradMode.INFERENCE
        if all(m.grad_off for m in modes):
            return GradMode.DISABLED
        return None
