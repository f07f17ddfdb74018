"""KMP301 multiprocessing-launch-without-main-guard: worker processes start at import time."""

from __future__ import annotations

import ast

from ._common import launch_label


def check(facts, report) -> None:
    if facts.is_notebook:
        return  # spawn/forkserver workers never re-run a notebook's cells (KMP203 covers it)
    for launch in facts.multiprocessing_launches:
        via = ""
        if launch.function is None:
            if facts.in_main_guard(launch.call):
                continue
        else:
            name = launch.function.name
            trigger = facts.import_time_functions.get(name)
            if trigger is None or facts.functions.get(name) is not launch.function:
                continue
            via = f" (via the module-level call {name}() on line {trigger.lineno})"
        report("KMP301", launch.call, launch=launch_label(launch), via=via)
    for node, torch_loader in facts.torch_import_time_iterations:
        what = "iterates" if isinstance(node, (ast.For, ast.comprehension)) else "hands to a call"
        report(
            "KMP301",
            node.iter if isinstance(node, ast.comprehension) else node,
            launch=f"this statement ({what} {torch_loader.label}{torch_loader.condition})",
            via="",
            form="dataloader",
        )
    for node, label in facts.grain_import_time_iterations:
        report(
            "KMP301",
            node.iter if isinstance(node, ast.comprehension) else node,
            launch=f"this statement (iterates a grain pipeline with {label})",
            via="",
            form="grain",
        )
