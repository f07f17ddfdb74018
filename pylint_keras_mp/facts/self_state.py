"""Self state: every ``self.<attr>`` in a data loader's methods, what it does, and the
lazy-initialisation guards around it."""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass, replace
from typing import Iterator

from .hierarchy import DataLoader, LoaderHierarchy
from .module import ModuleWalk
from .syntax import (
    FunctionNode,
    assigned_value,
    child_bodies,
    is_self_attribute,
    is_try,
    leaves_block,
    own_expressions,
    self_name_of,
)


@dataclass
class SelfAssignment:
    """``self.<attr> = value`` (or ``with ... as self.<attr>``) inside a method of a loader."""

    attr: str
    value: ast.expr | None  # None for augmented assignment / for-targets
    node: ast.AST  # the statement, for the report location
    method: FunctionNode
    guarded: bool  # inside an `if` that tests the same attribute (lazy initialisation)


@dataclass
class SelfAttributeUse:
    """One ``self.<attr>`` expression in a loader's method, classified by what it does.

    ``use`` is one of: "rebind" (``self.x = v``, for/with targets), "augment" (``self.x += v``),
    "delete" (``del self.x``), "item-store" / "item-augment" / "item-delete" (``self.x[k] = v``,
    ``self.x[k] += v``, ``del self.x[k]``, nested items included), "call" (``self.x.m(...)`` or
    ``self.x[k].m(...)``; ``name`` is ``m``), "call-self" (``self.x(...)``), "attr-store"
    (``self.x.y = v``), "membership" (``k in self.x``), "argument" (``f(self.x)``), "read".
    """

    attr: str
    use: str
    node: ast.Attribute  # the ``self.<attr>`` expression
    stmt: ast.stmt  # the statement it belongs to: the report location
    method: FunctionNode
    # attributes the lazy-initialisation guards around it test; in a worker helper that worker code
    # calls only behind such guards (``if self.x is None: self._load_x()``), theirs too
    guards: tuple[str, ...]
    tests: tuple[ast.expr, ...]  # tests of the if/while statements it is nested in
    value: ast.expr | None = None  # "rebind": the value, when the target is a plain attribute
    key: ast.expr | None = None  # "item-*": the outermost subscript
    name: str | None = None  # "call": the method name

    @property
    def guarded(self) -> bool:
        return self.attr in self.guards


def guard_attrs(test: ast.expr, self_name: str) -> set[str]:
    """Attributes a lazy-initialisation guard tests: ``self.x is None``, ``not self.x``,
    ``self.x == None``, ``hasattr(self, 'x')``, ``'x' not in self.__dict__``, ``k not in
    self.x`` (a memoisation cache), and ``and``/``or``/``not`` of those. An attribute compared
    with anything else (``self.idx != index``, ``self.i % 10 == 0``) is a cursor or a counter:
    what it guards runs again whenever the value moves, so it is no lazy initialisation."""
    attrs: set[str] = set()
    _lazy_tests(test, self_name, attrs)
    return attrs


def _is_none_or_flag(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, bool))


def _lazy_tests(test: ast.expr, self_name: str, attrs: set[str]) -> None:
    attr = is_self_attribute(test, self_name)
    if attr:
        attrs.add(attr)  # if self.x: / if not self.x:
        return
    if isinstance(test, ast.BoolOp):
        for value in test.values:
            _lazy_tests(value, self_name, attrs)
        return
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        _lazy_tests(test.operand, self_name, attrs)
        return
    if (
        isinstance(test, ast.Call)
        and isinstance(test.func, ast.Name)
        and test.func.id in {"hasattr", "getattr"}
        and len(test.args) >= 2
        and isinstance(test.args[0], ast.Name)
        and test.args[0].id == self_name
        and isinstance(test.args[1], ast.Constant)
        and isinstance(test.args[1].value, str)
    ):
        attrs.add(test.args[1].value)
        return
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        left, op, right = test.left, test.ops[0], test.comparators[0]
        if isinstance(op, (ast.In, ast.NotIn)):
            if isinstance(right, ast.Attribute) and right.attr == "__dict__":
                if isinstance(left, ast.Constant) and isinstance(left.value, str):
                    attrs.add(left.value)
                return
            attr = is_self_attribute(right, self_name)
            if attr:
                attrs.add(attr)  # if key not in self.cache: a memoisation cache
            return
        if isinstance(op, (ast.Is, ast.IsNot, ast.Eq, ast.NotEq)):
            for side, other in ((left, right), (right, left)):
                attr = is_self_attribute(side, self_name)
                if attr and _is_none_or_flag(other):
                    attrs.add(attr)


def guarded_statements(body, self_name, guards=(), tests=()):
    """Every statement of ``body`` (nested blocks included, nested scopes not) as
    ``(statement, guards, tests)``: the attributes tested by the lazy-initialisation guards
    around it (``if self.x is None:``, ``if not hasattr(self, "x"):``, ``try: self.x`` /
    ``except``, or an earlier ``if k in self.x: return ...`` in the same block) and the tests of
    the if/while statements it is nested in."""
    for stmt in body:
        yield stmt, guards, tests
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(stmt, (ast.If, ast.While)):
            inner = guards + tuple(guard_attrs(stmt.test, self_name))
            inner_tests = tests + (stmt.test,)
            yield from guarded_statements(stmt.body, self_name, inner, inner_tests)
            yield from guarded_statements(stmt.orelse, self_name, inner, inner_tests)
            if isinstance(stmt, ast.If) and not stmt.orelse and leaves_block(stmt.body):
                guards = inner  # the rest of the block runs only when the test failed
            continue
        if is_try(stmt):
            # try: self.x  except AttributeError: self.x = ...  is a lazy guard too
            inner = guards
            for node in ast.walk(ast.Module(body=stmt.body, type_ignores=[])):
                attr = is_self_attribute(node, self_name)
                if attr:
                    inner = inner + (attr,)
            yield from guarded_statements(stmt.body, self_name, guards, tests)
            for handler in stmt.handlers:
                yield from guarded_statements(handler.body, self_name, inner, tests)
            yield from guarded_statements(stmt.orelse, self_name, guards, tests)
            yield from guarded_statements(stmt.finalbody, self_name, guards, tests)
            continue
        for child_body in child_bodies(stmt):
            yield from guarded_statements(child_body, self_name, guards, tests)


def helper_guards(loader: DataLoader, uses: list[SelfAttributeUse]) -> dict[str, tuple[str, ...]]:
    """The attributes tested by the lazy-initialisation guards around every use of each worker
    helper in worker code: ``if self.x is None: self._load_x()`` gives ``_load_x`` the guard
    ``x``. A helper used any other way from worker code (an unguarded call, a bound-method read)
    gets none; ``__getitem__`` is the entry point, never a helper."""
    worker_fns = {id(fn) for fn in loader.worker_methods.values()}
    guards: dict[str, set[str]] = {}
    for use in uses:
        if id(use.method) not in worker_fns or use.attr not in loader.worker_methods:
            continue
        if use.attr == "__getitem__":
            continue
        tested = set(use.guards) if use.use == "call-self" else set()
        guards[use.attr] = tested if use.attr not in guards else guards[use.attr] & tested
    return {name: tuple(sorted(tested)) for name, tested in guards.items() if tested}


def self_attribute_uses_in(fn: FunctionNode) -> Iterator[SelfAttributeUse]:
    self_name = self_name_of(fn)
    if self_name is None:
        return
    for stmt, guards, tests in guarded_statements(fn.body, self_name):
        parents: dict[int, ast.AST] = {}
        stack = list(own_expressions(stmt))
        found: list[ast.Attribute] = []
        while stack:
            node = stack.pop()
            if is_self_attribute(node, self_name):
                found.append(node)
            for child in ast.iter_child_nodes(node):
                if not isinstance(child, ast.Lambda):
                    parents[id(child)] = node
                    stack.append(child)
        for node in sorted(found, key=lambda n: (n.lineno, n.col_offset)):
            use, extra = classify_self_attribute(node, stmt, parents)
            yield SelfAttributeUse(node.attr, use, node, stmt, fn, guards, tests, **extra)


def classify_self_attribute(node: ast.Attribute, stmt: ast.stmt, parents: dict[int, ast.AST]):
    if isinstance(node.ctx, ast.Store):
        if isinstance(stmt, ast.AugAssign) and stmt.target is node:
            return "augment", {}
        return "rebind", {"value": assigned_value(stmt, node)}
    if isinstance(node.ctx, ast.Del):
        return "delete", {}
    top: ast.AST = node
    while isinstance(parents.get(id(top)), ast.Subscript) and parents[id(top)].value is top:
        top = parents[id(top)]
    if top is not node and isinstance(top.ctx, (ast.Store, ast.Del)):
        if isinstance(top.ctx, ast.Del):
            return "item-delete", {"key": top.slice}
        if isinstance(stmt, ast.AugAssign) and stmt.target is top:
            return "item-augment", {"key": top.slice}
        return "item-store", {"key": top.slice}
    parent = parents.get(id(top))
    if isinstance(parent, ast.Attribute) and parent.value is top:
        if isinstance(parent.ctx, (ast.Store, ast.Del)):
            return "attr-store", {}
        grand = parents.get(id(parent))
        if isinstance(grand, ast.Call) and grand.func is parent:
            return "call", {"name": parent.attr}
        return "read", {}
    if isinstance(parent, ast.Call):
        if parent.func is top:
            return ("call-self", {}) if top is node else ("read", {})
        return "argument", {}
    if isinstance(parent, ast.keyword) and isinstance(parents.get(id(parent)), ast.Call):
        return "argument", {}
    if isinstance(parent, ast.Compare) and top in parent.comparators:
        if isinstance(parent.ops[parent.comparators.index(top)], (ast.In, ast.NotIn)):
            return "membership", {}
    return "read", {}


def self_assignments_in(fn, body, self_name, outer_guards) -> Iterator[SelfAssignment]:
    for stmt, guards, _tests in guarded_statements(body, self_name, tuple(outer_guards)):
        targets: list[tuple[ast.AST, ast.expr | None]] = []
        if isinstance(stmt, ast.Assign):
            targets = [(t, stmt.value) for t in stmt.targets]
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets = [(stmt.target, stmt.value)]
        elif isinstance(stmt, ast.AugAssign):
            targets = [(stmt.target, None)]
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            targets = [
                (item.optional_vars, item.context_expr)
                for item in stmt.items
                if item.optional_vars is not None
            ]
        for target, value in targets:
            elements = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
            values = (
                value.elts
                if isinstance(value, (ast.Tuple, ast.List))
                and isinstance(target, (ast.Tuple, ast.List))
                and len(value.elts) == len(elements)
                else [value if len(elements) == 1 else None] * len(elements)
            )
            for element, element_value in zip(elements, values):
                attr = is_self_attribute(element, self_name)
                if attr:
                    yield SelfAssignment(attr, element_value, stmt, fn, attr in guards)


class SelfState:
    """Self assignments and uses of the module's data loaders, on top of the hierarchy."""

    def __init__(self, walk: ModuleWalk, hierarchy: LoaderHierarchy) -> None:
        self.walk = walk
        self.hierarchy = hierarchy

    def self_assignments(self, loader: DataLoader) -> list[SelfAssignment]:
        """Every ``self.x = ...`` in the loader's methods (its own and in-module bases')."""
        found: list[SelfAssignment] = []
        for fn in loader.methods.values():
            self_name = self_name_of(fn)
            if self_name is None:
                continue
            found.extend(self_assignments_in(fn, fn.body, self_name, ()))
        return found

    @functools.cached_property
    def _self_attribute_uses(self) -> dict[int, list[SelfAttributeUse]]:
        by_loader: dict[int, list[SelfAttributeUse]] = {}
        for loader in self.hierarchy.data_loaders:
            uses = [use for fn in loader.methods.values() for use in self_attribute_uses_in(fn)]
            inherited = helper_guards(loader, uses)
            by_loader[id(loader.node)] = [
                replace(use, guards=use.guards + inherited[use.method.name])
                if inherited.get(use.method.name)
                else use
                for use in uses
            ]
        return by_loader

    def self_attribute_uses(self, loader: DataLoader) -> list[SelfAttributeUse]:
        """Every ``self.<attr>`` in the loader's methods (its own and in-module bases'), classified."""
        return self._self_attribute_uses.get(id(loader.node), [])
