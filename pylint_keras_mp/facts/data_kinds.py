"""Data kinds: whether an expression is a tf.data.Dataset, in-memory arrays, or a plain Python
iterator (a generator or an object with ``__next__``)."""

from __future__ import annotations

import ast

from .keras_api import KERAS_ROOTS
from .syntax import FunctionNode, is_generator_function, keyword, source_text

# tf.data.Dataset methods that return a Dataset (as_numpy_iterator() and friends do not).
DATASET_METHODS = frozenset(
    {
        "apply", "batch", "bucket_by_sequence_length", "cache", "concatenate", "enumerate",
        "filter", "flat_map", "group_by_window", "ignore_errors", "interleave", "map",
        "padded_batch", "prefetch", "ragged_batch", "rebatch", "rejection_resample", "repeat",
        "scan", "shard", "shuffle", "skip", "snapshot", "sparse_batch", "take", "take_while",
        "unbatch", "unique", "window", "with_options", "zip",
    }
)
TF_DATASET_CLASSES = frozenset(
    {
        "tensorflow.data.TFRecordDataset",
        "tensorflow.data.TextLineDataset",
        "tensorflow.data.FixedLengthRecordDataset",
        "tensorflow.data.experimental.CsvDataset",
        "tensorflow.data.experimental.SqlDataset",
        "tensorflow.data.experimental.make_csv_dataset",
        "tensorflow.data.experimental.make_batched_features_dataset",
    }
)
KERAS_DATASET_HELPERS = frozenset(
    {
        "image_dataset_from_directory",
        "text_dataset_from_directory",
        "audio_dataset_from_directory",
        "timeseries_dataset_from_array",
    }
)

# numpy callables that do not return an array (iterators, RNG objects, context managers...).
NUMPY_NON_ARRAYS = frozenset(
    {
        "numpy.nditer", "numpy.ndenumerate", "numpy.ndindex", "numpy.nested_iters",
        "numpy.vectorize", "numpy.frompyfunc", "numpy.errstate", "numpy.printoptions",
        "numpy.dtype", "numpy.finfo", "numpy.iinfo", "numpy.seterr", "numpy.geterr",
        "numpy.random.default_rng", "numpy.random.RandomState", "numpy.random.Generator",
        "numpy.random.SeedSequence", "numpy.random.BitGenerator", "numpy.random.PCG64",
        "numpy.random.PCG64DXSM", "numpy.random.MT19937", "numpy.random.Philox",
        "numpy.random.SFC64",
    }
)
PANDAS_FRAMES = frozenset(
    {
        "pandas.DataFrame", "pandas.Series", "pandas.concat", "pandas.get_dummies",
        "pandas.merge", "pandas.to_numeric", "pandas.array",
    }
)
ARRAY_ATTRIBUTES = frozenset({"values", "T"})
ARRAY_METHODS = frozenset(
    {
        "astype", "reshape", "to_numpy", "copy", "squeeze", "transpose", "flatten", "ravel",
        "drop", "dropna", "fillna",
    }
)

def is_dataset_constructor(qualname: str) -> bool:
    if qualname.startswith("tensorflow.data.Dataset.") or qualname in TF_DATASET_CLASSES:
        return True
    head, _, last = qualname.rpartition(".")
    return last in KERAS_DATASET_HELPERS and (head + ".").startswith(
        tuple(root + "." for root in KERAS_ROOTS)
    )


def is_array_constructor(qualname: str, call: ast.Call) -> bool:
    if qualname.startswith("numpy."):
        return qualname not in NUMPY_NON_ARRAYS
    if qualname.startswith("pandas.read_"):
        # chunksize= / iterator= make the reader an iterator of frames
        return keyword(call, "chunksize") is None and keyword(call, "iterator") is None
    return qualname in PANDAS_FRAMES


class DataKinds:
    """What kind of data an expression is, on top of the resolver and the class hierarchy."""

    def plain_iterator(self, node: ast.AST | None, fn: FunctionNode | None, _depth: int = 0):
        """(description, is_generator) when an expression is a plain Python generator (a generator
        expression, a call of a generator function or method defined in the module) or an
        instance of a module class that defines ``__next__`` and is no data loader; else None."""
        node, fn, names = self.follow_names(node, fn, at_launch=True)
        if node is None:
            return None
        found = self._plain_iterator_value(node, fn)
        if not found:
            return None
        what = found[0] + "".join(f" (via '{name}')" for name in reversed(names))
        return what, found[1]

    def _plain_iterator_value(self, node: ast.AST, fn: FunctionNode | None):
        if isinstance(node, ast.GeneratorExp):
            return "a generator expression", True
        if not isinstance(node, ast.Call):
            return None
        func = node.func
        if isinstance(func, ast.Name):
            definition = self.definition_of(func.id, fn)
            if isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if is_generator_function(definition):
                    return f"the generator {func.id}()", True
            elif isinstance(definition, ast.ClassDef):
                if not any(loader.node is definition for loader in self.data_loaders) and (
                    "__next__" in self.class_methods(definition)
                ):
                    return f"a {func.id} object (a plain iterator: its class defines __next__)", False
            return None
        if isinstance(func, ast.Attribute):
            owner = self.instance_class(func.value, fn)
            if owner is not None:
                method = self.class_methods(owner).get(func.attr)
                if method is not None and is_generator_function(method):
                    return f"the generator {source_text(func)}()", True
        return None

    def is_dataset_value(self, node: ast.AST | None, fn: FunctionNode | None, _depth: int = 0) -> bool:
        """A tf.data.Dataset built in the module: ``tf.data.Dataset.*(...)``, a tf.data
        ``*Dataset(...)`` class, Keras' ``*_dataset_from_*`` helpers, and chains of the
        Dataset methods that return a Dataset (``.batch()``, ``.prefetch()``, ``.map()``...)."""
        node, fn = self.follow(node, fn, at_launch=True)
        if node is None or _depth > 8 or not isinstance(node, ast.Call):
            return False
        qualname = self.qualname(node.func, fn)
        if qualname is not None:
            return is_dataset_constructor(qualname)
        func = node.func
        return (
            isinstance(func, ast.Attribute)
            and func.attr in DATASET_METHODS
            and self.is_dataset_value(func.value, fn, _depth + 1)
        )

    def is_in_memory_value(self, node: ast.AST | None, fn: FunctionNode | None, _depth: int = 0) -> bool:
        """Arrays built in the module by numpy or pandas, and subscripts / array-preserving
        methods of them (``.values``, ``.astype()``, ``.reshape()``...)."""
        node, fn = self.follow(node, fn, at_launch=True)
        if node is None or _depth > 8:
            return False
        if isinstance(node, ast.Subscript):
            return self.is_in_memory_value(node.value, fn, _depth + 1)
        if isinstance(node, ast.Attribute):
            return node.attr in ARRAY_ATTRIBUTES and self.is_in_memory_value(node.value, fn, _depth + 1)
        if not isinstance(node, ast.Call):
            return False
        qualname = self.qualname(node.func, fn)
        if qualname is not None:
            return is_array_constructor(qualname, node)
        func = node.func
        return (
            isinstance(func, ast.Attribute)
            and func.attr in ARRAY_METHODS
            and self.is_in_memory_value(func.value, fn, _depth + 1)
        )
