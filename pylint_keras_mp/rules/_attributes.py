"""What a value stored on ``self`` is, shared by the pickling rules (KMP201, KMP202)."""

from __future__ import annotations

import ast

from ..facts import walk_scope

CONTAINERS = (ast.List, ast.Tuple, ast.Set)


def stored_attributes(facts, loader):
    """Assignments to self.<attr> whose value travels with the pickled loader."""
    if loader.defines_pickle_hooks:
        return
    for assignment in facts.self_assignments(loader):
        if assignment.value is None:
            continue
        if assignment.guarded and assignment.method.name in loader.worker_methods:
            continue  # lazy per-worker initialisation: created after unpickling
        yield assignment


def local_definitions(fn) -> dict[str, ast.AST]:
    """Functions and classes defined inside a function body."""
    return {
        node.name: node
        for node in walk_scope(fn)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    }


def describe_elements(value, describe):
    """Apply ``describe`` to a container's elements; the first hit, marked as inside it."""
    if isinstance(value, CONTAINERS):
        elements = value.elts
        kind = type(value).__name__.lower()
    elif isinstance(value, ast.Dict):
        elements = value.values
        kind = "dict"
    else:
        return None
    for element in elements:
        found = describe(element)
        if found:
            return f"{found} inside a {kind}"
    return None
