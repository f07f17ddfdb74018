"""The binding table: where each name of a scope is bound, and whether exactly once.

One table type answers "bound exactly once, to what" for a function body, for the module's
import-time code and for the body of ``if __name__ == "__main__":``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Iterable, Union

from .syntax import DEF_NODES, FunctionNode, parameter_names, walk_scope


@dataclass(frozen=True)
class Unpacked:
    """A name bound by unpacking: in ``a, (b, c) = value``, ``c`` is ``Unpacked(value, (1, 1))``."""

    value: ast.expr
    path: tuple[int, ...]


class _CountedAgain:
    """The count a module-level block adds for a name its nested statement binds (and records
    itself): it keeps a conditional assignment from being a single binding, and is no source."""

    def __repr__(self) -> str:
        return "COUNTED_AGAIN"


COUNTED_AGAIN = _CountedAgain()

# What one binding gives a name: an expression, an element of an unpacked value, or None when it
# is something else (a loop target, ``+=``, an import, a def, ``except ... as``...).
BindingSource = Union[ast.expr, Unpacked, _CountedAgain, None]


def assignment_sources(stmt: ast.AST) -> dict[int, BindingSource]:
    """``id()`` of every Name an assignment statement binds -> what it binds it to."""
    if isinstance(stmt, ast.Assign):
        pairs = [(target, stmt.value) for target in stmt.targets]
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        pairs = [(stmt.target, stmt.value)]
    else:
        return {}
    found: dict[int, BindingSource] = {}
    for target, value in pairs:
        _target_sources(target, value, (), found)
    return found


def _target_sources(target, value, path, found) -> None:
    if isinstance(target, ast.Name):
        found[id(target)] = Unpacked(value, path) if path else value
    elif isinstance(target, (ast.Tuple, ast.List)):
        if any(isinstance(element, ast.Starred) for element in target.elts):
            return  # a starred element shifts the others: unknown
        if (
            not path
            and isinstance(value, (ast.Tuple, ast.List))
            and len(value.elts) == len(target.elts)
        ):
            for element, element_value in zip(target.elts, value.elts):
                _target_sources(element, element_value, (), found)
        else:
            for index, element in enumerate(target.elts):
                _target_sources(element, value, path + (index,), found)


@dataclass
class BindingTable:
    """How many times each name is bound in one scope, with the value and node of its binding."""

    counts: dict[str, int] = field(default_factory=dict)
    values: dict[str, ast.expr] = field(default_factory=dict)
    nodes: dict[str, ast.AST] = field(default_factory=dict)  # the first binding statement
    sources: dict[str, list[BindingSource]] = field(default_factory=dict)  # every binding

    def bind(
        self, name: str, node: ast.AST, value: ast.expr | None = None, source: BindingSource = None
    ) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1
        self.nodes.setdefault(name, node)
        self.sources.setdefault(name, []).append(source)
        if value is not None:
            self.values[name] = value

    def __contains__(self, name: str) -> bool:
        return name in self.counts

    def bound_once(self, name: str) -> bool:
        return self.counts.get(name) == 1

    def single_value(self, name: str) -> ast.expr | None:
        """The value of a name bound exactly once by a plain assignment; None otherwise."""
        return self.values.get(name) if self.counts.get(name) == 1 else None

    def single_definition(self, name: str) -> ast.AST | None:
        """The def or class statement of a name bound exactly once, by that statement."""
        node = self.nodes.get(name) if self.counts.get(name) == 1 else None
        return node if isinstance(node, DEF_NODES) else None


def record_bindings(table: BindingTable, nodes: Iterable[ast.AST]) -> set[str]:
    """Record the bindings among ``nodes`` (one scope's nodes, from ``walk_scope``) in ``table``:
    assignments, deletions, defs, classes, imports, ``except ... as``. A value is kept for a
    single-target assignment and for ``with ... as name``. Returns the names declared
    ``global`` or ``nonlocal``."""
    declared: set[str] = set()
    pending: dict[int, BindingSource] = {}  # an assignment comes before its targets in the walk
    for node in nodes:
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, (ast.Store, ast.Del)):
                table.bind(node.id, node, source=pending.pop(id(node), None))
        elif isinstance(node, DEF_NODES):
            table.bind(node.name, node)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name != "*":
                    table.bind(alias.asname or alias.name.split(".")[0], node)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            table.bind(node.name, node)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            declared.update(node.names)
        elif isinstance(node, ast.Assign):
            pending.update(assignment_sources(node))
            if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                table.values[node.targets[0].id] = node.value
        elif isinstance(node, ast.AnnAssign):
            pending.update(assignment_sources(node))
            if isinstance(node.target, ast.Name) and node.value:
                table.values[node.target.id] = node.value
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if isinstance(item.optional_vars, ast.Name):
                    table.values[item.optional_vars.id] = item.context_expr
    return declared


@dataclass
class FunctionScope:
    """Names bound in one function body (its locals), and the values of those bound once."""

    node: FunctionNode
    locals: set[str]
    globals: set[str]
    params: set[str]
    table: BindingTable

    @classmethod
    def of(cls, fn: FunctionNode) -> "FunctionScope":
        params = parameter_names(fn)
        table = BindingTable()
        declared_global = record_bindings(table, walk_scope(fn))
        bound = (set(table.counts) | params) - declared_global
        return cls(fn, bound, declared_global, params, table)

    def single_value(self, name: str) -> ast.expr | None:
        """The value of a local bound exactly once (parameters and globals are not)."""
        if name in self.params or name in self.globals:
            return None
        return self.table.single_value(name)

    def single_definition(self, name: str) -> ast.AST | None:
        """The nested def or class a local name is bound to, once."""
        if name in self.params or name in self.globals:
            return None
        return self.table.single_definition(name)
