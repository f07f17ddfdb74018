"""``ModuleFacts``: the facts about one module that every rule receives.

A module's facts are a row of small objects, the seams, each built on the module walk and on
the seams before it, which it is given in its constructor (and uses through ``self.<seam>``):

=================  ===================  ====================================================
attribute          class                built on
=================  ===================  ====================================================
``walk``           ``ModuleWalk``       the tree (layout, bindings, main guard, node index)
``resolver``       ``Resolver``         walk
``version``        ``KerasVersion``     walk, resolver
``switches``       ``Switches``         walk, resolver
``hierarchy``      ``LoaderHierarchy``  walk, resolver
``returns``        ``ReturnSummaries``  walk, resolver, hierarchy
``worker_code``    ``WorkerCode``       walk, hierarchy, returns
``self_state``     ``SelfState``        walk, hierarchy
``data_kinds``     ``DataKinds``        walk, resolver, hierarchy
``pipelines``      ``Pipelines``        walk, resolver, switches, hierarchy, returns
``launches``       ``Launches``         walk, resolver, version, switches, hierarchy,
                                        returns, data_kinds, pipelines
``constructors``   ``Constructors``     walk, resolver, hierarchy, returns, launches
=================  ===================  ====================================================

A seam never reaches a later one, in its module or in another module's facts (a test reads
the seams' sources and checks it). Rules, fixes and the project layer ask a seam directly:
``facts.resolver.follow(node, fn)``, ``facts.hierarchy.data_loaders``,
``facts.launches.loader_uses_processes(loader)``; the seam that answers is the one whose module
defines the method. ``ModuleFacts`` itself only names the module: ``tree``, ``source``,
``filename``, ``options``, ``kind`` ("module", "notebook", or "installed" for a package read
for its classes), ``project`` (the project index that answers cross-module questions, or None)
and ``path`` (the module's file in it). A seam names its module by ``walk.facts`` (to the
project layer, and in (facts, node) pairs), never to reach a seam through it.
"""

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


class ModuleFacts:
    """Facts about one module, computed once and shared by every rule: the module, and its
    seams in dependency order (see the module's docstring). With a project index, names
    imported from other project modules are followed into their own facts."""

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
        walk = self.walk = ModuleWalk(self)
        resolver = self.resolver = Resolver(walk)
        version = self.version = KerasVersion(walk, resolver)
        switches = self.switches = Switches(walk, resolver)
        hierarchy = self.hierarchy = LoaderHierarchy(walk, resolver)
        returns = self.returns = ReturnSummaries(walk, resolver, hierarchy)
        self.worker_code = WorkerCode(walk, hierarchy, returns)
        self.self_state = SelfState(walk, hierarchy)
        data_kinds = self.data_kinds = DataKinds(walk, resolver, hierarchy)
        pipelines = self.pipelines = Pipelines(walk, resolver, switches, hierarchy, returns)
        launches = self.launches = Launches(
            walk, resolver, version, switches, hierarchy, returns, data_kinds, pipelines
        )
        self.constructors = Constructors(walk, resolver, hierarchy, returns, launches)

    @property
    def is_notebook(self) -> bool:
        return self.kind == "notebook"
