"""KMP203 notebook-defined-loader: a loader class defined in a notebook runs in worker processes."""

from __future__ import annotations

from ..rule import Rule
from ._common import launch_label, local_classes

RULE = Rule(
    code="KMP203",
    symbol="notebook-defined-loader",
    severity="E",
    summary="Data loader class defined in a notebook runs in worker processes (spawn/forkserver hang)",
    template=(
        "data loader '{loader}' is defined in a notebook and {how}: spawn/forkserver workers "
        "cannot import a class from a notebook and the call never returns"
    ),
    fix="move the class into a .py module next to the notebook and import it",
    forms=(
        (
            "dataloader",
            "torch Dataset '{loader}' is defined in a notebook and {how}: spawn/forkserver "
            "workers cannot import a class from a notebook (Can't get attribute '{loader}' on "
            "<module '__main__'>) and the loop fails with 'DataLoader worker ... exited "
            "unexpectedly'",
            "move the class into a .py module next to the notebook and import it",
        ),
    ),
    words=("Sequence", "PyDataset", "torch+Dataset", "IterableDataset"),
    options=("sequence-bases", "assume-multiprocessing", "target-platforms", "python-version"),
)


def process_use(facts, loader) -> str | None:
    """How the notebook runs ``loader`` in worker processes, as a clause for the message; None
    when it does not, or the analysis cannot tell (data it cannot trace to this class)."""
    if loader.pipeline == "torch":
        running = facts.pipelines.torch_loader_running(loader)
        return f"runs in the worker processes of {running.label}" if running is not None else None
    for launch in facts.launches.multiprocessing_launches:
        if launch.loader is loader or (
            launch.loader is None
            and launch.data is not None
            and facts.resolver.instance_class(launch.data, launch.function) is loader.node
        ):
            when = facts.launches.launch_settings(launch).when
            return f"runs in worker processes through {launch_label(launch)}{when}"
    for call, fn, constructed in facts.launches.loader_constructions:
        if constructed is not loader:
            continue
        settings = facts.launches.construction_settings(loader, call, fn)
        if settings.kind == "processes":
            return "is constructed with use_multiprocessing=True"
        if settings.kind == "open":
            return f"is constructed to run in worker processes{settings.when}"
    return None


def check(facts, report) -> None:
    if not facts.is_notebook:
        return
    local = local_classes(facts)
    for loader in facts.hierarchy.data_loaders:
        if id(loader.node) in local:
            continue  # a class defined in a function fails to pickle first (KMP204)
        how = process_use(facts, loader)
        if how is not None:
            form = "dataloader" if loader.pipeline == "torch" else None
            report("KMP203", loader.node, loader=loader.name, how=how, form=form)
