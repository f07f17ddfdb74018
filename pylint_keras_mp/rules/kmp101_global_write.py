"""KMP101 sequence-global-write: worker code writes a module global."""

from __future__ import annotations

import ast

from ..facts import root_name, walk_scope
from ._common import MUTATING_METHODS


def _module_object(facts, scope, name: str) -> bool:
    """A module-level variable (not an import, function or class) that the function does not shadow."""
    return (
        name in facts.module_bound
        and name not in scope.locals
        and name not in facts.imports
        and name not in facts.functions
        and name not in facts.classes
        and not _shared_by_design(facts, name)
    )


def _shared_by_design(facts, name: str) -> bool:
    """multiprocessing.Value/Array/Manager().dict()... exist to be written from workers."""
    value = facts.module_constant(name)
    while isinstance(value, (ast.Call, ast.Attribute)):
        qualname = facts.qualname(value.func if isinstance(value, ast.Call) else value)
        if qualname and qualname.startswith("multiprocessing."):
            return True
        value = value.func.value if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) else (
            value.value if isinstance(value, ast.Attribute) else None
        )
    return False


def check(facts, report) -> None:
    for loader in facts.data_loaders:
        for method_name, fn in loader.worker_methods.items():
            scope = facts.scope(fn)

            def flag(node, action, name):
                report(
                    "KMP101", node, loader=loader.name, method=method_name, action=action, name=name
                )

            for node in walk_scope(fn):
                if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
                    targets = (
                        node.targets
                        if isinstance(node, (ast.Assign, ast.Delete))
                        else [node.target]
                    )
                    for target in targets:
                        for element in target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]:
                            if isinstance(element, ast.Name):
                                if element.id in scope.globals:
                                    flag(node, "rebinds", element.id)
                            elif isinstance(element, (ast.Subscript, ast.Attribute)):
                                base = root_name(element)
                                if base is not None and (
                                    base.id in scope.globals or _module_object(facts, scope, base.id)
                                ):
                                    action = "deletes from" if isinstance(node, ast.Delete) else "mutates"
                                    flag(node, action, base.id)
                elif (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in MUTATING_METHODS
                ):
                    base = root_name(node.func.value)
                    if base is not None and (
                        base.id in scope.globals or _module_object(facts, scope, base.id)
                    ):
                        flag(node, f"calls .{node.func.attr}() on", base.id)
