"""The rule catalog, read by every front end and by the docs tests: the ``RULE`` each rule module
declares (pylint_keras_mp/rules/kmpNNN_*.py), then the engine's own codes (KMP900, KMP901).

Codes are stable. The pylint message id of ``KMPabc`` is ``<severity>7abc`` with the same digits.

Importing the catalog imports no rule: the codes (``CODES``) are known from the rule modules'
names, and the declarations (``RULES``, ``RULES_BY_CODE``, ``RULES_BY_SYMBOL``,
``RULES_BY_MSGID``) are made when first asked for, which imports every rule module and the facts
they use. A run answered from the results cache shows its findings with the declarations the
cache kept beside them (``remember``), and imports no rule at all.
"""

from __future__ import annotations

from typing import Iterable

from . import rules
from .rule import DEFAULT_DOCS_URL, SEVERITY_NAMES, Rule, docs_base_url

__all__ = [
    "CODES", "DEFAULT_DOCS_URL", "RULES", "RULES_BY_CODE", "RULES_BY_MSGID", "RULES_BY_SYMBOL",
    "SEVERITY_NAMES", "Rule", "docs_base_url", "get_rule", "remember", "rule_of",
]

# Every code, in code order (the rules', then the engine's).
CODES: tuple[str, ...] = rules.RULE_CODES

_TABLES = ("RULES", "RULES_BY_CODE", "RULES_BY_SYMBOL", "RULES_BY_MSGID")
# Declarations known without importing the rule modules: the engine's own codes, and those the
# results cache kept with the results that report them, for the same linter (see cache.py).
_REMEMBERED: dict[str, Rule] = {rule.code: rule for rule in rules.ENGINE_RULES}


def __getattr__(name: str) -> object:
    """The tables of declarations, made on first use (start-up cost: every rule module)."""
    if name not in _TABLES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if name not in globals():
        declared: tuple[Rule, ...] = rules.RULES
        tables = {
            "RULES": declared,
            "RULES_BY_CODE": {rule.code: rule for rule in declared},
            "RULES_BY_SYMBOL": {rule.symbol: rule for rule in declared},
            "RULES_BY_MSGID": {rule.msgid: rule for rule in declared},
        }
        for key, value in tables.items():
            globals().setdefault(key, value)
    return globals()[name]


def rule_of(code: str) -> Rule | None:
    """The declaration of a code, None for a code that is not this linter's (a host linter's
    E501). A remembered declaration is used until the rule modules are imported."""
    if code not in CODES:
        return None
    by_code = globals().get("RULES_BY_CODE")
    if by_code is None:
        remembered = _REMEMBERED.get(code)
        if remembered is not None:
            return remembered
        by_code = __getattr__("RULES_BY_CODE")
    return by_code[code]


def remember(declarations: Iterable[Rule]) -> None:
    """Declarations read back from the results cache, written by this same linter (same version
    and same modules), so they are what importing the rule modules would give."""
    for rule in declarations:
        if rule.code in CODES:
            _REMEMBERED.setdefault(rule.code, rule)


def get_rule(key: str) -> Rule:
    """Look a rule up by code (KMP201), pylint id (E7201) or symbol."""
    key = key.strip()
    if key.upper() in CODES:
        return rule_of(key.upper())
    for table in (__getattr__("RULES_BY_MSGID"), __getattr__("RULES_BY_SYMBOL")):
        if key.upper() in table:
            return table[key.upper()]
        if key in table:
            return table[key]
    raise KeyError(key)
