"""KMP302 generator-with-multiprocessing: a plain generator fed to worker processes or threads."""

from __future__ import annotations

import ast

from ..facts import UNKNOWN, has_star_kwargs, keyword
from ._common import launch_label

PROCESSES_GENERATOR = (
    "under fork every worker yields the whole stream again (duplicated data), under "
    "spawn/forkserver it cannot be pickled (TypeError: cannot pickle 'generator' object) and the "
    "parent hangs"
)
PROCESSES_ITERATOR = (
    "every worker process gets its own copy and yields the whole stream again (duplicated data)"
)
THREADS_GENERATOR = (
    "the threads call next() on it concurrently and tf-keras raises RuntimeError: Your "
    "generator is NOT thread-safe"
)
THREADS_ITERATOR = "the threads call next() on it concurrently and race"


def launch_inputs(launch) -> list[ast.expr]:
    """What a launch iterates with its workers: x (or generator=) and fit's validation_data."""
    inputs = [launch.data] if launch.data is not None else []
    if launch.method in ("fit", "fit_generator"):
        validation = keyword(launch.call, "validation_data")
        if validation is not None:
            inputs.append(validation)
    return inputs


def launch_parallelism(facts, launch) -> str | None:
    """"processes", "threads" (more than one worker thread), "threads or processes" (more than
    one worker, use_multiprocessing unknown), or None: main thread, one thread, or unknown."""
    call, fn = launch.call, launch.function
    mp = facts.use_multiprocessing(launch)
    if mp is True:
        return "processes"
    mp_given = keyword(call, "use_multiprocessing") is not None
    if keyword(call, "workers") is not None:
        workers = facts.resolve_int(keyword(call, "workers"), fn)
    elif launch.loader is not None and not mp_given:
        workers = facts.loader_worker_settings(launch.loader, launch.loader_call, fn)[1]
    else:
        workers = UNKNOWN if has_star_kwargs(call) else 1
    if workers is UNKNOWN or workers <= 1:
        return None
    if mp is False and (mp_given or launch.loader is not None or not has_star_kwargs(call)):
        return "threads"
    return "threads or processes"


def _workers_text(kind: str, launch, facts) -> str:
    count = keyword(launch.call, "workers")
    number = facts.resolve_int(count, launch.function) if count is not None else None
    shown = f"{number!r} " if isinstance(number, int) and number > 1 else ""
    if kind == "processes":
        return f"{shown}worker processes"
    if kind == "threads":
        return f"{shown}worker threads"
    return f"{shown}workers"


def _consequence(kind: str, is_generator: bool) -> str:
    if kind == "processes":
        return PROCESSES_GENERATOR if is_generator else PROCESSES_ITERATOR
    if kind == "threads":
        return THREADS_GENERATOR if is_generator else THREADS_ITERATOR
    return (
        "worker processes duplicate or fail to pickle it, worker threads race on it"
        if is_generator
        else "worker processes duplicate it, worker threads race on it"
    )


def check(facts, report) -> None:
    # Keras 3 has no worker arguments on fit/predict: passing them raises (KMP305 reports it).
    if not facts.uses_keras or facts.keras_version == 3:
        return
    for launch in facts.launch_calls:
        if launch.method in facts.user_defined_launch_methods:
            continue
        kind = launch_parallelism(facts, launch)
        if kind is None:
            continue
        for data in launch_inputs(launch):
            found = facts.plain_iterator(data, launch.function)
            if found:
                what, is_generator = found
                report(
                    "KMP302",
                    launch.call,
                    launch=launch_label(launch),
                    what=what,
                    workers=_workers_text(kind, launch, facts),
                    consequence=_consequence(kind, is_generator),
                )
                break
