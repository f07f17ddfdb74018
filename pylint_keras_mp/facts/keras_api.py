"""What the analysis knows about Keras by name: loader bases, launch methods, worker arguments."""

from __future__ import annotations

from ..keras_components import KERAS_COMPONENTS
from .torch_api import is_torch_dataset_base

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


# Helpers that hand out Keras' own submodules by name: ``get_keras_submodule("utils")`` is
# ``keras.utils`` (keras_preprocessing, which Keras 2 configures with its own modules).
KERAS_SUBMODULE_HELPERS = frozenset({"keras_preprocessing.get_keras_submodule"})
KERAS_SUBMODULES = frozenset({"utils", "backend"})


# What a data loader known only by use (given to a launch or an enqueuer) has for its Keras base.
GIVEN_TO_KERAS = "<given to Keras>"
ENQUEUERS = frozenset({"OrderedEnqueuer", "SequenceEnqueuer"})
# Roots of bases known to be no Keras data loader.
NOT_LOADER_ROOTS = frozenset({"builtins", "collections", "typing", "torch", "grain", "abc"})


def is_keras_loader_base(qualname: str) -> bool:
    """A Keras loader base, or a torch Dataset base (its subclasses are judged as loaders where
    a DataLoader runs them in worker processes: ``DataLoader.pipeline``)."""
    if is_torch_dataset_base(qualname):
        return True
    head, _, last = qualname.rpartition(".")
    if last not in LOADER_BASE_NAMES or not head:
        return False
    return any(qualname.startswith(root + ".") for root in KERAS_ROOTS)


def import_path_uses_keras(path: str) -> bool:
    """One import's dotted path (``efficientnet.keras.EfficientNetB0``, ``.keras``) has a
    ``keras``, ``tensorflow`` or ``tf_keras`` component."""
    return any(component in KERAS_COMPONENTS for component in path.split("."))


def imports_keras(import_paths) -> bool:
    """The one answer to "does this module use Keras": any of its imports' dotted paths (every
    import, at any depth) has a ``keras``, ``tensorflow`` or ``tf_keras`` component, so its
    fit/evaluate/predict are Keras'."""
    return any(import_path_uses_keras(path) for path in import_paths)
