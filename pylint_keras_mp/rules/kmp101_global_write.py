"""KMP101 sequence-global-write: worker code writes a module global."""

from __future__ import annotations

import ast

from ..facts import root_name, walk_scope
from ..rule import Rule
from ._common import MUTATING_METHODS, listed, locked_nodes, worker_code

RULE = Rule(
    code="KMP101",
    symbol="sequence-global-write",
    severity="W",
    summary="Worker code of a data loader writes a module global; the write never reaches the parent",
    template=(
        "{loader}.{method} {writes}: updates made in worker processes never reach the parent "
        "and race on threads"
    ),
    fix="keep the state on the parent side (on_epoch_end) or return it with the batch",
    forms=(
        (
            "locked",
            "{loader}.{method} {writes} under a lock: the lock makes it safe on threads, but "
            "updates made in worker processes never reach the parent",
            "keep the state on the parent side (on_epoch_end) or return it with the batch",
        ),
    ),
    words=("Sequence", "PyDataset", "torch+Dataset", "IterableDataset"),
    options=("sequence-bases",),
)


def _module_object(facts, scope, name: str) -> bool:
    """A module-level variable (not an import, function or class) that the function does not shadow."""
    return (
        name in facts.walk.module_bound
        and name not in scope.locals
        and name not in facts.walk.imports
        and name not in facts.walk.functions
        and name not in facts.walk.classes
        and not _shared_by_design(facts, name)
    )


def _shared_by_design(facts, name: str) -> bool:
    """multiprocessing.Value/Array/Manager().dict()... exist to be written from workers."""
    value = facts.resolver.module_constant(name)
    while isinstance(value, (ast.Call, ast.Attribute)):
        qualname = facts.resolver.qualname(value.func if isinstance(value, ast.Call) else value)
        if qualname and qualname.startswith("multiprocessing."):
            return True
        value = value.func.value if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) else (
            value.value if isinstance(value, ast.Attribute) else None
        )
    return False


def global_writes_in(facts, fn):
    """(node, action, name) for every write to a module global in a function's own body."""
    scope = facts.walk.scope(fn)
    for node in walk_scope(fn):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for target in targets:
                for element in target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]:
                    if isinstance(element, ast.Name):
                        if element.id in scope.globals:
                            yield node, "rebinds", element.id
                    elif isinstance(element, (ast.Subscript, ast.Attribute)):
                        base = root_name(element)
                        if base is not None and (
                            base.id in scope.globals or _module_object(facts, scope, base.id)
                        ):
                            action = "deletes from" if isinstance(node, ast.Delete) else "mutates"
                            yield node, action, base.id
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in MUTATING_METHODS
        ):
            base = root_name(node.func.value)
            if base is not None and (base.id in scope.globals or _module_object(facts, scope, base.id)):
                yield node, f"calls .{node.func.attr}() on", base.id


def _may_write_globals(facts) -> bool:
    """Some function may write a module global: a ``global`` statement, or a store into or a
    mutating call on a module-level name (read from the module's index, no walk)."""
    if facts.walk.global_writes:
        return True
    objects = {
        name
        for name in facts.walk.module_bound
        if name not in facts.walk.imports and name not in facts.walk.functions and name not in facts.walk.classes
    }
    if not objects:
        return False
    for node in facts.walk.nodes_of(ast.Call):
        if isinstance(node.func, ast.Attribute) and node.func.attr in MUTATING_METHODS:
            base = root_name(node.func.value)
            if base is not None and base.id in objects:
                return True
    for node_type in (ast.Subscript, ast.Attribute):
        for node in facts.walk.nodes_of(node_type):
            if isinstance(node.ctx, (ast.Store, ast.Del)):
                base = root_name(node)
                if base is not None and base.id in objects:
                    return True
    return False


def _writes_text(writes: list[tuple[str, str]]) -> str:
    """``rebinds module global 'A'``, ``rebinds module globals 'A' and 'B'``, from (action,
    name) in the statement's order."""
    parts: list[tuple[str, list[str]]] = []
    for action, name in writes:
        if parts and parts[-1][0] == action:
            parts[-1][1].append(f"'{name}'")
        else:
            parts.append((action, [f"'{name}'"]))
    return " and ".join(
        f"{action} module global{'s' if len(names) > 1 else ''} {listed(names)}"
        for action, names in parts
    )


def check(facts, report) -> None:
    def writes(fn):
        return any(True for _ in global_writes_in(facts, fn))

    # One finding per hazard: each global at its first write in worker code (source order), and
    # the globals one statement writes first in one finding.
    locked_cache: dict[int, set[int]] = {}
    found = []
    for fn, loader, method_name in worker_code(facts, writes if _may_write_globals(facts) else None):
        for node, action, name in global_writes_in(facts, fn):
            locked = id(node) in locked_nodes(facts, fn, locked_cache)
            found.append((node, action, name, loader.name, method_name, locked))
    first: dict[str, tuple] = {}
    for write in sorted(found, key=lambda w: (w[0].lineno, w[0].col_offset)):
        first.setdefault(write[2], write)
    statements: dict[tuple, list[tuple]] = {}
    for node, action, name, loader, method, locked in first.values():
        statements.setdefault((id(node), loader, method, locked), []).append((node, action, name))
    for (_, loader, method, locked), group in statements.items():
        report(
            "KMP101",
            group[0][0],
            loader=loader,
            method=method,
            writes=_writes_text([(action, name) for _node, action, name in group]),
            form="locked" if locked else None,
        )

