"""The binding table: where each name of a scope is bound, and whether exactly once.

One table type answers "bound exactly once, to what" for a function body, for the module's
import-time code and for the body of ``if __name__ == "__main__":``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Iterable

from .syntax import DEF_NODES, FunctionNode, parameter_names, walk_scope


@dataclass
class BindingTable:
    """How many times each name is bound in one scope, with the value and node of its binding."""

    counts: dict[str, int] = field(default_factory=dict)
    values: dict[str, ast.expr] = field(default_factory=dict)
    nodes: dict[str, ast.AST] = field(default_factory=dict)  # the first binding statement

    def bind(self, name: str, node: ast.AST, value: ast.expr | None = None) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1
        self.nodes.setdefault(name, node)
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
    for node in nodes:
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, (ast.Store, ast.Del)):
                table.bind(node.id, node)
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
            if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                table.values[node.targets[0].id] = node.value
        elif isinstance(node, ast.AnnAssign):
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
