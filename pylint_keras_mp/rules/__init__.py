"""The rule registry for the engine: each entry is (codes, check(facts, report)).

A new rule is one module here, one line below, a registry entry, a docs page and fixtures.
"""

from __future__ import annotations

from . import (
    kmp101_global_write,
    kmp102_main_only_global,
    kmp201_lambda_attribute,
    kmp202_unpicklable_attribute,
    kmp203_notebook_defined_loader,
    kmp204_function_local_loader_class,
    kmp301_launch_without_main_guard,
    kmp302_generator_with_multiprocessing,
    kmp303_ignored_worker_arguments,
    kmp304_pool_inside_worker,
    kmp305_worker_arguments_rejected_by_keras3,
    kmp306_generator_method_removed_in_keras3,
    kmp307_argparse_bool_worker_switch,
    kmp401_getitem_state_write,
    kmp402_unseeded_random,
    kmp403_framework_call_in_worker,
    kmp501_super_init_not_called,
    kmp502_kwargs_not_forwarded,
    kmp503_reserved_attribute,
)

RULE_CHECKS = [
    (("KMP101",), kmp101_global_write.check),
    (("KMP102",), kmp102_main_only_global.check),
    (("KMP201",), kmp201_lambda_attribute.check),
    (("KMP202",), kmp202_unpicklable_attribute.check),
    (("KMP203",), kmp203_notebook_defined_loader.check),
    (("KMP204",), kmp204_function_local_loader_class.check),
    (("KMP301",), kmp301_launch_without_main_guard.check),
    (("KMP302",), kmp302_generator_with_multiprocessing.check),
    (("KMP303",), kmp303_ignored_worker_arguments.check),
    (("KMP304",), kmp304_pool_inside_worker.check),
    (("KMP305",), kmp305_worker_arguments_rejected_by_keras3.check),
    (("KMP306",), kmp306_generator_method_removed_in_keras3.check),
    (("KMP307",), kmp307_argparse_bool_worker_switch.check),
    (("KMP401",), kmp401_getitem_state_write.check),
    (("KMP402",), kmp402_unseeded_random.check),
    (("KMP403",), kmp403_framework_call_in_worker.check),
    (("KMP501",), kmp501_super_init_not_called.check),
    (("KMP502",), kmp502_kwargs_not_forwarded.check),
    (("KMP503",), kmp503_reserved_attribute.check),
]


def rule_fixes() -> list:
    """The automatic fixes, one module beside each rule that has one (see pylint_keras_mp.fixes).
    Imported on demand: LibCST is loaded only when a finding may have a fix."""
    from . import (
        kmp201_fix,
        kmp301_fix,
        kmp303_fix,
        kmp305_fix,
        kmp306_fix,
        kmp307_fix,
        kmp501_fix,
        kmp502_fix,
    )

    return [
        kmp201_fix.FIX,
        kmp301_fix.FIX,
        kmp303_fix.FIX,
        kmp305_fix.FIX,
        kmp306_fix.FIX,
        kmp307_fix.FIX,
        kmp501_fix.FIX,
        kmp502_fix.FIX,
    ]
