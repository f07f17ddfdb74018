"""Worker code beyond a loader's methods: the module-level functions its worker methods call,
in this module and in other project modules, followed from function to function."""

from __future__ import annotations

import ast

from .hierarchy import DataLoader
from .syntax import FunctionNode, walk_scope

# How many helper functions are followed from one loader's worker code.
HELPER_LIMIT = 200


class WorkerCode:
    """Helpers of worker code, on top of the resolver and the class hierarchy."""

    def called_function(self, call: ast.Call, fn: FunctionNode | None):
        """(facts, def) of the module-level function a call runs: one of this module bound
        once, or one of another project module through an import; None otherwise."""
        func = call.func
        if isinstance(func, ast.Name):
            definition = self.definition_of(func.id, fn)
            if isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if self.functions.get(func.id) is definition:
                    return self, definition
                return None
        if self.project is not None and isinstance(func, (ast.Name, ast.Attribute)):
            return self.project.function_of(self, func, fn)
        return None

    def helpers_reached(self, loader: DataLoader) -> list[tuple[object, FunctionNode, str]]:
        """[(facts, function, worker method)] for the module-level functions that the loader's
        worker methods call, directly or through other such functions, in any project module."""
        found: list[tuple[object, FunctionNode, str]] = []
        seen: set[int] = set()
        pending = [(self, fn, name) for name, fn in loader.worker_methods.items()]
        while pending and len(found) < HELPER_LIMIT:
            owner, fn, entry = pending.pop(0)
            for node in walk_scope(fn):
                if not isinstance(node, ast.Call):
                    continue
                target = owner.called_function(node, fn)
                if target is None or id(target[1]) in seen:
                    continue
                seen.add(id(target[1]))
                found.append((target[0], target[1], entry))
                pending.append((target[0], target[1], entry))
        return found

    def worker_helpers(self, candidates) -> list[tuple[FunctionNode, DataLoader, str]]:
        """Those of ``candidates`` (module-level functions of this module) that worker code
        runs: [(function, loader, worker method)], for the loaders of this module and of every
        other project module. Rules pass the functions where they would report, so that the
        project is searched for callers only when there is something to report."""
        wanted = {id(fn) for fn in candidates}
        if not wanted:
            return []
        if self.project is None:
            return [
                (fn, loader, entry)
                for loader in self.data_loaders
                for owner, fn, entry in self.helpers_reached(loader)
                if owner is self and id(fn) in wanted
            ]
        found = []
        by_line = {(fn.name, fn.lineno): fn for fn in candidates}
        for name, line, key, entry in self.project.worker_helpers().get(self.path, []):
            fn = by_line.get((name, line))
            loader = self.project.loader_by_key(key) if fn is not None else None
            if loader is not None:
                found.append((fn, loader, entry))
        return found
