"""``ModuleFacts``: the facts about one module that every rule receives."""

from __future__ import annotations

import ast

from ..config import Options
from .data_kinds import DataKinds
from .hierarchy import LoaderHierarchy
from .launches import Launches
from .module import ModuleWalk
from .resolver import Resolver
from .self_state import SelfState
from .version import KerasVersion


class ModuleFacts(ModuleWalk, Resolver, KerasVersion, LoaderHierarchy, SelfState, DataKinds, Launches):
    """Facts about one module, computed once and shared by every rule.

    Each base is one seam and uses only the ones listed before it: the module walk (layout,
    bindings, main guard), the resolver (names and values), the Keras version, the class
    hierarchy (data loaders), self state, data kinds and launches.
    """

    def __init__(
        self, tree: ast.Module, source: str, filename: str, options: Options, kind: str = "module"
    ):
        self.tree = tree
        self.source = source
        self.filename = filename
        self.options = options
        self.kind = kind  # "module", or "notebook": code cells that no worker ever imports
        self._walk_module()
        self._find_loaders()

    @property
    def is_notebook(self) -> bool:
        return self.kind == "notebook"
