"""KMP301 multiprocessing-launch-without-main-guard: worker processes start at import time."""

from __future__ import annotations

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
        when = facts.launch_settings(launch).when
        report("KMP301", launch.call, launch=launch_label(launch), via=via, when=when)
