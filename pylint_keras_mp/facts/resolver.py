"""The resolver: what a name or expression refers to, through imports and single bindings.

``follow`` is the one way to go from a name to its value; the rules' predicates follow names
through it and recurse only over the structure of the expression they find.
"""

from __future__ import annotations

import ast
import functools

from .bindings import COUNTED_AGAIN
from .follow import FOLLOW_DEPTH, too_deep
from .module import ModuleWalk
from .syntax import BUILTIN_NAMES, FunctionNode, self_name_of
from .values import AUTOTUNE_ATTRIBUTES, MANY_CALLS, UNKNOWN, Autotune, Many

# Methods that change a dict in place: an options dict they are called on is not known.
DICT_MUTATORS = frozenset({"update", "pop", "popitem", "clear", "setdefault", "__setitem__", "__delitem__"})


class Resolver:
    """Names and values, on top of the module walk."""

    def __init__(self, walk: ModuleWalk) -> None:
        self.walk = walk

    def qualname(self, node: ast.AST, fn: FunctionNode | None = None) -> str | None:
        """The dotted name an expression refers to through the module's imports."""
        if isinstance(node, ast.Name):
            if fn is not None and node.id in self.walk.scope(fn).locals:
                return self.local_import(node.id, fn)
            if node.id in self.walk.imports:
                return self.walk.imports[node.id]
            if node.id in self.walk.module_bound or node.id in self.walk.main_guard_bound:
                return None
            if node.id in BUILTIN_NAMES:
                return "builtins." + node.id
            return None
        if isinstance(node, ast.Attribute):
            # A loop, not recursion: ``a.b.c...`` chains deeper than the recursion limit compile.
            attrs: list[str] = []
            while isinstance(node, ast.Attribute):
                attrs.append(node.attr)
                node = node.value
            base = self.qualname(node, fn) if isinstance(node, ast.Name) else None
            return ".".join([base, *reversed(attrs)]) if base else None
        return None

    def local_import(self, name: str, fn: FunctionNode) -> str | None:
        """The dotted target of a local of ``fn`` bound exactly once, by an import statement in
        the function (``def train(): from generators.pascal import PascalVocGenerator``)."""
        table = self.walk.scope(fn).table
        node = table.nodes.get(name)
        if table.counts.get(name) != 1 or not isinstance(node, (ast.Import, ast.ImportFrom)):
            return None
        if name in self.walk.scope(fn).params or name in self.walk.scope(fn).globals:
            return None
        for alias in node.names:
            if isinstance(node, ast.Import):
                if alias.asname == name:
                    return alias.name
                if alias.asname is None and alias.name.split(".")[0] == name:
                    return name
            elif (alias.asname or alias.name) == name and alias.name != "*":
                module = "." * node.level + (node.module or "")
                prefix = module if module.endswith(".") or not module else module + "."
                return prefix + alias.name
        return None

    def call_qualname(self, call: ast.AST, fn: FunctionNode | None = None) -> str | None:
        return self.qualname(call.func, fn) if isinstance(call, ast.Call) else None

    def module_constant(self, name: str) -> ast.expr | None:
        """The value of a module-level name assigned exactly once and never rebound elsewhere."""
        if name in self.walk.global_writes or name in self.walk.main_guard_bound:
            return None
        return self.walk.module_table.single_value(name)

    @functools.cached_property
    def main_guard_values(self) -> dict[str, ast.expr]:
        """Names bound exactly once under ``if __name__ == "__main__":`` and nowhere else at
        module level -> their value (a launch under the guard sees that binding)."""
        table = self.walk.guard_table
        return {
            name: value
            for name in table.values
            if (value := table.single_value(name)) is not None
            and name not in self.walk.module_bound
            and name not in self.walk.global_writes
        }

    def binding_of(self, name: str, fn: FunctionNode | None):
        """(expression, scope) of the single binding of a name in the function, else the module."""
        if fn is not None:
            scope = self.walk.scope(fn)
            if name in scope.locals:
                return scope.single_value(name), fn
        return self.module_constant(name), None

    def binding_at_launch(self, name: str, fn: FunctionNode | None):
        """``binding_of``, plus names bound once under the main guard for module-level code."""
        value, scope = self.binding_of(name, fn)
        if value is None and fn is None:
            value = self.main_guard_values.get(name)
        return value, scope

    def binding_sources(self, name: str, fn: FunctionNode | None, at_launch: bool = False):
        """(every binding's source, scope) of a name, for names bound more than once (``ds =
        ds.batch(32)``): the function's local, else the module's name; ``at_launch``: module-level
        code also sees names bound only under the main guard. ``(None, scope)`` when the name
        is a parameter, declared global, written from a function, or not bound at all."""
        if fn is not None:
            scope = self.walk.scope(fn)
            if name in scope.locals:
                if name in scope.params or name in scope.globals:
                    return None, fn
                return scope.table.sources.get(name), fn
        if name in self.walk.global_writes:
            return None, None
        if name in self.walk.module_table:
            if name in self.walk.main_guard_bound:
                return None, None
            sources = self.walk.module_table.sources.get(name, [])
            return [source for source in sources if source is not COUNTED_AGAIN], None
        if at_launch and fn is None and name in self.walk.guard_table:
            return self.walk.guard_table.sources.get(name), None
        return None, None

    def follow(self, node: ast.AST | None, fn: FunctionNode | None, at_launch: bool = False):
        """(expression, scope) a name stands for, through single bindings, up to ``FOLLOW_DEPTH``
        hops; anything else is returned as it is. ``(None, scope)`` when a name is unknown.
        ``at_launch``: module-level code also sees names bound once under the main guard."""
        lookup = self.binding_at_launch if at_launch else self.binding_of
        for _ in range(FOLLOW_DEPTH):
            if not isinstance(node, ast.Name):
                return node, fn
            node, fn = lookup(node.id, fn)
        return (None, fn) if isinstance(node, ast.Name) else (node, fn)

    def follow_names(self, node: ast.AST | None, fn: FunctionNode | None, at_launch: bool = False):
        """``follow``, plus the names passed on the way (outermost first), for messages."""
        names: list[str] = []
        lookup = self.binding_at_launch if at_launch else self.binding_of
        for _ in range(FOLLOW_DEPTH):
            if not isinstance(node, ast.Name):
                return node, fn, names
            names.append(node.id)
            node, fn = lookup(node.id, fn)
        return (None, fn, names) if isinstance(node, ast.Name) else (node, fn, names)

    def every_value(self, name: str, fn: FunctionNode | None) -> list[ast.expr] | None:
        """Every value a local of ``fn`` is assigned, when all its bindings are plain
        assignments (one per branch of an ``if``); None otherwise."""
        if fn is None:
            return None
        scope = self.walk.scope(fn)
        if name not in scope.locals or name in scope.params or name in scope.globals:
            return None
        return scope.table.every_value(name)

    def value_of_name(self, name: str, fn: FunctionNode | None) -> ast.expr | None:
        return self.binding_of(name, fn)[0]

    def definition_of(self, name: str, fn: FunctionNode | None) -> ast.AST | None:
        """The def or class statement a name refers to: a local one bound once in ``fn``, else a
        module-level one bound once; None for imports, parameters and rebound names."""
        if fn is not None and name in self.walk.scope(fn).locals:
            return self.walk.scope(fn).single_definition(name)
        if name in self.walk.imports or name in self.walk.global_writes:
            return None
        return self.walk.module_table.single_definition(name)

    def resolve(self, node: ast.AST | None, fn: FunctionNode | None = None, _depth: int = 0):
        """A literal value, ``Many`` for cpu counts, or UNKNOWN."""
        if isinstance(node, ast.Name):
            node, fn = self.follow(node, fn)
        if node is None or too_deep(_depth):
            return UNKNOWN
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Not)):
            inner = self.resolve(node.operand, fn, _depth + 1)
            if inner is UNKNOWN or isinstance(inner, (Many, Autotune)):
                return UNKNOWN
            try:
                return -inner if isinstance(node.op, ast.USub) else not inner
            except TypeError:
                return UNKNOWN
        if isinstance(node, ast.Attribute):
            qualname = self.qualname(node, fn)
            if qualname in AUTOTUNE_ATTRIBUTES:
                return Autotune(qualname)
            return UNKNOWN
        if isinstance(node, ast.Call) and not node.args and not node.keywords:
            qualname = self.call_qualname(node, fn)
            if qualname in MANY_CALLS:
                return Many(qualname + "()")
        return UNKNOWN

    def resolve_bool(self, node: ast.AST | None, fn: FunctionNode | None = None):
        value = self.resolve(node, fn)
        if value is UNKNOWN:
            return UNKNOWN
        return bool(value)

    def resolve_int(self, node: ast.AST | None, fn: FunctionNode | None = None):
        value = self.resolve(node, fn)
        if isinstance(value, bool) or not isinstance(value, int):
            return UNKNOWN
        return value

    def instance_class(self, node: ast.AST, fn: FunctionNode | None) -> ast.ClassDef | None:
        """The module class of ``self`` in a method, or of a name bound once to ``Class(...)``."""
        if not isinstance(node, ast.Name):
            return None
        if fn is not None and node.id == self_name_of(fn) and node.id in self.walk.scope(fn).params:
            return self.walk.method_owner.get(id(fn))
        value, scope = self.follow(node, fn, at_launch=True)
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
            definition = self.definition_of(value.func.id, scope)
            if isinstance(definition, ast.ClassDef):
                return definition
        return None

    def dict_changed_in_place(self, name: str) -> bool:
        """``name[k] = v``, ``del name[k]`` or ``name.update(...)`` (and the like) anywhere in the
        module, in any scope: then what a ``**name`` passes is not known."""
        for node in self.walk.nodes_of(ast.Subscript):
            if (
                isinstance(node.ctx, (ast.Store, ast.Del))
                and isinstance(node.value, ast.Name)
                and node.value.id == name
            ):
                return True
        return any(
            isinstance(node.value, ast.Name) and node.value.id == name and node.attr in DICT_MUTATORS
            for node in self.walk.nodes_of(ast.Attribute)
        )
