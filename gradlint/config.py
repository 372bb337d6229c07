"""`[tool.gradlint]` in pyproject.toml (or a gradlint.toml): discovery and validation."""

from __future__ import annotations

import fnmatch
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_EXCLUDES = (
    ".git", ".hg", ".svn", ".venv", "venv", "build", "dist", "__pycache__",
    ".tox", ".nox", "node_modules", "site-packages", ".mypy_cache", ".ruff_cache",
    ".pytest_cache", ".gradlint_cache", ".eggs", ".ipynb_checkpoints",
)

# Larger files are refused (the analysis would take minutes and gigabytes): `max-file-size`
DEFAULT_MAX_FILE_SIZE = 4 * 1024 * 1024


class ConfigError(Exception):
    """Bad configuration; the message names the file and the key. Exit code 2."""


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] = ("GL",)
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDES
    extend_exclude: tuple[str, ...] = ()
    respect_gitignore: bool = True
    unsafe_fixes: bool = False
    torch_version: tuple[int, int] | None = None
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    # (code or prefix, "error" | "warning" | "info"): the most specific selector wins
    severity: tuple[tuple[str, str], ...] = ()
    root: str = field(default=".", compare=False)
    source: str | None = field(default=None, compare=False)

    def with_overrides(self, **changes) -> "Settings":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def selected_codes(self, known: list[str]) -> frozenset[str]:
        chosen = {c for c in known if _matches(c, self.select + self.extend_select)}
        # like Ruff: a file that does not parse is always reported, unless GL000 is ignored by name
        chosen.add("GL000")
        return frozenset(c for c in chosen if not _matches(c, self.ignore))

    def codes_for(self, path: str, known: list[str]) -> frozenset[str]:
        """Selected codes minus the per-file ignores that match this path."""
        codes = self.selected_codes(known)
        if not self.per_file_ignores:
            return codes
        rel = _relative(path, self.root)
        for pattern, ignored in self.per_file_ignores:
            if _glob(rel, pattern):
                codes = frozenset(c for c in codes if not _matches(c, ignored))
        return codes

    def severity_of(self, code: str):
        """The code's severity: the longest matching `severity` selector's, else the rule's default."""
        from gradlint.finding import Severity
        from gradlint.rules.base import default_severity

        matching = [(0 if s == "ALL" else len(s), level) for s, level in self.severity if _matches(code, (s,))]
        return Severity(max(matching)[1]) if matching else default_severity(code)

    def fingerprint(self) -> str:
        """Everything that changes which findings a file gets, and their severities (for the cache)."""
        return repr((self.select, self.ignore, self.extend_select, self.per_file_ignores, self.torch_version,
                     self.severity))


def _relative(path: str, root: str) -> str:
    try:
        return Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return Path(path).as_posix()


def _glob(rel: str, pattern: str) -> bool:
    return fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(os.path.basename(rel), pattern)


def _matches(code: str, selectors) -> bool:
    return any(s == "ALL" or code.startswith(s) for s in selectors)


def validate_selectors(selectors, known: list[str], where: str) -> tuple[str, ...]:
    """Selectors are codes or code prefixes (GL, GL3, GL301) or ALL."""
    out = []
    for raw in selectors:
        s = str(raw).strip().upper()
        if not s:
            continue
        if s != "ALL" and not any(c.startswith(s) for c in known):
            raise ConfigError(f"{where}: unknown rule code or prefix {raw!r}")
        out.append(s)
    return tuple(out)


def _parse_version(value, where: str) -> tuple[int, int]:
    # a TOML float would read 2.10 as 2.1: only strings are accepted
    if not isinstance(value, str):
        raise ConfigError(f"{where} must be a string such as \"2.1\", got {value!r}")
    parts = value.strip().split(".")
    try:
        return int(parts[0]), int(parts[1]) if len(parts) > 1 else 0
    except ValueError:
        raise ConfigError(f"{where} must look like \"2.1\", got {value!r}") from None


# a size in bytes, or with a decimal (kB, MB, GB) or binary (KiB, MiB, GiB) unit
SIZE_UNITS = {"b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "kib": 1024, "mib": 1024**2, "gib": 1024**3}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", re.IGNORECASE)


def parse_size(value, where: str) -> int:
    """`4194304`, `"4MiB"`, `"4 MB"` or `"512kB"` as a positive number of bytes."""
    if isinstance(value, int) and not isinstance(value, bool):
        size = value
    elif isinstance(value, str) and (match := _SIZE.fullmatch(value)) and match[2].lower() in SIZE_UNITS | {"": 1}:
        size = int(float(match[1]) * SIZE_UNITS.get(match[2].lower(), 1))
    else:
        raise ConfigError(f"{where} must be a number of bytes or a size such as \"4MiB\" or \"4MB\", got {value!r}")
    if size <= 0:
        raise ConfigError(f"{where} must be above zero, got {value!r}")
    return size


def describe_sizes(size: int, limit: int) -> tuple[str, str]:
    """The size and the limit in the limit's own unit: ("52.4 MB", "4 MB"), ("50.0 MiB", "4 MiB")."""
    unit = next((u for u in ("GiB", "GB", "MiB", "MB", "KiB", "kB") if limit % SIZE_UNITS[u.lower()] == 0), "B")
    factor = SIZE_UNITS[unit.lower()]
    shown = f"{size / factor:.1f}" if unit != "B" else str(size)
    return f"{shown} {unit}", f"{limit // factor} {unit}"


KEYS = {
    "select", "ignore", "extend-select", "per-file-ignores", "exclude", "extend-exclude",
    "respect-gitignore", "unsafe-fixes", "torch-version", "max-file-size", "severity",
}

SEVERITIES = ("error", "warning", "info")


def _str_list(table: dict, key: str, where: str) -> tuple[str, ...]:
    value = table[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: '{key}' must be a list of strings")
    return tuple(value)


def _bool(table: dict, key: str, where: str) -> bool:
    value = table[key]
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: '{key}' must be true or false")
    return value


def settings_from_table(table: dict, path: str, known: list[str]) -> Settings:
    where = str(path)
    unknown = sorted(set(table) - KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key '{unknown[0]}' in [tool.gradlint]")
    settings = Settings(root=os.path.dirname(os.path.abspath(path)), source=where)
    changes = {}
    for key in ("select", "ignore", "extend-select"):
        if key in table:
            changes[key.replace("-", "_")] = validate_selectors(_str_list(table, key, where), known, f"{where}: '{key}'")
    for key in ("exclude", "extend-exclude"):
        if key in table:
            changes[key.replace("-", "_")] = _str_list(table, key, where)
    if "exclude" in changes:
        changes["exclude"] = DEFAULT_EXCLUDES + changes["exclude"]
    for key in ("respect-gitignore", "unsafe-fixes"):
        if key in table:
            changes[key.replace("-", "_")] = _bool(table, key, where)
    if "torch-version" in table:
        changes["torch_version"] = _parse_version(table["torch-version"], f"{where}: 'torch-version'")
    if "max-file-size" in table:
        changes["max_file_size"] = parse_size(table["max-file-size"], f"{where}: 'max-file-size'")
    if changes.get("select") == () and not changes.get("extend_select"):
        # Ruff would run nothing and say "All checks passed!": here that is a mistake, not a wish
        raise ConfigError(f"{where}: 'select' is empty, so no rule would run (name codes, or add 'extend-select')")
    if "per-file-ignores" in table:
        pfi = table["per-file-ignores"]
        if not isinstance(pfi, dict):
            raise ConfigError(f"{where}: 'per-file-ignores' must be a table of glob = [codes]")
        entries = []
        for pattern, codes in pfi.items():
            if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
                raise ConfigError(f"{where}: 'per-file-ignores' entry {pattern!r} must be a list of codes")
            entries.append((pattern, validate_selectors(codes, known, f"{where}: 'per-file-ignores'")))
        changes["per_file_ignores"] = tuple(entries)
    if "severity" in table:
        changes["severity"] = _severities(table["severity"], known, where)
    return replace(settings, **changes)


def _severities(value, known: list[str], where: str) -> tuple[tuple[str, str], ...]:
    """`severity = { GL401 = "warning", GL1 = "error" }`: codes or prefixes, each to error, warning or info."""
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: 'severity' must be a table of code = \"error\" | \"warning\" | \"info\"")
    entries = []
    for selector, level in value.items():
        (code,) = validate_selectors([selector], known, f"{where}: 'severity'") or ("",)
        if not code:
            raise ConfigError(f"{where}: 'severity' has an empty rule code")
        if not isinstance(level, str) or level.strip().lower() not in SEVERITIES:
            raise ConfigError(f"{where}: 'severity' for {selector!r} must be \"error\", \"warning\" or \"info\", got {level!r}")
        entries.append((code, level.strip().lower()))
    return tuple(entries)


def load_config_file(path: str, known: list[str]) -> Settings:
    """Read one pyproject.toml or gradlint.toml; a pyproject without [tool.gradlint] gives defaults."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: not UTF-8 (byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    # any file not called pyproject.toml (gradlint.toml, or one named by --config) holds the keys at the top
    tool = data.get("tool")
    nested = isinstance(tool, dict) and "gradlint" in tool
    if nested:
        table = tool["gradlint"]
    elif os.path.basename(path) != "pyproject.toml":
        table = data
    else:
        table = {}
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: 'tool.gradlint' must be a table")
    return settings_from_table(table, path, known)


def find_config_file(start: str) -> str | None:
    """The nearest gradlint.toml, or pyproject.toml with a [tool.gradlint] table, at or above start."""
    folder = Path(os.path.abspath(start))
    # os.path's tests, not Path's: they answer False where a folder may not be searched
    if not os.path.isdir(folder):
        folder = folder.parent
    for candidate in (folder, *folder.parents):
        own = candidate / "gradlint.toml"
        if os.path.isfile(own):
            return str(own)
        pyproject = candidate / "pyproject.toml"
        if os.path.isfile(pyproject):
            try:
                text = pyproject.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            if "[tool.gradlint" in text:
                return str(pyproject)
    return None


def resolve_settings(start: str, known: list[str], explicit: str | None = None) -> Settings:
    path = explicit or find_config_file(start)
    if path is None:
        return Settings(root=os.path.abspath(start if os.path.isdir(start) else os.path.dirname(os.path.abspath(start)) or "."))
    if explicit and not os.path.isfile(explicit):
        raise ConfigError(f"{explicit}: configuration file not found")
    return load_config_file(path, known)


class NearestSettings:
    """Each file's settings from the configuration nearest to it (like Ruff's hierarchy).

    `apply` adds the command line's options (--select, --ignore, ...) to a loaded
    configuration; files without a configuration of their own use `base`.
    """

    def __init__(self, base: Settings, known: list[str], apply):
        self.base = base
        self.known = known
        self.apply = apply
        self._by_folder: dict[str, Settings] = {}
        self._by_file: dict[str, Settings] = {base.source: base} if base.source else {}

    def __call__(self, path: str) -> Settings:
        folder = os.path.dirname(os.path.abspath(path))
        found = self._by_folder.get(folder)
        if found is None:
            config = find_config_file(folder)
            if config is None:
                found = self.base
            else:
                found = self._by_file.get(config)
                if found is None:
                    found = self._by_file[config] = self.apply(load_config_file(config, self.known))
            self._by_folder[folder] = found
        return found
