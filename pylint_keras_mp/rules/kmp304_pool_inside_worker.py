"""KMP304 pool-inside-worker: worker code of a data loader starts child processes."""

from __future__ import annotations

import ast

from ..facts import walk_scope
from ..rule import Rule
from . import _grain
from ._common import imports_any, worker_code

RULE = Rule(
    code="KMP304",
    symbol="pool-inside-worker",
    severity="E",
    summary="Worker code of a data loader starts a process pool (daemonic processes cannot have children)",
    template=(
        "{loader}.{method} {what} in worker code: Keras worker processes are daemonic and "
        "cannot have children (AssertionError)"
    ),
    fix="parallelise with the loader's own workers, or use threads inside __getitem__",
    forms=(
        (
            "grain",
            "grain transform {loader}.{method} {what}: {runner} runs it in spawn worker "
            "processes, which are daemonic and cannot have children (AssertionError)",
            "let grain's workers parallelise (more num_workers), or use a thread pool inside "
            "{method}",
        ),
    ),
    words=("Sequence", "PyDataset", "torch+Dataset", "IterableDataset", "mp_prefetch", "worker_count"),
    options=("sequence-bases",),
)

# Callables that create a pool of worker processes -> how the message names it.
PROCESS_POOLS = {
    "multiprocessing.Pool": "a multiprocessing.Pool",
    "multiprocessing.pool.Pool": "a multiprocessing.Pool",
    "concurrent.futures.ProcessPoolExecutor": "a ProcessPoolExecutor",
    "concurrent.futures.process.ProcessPoolExecutor": "a ProcessPoolExecutor",
    "torch.multiprocessing.Pool": "a torch.multiprocessing.Pool",
}
# Classes whose instances start a process with .start().
PROCESS_CLASSES = frozenset(
    {"multiprocessing.Process", "multiprocessing.context.Process", "torch.multiprocessing.Process"}
)
PROCESS_PACKAGES = frozenset({"multiprocessing", "concurrent", "torch"})
# get_context(...) objects: their .Pool() and .Process() behave like the module-level ones.
CONTEXT_FACTORIES = frozenset({"multiprocessing.get_context", "torch.multiprocessing.get_context"})


def _is_context(facts, node, fn) -> bool:
    """``multiprocessing.get_context(...)``, directly or through a name bound once to it."""
    node, fn = facts.resolver.follow(node, fn)
    return isinstance(node, ast.Call) and facts.resolver.qualname(node.func, fn) in CONTEXT_FACTORIES


def _process_class(facts, cls, seen=()) -> bool:
    """A module class that derives from multiprocessing.Process."""
    for base in cls.bases:
        if facts.resolver.qualname(base) in PROCESS_CLASSES:
            return True
        if isinstance(base, ast.Name) and base.id in facts.walk.classes and base.id not in seen:
            if _process_class(facts, facts.walk.classes[base.id], seen + (base.id,)):
                return True
    return False


def _is_process(facts, node, fn) -> bool:
    """An expression that evaluates to a new, not yet started, multiprocessing.Process."""
    node, fn = facts.resolver.follow(node, fn)
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if facts.resolver.qualname(func, fn) in PROCESS_CLASSES:
        return True
    if isinstance(func, ast.Attribute) and func.attr == "Process" and _is_context(facts, func.value, fn):
        return True
    if isinstance(func, ast.Name):
        definition = facts.resolver.definition_of(func.id, fn)
        return isinstance(definition, ast.ClassDef) and _process_class(facts, definition)
    return False


def describe_process_start(facts, call: ast.Call, fn) -> str | None:
    """What a call in worker code starts in a child process, or None (threads, unknown)."""
    func = call.func
    qualname = facts.resolver.qualname(func, fn)
    if qualname in PROCESS_POOLS:
        return f"creates {PROCESS_POOLS[qualname]}"
    if isinstance(func, ast.Attribute):
        if func.attr == "Pool" and _is_context(facts, func.value, fn):
            return "creates a multiprocessing.Pool (from get_context())"
        if func.attr == "start" and not call.args and _is_process(facts, func.value, fn):
            return "starts a multiprocessing.Process"
    return None


def _starts_processes(facts, fn) -> bool:
    return any(
        isinstance(node, ast.Call) and describe_process_start(facts, node, fn)
        for node in walk_scope(fn)
    )


def check(facts, report) -> None:
    def starts(fn):
        return _starts_processes(facts, fn)

    may_start = imports_any(facts, PROCESS_PACKAGES)
    if may_start:
        for cls, methods, runner in _grain.transform_methods(facts):
            for fn in methods:
                for node in walk_scope(fn):
                    what = describe_process_start(facts, node, fn) if isinstance(node, ast.Call) else None
                    if what:
                        report("KMP304", node, loader=cls.name, method=fn.name, what=what,
                               runner=runner, form="grain")
    for fn, loader, method_name in worker_code(facts, starts if may_start else None):
        for node in walk_scope(fn):
            if not isinstance(node, ast.Call):
                continue
            what = describe_process_start(facts, node, fn)
            if what:
                report("KMP304", node, loader=loader.name, method=method_name, what=what)
