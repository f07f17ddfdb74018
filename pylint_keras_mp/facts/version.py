"""Which Keras a module is written for: its own evidence, the option, or installed metadata."""

from __future__ import annotations

import ast
import functools

from .keras_api import imports_keras

# Keras-version evidence in a module (qualified-name prefixes and method names).
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
)
KERAS2_ONLY_METHODS = frozenset({"fit_generator", "evaluate_generator", "predict_generator"})


@functools.lru_cache(maxsize=1)
def installed_keras_major() -> int | None:
    """Major version of the installed ``keras`` distribution, read from metadata (never imported)."""
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # pragma: no cover
        return None
    try:
        text = version("keras")
    except PackageNotFoundError:
        return None
    except Exception:
        return None
    head = text.split(".")[0]
    return int(head) if head.isdigit() else None


class KerasVersion:
    """The Keras version of the module, on top of the module walk and the resolver."""

    @functools.cached_property
    def uses_keras(self) -> bool:
        """The module imports keras, tensorflow or tf_keras, so its fit/evaluate/predict are Keras'."""
        return imports_keras(self.imports)

    @functools.cached_property
    def keras_version_evidence(self) -> dict[int, ast.AST]:
        """{2 or 3: first node that shows it} from the module's imports and API use."""
        evidence: dict[int, ast.AST] = {}
        version_attrs = {"PyDataset", "src", "ops", "config", "data_utils", "engine"}
        # From the module's index, not a new walk; "first" is first in source order.
        candidates = self._import_nodes + [
            node
            for node in self.nodes_of(ast.Attribute)
            if node.attr in version_attrs or node.attr in KERAS2_ONLY_METHODS
        ]
        candidates.sort(key=lambda node: (node.lineno, node.col_offset))
        for node in candidates:
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Attribute):
                if node.attr in KERAS2_ONLY_METHODS and isinstance(node.ctx, ast.Load):
                    evidence.setdefault(2, node)
                    continue
                if node.attr in version_attrs:
                    qualname = self.qualname(node)
                    names = [qualname] if qualname else []
            for name in names:
                if name.startswith(KERAS3_PREFIXES) or name.endswith(".PyDataset"):
                    evidence.setdefault(3, node)
                elif name.startswith(KERAS2_PREFIXES):
                    evidence.setdefault(2, node)
        return evidence

    @functools.cached_property
    def keras_version(self) -> int | None:
        """2, 3 or None (unknown): the option, else the module's evidence, else installed metadata."""
        forced = self.options.keras_version
        if forced in ("2", "3"):
            return int(forced)
        evidence = self.keras_version_evidence
        if len(evidence) == 1:
            return next(iter(evidence))
        if evidence:
            return None  # mixed signals
        if not any(name == "keras" or name.startswith(("keras.", "tensorflow")) for name in self.imports.values()):
            return None
        return installed_keras_major()

    def is_keras3_loader(self, loader) -> bool:
        return loader.is_pydataset or self.keras_version == 3
