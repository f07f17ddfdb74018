"""The rule registry for the engine: each entry is (codes, check(facts, report)).

A new rule is one module here, one line below, a registry entry, a docs page and fixtures.
"""

from __future__ import annotations

from . import (
    kmp101_global_write,
    kmp102_main_only_global,
    kmp201_lambda_attribute,
    kmp202_unpicklable_attribute,
    kmp301_launch_without_main_guard,
)

RULE_CHECKS = [
    (("KMP101",), kmp101_global_write.check),
    (("KMP102",), kmp102_main_only_global.check),
    (("KMP201",), kmp201_lambda_attribute.check),
    (("KMP202",), kmp202_unpicklable_attribute.check),
    (("KMP301",), kmp301_launch_without_main_guard.check),
]
