"""What the analysis knows about torch.utils.data by name (no torch needed): the Dataset bases
whose subclasses a ``DataLoader`` runs in its workers, and the DataLoader itself."""

from __future__ import annotations

# A subclass of one of these is a torch dataset: its ``__getitem__`` (``__iter__`` for an
# IterableDataset) runs in the DataLoader's worker processes when ``num_workers > 0``.
TORCH_MAP_DATASETS = frozenset({"torch.utils.data.Dataset", "torch.utils.data.dataset.Dataset"})
TORCH_ITERABLE_DATASETS = frozenset(
    {"torch.utils.data.IterableDataset", "torch.utils.data.dataset.IterableDataset"}
)
TORCH_DATASET_BASES = TORCH_MAP_DATASETS | TORCH_ITERABLE_DATASETS
TORCH_DATALOADERS = frozenset({"torch.utils.data.DataLoader", "torch.utils.data.dataloader.DataLoader"})
# DataLoader's parameters in order (torch 2.x): num_workers is the sixth.
DATALOADER_PARAMETERS = (
    "dataset", "batch_size", "shuffle", "sampler", "batch_sampler", "num_workers", "collate_fn",
    "pin_memory", "drop_last", "timeout", "worker_init_fn", "multiprocessing_context",
    "generator",
)
# The DataLoader arguments torch pickles into every spawn/forkserver worker besides the dataset
# (measured: the sampler and batch_sampler stay in the parent).
PICKLED_CALLABLES = ("collate_fn", "worker_init_fn")


def is_torch_dataset_base(qualname: str) -> bool:
    return qualname in TORCH_DATASET_BASES

# grain: transforms its multiprocessing prefetch runs in spawn workers, pickled with cloudpickle.
GRAIN_TRANSFORM_BASES = frozenset(
    {
        "grain.transforms.Map", "grain.transforms.RandomMap", "grain.transforms.Filter",
        "grain.transforms.MapWithIndex", "grain.python.MapTransform",
        "grain.python.RandomMapTransform", "grain.python.FilterTransform",
        "grain.python.MapWithIndexTransform",
    }
)
GRAIN_TRANSFORM_METHODS = ("map", "random_map", "filter", "map_with_index")
GRAIN_DATALOADERS = frozenset({"grain.DataLoader", "grain.python.DataLoader"})
GRAIN_OPTIONS = frozenset(
    {"grain.multiprocessing.MultiprocessingOptions", "grain.MultiprocessingOptions",
     "grain.python.MultiprocessingOptions"}
)
