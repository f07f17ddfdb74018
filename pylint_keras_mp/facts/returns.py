"""What project functions return, and the project objects a class holds.

A function's return summary says what every ``return`` of it gives, when they all agree on a
kind: a lambda, nested function or local class (``LOCAL``), a generator object (``GENERATOR``),
the result of an outside callable (``MADE_BY``, with its qualified name, for the rules' tables of
pools, locks and files), an instance of a project class (``INSTANCE``) or a module-level function
(``FUNCTION``, picklable by reference). Anything else is unknown. Calls are followed through
module-level functions of the project (also across modules), ``self.method(...)`` and
``Class.method(...)``. A summary is computed once per function and holds no tree: a class is
named by (file, name, line).
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass

from .follow import too_deep
from .hierarchy import DataLoader, LoaderHierarchy, reachable_methods
from .module import ModuleWalk
from .resolver import Resolver
from .self_state import self_assignments_in
from .syntax import FunctionNode, is_self_attribute, self_name_of, walk_scope

LOCAL = "local"
GENERATOR = "generator"
MADE_BY = "made-by"
INSTANCE = "instance"
FUNCTION = "function"

# Decorators that leave a method's body the function that runs.
PLAIN_DECORATORS = frozenset({"staticmethod", "classmethod"})


@dataclass(frozen=True)
class Returned:
    """What every return of a function gives."""

    kind: str
    what: str  # how a message names it: "the nested function 'transform'"
    qualname: str | None = None  # MADE_BY: the callable that made it
    where: tuple | None = None  # INSTANCE: (file or None, class name, line)


def yields(fn: FunctionNode) -> bool:
    """A generator function: a plain def (or a static/class method) whose body yields."""
    if not isinstance(fn, ast.FunctionDef):
        return False
    for deco in fn.decorator_list:
        if not (isinstance(deco, ast.Name) and deco.id in PLAIN_DECORATORS):
            return False
    return any(isinstance(node, (ast.Yield, ast.YieldFrom)) for node in walk_scope(fn))


def _agree(first: Returned, other: Returned) -> bool:
    """Two returns give the same kind of value (a made value: by the same callable; an
    instance: of the same class)."""
    if first.kind != other.kind:
        return False
    if first.kind == MADE_BY:
        return first.qualname == other.qualname
    return first.kind != INSTANCE or first.where == other.where


def _is_none(node: ast.expr | None) -> bool:
    return node is None or (isinstance(node, ast.Constant) and node.value is None)


class ReturnSummaries:
    """What calls run and return, and held objects, on top of the resolver and the hierarchy."""

    def __init__(self, walk: ModuleWalk, resolver: Resolver, hierarchy: LoaderHierarchy) -> None:
        self.walk = walk
        self.resolver = resolver
        self.hierarchy = hierarchy

    @functools.cached_property
    def reachable_functions(self) -> list[FunctionNode]:
        """The functions worker code can reach outside a loader's own methods: module-level
        functions, and the methods of the module's classes that are no data loaders."""
        loaders = {id(loader.node) for loader in self.hierarchy.data_loaders}
        methods = [
            stmt
            for cls in self.walk.classes.values()
            if id(cls) not in loaders
            for stmt in cls.body
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
        ]
        return list(self.walk.functions.values()) + methods

    # ------------------------------------------------------------------ what a call runs
    def called_function(self, call: ast.Call, fn: FunctionNode | None):
        """(facts, def) of the module-level function a call runs: one of this module bound
        once, or one of another project module through an import; None otherwise."""
        func = call.func
        if isinstance(func, ast.Name):
            definition = self.resolver.definition_of(func.id, fn)
            if isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if self.walk.functions.get(func.id) is definition:
                    return self.walk.facts, definition
                return None
        if self.walk.project is not None and isinstance(func, (ast.Name, ast.Attribute)):
            return self.walk.project.function_of(self.walk.facts, func, fn)
        return None

    def class_instantiated(self, call: ast.Call, fn: FunctionNode | None):
        """(facts, ClassDef) of the module-level or imported project class a call instantiates."""
        func = call.func
        if isinstance(func, ast.Name):
            definition = self.resolver.definition_of(func.id, fn)
            if isinstance(definition, ast.ClassDef):
                return (self.walk.facts, definition) if self.walk.classes.get(func.id) is definition else None
        if self.walk.project is not None and isinstance(func, (ast.Name, ast.Attribute)):
            return self.walk.project.class_of(self.walk.facts, func, fn)
        return None

    def method_called(self, call: ast.Call, fn: FunctionNode | None):
        """(facts, method) that ``self.method(...)`` (in a method) or ``Class.method(...)`` (a
        class of the module) runs; None otherwise."""
        func = call.func
        if not isinstance(func, ast.Attribute):
            return None
        owner, cls = self.walk.facts, None
        name = func.value.id if isinstance(func.value, ast.Name) else None
        if (
            fn is not None
            and name is not None
            and name == self_name_of(fn)
            and name in self.walk.scope(fn).params
        ):
            cls = self.walk.method_owner.get(id(fn))
        elif name is not None and isinstance(self.resolver.definition_of(name, fn), ast.ClassDef):
            definition = self.resolver.definition_of(name, fn)
            cls = definition if self.walk.classes.get(name) is definition else None
        elif self.walk.project is not None and isinstance(func.value, (ast.Name, ast.Attribute)):
            found = self.walk.project.class_of(self.walk.facts, func.value, fn)  # an imported project class
            if found is not None:
                owner, cls = found
        if cls is None:
            return None
        method = owner.hierarchy.class_methods(cls).get(func.attr)
        return (owner, method) if method is not None else None

    def function_called(self, call: ast.Call, fn: FunctionNode | None):
        """(facts, def) of the project function or method a call runs, when known."""
        return self.called_function(call, fn) or self.method_called(call, fn)

    def loader_for_instance(
        self, node: ast.AST | None, fn: FunctionNode | None
    ) -> tuple[DataLoader | None, ast.Call | None]:
        """The data loader class and constructor call an expression evaluates to, if known (no
        call when a project function returns the loader)."""
        node, _scope = self.resolver.follow(node, fn)
        if not isinstance(node, ast.Call):
            return None, None
        if isinstance(node.func, ast.Name):
            if fn is None or node.func.id not in self.walk.scope(fn).locals:
                loader = self.hierarchy.data_loaders_by_name.get(node.func.id)
                if loader is not None:
                    return loader, node
        loader = self.hierarchy.imported_loader_called(node, fn)
        if loader is not None:
            return loader, node
        return self.loader_returned(node, fn), None

    def loader_returned(self, call: ast.Call, fn: FunctionNode | None) -> DataLoader | None:
        """The data loader a project function returns an instance of (``def train_gen(): return
        Frames("train")``), by its return summary; the construction is the function's own."""
        target = self.function_called(call, fn)
        returned = target[0].returns.returns_of(target[1]) if target is not None else None
        if returned is None or returned.where is None:
            return None
        found = self.class_at(returned.where)
        return found[0].hierarchy.loader_for_class(found[1]) if found is not None else None

    # ------------------------------------------------------------------ return summaries
    def returns_of(self, fn: FunctionNode, _depth: int = 0) -> Returned | None:
        """What every return of ``fn`` (a function of this module) gives; None when unknown."""
        cache = self.__dict__.setdefault("_returns", {})
        key = id(fn)
        if key in cache:
            return cache[key]
        cache[key] = None  # a cycle is unknown
        found = self._summarise_returns(fn, _depth)
        if _depth == 0 or found is not None:
            cache[key] = found
        else:
            del cache[key]  # cut short by depth: may be known when asked directly
        return found

    def _summarise_returns(self, fn: FunctionNode, depth: int) -> Returned | None:
        if yields(fn):
            return Returned(GENERATOR, "a generator")
        if not isinstance(fn, ast.FunctionDef) or any(
            not (isinstance(d, ast.Name) and d.id in PLAIN_DECORATORS) for d in fn.decorator_list
        ):
            return None  # async, or wrapped by a decorator: what it returns is unknown
        found: Returned | None = None
        for node in walk_scope(fn):
            if not isinstance(node, ast.Return) or _is_none(node.value):
                continue
            each = self.value_returned(node.value, fn, depth)
            if each is None or (found is not None and not _agree(found, each)):
                return None
            if found is not None and found.kind == LOCAL and each.what != found.what:
                found = Returned(LOCAL, "a nested function or lambda (one per return)")
            found = found or each
        return found

    def value_returned(self, value: ast.expr, fn: FunctionNode | None, depth: int = 0) -> Returned | None:
        """What an expression evaluated in ``fn`` is, in the terms of a return summary."""
        if too_deep(depth):
            return None
        if isinstance(value, ast.Lambda):
            return Returned(LOCAL, "a lambda")
        if isinstance(value, ast.GeneratorExp):
            return Returned(GENERATOR, "a generator")
        if isinstance(value, ast.Name):
            return self._name_returned(value, fn, depth)
        if isinstance(value, ast.Call):
            return self.call_returned(value, fn, depth)
        return None

    def _name_returned(self, value: ast.Name, fn, depth) -> Returned | None:
        if fn is not None and value.id in self.walk.scope(fn).locals:
            scope = self.walk.scope(fn)
            definition = scope.single_definition(value.id)
            if isinstance(definition, ast.ClassDef):
                return Returned(LOCAL, f"the local class '{value.id}'")
            if definition is not None:
                return Returned(LOCAL, f"the nested function '{value.id}'")
            bound = scope.single_value(value.id)
            return self.value_returned(bound, fn, depth + 1) if bound is not None else None
        definition = self.resolver.definition_of(value.id, None)
        if isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return Returned(FUNCTION, f"the module-level function '{value.id}'")
        return None

    def call_returned(self, call: ast.Call, fn: FunctionNode | None, depth: int = 0) -> Returned | None:
        """What a call gives: a local class's instance, a project class's instance, what a
        project function returns (by its summary), or what an outside callable makes."""
        func = call.func
        if isinstance(func, ast.Name) and fn is not None and func.id in self.walk.scope(fn).locals:
            if isinstance(self.walk.scope(fn).single_definition(func.id), ast.ClassDef):
                return Returned(LOCAL, f"an instance of the local class '{func.id}'")
            return None
        target = self.function_called(call, fn)
        if target is not None:
            owner, function = target
            found = owner.returns.returns_of(function, depth + 1)
            if found is None or found.kind == INSTANCE or found.kind == FUNCTION:
                return found
            return Returned(found.kind, f"{found.what} returned by {function.name}()", found.qualname)
        cls = self.class_instantiated(call, fn)
        if cls is not None:
            owner, node = cls
            return Returned(INSTANCE, f"a {node.name} object", where=(owner.path, node.name, node.lineno))
        qualname = self.resolver.qualname(func, fn)
        if qualname is not None:
            return Returned(MADE_BY, qualname, qualname)
        return None

    def class_at(self, where: tuple):
        """(facts, ClassDef) of a class an INSTANCE summary names."""
        path, name, line = where
        owner = self.walk.facts
        if path is not None and path != self.walk.path:
            owner = self.walk.project.facts_of(path) if self.walk.project is not None else None
        cls = owner.walk.classes.get(name) if owner is not None else None
        return (owner, cls) if cls is not None and cls.lineno == line else None

    def loader_factories(self) -> list[str]:
        """The module-level functions of the module that return an instance of a project data
        loader (``def train_gen(): return Frames("train")``)."""
        returned_calls = {
            id(node.value)
            for node in self.walk.nodes_of(ast.Return)
            if isinstance(node.value, ast.Call) and self._may_name_loader(node.value.func)
        }
        if not returned_calls:
            return []
        module_functions = {id(fn) for fn in self.walk.functions.values()}
        returning = {id(fn) for call, fn in self.walk.calls_by_function if id(call) in returned_calls}
        found = []
        for name, fn in self.walk.functions.items():
            if id(fn) not in returning or id(fn) not in module_functions:
                continue  # returns no call: no instance
            returned = self.returns_of(fn)
            if returned is not None and returned.kind == INSTANCE:
                cls = self.class_at(returned.where)
                if cls is not None and cls[0].hierarchy.loader_for_class(cls[1]) is not None:
                    found.append(name)
        return found

    def _may_name_loader(self, func: ast.expr) -> bool:
        """A callee that may be a loader class: one of the module's, or an imported name."""
        if isinstance(func, ast.Name):
            return func.id in self.hierarchy.data_loaders_by_name or func.id in self.walk.imports
        root = func
        while isinstance(root, ast.Attribute):
            root = root.value
        return isinstance(root, ast.Name) and root.id in self.walk.imports

    # ------------------------------------------------------------------ held objects
    def held_objects(self, cls: ast.ClassDef, parent_methods) -> dict[str, tuple]:
        """attribute -> (facts, ClassDef) for the project objects a class stores on self in
        ``parent_methods`` (a plain assignment of an instance, made directly or by a project
        function); data loaders excluded (their own findings say what they hold). An attribute
        assigned anything else as well is unknown."""
        held: dict[str, tuple] = {}
        other: set[str] = set()
        for method in parent_methods:
            self_name = self_name_of(method)
            if self_name is None:
                continue
            for assignment in self_assignments_in(method, method.body, self_name, ()):
                value = assignment.value
                if isinstance(value, ast.Name):
                    value, _scope = self.resolver.follow(value, method)
                found = self.value_returned(value, method) if value is not None else None
                target = self.class_at(found.where) if found is not None and found.kind == INSTANCE else None
                if target is None or target[0].hierarchy.loader_for_class(target[1]) is not None:
                    other.add(assignment.attr)
                else:
                    held.setdefault(assignment.attr, target)
        return {attr: target for attr, target in held.items() if attr not in other}

    def held_calls(self, fn: FunctionNode, held: dict[str, tuple]):
        """(label, facts, method) for each ``self.<attr>.<method>(...)`` in ``fn`` on an object it
        holds, with the methods of that object's class the call reaches through ``self``."""
        self_name = self_name_of(fn)
        if self_name is None or not held:
            return
        for node in walk_scope(fn):
            if not isinstance(node, ast.Call):
                continue
            attr = is_self_attribute(node.func, self_name)  # self.effect(image): its __call__
            if attr is not None and attr in held:
                entry, called = "__call__", f"self.{attr}()"
            elif isinstance(node.func, ast.Attribute):
                attr = is_self_attribute(node.func.value, self_name)
                entry, called = node.func.attr, f"self.{attr}.{node.func.attr}()"
            if attr is None or attr not in held:
                continue
            owner, cls = held[attr]
            methods = owner.hierarchy.class_methods(cls)
            for name, method in reachable_methods(methods, entry).items():
                yield (called if name == entry else f"{called} -> {name}()"), owner, method, cls
