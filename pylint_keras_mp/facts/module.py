"""The module walk: one full pass indexing the tree, and one pass over its statements that knows
what runs at import time and what only under ``if __name__ == "__main__":``."""

from __future__ import annotations

import ast
import functools
import weakref
from typing import Iterator

from .bindings import (
    COUNTED_AGAIN,
    BindingTable,
    FunctionScope,
    assignment_sources,
    record_bindings,
)
from .syntax import (
    CHILD_FIELDS,
    child_fields,
    FunctionNode,
    child_bodies,
    is_main_guard,
    own_expressions,
    walk_scope,
)


def walk_import_time(stmt: ast.stmt) -> Iterator[ast.AST]:
    """Nodes of a module-level statement that execute at import (class bodies do, defs do not)."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        for deco in stmt.decorator_list:
            yield from ast.walk(deco)
        return
    stack: list[ast.AST] = [stmt]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            if isinstance(child, ast.If) and is_main_guard(child):
                continue
            stack.append(child)


def module_statements(body: list[ast.stmt], in_guard: bool = False):
    """Top-level statements as ``(statement, in_guard)``, main guards opened."""
    for stmt in body:
        if isinstance(stmt, ast.If) and is_main_guard(stmt) and not in_guard:
            yield from module_statements(stmt.body, True)
            yield from module_statements(stmt.orelse, False)
        else:
            yield stmt, in_guard


# The nodes that hold statements: statements, except handlers and match cases.
_STATEMENT_HOLDERS = (ast.stmt, ast.excepthandler, ast.match_case)


class ModuleWalk:
    """The module's layout: its imports, classes and functions, the names bound at import time
    and under the main guard, and an index of its nodes by type; and what every seam needs to
    know of the module (its tree, options, file, project), read from its ``ModuleFacts``.

    ``facts`` is that ``ModuleFacts`` (held by a weak reference: no cycle keeps a tree alive):
    the seams name their module by it to the project layer and in (facts, node) pairs, never to
    reach a seam through it."""

    def __init__(self, facts) -> None:
        self.tree: ast.Module = facts.tree
        self.source: str = facts.source
        self.filename: str = facts.filename
        self.options = facts.options
        self.kind: str = facts.kind
        self.project = facts.project
        self.path = facts.path
        self._facts = weakref.ref(facts)
        self._walk_module()

    @property
    def facts(self):
        """The ``ModuleFacts`` of the module."""
        return self._facts()

    def _walk_module(self) -> None:
        self.imports: dict[str, str] = {}
        self._has_star_import = False
        self.classes: dict[str, ast.ClassDef] = {}
        self.functions: dict[str, FunctionNode] = {}
        self.module_table = BindingTable()  # bound at import time, outside the main guard
        self.main_guards: list[ast.If] = []
        self.global_writes: dict[str, list[FunctionNode]] = {}
        self._scopes: dict[int, FunctionScope] = {}
        self._index_module()
        self._collect_imports()
        self._collect_import_time(self.tree.body, in_guard=False)
        self.guard_table = BindingTable()  # bound under the main guards
        for guard in self.main_guards:
            record_bindings(self.guard_table, walk_scope(ast.Module(body=guard.body, type_ignores=[])))
        if self._has_star_import and getattr(self, "project", None) is not None:
            # ``from datasets import *`` of a project module: its names, as imports
            for name, target in self.project.star_imported_names(self).items():
                self.imports.setdefault(name, target)

    def _index_module(self) -> None:
        """The walk of the module's statements (not their expressions), in ast.walk's order:
        imports, functions and ``global`` statements at any depth, with their enclosing function,
        and the statement nodes by type. A statement's parent is a statement, a handler or a case
        (or the module), so these come in the order a full ast.walk gives them. The expressions
        (most of a tree's nodes) are indexed on the first question that needs them (``nodes_of``
        an expression type, ``calls_by_function``): a module read only to follow a name to its
        definition never pays for them."""
        by_type: dict[type, list[ast.AST]] = {}
        global_scopes: list[tuple[ast.Global, ast.AST | None]] = []
        import_nodes: list[ast.Import | ast.ImportFrom] = []
        def_nodes: list[FunctionNode] = []
        holders = _STATEMENT_HOLDERS
        level: list[ast.AST] = [self.tree]
        contexts: list[tuple] = [(None, None)]  # (innermost def, innermost scope node)
        while level:
            next_level: list[ast.AST] = []
            next_contexts: list[tuple] = []
            for node, context in zip(level, contexts):
                cls = node.__class__
                same_type = by_type.get(cls)
                if same_type is None:
                    by_type[cls] = [node]
                else:
                    same_type.append(node)
                if cls is ast.Global:
                    global_scopes.append((node, context[1]))
                elif cls is ast.FunctionDef or cls is ast.AsyncFunctionDef:
                    def_nodes.append(node)
                    context = (node, node)
                elif cls is ast.Import or cls is ast.ImportFrom:
                    import_nodes.append(node)
                elif cls is ast.ClassDef:
                    context = (context[0], node)
                for name in node._fields:
                    value = getattr(node, name, None)
                    if value.__class__ is list and value and isinstance(value[0], holders):
                        next_level.extend(value)
                        next_contexts.extend([context] * len(value))
            level, contexts = next_level, next_contexts
        self._statements_by_type = by_type
        self.import_nodes = import_nodes
        self.all_functions: list[FunctionNode] = def_nodes
        globals_by_scope: dict[int, list[str]] = {}
        for node, scope in global_scopes:
            globals_by_scope.setdefault(id(scope), []).extend(node.names)
        for fn in def_nodes:
            for name in globals_by_scope.get(id(fn), ()):
                self.global_writes.setdefault(name, []).append(fn)

    @functools.cached_property
    def _expression_index(self) -> tuple[dict[type, list[ast.AST]], list[tuple[ast.Call, FunctionNode | None]]]:
        """The full walk, in ast.walk's order: every node by type (but the shared leaves of
        ``syntax.LEAF_FIELDS``), and the calls with their innermost enclosing function."""
        nodes_by_type: dict[type, list[ast.AST]] = {}
        calls: list[tuple[ast.Call, FunctionNode | None]] = []
        node_base = ast.AST
        fields_of = CHILD_FIELDS
        level: list[ast.AST] = [self.tree]
        functions: list[FunctionNode | None] = [None]  # the innermost def of each node
        while level:
            next_level: list[ast.AST] = []
            next_functions: list[FunctionNode | None] = []
            for node, function in zip(level, functions):
                cls = node.__class__
                same_type = nodes_by_type.get(cls)
                if same_type is None:
                    nodes_by_type[cls] = [node]
                else:
                    same_type.append(node)
                if cls is ast.Call:
                    calls.append((node, function))
                elif cls is ast.FunctionDef or cls is ast.AsyncFunctionDef:
                    function = node
                fields = fields_of.get(cls)
                if fields is None:  # not ``or``: a leaf class's tuple is empty
                    fields = child_fields(cls)
                for name in fields:
                    value = getattr(node, name, None)
                    if value.__class__ is list:
                        for item in value:
                            if isinstance(item, node_base):
                                next_level.append(item)
                                next_functions.append(function)
                    elif isinstance(value, node_base):
                        next_level.append(value)
                        next_functions.append(function)
            level, functions = next_level, next_functions
        return nodes_by_type, calls

    def nodes_of(self, node_type: type) -> list[ast.AST]:
        """Every node of exactly this type in the module, in ast.walk's order (no new walk); not
        for the shared leaves (``Load``, ``Add``: see ``syntax.LEAF_FIELDS``)."""
        if issubclass(node_type, _STATEMENT_HOLDERS):
            return self._statements_by_type.get(node_type, [])
        return self._expression_index[0].get(node_type, [])

    def _collect_imports(self) -> None:
        """Local name -> dotted target, for every import in the module (the first one wins)."""
        for node in self.import_nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.imports.setdefault(alias.asname, alias.name)
                    else:
                        root = alias.name.split(".")[0]
                        self.imports.setdefault(root, root)
            elif isinstance(node, ast.ImportFrom):
                module = "." * node.level + (node.module or "")
                for alias in node.names:
                    if alias.name == "*":
                        self._has_star_import = True
                        continue
                    prefix = module if module.endswith(".") or not module else module + "."
                    self.imports.setdefault(alias.asname or alias.name, prefix + alias.name)

    def _collect_import_time(self, body: list[ast.stmt], in_guard: bool) -> None:
        """Record names bound by module-level statements (recursing into if/try/for/with). A name
        assigned inside a block is counted by the block and again by its own statement, so a
        conditional assignment is never a single binding."""
        for stmt in body:
            if is_main_guard(stmt) and not in_guard:
                self.main_guards.append(stmt)
                self._collect_import_time(stmt.body, in_guard=True)
                self._collect_import_time(stmt.orelse, in_guard=False)
                continue
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if not in_guard:
                    self.functions[stmt.name] = stmt
                    self.module_table.bind(stmt.name, stmt)
                continue
            if isinstance(stmt, ast.ClassDef):
                if not in_guard:
                    self.classes[stmt.name] = stmt
                    self.module_table.bind(stmt.name, stmt)
                continue
            if in_guard:
                continue  # the guard's own table is built from its bodies
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                for alias in stmt.names:
                    if alias.name != "*":
                        self.module_table.bind(alias.asname or alias.name.split(".")[0], stmt)
                continue
            value = None
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                value = stmt.value
            elif isinstance(stmt, ast.AnnAssign):
                value = stmt.value
            sources = assignment_sources(stmt)
            nested = bool(child_bodies(stmt))
            if nested:  # names bound by the statement itself, not by its nested statements
                own = {id(node) for part in own_expressions(stmt) for node in ast.walk(part)}
            for node in walk_scope(stmt):
                if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                    direct = (
                        value is not None
                        and isinstance(stmt, (ast.Assign, ast.AnnAssign))
                        and node in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target])
                    )
                    source = sources.get(id(node))
                    if nested and id(node) not in own:
                        source = COUNTED_AGAIN
                    self.module_table.bind(node.id, stmt, value if direct else None, source)
            for child_body in child_bodies(stmt):
                self._collect_import_time(child_body, in_guard)

    @functools.cached_property
    def import_paths(self) -> list[str]:
        """The dotted path of every import in the module, at any depth: ``import a.b`` gives
        ``a.b``, ``from .a import b`` gives ``.a`` and ``.a.b``."""
        paths: list[str] = []
        for node in self.import_nodes:
            if isinstance(node, ast.Import):
                paths.extend(alias.name for alias in node.names)
            else:
                module = "." * node.level + (node.module or "")
                paths.append(module)
                prefix = module if module.endswith(".") or not module else module + "."
                paths.extend(prefix + alias.name for alias in node.names if alias.name != "*")
        return paths

    @property
    def module_bound(self) -> dict[str, int]:
        """Names bound at import time, outside the main guard (-> how many times)."""
        return self.module_table.counts

    @property
    def main_guard_bound(self) -> dict[str, ast.AST]:
        """Names bound under ``if __name__ == "__main__":`` (-> where, first)."""
        return self.guard_table.nodes

    def scope(self, fn: FunctionNode) -> FunctionScope:
        key = id(fn)
        if key not in self._scopes:
            self._scopes[key] = FunctionScope.of(fn)
        return self._scopes[key]

    @functools.cached_property
    def import_time_functions(self) -> dict[str, ast.AST]:
        """Module functions that run when the module is imported -> the module-level call."""
        triggered: dict[str, ast.AST] = {}
        pending: list[tuple[str, ast.AST]] = []
        for stmt, in_guard in module_statements(self.tree.body):
            if in_guard:
                continue
            for node in walk_import_time(stmt):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                    if node.func.id in self.functions and node.func.id not in triggered:
                        triggered[node.func.id] = node
                        pending.append((node.func.id, node))
        while pending:
            name, trigger = pending.pop()
            for node in walk_scope(self.functions[name]):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in self.functions
                    and node.func.id not in self.scope(self.functions[name]).locals
                    and node.func.id not in triggered
                ):
                    triggered[node.func.id] = trigger
                    pending.append((node.func.id, trigger))
        return triggered

    def in_main_guard(self, node: ast.AST) -> bool:
        line = getattr(node, "lineno", None)
        if line is None:
            return False
        return any(
            guard.body[0].lineno <= line <= (guard.body[-1].end_lineno or guard.body[-1].lineno)
            for guard in self.main_guards
        )

    @functools.cached_property
    def calls_by_function(self) -> list[tuple[ast.Call, FunctionNode | None]]:
        """Every call in the module with its innermost enclosing function (None at module level)."""
        found = list(self._expression_index[1])
        found.sort(key=lambda item: (item[0].lineno, item[0].col_offset))
        return found

    @functools.cached_property
    def method_owner(self) -> dict[int, ast.ClassDef]:
        """id(method) -> the class whose body defines it."""
        owners: dict[int, ast.ClassDef] = {}
        for node in self.nodes_of(ast.ClassDef):
            for stmt in node.body:
                if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    owners[id(stmt)] = node
        return owners
