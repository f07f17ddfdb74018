"""Worker code beyond a loader's methods: the module-level functions its worker methods call and
the methods of the project objects it holds, in this module and in other project modules,
followed from function to function."""

from __future__ import annotations

import ast

from .hierarchy import DataLoader, LoaderHierarchy
from .module import ModuleWalk
from .returns import ReturnSummaries
from .syntax import FunctionNode, walk_scope

# How many helper functions are followed from one loader's worker code.
HELPER_LIMIT = 200


class WorkerCode:
    """Helpers of worker code, on top of the class hierarchy and return summaries."""

    def __init__(
        self,
        walk: ModuleWalk,
        hierarchy: LoaderHierarchy,
        returns: ReturnSummaries,
    ) -> None:
        self.walk = walk
        self.hierarchy = hierarchy
        self.returns = returns

    def helpers_reached(self, loader: DataLoader, given=None) -> list[tuple[object, FunctionNode, str]]:
        """[(facts, function, label)] for the functions that the loader's worker methods call,
        directly or through other such functions, in any project module: module-level functions
        (``__getitem__ -> augment()``) and the methods of project objects the loader holds, also
        objects those objects hold (``__getitem__ -> self.sampler.sample()``); ``given``: more
        held objects, attribute -> (facts, class), that constructions pass to it."""
        found: list[tuple[object, FunctionNode, str]] = []
        seen: set[int] = set()
        held = self.loader_held_objects(loader)
        if given:
            held = {**given, **held}  # objects its constructions give it to hold, (attr -> class)
        pending = [(self.walk.facts, fn, name, name, held) for name, fn in loader.worker_methods.items()]
        while pending and len(found) < HELPER_LIMIT:
            owner, fn, entry, label, held = pending.pop(0)
            for node in walk_scope(fn):
                if not isinstance(node, ast.Call):
                    continue
                target = owner.returns.called_function(node, fn)
                if target is None or id(target[1]) in seen:
                    continue
                seen.add(id(target[1]))
                # a module-level function is named from the worker method that reaches it
                reached = f"{entry} -> {target[1].name}()"
                found.append((target[0], target[1], reached))
                pending.append((target[0], target[1], entry, reached, {}))
            for via, held_owner, method, cls in owner.returns.held_calls(fn, held):
                if id(method) in seen:
                    continue
                seen.add(id(method))
                reached = f"{label} -> {via}"
                found.append((held_owner, method, reached))
                holds = held_owner.worker_code.class_held_objects(cls)
                pending.append((held_owner, method, entry, reached, holds))
        return found

    def loader_held_objects(self, loader: DataLoader) -> dict[str, tuple]:
        """The project objects a loader stores on self in the methods that run in the parent."""
        cache = self.__dict__.setdefault("_held", {})
        key = id(loader.node)
        if key not in cache:
            worker = {id(fn) for fn in loader.worker_methods.values()}
            parent = [fn for fn in loader.methods.values() if id(fn) not in worker]
            cache[key] = self.returns.held_objects(loader.node, parent)
        return cache[key]

    def class_held_objects(self, cls) -> dict[str, tuple]:
        """The project objects an instance of a project class stores on self in ``__init__``."""
        cache = self.__dict__.setdefault("_held", {})
        key = id(cls)
        if key not in cache:
            cache[key] = {}  # a class that holds an instance of itself: nothing more
            init = self.hierarchy.class_methods(cls).get("__init__")
            cache[key] = self.returns.held_objects(cls, [init] if init is not None else [])
        return cache[key]

    def reached_candidates(self, reports_in) -> list[FunctionNode]:
        """The functions of this module worker code may run where ``reports_in(function)`` says
        a rule would report: module-level functions (tested first: the project is searched for
        callers only when one of them qualifies), and the methods of its classes that worker
        code of a project loader reaches (found first: most methods are never reached)."""
        found = [fn for fn in self.walk.functions.values() if reports_in(fn)]
        return found + [fn for fn in self.methods_reached() if reports_in(fn)]

    def functions_reached(self) -> list[FunctionNode]:
        """Every function and method of this module that worker code of a project loader runs."""
        if self.walk.project is None:
            reached = {
                id(fn)
                for loader in self.hierarchy.data_loaders
                for owner, fn, _label in self.helpers_reached(loader)
                if owner is self.walk.facts
            }
            return [fn for fn in self.returns.reachable_functions if id(fn) in reached]
        keys = {(name, line) for name, line, *_ in self._project_helpers()}
        return [fn for fn in self.returns.reachable_functions if (fn.name, fn.lineno) in keys]

    def methods_reached(self) -> list[FunctionNode]:
        """The methods of this module's classes (no data loaders) that worker code of a project
        loader runs, through the objects it holds."""
        if "_methods_reached" in self.__dict__:
            return self.__dict__["_methods_reached"]
        methods = [fn for fn in self.returns.reachable_functions if id(fn) in self.walk.method_owner]
        keys: set[tuple[str, int]] = set()
        if methods and self.walk.project is None:
            keys = {
                (fn.name, fn.lineno)
                for loader in self.hierarchy.data_loaders
                for owner, fn, _label in self.helpers_reached(loader)
                if owner is self.walk.facts
            }
        elif methods:
            keys = {(name, line) for name, line, *_ in self._project_helpers()}
        found = [fn for fn in methods if (fn.name, fn.lineno) in keys]
        self.__dict__["_methods_reached"] = found
        return found

    def worker_helpers(self, candidates) -> list[tuple[FunctionNode, DataLoader, str]]:
        """Those of ``candidates`` (functions and methods of this module) that worker code
        runs: [(function, loader, label)], for the loaders of this module and of every
        other project module. Rules pass the functions where they would report, so that the
        project is searched for callers only when there is something to report."""
        wanted = {id(fn) for fn in candidates}
        if not wanted:
            return []
        if self.walk.project is None:
            return [
                (fn, loader, label)
                for loader in self.hierarchy.data_loaders
                for owner, fn, label in self.helpers_reached(loader)
                if owner is self.walk.facts and id(fn) in wanted
            ]
        found = []
        by_line = {(fn.name, fn.lineno): fn for fn in candidates}
        for name, line, key, label in self._project_helpers():
            fn = by_line.get((name, line))
            loader = self.walk.project.loader_by_key(key) if fn is not None else None
            if loader is not None:
                found.append((fn, loader, label))
        return found

    def _project_helpers(self) -> list[tuple]:
        """(name, line, loader key, label) of this module's functions that worker code of a
        project loader runs, from the project's scan."""
        return self.walk.project.worker_helpers().get(self.walk.path, [])
