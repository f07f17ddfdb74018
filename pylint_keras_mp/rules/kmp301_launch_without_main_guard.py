"""KMP301 multiprocessing-launch-without-main-guard: worker processes start at import time."""

from __future__ import annotations

import ast

from ..rule import Rule
from ._common import launch_label

RULE = Rule(
    code="KMP301",
    symbol="multiprocessing-launch-without-main-guard",
    severity="E",
    summary="Multiprocessing fit/predict runs at import time, outside if __name__ == '__main__'",
    template=(
        "{launch} starts worker processes at import time{via}{when}: spawn/forkserver workers "
        "re-import the module, fail to bootstrap and the parent hangs"
    ),
    fix="move the call under if __name__ == \"__main__\":",
    forms=(
        (
            "dataloader",
            "{launch} starts worker processes at import time{via}: spawn/forkserver workers "
            "re-import the module and start their own DataLoader, fail to bootstrap and the "
            "parent raises 'DataLoader worker ... exited unexpectedly'",
            "move the loop (and the code that builds the DataLoader) under "
            "if __name__ == \"__main__\":",
        ),
        (
            "grain",
            "{launch} starts worker processes at import time{via}: grain's spawn workers "
            "re-import the module and iterate it again, and the parent raises 'Worker process "
            "was terminated unexpectedly'",
            "move the loop (and the code that builds the pipeline) under "
            "if __name__ == \"__main__\":",
        ),
    ),
    words=("Sequence", "PyDataset", "workers", "use_multiprocessing", "DataLoader", "mp_prefetch", "worker_count"),
    options=("sequence-bases", "keras-version", "assume-multiprocessing", "target-platforms", "python-version"),
    autofix="kmp301_fix",
)


def check(facts, report) -> None:
    if facts.is_notebook:
        return  # spawn/forkserver workers never re-run a notebook's cells (KMP203 covers it)
    for launch in facts.launches.multiprocessing_launches:
        via = ""
        if launch.function is None:
            if facts.walk.in_main_guard(launch.call):
                continue
        else:
            name = launch.function.name
            trigger = facts.walk.import_time_functions.get(name)
            if trigger is None or facts.walk.functions.get(name) is not launch.function:
                continue
            via = f" (via the module-level call {name}() on line {trigger.lineno})"
        when = facts.launches.launch_settings(launch).when
        report("KMP301", launch.call, launch=launch_label(launch), via=via, when=when)
    for node, torch_loader, fn in facts.pipelines.torch_import_time_iterations:
        what = "iterates" if isinstance(node, (ast.For, ast.comprehension)) else "hands to a call"
        trigger = facts.walk.import_time_functions.get(fn.name) if fn is not None else None
        report(
            "KMP301",
            node.iter if isinstance(node, ast.comprehension) else node,
            launch=f"this statement ({what} {torch_loader.label}{torch_loader.condition})",
            via=f" (via the module-level call {fn.name}() on line {trigger.lineno})" if trigger is not None else "",
            form="dataloader",
            torch_loader=torch_loader,  # the message says where it fails (its start method)
        )
    for node, label in facts.pipelines.grain_import_time_iterations:
        report(
            "KMP301",
            node.iter if isinstance(node, ast.comprehension) else node,
            launch=f"this statement (iterates a grain pipeline with {label})",
            via="",
            form="grain",
        )
