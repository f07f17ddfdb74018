"""The class-hierarchy walk: which classes are Keras data loaders, their methods and what runs in
worker processes."""

from __future__ import annotations

import ast
import collections
import functools
from dataclasses import dataclass, field

from .keras_api import PICKLE_HOOKS, WORKER_ENTRY, is_keras_loader_base
from .syntax import FunctionNode, is_self_attribute, self_name_of, target_names, walk_scope


@dataclass
class DataLoader:
    """A Keras data loader class defined in the module."""

    node: ast.ClassDef
    keras_bases: list[str]  # qualified Keras/configured bases reached through the hierarchy
    mro: list[ast.ClassDef]  # the class, then its in-module bases (depth first)
    methods: dict[str, FunctionNode] = field(default_factory=dict)
    worker_methods: dict[str, FunctionNode] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def is_pydataset(self) -> bool:
        return any(base.rpartition(".")[2] == "PyDataset" for base in self.keras_bases)

    @property
    def defines_pickle_hooks(self) -> bool:
        return any(name in PICKLE_HOOKS for name in self.methods) or any(
            isinstance(stmt, (ast.Assign, ast.AnnAssign))
            and any(
                name in PICKLE_HOOKS
                for t in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target])
                for name in target_names(t)
            )
            for cls in self.mro
            for stmt in cls.body
        )


def methods_of(mro: list[ast.ClassDef]) -> dict[str, FunctionNode]:
    """Method name -> the definition found first along ``mro``."""
    methods: dict[str, FunctionNode] = {}
    for cls in mro:
        for stmt in cls.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                methods.setdefault(stmt.name, stmt)
    return methods


def reachable_methods(methods: dict[str, FunctionNode], entry: str) -> dict[str, FunctionNode]:
    """``entry`` and every method it reaches through ``self.<method>(...)`` (and properties)."""
    if entry not in methods:
        return {}
    reached: dict[str, FunctionNode] = {}
    pending = [entry]
    while pending:
        name = pending.pop()
        if name in reached or name not in methods:
            continue
        fn = methods[name]
        reached[name] = fn
        self_name = self_name_of(fn)
        if self_name is None:
            continue
        for node in walk_scope(fn):
            attr = is_self_attribute(node, self_name)
            if attr and attr in methods and attr not in reached:
                pending.append(attr)
    return reached


class LoaderHierarchy:
    """Data loaders and class hierarchies, on top of the module walk and the resolver."""

    def _find_loaders(self) -> None:
        self.data_loaders: list[DataLoader] = self._find_data_loaders()
        self.data_loaders_by_name = {loader.name: loader for loader in self.data_loaders}
        for loader in self.data_loaders:
            loader.worker_methods = reachable_methods(loader.methods, WORKER_ENTRY)

    def _find_data_loaders(self) -> list[DataLoader]:
        configured = set(self.options.sequence_bases)
        loaders: list[DataLoader] = []
        verdicts: dict[str, list[str] | None] = {}

        def keras_bases(cls: ast.ClassDef, seen: frozenset[str]) -> list[str]:
            # Depth first through in-module bases, with an explicit stack: a hierarchy deeper than
            # the recursion limit is valid Python. Frames are [class, seen, next base, found].
            if cls.name in verdicts and verdicts[cls.name] is not None:
                return verdicts[cls.name]
            stack: list[list] = [[cls, seen, 0, []]]
            returned: list[str] | None = None
            while stack:
                frame = stack[-1]
                current, current_seen, index, found = frame
                if returned is not None:
                    found.extend(returned)
                    returned = None
                if index == len(current.bases):
                    verdicts[current.name] = found
                    stack.pop()
                    returned = found
                    continue
                frame[2] = index + 1
                base = current.bases[index]
                local = self.local_base_class(base, current)
                qualname = None if local is not None else self.qualname(base)
                if qualname and (is_keras_loader_base(qualname) or qualname in configured):
                    found.append(qualname)
                elif local is not None and base.id not in current_seen:
                    cached = verdicts.get(base.id)
                    if cached is not None:
                        found.extend(cached)
                    else:
                        stack.append([self.classes[base.id], current_seen | {base.id}, 0, []])
            return returned if returned is not None else []

        for node in self.nodes_of(ast.ClassDef):
            bases = keras_bases(node, frozenset({node.name}))
            if bases:
                mro = self.class_mro(node)
                loaders.append(DataLoader(node, bases, mro, methods_of(mro)))
        return loaders

    @functools.cached_property
    def _import_lines(self) -> dict[str, list[int]]:
        lines: dict[str, list[int]] = {}
        for node in self._import_nodes:
            for alias in node.names:
                name = alias.asname or alias.name.split(".")[0]
                lines.setdefault(name, []).append(node.lineno)
        return lines

    def local_base_class(self, base: ast.AST, cls: ast.ClassDef) -> ast.ClassDef | None:
        """The module class a base name refers to when ``cls`` is defined: a local class that is
        not an import, or one that shadows an earlier import of the same name."""
        if not isinstance(base, ast.Name) or base.id not in self.classes:
            return None
        local = self.classes[base.id]
        if base.id not in self.imports:
            return local
        if local.lineno >= cls.lineno:
            return None  # the import is what the name means at this point
        if any(local.lineno < line < cls.lineno for line in self._import_lines.get(base.id, ())):
            return None  # re-imported after the local class
        return local

    def class_mro(self, cls: ast.ClassDef) -> list[ast.ClassDef]:
        """The class, then its in-module bases, breadth first, each once."""
        order: list[ast.ClassDef] = []
        stack = collections.deque([cls])
        seen: set[int] = set()
        while stack:
            current = stack.popleft()
            if id(current) in seen:
                continue
            seen.add(id(current))
            order.append(current)
            for base in current.bases:
                local = self.local_base_class(base, current)
                if local is not None:
                    stack.append(local)
        return order

    def class_methods(self, cls: ast.ClassDef) -> dict[str, FunctionNode]:
        """Methods of a class defined in the module, including those of its in-module bases."""
        return methods_of(self.class_mro(cls))

    @functools.cached_property
    def loader_class_statements(self) -> set[int]:
        """``id()`` of every statement written directly in the body of a data loader class."""
        return {id(stmt) for loader in self.data_loaders for stmt in loader.node.body}

    def loader_for_instance(
        self, node: ast.AST | None, fn: FunctionNode | None
    ) -> tuple[DataLoader | None, ast.Call | None]:
        """The data loader class and constructor call an expression evaluates to, if known."""
        node, _scope = self.follow(node, fn)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if fn is None or node.func.id not in self.scope(fn).locals:
                loader = self.data_loaders_by_name.get(node.func.id)
                if loader is not None:
                    return loader, node
        return None, None

    def instance_class(self, node: ast.AST, fn: FunctionNode | None) -> ast.ClassDef | None:
        """The module class of ``self`` in a method, or of a name bound once to ``Class(...)``."""
        if not isinstance(node, ast.Name):
            return None
        if fn is not None and node.id == self_name_of(fn) and node.id in self.scope(fn).params:
            return self.method_owner.get(id(fn))
        value, scope = self.follow(node, fn, at_launch=True)
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
            definition = self.definition_of(value.func.id, scope)
            if isinstance(definition, ast.ClassDef):
                return definition
        return None
