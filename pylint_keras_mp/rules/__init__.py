"""The rules: one module per rule, ``kmpNNN_<name>.py``, declaring ``RULE`` (its code, symbol,
severity, message, pre-filter words, options, fix; see ``pylint_keras_mp.rule``) beside its
``check(facts, report)``; its automatic fix, if any, is ``pylint_keras_mp/fixes/kmpNNN_fix.py``.

The modules are found by their names: adding a rule adds no line here. Everything else about the
rules (the registry, the pre-filter's words, the fixable codes) is derived from ``RULE_MODULES``.
"""

from __future__ import annotations

import importlib
import os
import re
from types import ModuleType

from ._engine_codes import ENGINE_RULES

_RULE_MODULE = re.compile(r"kmp(\d{3})_\w+")

__all__ = [
    "FIXABLE_CODES", "RULES", "RULE_CHECKS", "RULE_CODES", "RULE_MODULES", "prefilter_words",
]


def _rule_module_names() -> list[str]:
    """The names of the rule modules, in code order, from the package's folder (no import)."""
    names = set()
    for folder in __path__:
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for entry in entries:
            name, dot, suffix = entry.partition(".")
            if suffix == "py" and _RULE_MODULE.fullmatch(name) and not name.endswith("_fix"):
                names.add(name)
    if not names:  # not a folder of sources (a zip, compiled files only): ask the import system
        import pkgutil

        names = {
            name
            for _, name, _ in pkgutil.iter_modules(__path__)
            if _RULE_MODULE.fullmatch(name) and not name.endswith("_fix")
        }
    return sorted(names)


_MODULE_NAMES = _rule_module_names()

# Every code, in code order, then the engine's: known from the modules' names alone (a module
# whose RULE declares another code fails to load), so the settings and a run answered from the
# results cache import no rule.
RULE_CODES: tuple[str, ...] = tuple(
    f"KMP{_RULE_MODULE.fullmatch(name).group(1)}" for name in _MODULE_NAMES
) + tuple(rule.code for rule in ENGINE_RULES)


def _rule_modules() -> tuple[ModuleType, ...]:
    modules = []
    for name in _MODULE_NAMES:
        module = importlib.import_module(f"{__name__}.{name}")
        rule = getattr(module, "RULE", None)
        number = _RULE_MODULE.fullmatch(name).group(1)
        if rule is None or rule.code != f"KMP{number}" or not callable(getattr(module, "check", None)):
            raise ImportError(f"{module.__name__} must declare RULE (code KMP{number}) and check()")
        if not rule.words:
            # a module without any word of any rule is never analysed: a rule without words
            # would be skipped wherever the other rules' words are missing
            raise ImportError(f"{module.__name__}: RULE declares no pre-filter words")
        modules.append(module)
    return tuple(modules)


def _derived(modules: tuple[ModuleType, ...]) -> dict[str, object]:
    return {
        "RULE_MODULES": modules,
        # The rules' own declarations, in code order, then the engine's codes.
        "RULES": tuple(module.RULE for module in modules) + ENGINE_RULES,
        # (codes, check(facts, report)) for the engine, in code order.
        "RULE_CHECKS": [((module.RULE.code,), module.check) for module in modules],
        # The codes whose rule declares an automatic fix: known without importing the fixes
        # (LibCST).
        "FIXABLE_CODES": frozenset(module.RULE.code for module in modules if module.RULE.autofix),
    }


def __getattr__(name: str) -> object:
    """``RULE_MODULES``, ``RULES``, ``RULE_CHECKS`` and ``FIXABLE_CODES``: the rule modules are
    imported when one of these is first asked for (start-up cost: they import the facts, which
    a run answered from the results cache never needs)."""
    if name not in _DERIVED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if name not in globals():
        for key, value in _derived(_rule_modules()).items():
            globals().setdefault(key, value)  # one replaced meanwhile (a test's) stays
    return globals()[name]


_DERIVED = ("RULE_MODULES", "RULES", "RULE_CHECKS", "FIXABLE_CODES")


def prefilter_words() -> tuple[str, ...]:
    """Every word some rule needs (see ``Rule.words``), sorted: the pre-filter's word list."""
    modules = __getattr__("RULE_MODULES")
    return tuple(sorted({word for module in modules for word in module.RULE.words}))
