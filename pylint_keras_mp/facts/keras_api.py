"""What the analysis knows about Keras by name: loader bases, launch methods, worker arguments."""

from __future__ import annotations

# Roots under which `Sequence` / `PyDataset` are Keras data loader bases.
KERAS_ROOTS = ("keras", "tf_keras", "tensorflow.keras", "tensorflow.python.keras")
LOADER_BASE_NAMES = frozenset({"Sequence", "PyDataset"})
LAUNCH_METHODS = frozenset(
    {"fit", "evaluate", "predict", "fit_generator", "evaluate_generator", "predict_generator"}
)
WORKER_ENTRY = "__getitem__"
PICKLE_HOOKS = frozenset({"__getstate__", "__reduce__", "__reduce_ex__"})
# The keyword arguments Keras 2 takes on fit/evaluate/predict and Keras 3 on PyDataset.__init__.
WORKER_ARGUMENTS = frozenset({"workers", "use_multiprocessing", "max_queue_size"})
KERAS_IMPORT_ROOTS = frozenset({"keras", "tensorflow", "tf_keras"})


def is_keras_loader_base(qualname: str) -> bool:
    head, _, last = qualname.rpartition(".")
    if last not in LOADER_BASE_NAMES or not head:
        return False
    return any(qualname.startswith(root + ".") for root in KERAS_ROOTS)


def imports_keras(imports: dict[str, str]) -> bool:
    """The module imports keras, tensorflow or tf_keras, so its fit/evaluate/predict are Keras'."""
    return any(target.split(".")[0] in KERAS_IMPORT_ROOTS for target in imports.values())
