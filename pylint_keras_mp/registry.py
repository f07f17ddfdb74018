"""The rule catalog, read by every front end and by the docs tests: the ``RULE`` each rule module
declares (pylint_keras_mp/rules/kmpNNN_*.py), then the engine's own codes (KMP900, KMP901).

Codes are stable. The pylint message id of ``KMPabc`` is ``<severity>7abc`` with the same digits.
"""

from __future__ import annotations

from .rule import DEFAULT_DOCS_URL, SEVERITY_NAMES, Rule, docs_base_url
from .rules import RULES

__all__ = [
    "DEFAULT_DOCS_URL", "RULES", "RULES_BY_CODE", "RULES_BY_MSGID", "RULES_BY_SYMBOL",
    "SEVERITY_NAMES", "Rule", "docs_base_url", "get_rule",
]

RULES_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}
RULES_BY_SYMBOL: dict[str, Rule] = {rule.symbol: rule for rule in RULES}
RULES_BY_MSGID: dict[str, Rule] = {rule.msgid: rule for rule in RULES}


def get_rule(key: str) -> Rule:
    """Look a rule up by code (KMP201), pylint id (E7201) or symbol."""
    key = key.strip()
    for table in (RULES_BY_CODE, RULES_BY_MSGID, RULES_BY_SYMBOL):
        if key.upper() in table:
            return table[key.upper()]
        if key in table:
            return table[key]
    raise KeyError(key)
