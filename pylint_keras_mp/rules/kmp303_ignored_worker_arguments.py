"""KMP303 ignored-worker-arguments: workers/use_multiprocessing/max_queue_size that do nothing."""

from __future__ import annotations

import ast

from ..facts import UNKNOWN, WORKER_ARGUMENTS, Autotune, is_super_init, keyword, walk_scope
from ..rule import Rule
from ._common import arguments_text, launch_label

RULE = Rule(
    code="KMP303",
    symbol="ignored-worker-arguments",
    severity="W",
    summary="workers/use_multiprocessing/max_queue_size are passed where Keras silently ignores them",
    template="{launch} passes {args}{context}: {consequence}",
    fix="drop them, or give a data loader a positive workers count such as os.cpu_count()",
    words=("Sequence", "PyDataset", "workers", "use_multiprocessing", "max_queue_size"),
    options=("sequence-bases", "keras-version"),
    autofix="kmp303_fix",
)

# Why the launch's data takes no workers (facts.launches.input_takes_no_workers), as the message says it.
NO_WORKERS_CONTEXT = {
    "dataset": " with a tf.data.Dataset",
    "y": " with in-memory arrays (y is given)",
    "validation_split": " with in-memory arrays (validation_split= is given)",
    "arrays": " with in-memory arrays",
}
DO_NOTHING = "Keras applies them only to data loaders and generators, so they do nothing"
NEGATIVE = "a negative count means no workers (not all cores), so every batch loads in the main thread"


def main_thread_reason(mp, workers) -> str | None:
    """Why resolved worker settings load every batch in the main thread, or None."""
    if workers is UNKNOWN or workers is None:
        return None
    if workers < 0:
        if isinstance(workers, Autotune):
            return f"tf.data.AUTOTUNE is -1, and {NEGATIVE}"
        return NEGATIVE
    if workers == 0 and mp is True:
        return "workers <= 0 turns multiprocessing off and every batch loads in the main thread"
    return None


def _check_launches(facts, report) -> None:
    # Under Keras 3 these arguments raise instead: KMP305 reports the call.
    if not facts.version.uses_keras or facts.version.keras_version == 3:
        return
    for launch in facts.launches.launch_calls:
        keywords = facts.launches.launch_worker_arguments(launch)
        if not keywords or launch.method in facts.launches.user_defined_launch_methods:
            continue
        fields = {"launch": launch_label(launch), "args": arguments_text(keywords)}
        reason = facts.launches.input_takes_no_workers(launch)
        if reason is not None:
            context = NO_WORKERS_CONTEXT[reason]
            report("KMP303", launch.call, context=context, consequence=DO_NOTHING, **fields)
            continue
        reason = main_thread_reason(
            facts.launches.launch_bool(launch, "use_multiprocessing"), facts.launches.launch_int(launch, "workers")
        )
        if reason is not None:
            report("KMP303", launch.call, context="", consequence=reason, **fields)


def _class_hazards(facts, loader):
    """(super().__init__ call, its method, reason) where the class itself fixes such settings."""
    init = loader.methods.get("__init__")
    if init is None:
        return []
    found = []
    for node in walk_scope(init):
        if isinstance(node, ast.Call) and is_super_init(node):
            reason = main_thread_reason(
                facts.resolver.resolve_bool(keyword(node, "use_multiprocessing"), init),
                facts.resolver.resolve_int(keyword(node, "workers"), init),
            )
            if reason is not None:
                found.append((node, init, reason))
    return found


def forwards_to_base_init(loader, name: str) -> bool:
    """Whether a ``name=`` keyword given to the loader's constructor reaches the Keras base:
    no ``__init__`` in the module, a parameter passed on as ``name=name``, or ``**kwargs``
    passed on whole to ``super().__init__``."""
    init = loader.methods.get("__init__")
    if init is None:
        return True
    args = init.args
    named = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
    star = args.kwarg.arg if args.kwarg else None
    for node in walk_scope(init):
        if not (isinstance(node, ast.Call) and is_super_init(node)):
            continue
        for kw in node.keywords:
            if name in named and kw.arg == name and isinstance(kw.value, ast.Name):
                if kw.value.id == name:
                    return True
            if name not in named and kw.arg is None and isinstance(kw.value, ast.Name):
                if kw.value.id == star:
                    return True
    return False


def _check_constructions(facts, report) -> None:
    """Keras 3 form: the settings given to the data loader's constructor or super().__init__."""
    flagged_classes = set()
    for loader in facts.hierarchy.data_loaders:
        if not facts.version.is_keras3_loader(loader):
            continue
        for node, init, reason in _class_hazards(facts, loader):
            flagged_classes.add(loader.name)
            owner = facts.walk.method_owner.get(id(init))
            report(
                "KMP303",
                node,
                launch=f"{owner.name if owner else loader.name}.__init__",
                args=arguments_text(facts.launches.worker_arguments(node)),
                context=" to super().__init__()",
                consequence=reason,
            )
    for call, fn, loader in facts.launches.loader_constructions:
        arguments = facts.launches.call_arguments(call, fn)[0]  # written out or from **OPTIONS
        keywords = [argument for name, argument in arguments.items() if name in WORKER_ARGUMENTS]
        if not keywords or not facts.version.is_keras3_loader(loader):
            continue
        if not all(forwards_to_base_init(loader, kw.arg) for kw in keywords):
            continue  # the class consumes some of them itself: what reaches Keras is unknown
        mp, workers = facts.launches.loader_worker_settings(loader, call, fn)
        reason = main_thread_reason(mp, workers)
        if reason is None:
            continue
        if loader.name in flagged_classes and "workers" not in arguments:
            continue  # the class's own workers value is the hazard, reported on super().__init__
        report(
            "KMP303",
            call,
            launch=f"{loader.name}(...)",
            args=arguments_text(keywords),
            context="",
            consequence=reason,
        )


def check(facts, report) -> None:
    _check_launches(facts, report)
    _check_constructions(facts, report)
