"""The rules: one module per rule, ``kmpNNN_<name>.py``, declaring ``RULE`` (its code, symbol,
severity, message, pre-filter words, options, fix; see ``pylint_keras_mp.rule``) beside its
``check(facts, report)``; its automatic fix, if any, is ``pylint_keras_mp/fixes/kmpNNN_fix.py``.

The modules are found by their names: adding a rule adds no line here. Everything else about the
rules (the registry, the pre-filter's words, the fixable codes) is derived from ``RULE_MODULES``.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from types import ModuleType

from ._engine_codes import ENGINE_RULES

_RULE_MODULE = re.compile(r"kmp(\d{3})_\w+")


def _rule_modules() -> tuple[ModuleType, ...]:
    names = sorted(
        name
        for _, name, _ in pkgutil.iter_modules(__path__)
        if _RULE_MODULE.fullmatch(name) and not name.endswith("_fix")
    )
    modules = []
    for name in names:
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


RULE_MODULES: tuple[ModuleType, ...] = _rule_modules()

# The rules' own declarations, in code order, then the engine's codes.
RULES = tuple(module.RULE for module in RULE_MODULES) + ENGINE_RULES

# (codes, check(facts, report)) for the engine, in code order.
RULE_CHECKS = [((module.RULE.code,), module.check) for module in RULE_MODULES]

# The codes whose rule declares an automatic fix: known without importing the fixes (LibCST).
FIXABLE_CODES = frozenset(module.RULE.code for module in RULE_MODULES if module.RULE.autofix)


def prefilter_words() -> tuple[str, ...]:
    """Every word some rule needs (see ``Rule.words``), sorted: the pre-filter's word list."""
    return tuple(sorted({word for module in RULE_MODULES for word in module.RULE.words}))
