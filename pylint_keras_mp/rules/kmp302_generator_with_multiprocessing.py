"""KMP302 generator-with-multiprocessing: a plain generator fed to worker processes or threads."""

from __future__ import annotations

from ..facts import UNKNOWN
from ..rule import Rule
from ._common import launch_inputs, launch_label

RULE = Rule(
    code="KMP302",
    symbol="generator-with-multiprocessing",
    severity="W",
    summary="A plain Python generator is fed to fit/predict with worker processes or several threads",
    template="{launch} feeds {what} as {argument} to {workers}{when}: {consequence}",
    fix="wrap the data in a keras.utils.PyDataset/Sequence subclass (each batch by index)",
    words=("Sequence", "PyDataset", "workers", "use_multiprocessing"),
    options=("sequence-bases", "keras-version", "assume-multiprocessing"),
)

NOT_PICKLABLE = (
    "under spawn/forkserver it cannot be pickled (TypeError: cannot pickle 'generator' object) "
    "and the parent hangs"
)
DUPLICATED_GENERATOR = "under fork every worker yields the whole stream again (duplicated data)"
DUPLICATED_ITERATOR = (
    "every worker process gets its own copy and yields the whole stream again (duplicated data)"
)
THREADS_GENERATOR = (
    "the threads call next() on it concurrently and tf-keras raises RuntimeError: Your "
    "generator is NOT thread-safe"
)
THREADS_ITERATOR = "the threads call next() on it concurrently and race"


def describe(found) -> str:
    """How the message names a plain iterator (``facts.data_kinds.plain_iterator``)."""
    if found.kind == "expression":
        what = "a generator expression"
    elif found.kind == "generator":
        what = f"the generator {found.name}()"
    elif found.kind == "decorated":
        what = f"the generator {found.name}() (decorated by {found.decorator})"
    elif found.kind == "wrapped":
        what = f"{describe(found.inner)} wrapped by {found.name}()"
    else:
        what = f"a {found.name} object (a plain iterator: its class defines __next__)"
    return what + "".join(f" (via '{name}')" for name in found.via)


def launch_parallelism(facts, launch) -> str | None:
    """"processes", "threads" (more than one worker thread), "threads or processes" (more than
    one worker, use_multiprocessing unknown), or None: main thread, one thread, or unknown."""
    mp = facts.launches.use_multiprocessing(launch)
    if mp is True or facts.launches.launch_settings(launch).kind == "open":
        return "processes"
    mp_given = launch.argument("use_multiprocessing") is not None
    if launch.argument("workers") is not None:
        workers = facts.launches.launch_int(launch, "workers")
    elif launch.loader is not None and not mp_given:
        workers = facts.launches.loader_worker_settings(launch.loader, launch.loader_call, launch.function)[1]
    else:
        workers = UNKNOWN if launch.unresolved_kwargs else 1
    if workers is UNKNOWN or workers <= 1:
        return None
    if mp is False and (mp_given or launch.loader is not None or not launch.unresolved_kwargs):
        return "threads"
    return "threads or processes"


def worker_count(facts, launch):
    """The number of workers: the launch's workers=, Keras 2's default 1, or UNKNOWN."""
    if launch.argument("workers") is not None:
        return facts.launches.launch_int(launch, "workers")
    return UNKNOWN if launch.unresolved_kwargs else 1


def _workers_text(kind: str, count) -> str:
    shown = f"{count!r} " if isinstance(count, int) and count > 1 else ""
    if kind == "processes":
        return "1 worker process" if count == 1 else f"{shown}worker processes"
    if kind == "threads":
        return f"{shown}worker threads"
    return f"{shown}workers"


def consequence(kind: str, found, count) -> str | None:
    """What goes wrong, or None when nothing does: one worker process duplicates nothing, and a
    wrapper of the module's own (typically a lock) is the fix for threads."""
    several = isinstance(count, int) and count > 1
    if kind == "processes":
        if found.is_generator:
            if several:
                return f"{DUPLICATED_GENERATOR}, {NOT_PICKLABLE}"
            if count == 1:
                return NOT_PICKLABLE  # a single worker reads the stream alone
            return f"{NOT_PICKLABLE}; with several workers, {DUPLICATED_GENERATOR}"
        return DUPLICATED_ITERATOR if several else None
    if found.wrapped:
        return None
    if kind == "threads":
        return THREADS_GENERATOR if found.is_generator else THREADS_ITERATOR
    return (
        "worker processes duplicate or fail to pickle it, worker threads race on it"
        if found.is_generator
        else "worker processes duplicate it, worker threads race on it"
    )


def check(facts, report) -> None:
    # Keras 3 has no worker arguments on fit/predict: passing them raises (KMP305 reports it).
    if not facts.version.uses_keras or facts.version.keras_version == 3:
        return
    for launch in facts.launches.launch_calls:
        if launch.method in facts.launches.user_defined_launch_methods:
            continue
        kind = launch_parallelism(facts, launch)
        if kind is None:
            continue
        count = worker_count(facts, launch)
        for data, scope, argument in launch_inputs(launch):
            found = facts.data_kinds.plain_iterator(data, scope)
            effect = consequence(kind, found, count) if found else None
            if effect is not None:
                report(
                    "KMP302",
                    launch.call,
                    launch=launch_label(launch),
                    what=describe(found),
                    argument=argument,
                    workers=_workers_text(kind, count),
                    when=facts.launches.launch_settings(launch).when if kind == "processes" else "",
                    consequence=effect,
                )
                break
