"""KMP602 iterable-dataset-not-sharded: an IterableDataset run by a DataLoader with several
workers yields every item in every worker (measured: 8 items, 2 workers, 16 out)."""

from __future__ import annotations

import ast

from ..facts.pipelines import OPEN, argument
from ..rule import Rule

RULE = Rule(
    code="KMP602",
    symbol="iterable-dataset-not-sharded",
    severity="W",
    summary=(
        "An IterableDataset run by a DataLoader with several workers does not split its items "
        "by worker"
    ),
    template=(
        "{loader}.__iter__ never calls torch.utils.data.get_worker_info(), and {dataloader} runs "
        "it in every worker: each worker yields every item, so the epoch repeats each item once "
        "per worker"
    ),
    fix=(
        "shard in __iter__: info = get_worker_info(); yield from items[info.id::info.num_workers] "
        "when info is not None"
    ),
    words=("IterableDataset",),
    autofix="kmp602_fix",
)

SHARDING_WORDS = ("get_worker_info", "worker_info", "worker_id")


def _shards_itself(facts, loader) -> bool:
    """Anything that may split the items by worker: the module or the class's modules name the
    worker info, or a DataLoader that runs it sets a worker_init_fn (which may set the range)."""
    owners = {id(facts): facts, id(facts.hierarchy.owner_of(loader)): facts.hierarchy.owner_of(loader)}
    owners.update({id(owner): owner for owner, _cls in loader.foreign})
    return any(word in owner.source for owner in owners.values() for word in SHARDING_WORDS)


def check(facts, report) -> None:
    for loader in facts.hierarchy.data_loaders:
        if loader.worker_entry != "__iter__" or "__iter__" not in loader.methods:
            continue
        running = facts.pipelines.torch_loader_running(loader)
        if running is None or _shards_itself(facts, loader):
            continue
        if running.workers is not OPEN and running.workers < 2:
            continue  # one worker yields each item once
        if argument(running.call, "worker_init_fn") is not None:
            continue
        iter_method = loader.methods["__iter__"]
        report(
            "KMP602",
            iter_method,
            loader=loader.name,
            dataloader=f"{running.label} on line {running.call.lineno}{running.condition}",
        )
