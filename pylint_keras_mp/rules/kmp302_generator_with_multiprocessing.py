"""KMP302 generator-with-multiprocessing: a plain generator fed to worker processes or threads."""

from __future__ import annotations

from ..facts import keyword

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
        kind = facts.launch_parallelism(launch)
        if kind is None:
            continue
        for data in facts.launch_inputs(launch):
            found = facts.plain_iterator(data, launch.function)
            if found:
                what, is_generator = found
                report(
                    "KMP302",
                    launch.call,
                    launch=facts.launch_label(launch),
                    what=what,
                    workers=_workers_text(kind, launch, facts),
                    consequence=_consequence(kind, is_generator),
                )
                break
