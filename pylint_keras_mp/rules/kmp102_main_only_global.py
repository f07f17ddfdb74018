"""KMP102 sequence-main-only-global: worker code reads a name that only the main guard binds."""

from __future__ import annotations

import ast

from ..facts import BUILTIN_NAMES, walk_scope
from ..rule import Rule

RULE = Rule(
    code="KMP102",
    symbol="sequence-main-only-global",
    severity="E",
    summary="Worker code reads a name bound only under the main guard (NameError under spawn/forkserver)",
    template=(
        "{loader}.{method} reads '{name}', which is bound only {where}: spawn/forkserver "
        "workers re-import the module without it and raise NameError"
    ),
    fix="define it at module level or pass it to the constructor",
    words=("Sequence", "PyDataset", "torch+Dataset", "IterableDataset"),
    options=("sequence-bases",),
)


def main_only_names(facts) -> dict[str, str]:
    """Names worker processes will not have -> where they are bound, for the message."""
    names: dict[str, str] = {}
    for name in facts.walk.main_guard_bound:
        if name not in facts.walk.module_bound:
            names[name] = 'under if __name__ == "__main__"'
    import_time = facts.walk.import_time_functions
    for name, functions in facts.walk.global_writes.items():
        if name in facts.walk.module_bound or name in names:
            continue
        writers = [
            fn
            for fn in functions
            if any(
                isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store)
                for node in walk_scope(fn)
            )
        ]
        if writers and not any(
            fn.name in import_time and facts.walk.functions.get(fn.name) is fn for fn in writers
        ):
            names[name] = f"inside {writers[0].name}() via global"
    return names


def check(facts, report) -> None:
    if facts.is_notebook:
        return  # workers never re-run a notebook's cells: no name is "bound only in the parent"
    if not facts.hierarchy.data_loaders:
        return
    names = main_only_names(facts)
    if not names:
        return
    for loader in facts.hierarchy.data_loaders:
        if not facts.pipelines.judged_in_workers(loader):
            continue
        for method_name, fn in loader.worker_methods.items():
            scope = facts.walk.scope(fn)
            reported: set[str] = set()
            for node in sorted(
                (n for n in walk_scope(fn) if isinstance(n, ast.Name)),
                key=lambda n: (n.lineno, n.col_offset),
            ):
                if (
                    isinstance(node.ctx, ast.Load)
                    and node.id in names
                    and node.id not in scope.locals
                    and node.id not in reported
                    and not (node.id in BUILTIN_NAMES and node.id not in scope.globals)
                ):
                    reported.add(node.id)
                    report(
                        "KMP102",
                        node,
                        loader=loader.name,
                        method=method_name,
                        name=node.id,
                        where=names[node.id],
                    )
