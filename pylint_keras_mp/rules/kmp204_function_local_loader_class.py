"""KMP204 function-local-loader-class: a data loader class defined inside a function runs in
worker processes; spawn/forkserver cannot pickle a class that has no module-level name."""

from __future__ import annotations

import ast

from ..rule import Rule
from ._common import launch_related, local_classes

RULE = Rule(
    code="KMP204",
    symbol="function-local-loader-class",
    severity="E",
    summary="Data loader class defined inside a function runs in worker processes (cannot be pickled)",
    template=(
        "data loader '{loader}' is defined inside {function}() and runs in worker processes{when}: "
        "a class defined in a function cannot be pickled into spawn/forkserver workers "
        "(AttributeError: Can't pickle local object '{qualname}')"
    ),
    fix="define the class at module level and pass what it takes from {function}() to its constructor",
    words=("Sequence", "PyDataset", "torch+Dataset"),
    options=("sequence-bases", "keras-version", "assume-multiprocessing", "target-platforms", "python-version"),
)


def local_name(facts, fn, cls: ast.ClassDef) -> str:
    """The ``__qualname__`` pickle names in its error: ``predict.<locals>.Batches``."""
    owner = facts.walk.method_owner.get(id(fn))
    prefix = f"{owner.name}.{fn.name}" if owner is not None else fn.name
    return f"{prefix}.<locals>.{cls.name}"


def check(facts, report) -> None:
    if not facts.walk.all_functions or not facts.hierarchy.data_loaders:
        return
    local = None
    for loader in facts.hierarchy.data_loaders:
        if local is None:
            local = local_classes(facts)
        fn = local.get(id(loader.node))
        if fn is None or not loader.worker_methods:
            continue
        settings = facts.launches.loader_process_settings(loader)
        if not settings.may_use_processes:
            continue
        report(
            "KMP204",
            loader.node,
            loader=loader.name,
            function=fn.name,
            when=settings.when,
            qualname=local_name(facts, fn, loader.node),
            related=launch_related(loader, settings.site),
        )
