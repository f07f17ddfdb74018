"""Which Keras a module is written for: its own evidence, the option, or installed metadata."""

from __future__ import annotations

import ast
import functools
import os

from ..installed import version
from .keras_api import (
    WORKER_ARGUMENTS,
    import_path_uses_keras,
    imports_keras,
    is_keras_loader_base,
)
from .syntax import is_super_init, source_text, walk_scope

# Keras-version evidence in a module (qualified-name prefixes). A call of fit_generator & co. is
# none: under Keras 3 it is the very mistake KMP306 reports.
KERAS3_PREFIXES = (
    "keras.src.",
    "keras.ops",
    "keras.config",
    "keras.random",
    "keras.tree",
    "keras.export",
    "keras.utils.PyDataset",
    "tensorflow.keras.utils.PyDataset",
)
KERAS2_PREFIXES = (
    "tf_keras",
    "tensorflow.python.keras",
    "keras.utils.data_utils",
    "keras.engine",
    "tensorflow.keras.utils.data_utils",
    # Keras 2 modules and names that Keras 3 removed (ModuleNotFoundError / ImportError measured
    # with Keras 3.15.1): a module importing one fails under Keras 3 before any call it makes.
    "keras.layers.core",
    "keras.layers.convolutional",
    "keras.layers.normalization",
    "keras.layers.recurrent",
    "keras.layers.cudnn_recurrent",
    "keras.layers.pooling",
    "keras.layers.merge",
    "keras.layers.advanced_activations",
    "keras.layers.embeddings",
    "keras.layers.wrappers",
    "keras.layers.noise",
    "keras.layers.local",
    "keras.layers.CuDNNLSTM",
    "keras.layers.CuDNNGRU",
    "keras.utils.np_utils",
    "keras.utils.generic_utils",
    "keras.utils.vis_utils",
    "keras.utils.conv_utils",
    "keras.utils.layer_utils",
    "keras.utils.io_utils",
    "keras.utils.multi_gpu_utils",
    "keras.utils.multi_gpu_model",
    "keras.backend.tensorflow_backend",
    "keras.wrappers.scikit_learn",
)
# TensorFlow's distributions: tf.keras is Keras 3 from TensorFlow 2.16 on, unless
# TF_USE_LEGACY_KERAS makes it tf_keras (the values TensorFlow itself accepts).
TENSORFLOW_DISTRIBUTIONS = (
    "tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tensorflow-macos", "tensorflow-intel",
    "tf-nightly", "tf-nightly-cpu",
)
from .module import ModuleWalk
from .resolver import Resolver

TF_KERAS3_FROM = (2, 16)
LEGACY_KERAS_VALUES = ("1", "true", "True")


@functools.lru_cache(maxsize=None)
def installed_version(distribution: str) -> str | None:
    """The version of an installed distribution, from its metadata (never imported); None when it
    is not installed. The one place where findings can depend on what is installed."""
    try:
        return version(distribution)
    except (OSError, ValueError, LookupError):  # broken or unreadable metadata: not installed
        return None


def _release(text: str | None) -> tuple[int, ...] | None:
    """(major, minor) of a version string such as ``2.16.1`` or ``2.17.0rc1``."""
    if not text:
        return None
    numbers = []
    for part in text.split(".")[:2]:
        digits = ""
        for char in part:
            if not char.isdigit():
                break
            digits += char
        if not digits:
            break
        numbers.append(int(digits))
    return tuple(numbers) or None


def installed_keras_major() -> int | None:
    """Major version of the installed ``keras`` distribution."""
    release = _release(installed_version("keras"))
    return release[0] if release else None


def installed_tf_keras_major() -> int | None:
    """The Keras major version ``tf.keras`` gives with the installed TensorFlow: 3 from 2.16 on
    unless ``TF_USE_LEGACY_KERAS`` is set, 2 before; None without TensorFlow."""
    release = next(
        (r for r in map(_release, map(installed_version, TENSORFLOW_DISTRIBUTIONS)) if r), None
    )
    if release is None:
        return None
    if release[:2] < TF_KERAS3_FROM or os.environ.get("TF_USE_LEGACY_KERAS") in LEGACY_KERAS_VALUES:
        return 2
    return 3


def evidence_text(node: ast.AST) -> str:
    """How a message names the node that shows the version: ``keras.utils.PyDataset``."""
    if isinstance(node, ast.Import):
        return "import " + ", ".join(alias.name for alias in node.names)
    if isinstance(node, ast.ImportFrom):
        names = ", ".join(alias.name for alias in node.names)
        return f"from {'.' * node.level}{node.module or ''} import {names}"
    if isinstance(node, ast.Call):
        return "super().__init__() with worker arguments"
    return source_text(node)


class KerasVersion:
    """The Keras version of the module, on top of the module walk and the resolver."""

    def __init__(self, walk: ModuleWalk, resolver: Resolver) -> None:
        self.walk = walk
        self.resolver = resolver

    @functools.cached_property
    def uses_keras(self) -> bool:
        """The module uses Keras (one of its imports has a keras/tensorflow/tf_keras component),
        so its fit/evaluate/predict are Keras'."""
        return imports_keras(self.walk.import_paths)

    @functools.cached_property
    def imports_tf_keras(self) -> bool:
        """The module imports ``tf_keras``: Keras 2, whatever the option says."""
        return any(path.split(".")[0] == "tf_keras" for path in self.walk.import_paths)

    @functools.cached_property
    def keras_version_evidence(self) -> dict[int, ast.AST]:
        """{2 or 3: first node that shows it} from the module's imports and API use."""
        evidence: dict[int, ast.AST] = {}
        version_attrs = {"PyDataset", "src", "ops", "config", "data_utils", "engine"}
        # From the module's index, not a new walk; "first" is first in source order.
        candidates = self.walk.import_nodes + [
            node
            for node in self.walk.nodes_of(ast.Attribute)
            if node.attr in version_attrs
        ]
        candidates.sort(key=lambda node: (node.lineno, node.col_offset))
        for node in self._loader_worker_arguments():
            candidates.append(node)
        candidates.sort(key=lambda node: (node.lineno, node.col_offset))
        for node in candidates:
            if isinstance(node, ast.Call):  # super().__init__(workers=...) in a loader
                evidence.setdefault(3, node)
                continue
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Attribute):
                if node.attr in version_attrs:
                    qualname = self.resolver.qualname(node)
                    names = [qualname] if qualname else []
            for name in names:
                if name.startswith(KERAS3_PREFIXES) or name.endswith(".PyDataset"):
                    evidence.setdefault(3, node)
                elif name.startswith(KERAS2_PREFIXES):
                    evidence.setdefault(2, node)
        return evidence

    def _loader_worker_arguments(self) -> list[ast.Call]:
        """``super().__init__(workers=..., ...)`` in the ``__init__`` of a class whose base is
        Keras' ``Sequence`` (or ``PyDataset``): only Keras 3's base takes worker arguments."""
        found = []
        for cls in self.walk.nodes_of(ast.ClassDef):
            if not any(is_keras_loader_base(self.resolver.qualname(base) or "") for base in cls.bases):
                continue
            for stmt in cls.body:
                if not (isinstance(stmt, ast.FunctionDef) and stmt.name == "__init__"):
                    continue
                for node in walk_scope(stmt):
                    if (
                        isinstance(node, ast.Call)
                        and is_super_init(node)
                        and any(kw.arg in WORKER_ARGUMENTS for kw in node.keywords)
                    ):
                        found.append(node)
        return found

    @functools.cached_property
    def keras_version_decided(self) -> tuple[int | None, str]:
        """(2, 3 or None, what decided it): ``tf_keras`` in the imports, else the option, else
        the module's own evidence, else the project's (its declared dependencies, then Keras-3-
        only API in its other modules), else what is installed where the linter runs."""
        if self.imports_tf_keras:
            return 2, "this module imports tf_keras"
        forced = self.walk.options.keras_version
        if forced in ("2", "3"):
            return int(forced), f"the keras-version option ({forced})"
        evidence = self.keras_version_evidence
        if len(evidence) == 1:
            version, node = next(iter(evidence.items()))
            return version, f"this module ({evidence_text(node)}, line {node.lineno})"
        if evidence or not self.uses_keras:
            return None, ""  # mixed signals, or no Keras at all
        if self.walk.project is not None:
            found = self.walk.project.keras_version_of_project()
            if found is not None:
                return found
        installed = self.installed_keras_version
        return installed, ("the Keras installed where the linter runs" if installed is not None else "")

    @property
    def keras_version(self) -> int | None:
        """2, 3 or None (unknown); ``keras_version_decided`` says what decided it."""
        return self.keras_version_decided[0]

    @property
    def keras_version_source(self) -> str:
        """What decided the Keras version, for messages: "requirements.txt (keras==2.3.1)"."""
        return self.keras_version_decided[1]

    @functools.cached_property
    def installed_keras_version(self) -> int | None:
        """The Keras the module's imports get in the linting environment: ``tensorflow.*``
        (``tf.keras``) from the installed TensorFlow, any other Keras import from the installed
        ``keras``; None when that is not installed or the two disagree."""
        via_tensorflow = any(path.split(".")[0] == "tensorflow" for path in self.walk.import_paths)
        via_keras = any(
            path.split(".")[0] != "tensorflow" and import_path_uses_keras(path)
            for path in self.walk.import_paths
        )
        majors = set()
        if via_tensorflow:
            majors.add(installed_tf_keras_major())
        if via_keras:
            majors.add(installed_keras_major())
        majors.discard(None)
        return majors.pop() if len(majors) == 1 else None

    def is_keras3_loader(self, loader) -> bool:
        if loader.by_use:
            return False  # its base is unknown: no PyDataset contract to check
        if loader.pipeline is not None:
            return False  # a torch Dataset: Keras' PyDataset contract does not apply
        return loader.is_pydataset or self.keras_version == 3
