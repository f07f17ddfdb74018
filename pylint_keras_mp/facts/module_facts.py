"""``ModuleFacts``: the facts about one module that every rule receives."""

from __future__ import annotations

import ast
from pathlib import Path

from ..config import Options
from .constructors import Constructors
from .data_kinds import DataKinds
from .hierarchy import LoaderHierarchy
from .launches import Launches
from .module import ModuleWalk
from .pipelines import Pipelines
from .resolver import Resolver
from .returns import ReturnSummaries
from .self_state import SelfState
from .switches import Switches
from .version import KerasVersion
from .worker_code import WorkerCode


class ModuleFacts(
    ModuleWalk,
    Resolver,
    KerasVersion,
    Switches,
    LoaderHierarchy,
    ReturnSummaries,
    WorkerCode,
    SelfState,
    DataKinds,
    Pipelines,
    Launches,
    Constructors,
):
    """Facts about one module, computed once and shared by every rule.

    Each base is one seam and uses only the ones listed before it: the module walk (layout,
    bindings, main guard), the resolver (names and values), the Keras version, the class
    hierarchy (data loaders), return summaries and held objects, worker code, self state, data
    kinds, launches and construction sites; ``Pipelines`` (torch DataLoaders) comes before
    ``Launches`` and answers for torch datasets whether they run in worker processes. With a project
    index, names imported from other project modules are followed into their own facts.
    """

    def __init__(
        self,
        tree: ast.Module,
        source: str,
        filename: str,
        options: Options,
        kind: str = "module",
        project=None,
        path: Path | None = None,
    ):
        self.tree = tree
        self.source = source
        self.filename = filename
        self.options = options
        self.kind = kind  # "module", or "notebook": code cells that no worker ever imports
        # the project index that answers cross-module questions (None: the module alone), and
        # the module's file in it
        self.project = project
        self.path = path
        self._walk_module()

    @property
    def is_notebook(self) -> bool:
        return self.kind == "notebook"
