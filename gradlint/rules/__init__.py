"""The rule registry.

A rule is a `Rule` subclass in its own module in this package, the module named
after the rule (`in_place_parameter_update.py` holds GL301). Modules are found
automatically: adding the file is enough.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from gradlint.rules.base import Rule

# GL000 is not a rule class: the engine reports files that do not parse.
SYNTAX_ERROR_CODE = "GL000"


@lru_cache(maxsize=1)
def _discover() -> tuple[type[Rule], ...]:
    found = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name == "base" or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Rule) and value is not Rule and value.__module__ == module.__name__:
                found[value.code] = value
    return tuple(sorted(found.values(), key=lambda rule: rule.code))


def all_rules() -> list[type[Rule]]:
    return list(_discover())


def rules_by_code() -> dict[str, type[Rule]]:
    return {rule.code: rule for rule in _discover()}


def known_codes() -> list[str]:
    return [SYNTAX_ERROR_CODE, *rules_by_code()]
