"""Data kinds: whether an expression is a tf.data.Dataset, in-memory arrays, or a plain Python
iterator (a generator or an object with ``__next__``)."""

from __future__ import annotations

import ast
from typing import NamedTuple

from .bindings import Unpacked
from .follow import too_deep
from .keras_api import KERAS_ROOTS
from .syntax import (
    FunctionNode,
    is_generator_function,
    keyword,
    source_text,
    walk_scope,
)

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
# pandas (and xarray, polars...) give a numpy array whatever they are called on.
ARRAY_RESULTS = frozenset({"values"})  # attributes
ARRAY_RESULT_METHODS = frozenset({"to_numpy"})
# scikit-learn transformers return arrays; train_test_split a list of arrays (or frames).
SKLEARN_ARRAY_METHODS = frozenset({"fit_transform", "transform", "inverse_transform"})
ARRAY_SPLITTERS = frozenset({"sklearn.model_selection.train_test_split"})

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
    return qualname in PANDAS_FRAMES or qualname in ARRAY_SPLITTERS


def is_keras_dataset_loader(qualname: str) -> bool:
    """``keras.datasets.mnist.load_data`` and friends: nested tuples of numpy arrays."""
    head, _, last = qualname.rpartition(".")
    module, _, _name = head.rpartition(".")
    return last == "load_data" and module in tuple(root + ".datasets" for root in KERAS_ROOTS)


# Calls and literals whose result is a container, not a stream: a wrapper returning one
# materialises the stream.
CONTAINER_NODES = (ast.List, ast.Tuple, ast.Set, ast.Dict, ast.ListComp, ast.SetComp, ast.DictComp)
MATERIALISING_CALLS = frozenset(
    {"builtins.list", "builtins.tuple", "builtins.set", "builtins.dict", "builtins.sorted"}
)
from .hierarchy import LoaderHierarchy
from .module import ModuleWalk
from .resolver import Resolver


class PlainIterator(NamedTuple):
    """What ``plain_iterator`` found. ``kind``: "expression" (a generator expression),
    "generator" (a call of the generator function or method ``name``, as written: ``self.batches``),
    "decorated" (a call of the generator function ``name`` under the module's own ``decorator``),
    "wrapped" (the plain iterator ``inner`` passed to the module's own function or class
    ``name``), "iterator" (an instance of the module class ``name`` that defines ``__next__``).
    ``is_generator``: a generator (else an object with ``__next__``); ``wrapped``: the module
    wraps it (a decorator or wrapper of its own, typically a lock that makes it safe for threads,
    not for processes); ``via``: the names followed from the expression to the value, the
    nearest to the value first."""

    kind: str
    is_generator: bool
    wrapped: bool
    name: str = ""
    decorator: str = ""
    inner: PlainIterator | None = None
    via: tuple[str, ...] = ()


def _mentions(node: ast.AST, name: str) -> bool:
    return any(isinstance(child, ast.Name) and child.id == name for child in ast.walk(node))


class DataKinds:
    """What kind of data an expression is, on top of the resolver and the class hierarchy."""

    def __init__(self, walk: ModuleWalk, resolver: Resolver, hierarchy: LoaderHierarchy) -> None:
        self.walk = walk
        self.resolver = resolver
        self.hierarchy = hierarchy

    def plain_iterator(self, node: ast.AST | None, fn: FunctionNode | None, _depth: int = 0):
        """A ``PlainIterator`` when an expression is a plain Python generator (a generator
        expression, a call of a generator function or method defined in the module, also one
        decorated or wrapped by the module's own functions: ``threadsafe_generator(gen())``) or
        an instance of a module class that defines ``__next__`` and is no data loader; else None."""
        if too_deep(_depth):
            return None
        node, fn, names = self.resolver.follow_names(node, fn, at_launch=True)
        if node is None:
            return None
        found = self._plain_iterator_value(node, fn, _depth)
        if not found:
            return None
        return found._replace(via=tuple(reversed(names))) if names else found

    def _plain_iterator_value(self, node: ast.AST, fn: FunctionNode | None, depth: int):
        if isinstance(node, ast.GeneratorExp):
            return PlainIterator("expression", True, False)
        if not isinstance(node, ast.Call):
            return None
        func = node.func
        if isinstance(func, ast.Name):
            definition = self.resolver.definition_of(func.id, fn)
            if isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                return self._iterator_of_definition(self.walk.facts, definition, node, fn, depth)
            if self.resolver.qualname(func, fn) == "builtins.iter":
                return self._wrapped_iterator(node, fn, depth)  # iter() of a generator is itself
            if self.walk.project is not None:
                # a function or class of another project module, judged with that module's
                # facts (its own decorators and wrappers)
                imported = self.walk.project.imported_definition(self.walk.facts, func, fn)
                if imported is not None:
                    return self._iterator_of_definition(*imported, node, fn, depth)
            return None
        if isinstance(func, ast.Attribute):
            if self.walk.project is not None:
                # ``data_processor.generator(...)``: a function of an imported project module
                imported = self.walk.project.imported_definition(self.walk.facts, func, fn)
                if imported is not None:
                    return self._iterator_of_definition(*imported, node, fn, depth)
            owner = self.resolver.instance_class(func.value, fn)
            if owner is not None:
                method = self.hierarchy.class_methods(owner).get(func.attr)
                if method is not None and is_generator_function(method):
                    return PlainIterator("generator", True, False, name=source_text(func))
        return None

    def _iterator_of_definition(self, owner, definition, call: ast.Call, fn, depth: int):
        """``_plain_iterator_value`` for a call of a function or class of the module ``owner``
        (this one, or another project module): a generator function, one decorated by the
        module's own decorators, a wrapper of the module around a plain iterator, or a class of
        the module that defines ``__next__`` and is no data loader."""
        name = call.func.id if isinstance(call.func, ast.Name) else call.func.attr
        if isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if is_generator_function(definition):
                return PlainIterator("generator", True, False, name=name)
            decorator = owner.data_kinds._own_decorator_of_generator(definition)
            if decorator is not None:
                return PlainIterator("decorated", True, True, name=name, decorator=decorator)
            inner = self._wrapped_iterator(call, fn, depth)
            if inner is not None and not owner.data_kinds._materialises(definition):
                return PlainIterator("wrapped", inner.is_generator, True, name=name, inner=inner)
        elif isinstance(definition, ast.ClassDef):
            if not any(loader.node is definition for loader in owner.hierarchy.data_loaders) and (
                "__next__" in owner.hierarchy.class_methods(definition)
            ):
                inner = self._wrapped_iterator(call, fn, depth)
                if inner is not None:  # threadsafe_iter(gen()): a wrapper class of the module
                    return PlainIterator("wrapped", inner.is_generator, True, name=name, inner=inner)
                return PlainIterator("iterator", False, False, name=name)
        return None

    def _wrapped_iterator(self, call: ast.Call, fn: FunctionNode | None, depth: int):
        """The plain iterator a one-argument wrapper call is given (``wrap(gen())``), if any."""
        if len(call.args) != 1 or isinstance(call.args[0], ast.Starred):
            return None
        return self.plain_iterator(call.args[0], fn, depth + 1)

    def _materialises(self, function: FunctionNode) -> bool:
        """A function that returns a list, tuple, set, dict or array (``return list(g)``): its
        result is data, not a wrapped stream."""
        for node in walk_scope(function):
            if not isinstance(node, ast.Return) or node.value is None:
                continue
            value = node.value
            if isinstance(value, CONTAINER_NODES):
                return True
            if isinstance(value, ast.Call):
                qualname = self.resolver.qualname(value.func, function) or ""
                if qualname in MATERIALISING_CALLS or qualname.startswith("numpy."):
                    return True
        return False

    def _own_decorator_of_generator(self, definition: FunctionNode) -> str | None:
        """A generator function decorated only by the module's own functions or classes
        (``@threadsafe_generator``): the first decorator, as written; None otherwise (an
        imported decorator such as ``contextlib.contextmanager`` may make it anything)."""
        if not isinstance(definition, ast.FunctionDef) or not definition.decorator_list:
            return None
        if not any(isinstance(node, (ast.Yield, ast.YieldFrom)) for node in walk_scope(definition)):
            return None
        for decorator in definition.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if not isinstance(target, ast.Name):
                return None
            if isinstance(self.resolver.definition_of(target.id, None), (ast.FunctionDef, ast.ClassDef)):
                continue
            # a decorator of another project module (``from .utils import threadsafe_generator``)
            project = self.walk.project
            if project is None or project.imported_definition(self.walk.facts, target) is None:
                return None
        return "@" + source_text(definition.decorator_list[0])

    def _every_binding(self, name, fn, kind, unpacked_kind, depth, assumed) -> bool:
        """Whether every binding of a name has a data kind (a name bound once is the simple
        case; ``ds = ds.batch(32)`` rebinds it step by step): while its bindings are checked,
        the name itself counts as having the kind, and one binding must not mention it."""
        sources, scope = self.resolver.binding_sources(name, fn, at_launch=True)
        key = (name, id(scope))
        if key in assumed:
            return True
        if not sources or any(source is None for source in sources):
            return False
        # The answer depends only on the name, the kind and the depth: computed once, so that
        # names rebound from each other many times cost no more than the bindings themselves.
        memo = self.__dict__.setdefault("_data_kind_memo", {})
        memo_key = (kind.__name__, key, depth)
        if memo_key not in memo:
            memo[memo_key] = self._every_binding_uncached(
                name, scope, sources, kind, unpacked_kind, depth, key
            )
        return memo[memo_key]

    def _every_binding_uncached(self, name, scope, sources, kind, unpacked_kind, depth, key) -> bool:
        # Only the name's own self-references are assumed: another name met on the way is
        # checked afresh (a cycle through it ends at the depth limit, unknown).
        inner = frozenset({key})
        grounded = False
        for source in sources:
            if isinstance(source, Unpacked):
                if not unpacked_kind(source, scope):
                    return False
                value = source.value
            elif not kind(source, scope, depth + 1, inner):
                return False
            else:
                value = source
            grounded = grounded or not _mentions(value, name)
        return grounded

    def is_dataset_value(
        self, node: ast.AST | None, fn: FunctionNode | None, _depth: int = 0, _assumed=frozenset()
    ) -> bool:
        """A tf.data.Dataset built in the module: ``tf.data.Dataset.*(...)``, a tf.data
        ``*Dataset(...)`` class, Keras' ``*_dataset_from_*`` helpers, and chains of the
        Dataset methods that return a Dataset (``.batch()``, ``.prefetch()``, ``.map()``...),
        also through a name rebound step by step (``ds = ds.batch(32)``)."""
        if node is None or too_deep(_depth):
            return False
        if isinstance(node, ast.Name):
            rebound = self._rebound_parameter(node, fn)
            if rebound is not None:
                return self.is_dataset_value(rebound, fn, _depth + 1, _assumed)
            return self._every_binding(
                node.id, fn, self.is_dataset_value, self._unpacked_dataset, _depth, _assumed
            )
        if not isinstance(node, ast.Call):
            return False
        qualname = self.resolver.qualname(node.func, fn)
        if qualname is not None:
            return is_dataset_constructor(qualname)
        func = node.func
        return (
            isinstance(func, ast.Attribute)
            and func.attr in DATASET_METHODS
            and self.is_dataset_value(func.value, fn, _depth + 1, _assumed)
        )

    def _rebound_parameter(self, node: ast.Name, fn: FunctionNode | None) -> ast.expr | None:
        """The value a parameter holds where ``node`` reads it, when the function rebinds it
        only by plain assignments among its top-level statements (``def train(train): train =
        tf.data.Dataset.from_generator(train, ...); model.fit(train)``): the last one before
        ``node``. None when it is no parameter, is rebound anywhere else, or not before."""
        if fn is None:
            return None
        scope = self.walk.scope(fn)
        name = node.id
        if name not in scope.params or name in scope.globals:
            return None
        top_level = [
            stmt
            for stmt in fn.body
            if isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and stmt.targets[0].id == name
        ]
        if not top_level or scope.table.counts.get(name) != len(top_level):
            return None
        before = [stmt for stmt in top_level if stmt.end_lineno < node.lineno]
        return before[-1].value if before else None

    def _unpacked_dataset(self, source: Unpacked, fn: FunctionNode | None) -> bool:
        """``train, val = image_dataset_from_directory(..., subset="both")``."""
        value = source.value
        if len(source.path) != 1 or not isinstance(value, ast.Call):
            return False
        qualname = self.resolver.qualname(value.func, fn) or ""
        subset = keyword(value, "subset")
        return (
            qualname.rpartition(".")[2] in KERAS_DATASET_HELPERS
            and is_dataset_constructor(qualname)
            and isinstance(subset, ast.Constant)
            and subset.value == "both"
        )

    def is_in_memory_value(
        self, node: ast.AST | None, fn: FunctionNode | None, _depth: int = 0, _assumed=frozenset()
    ) -> bool:
        """Arrays built in the module: by numpy, pandas (``.values``, ``.to_numpy()`` of
        anything), scikit-learn (a transformer's ``fit_transform``/``transform``,
        ``train_test_split``) or ``keras.datasets``; subscripts, arithmetic and array-preserving
        methods of them (``.astype()``, ``.reshape()``...); also through a name rebound step by
        step (``x = sc.fit_transform(x)``)."""
        if node is None or too_deep(_depth):
            return False
        if isinstance(node, ast.Name):
            return self._every_binding(
                node.id, fn, self.is_in_memory_value, self._unpacked_arrays, _depth, _assumed
            )
        if isinstance(node, ast.Subscript):
            return self.is_in_memory_value(node.value, fn, _depth + 1, _assumed)
        if isinstance(node, ast.BinOp):
            return any(
                self.is_in_memory_value(side, fn, _depth + 1, _assumed)
                for side in (node.left, node.right)
            )
        if isinstance(node, ast.Attribute):
            if node.attr in ARRAY_RESULTS and self.resolver.qualname(node.value, fn) is None:
                return True
            return node.attr in ARRAY_ATTRIBUTES and self.is_in_memory_value(
                node.value, fn, _depth + 1, _assumed
            )
        if not isinstance(node, ast.Call):
            return False
        qualname = self.resolver.qualname(node.func, fn)
        if qualname is not None:
            return is_array_constructor(qualname, node)
        func = node.func
        if not isinstance(func, ast.Attribute):
            return False
        if func.attr in ARRAY_RESULT_METHODS:
            return True
        if func.attr in SKLEARN_ARRAY_METHODS:
            return self.is_sklearn_object(func.value, fn)
        return func.attr in ARRAY_METHODS and self.is_in_memory_value(
            func.value, fn, _depth + 1, _assumed
        )

    def _unpacked_arrays(self, source: Unpacked, fn: FunctionNode | None) -> bool:
        """``x_train, x_test, ... = train_test_split(...)``, ``a, b = np.split(...)``,
        ``(x, y), (x_val, y_val) = keras.datasets.mnist.load_data()``."""
        value = source.value
        if not isinstance(value, ast.Call):
            return False
        qualname = self.resolver.qualname(value.func, fn) or ""
        if is_keras_dataset_loader(qualname):
            return len(source.path) <= 2
        return len(source.path) == 1 and (
            qualname in ARRAY_SPLITTERS
            or (qualname.startswith("numpy.") and qualname not in NUMPY_NON_ARRAYS)
        )

    def is_sklearn_object(self, node: ast.AST | None, fn: FunctionNode | None) -> bool:
        """An object built by a scikit-learn constructor (``StandardScaler()``,
        ``make_pipeline(...)``), directly or through a name bound once."""
        node, fn = self.resolver.follow(node, fn, at_launch=True)
        if not isinstance(node, ast.Call):
            return False
        qualname = self.resolver.qualname(node.func, fn)
        return qualname is not None and qualname.startswith("sklearn.")
