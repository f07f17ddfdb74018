"""Syntax helpers: questions answered by the shape of the tree alone, with no name resolution."""

from __future__ import annotations

import ast
import builtins
import weakref
from typing import Iterator, Union

FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]
SCOPE_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
DEF_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
BUILTIN_NAMES = frozenset(dir(builtins))


# Fields the walks do not follow: a plain value (a string, a number), or a shared leaf node
# (``Load()``, ``Add()``), which holds nothing and which no question asks for (a question about a
# name's context reads ``node.ctx``). ``ctx`` alone is three in ten of a module's nodes.
LEAF_FIELDS = frozenset(
    {"ctx", "op", "ops", "id", "attr", "arg", "kind", "type_comment", "level", "module",
     "conversion", "is_async", "simple"}
)
# AST class -> the fields the walks follow (filled as classes are met)
CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def child_fields(cls: type) -> tuple[str, ...]:
    """The fields of an AST class the walks follow (``LEAF_FIELDS`` left out)."""
    fields = CHILD_FIELDS.get(cls)
    if fields is None:
        fields = CHILD_FIELDS[cls] = tuple(f for f in cls._fields if f not in LEAF_FIELDS)
    return fields


def child_nodes(node: ast.AST) -> list[ast.AST]:
    """``list(ast.iter_child_nodes(node))`` without the shared leaves (``LEAF_FIELDS``), about
    twice as fast (the engine's hottest loop)."""
    children: list[ast.AST] = []
    fields = CHILD_FIELDS.get(node.__class__)
    if fields is None:  # not ``or``: a leaf class's tuple is empty
        fields = child_fields(node.__class__)
    for name in fields:
        value = getattr(node, name, None)
        if isinstance(value, list):
            children.extend([item for item in value if isinstance(item, ast.AST)])
        elif isinstance(value, ast.AST):
            children.append(value)
    return children


def _walk_scope(node: ast.AST) -> Iterator[ast.AST]:
    stack = child_nodes(node)
    while stack:
        child = stack.pop()
        yield child
        if not isinstance(child, SCOPE_NODES):
            stack.extend(child_nodes(child))


# The nodes of each function, class and module scope walked so far, as long as its tree lives:
# the rules and facts walk the same methods over and over.
_SCOPES_WALKED: "weakref.WeakKeyDictionary[ast.AST, list[ast.AST]]" = weakref.WeakKeyDictionary()
_CACHED_SCOPES = (*SCOPE_NODES, ast.Module)


def walk_scope(node: ast.AST) -> Iterator[ast.AST]:
    """Like ast.walk over ``node``'s children (but the shared leaves: ``LEAF_FIELDS``), but not
    into nested functions, lambdas or classes."""
    if not isinstance(node, _CACHED_SCOPES):
        return _walk_scope(node)
    nodes = _SCOPES_WALKED.get(node)
    if nodes is None:
        nodes = _SCOPES_WALKED[node] = list(_walk_scope(node))
    return iter(nodes)


def child_bodies(stmt: ast.stmt) -> list[list[ast.stmt]]:
    """The statement lists nested in a compound statement (bodies, handlers, cases)."""
    bodies = []
    for name in ("body", "orelse", "finalbody"):
        value = getattr(stmt, name, None)
        if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
            bodies.append(value)
    for handler in getattr(stmt, "handlers", []) or []:
        bodies.append(handler.body)
    for case in getattr(stmt, "cases", []) or []:
        bodies.append(case.body)
    return bodies


def is_try(stmt: ast.AST) -> bool:
    return isinstance(stmt, ast.Try) or (hasattr(ast, "TryStar") and isinstance(stmt, ast.TryStar))


def leaves_block(body: list[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[-1], (ast.Return, ast.Raise, ast.Continue, ast.Break))


def own_expressions(stmt: ast.stmt) -> list[ast.AST]:
    """The parts of a statement that it evaluates itself (not its nested statements)."""
    if isinstance(stmt, (ast.If, ast.While)):
        return [stmt.test]
    if isinstance(stmt, (ast.For, ast.AsyncFor)):
        return [stmt.target, stmt.iter]
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return list(stmt.items)
    if isinstance(stmt, DEF_NODES):
        return []
    if is_try(stmt):
        return [handler.type for handler in stmt.handlers if handler.type is not None]
    if hasattr(ast, "Match") and isinstance(stmt, ast.Match):
        return [stmt.subject]
    return [stmt]


def target_names(target: ast.AST) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:
            yield from target_names(elt)
    elif isinstance(target, ast.Starred):
        yield from target_names(target.value)


def assigned_value(stmt: ast.stmt, target: ast.AST) -> ast.expr | None:
    """The value a plain assignment, annotated assignment or ``with ... as`` gives ``target``."""
    if isinstance(stmt, ast.Assign):
        for whole in stmt.targets:
            if whole is target:
                return stmt.value
            if (
                isinstance(whole, (ast.Tuple, ast.List))
                and isinstance(stmt.value, (ast.Tuple, ast.List))
                and len(whole.elts) == len(stmt.value.elts)
            ):
                for element, value in zip(whole.elts, stmt.value.elts):
                    if element is target:
                        return value
    elif isinstance(stmt, ast.AnnAssign) and stmt.target is target:
        return stmt.value
    elif isinstance(stmt, (ast.With, ast.AsyncWith)):
        for item in stmt.items:
            if item.optional_vars is target:
                return item.context_expr
    return None


def root_name(node: ast.AST) -> ast.Name | None:
    """The Name at the root of ``a.b[c].d``."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node if isinstance(node, ast.Name) else None


def is_self_attribute(node: ast.AST, self_name: str = "self") -> str | None:
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == self_name
    ):
        return node.attr
    return None


def self_name_of(fn: FunctionNode) -> str | None:
    args = fn.args.posonlyargs + fn.args.args
    if not args:
        return None
    for deco in fn.decorator_list:
        if isinstance(deco, ast.Name) and deco.id in {"staticmethod", "classmethod"}:
            return None
    return args[0].arg


def parameter_names(fn: FunctionNode | ast.Lambda) -> set[str]:
    """Every parameter of a function, ``*args`` and ``**kwargs`` included."""
    args = fn.args
    params = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
    if args.vararg:
        params.add(args.vararg.arg)
    if args.kwarg:
        params.add(args.kwarg.arg)
    return params


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def has_star_kwargs(call: ast.Call) -> bool:
    return any(kw.arg is None for kw in call.keywords)


def is_main_guard(node: ast.stmt) -> bool:
    """``if __name__ == "__main__":`` (either operand order)."""
    if not isinstance(node, ast.If):
        return False
    test = node.test
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    left, right = test.left, test.comparators[0]
    for a, b in ((left, right), (right, left)):
        if (
            isinstance(a, ast.Name)
            and a.id == "__name__"
            and isinstance(b, ast.Constant)
            and b.value == "__main__"
        ):
            return True
    return False


def is_super_init(call: ast.Call) -> bool:
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr == "__init__"):
        return False
    value = func.value
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "super":
        return True
    # Base.__init__(self, ...) spelled out
    return isinstance(value, (ast.Name, ast.Attribute))


def is_generator_function(fn: FunctionNode) -> bool:
    """A plain ``def`` whose body yields (decorated ones may be context managers or other wrappers)."""
    return (
        isinstance(fn, ast.FunctionDef)
        and not fn.decorator_list
        and any(isinstance(node, (ast.Yield, ast.YieldFrom)) for node in walk_scope(fn))
    )


def source_text(node: ast.AST, limit: int = 40, unprintable: str = "...") -> str:
    """An expression as source for a message: ``ast.unparse`` shortened to ``limit`` characters.
    Never raises: ``unprintable`` when the expression is nested too deeply to print."""
    try:
        text = ast.unparse(node)
    except (RecursionError, MemoryError, ValueError):
        # nested deeper than unparse can go; an integer longer than Python prints
        return unprintable
    return text if len(text) <= limit else text[: limit - 3] + "..."
