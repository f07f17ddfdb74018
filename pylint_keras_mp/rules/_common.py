"""Helpers that several rules share (rules import them from here, never from each other)."""

from __future__ import annotations

import ast
import re

from ..facts import is_self_attribute, is_super_init, self_name_of, source_text, walk_scope
from ..facts.syntax import child_bodies

# Methods that change a list, dict, set or deque in place.
MUTATING_METHODS = frozenset(
    {
        "append", "extend", "insert", "pop", "popitem", "remove", "clear", "update", "add",
        "discard", "setdefault", "appendleft", "extendleft", "popleft", "sort", "reverse",
        "__setitem__", "__delitem__",
    }
)


def keras3_decided(facts, loader=None) -> str:
    """`` (Keras 3: the project's dependencies: requirements.txt (keras>=3))``: what made the
    module Keras 3, for the rules that hold only there; "" for a loader whose own base is
    ``PyDataset`` (that decides it)."""
    if loader is not None and loader.is_pydataset:
        return ""
    source = facts.version.keras_version_source
    if not source or source.startswith(("this module", "the keras-version option")):
        return ""  # the module itself, or the user's own setting, says so
    return f" (Keras 3: {source})"


def launch_label(launch) -> str:
    """How a message names a launch: ``model.fit(...)``."""
    func = launch.call.func
    owner = func.value if isinstance(func, ast.Attribute) else None
    owner_text = source_text(owner, unprintable="") if owner is not None else ""
    return f"{owner_text}.{launch.method}(...)" if owner_text else f"{launch.method}(...)"


def imports_any(facts, roots) -> bool:
    """The module imports one of these top-level packages (a cheap test before a costly one)."""
    return any(target.lstrip(".").split(".")[0] in roots for target in facts.walk.imports.values())


def worker_code(facts, reports_in):
    """Worker code in this module as (function, loader, label of the method for the message):
    the worker methods of its loaders, then those of its module-level functions and methods of
    project classes that worker code of any project loader runs (``__getitem__ -> augment()``,
    ``__getitem__ -> self.sampler.sample()``), among the functions where
    ``reports_in(function)`` says the rule would report."""
    for loader in facts.hierarchy.data_loaders:
        if not facts.pipelines.judged_in_workers(loader):
            continue
        for method_name, fn in loader.worker_methods.items():
            yield fn, loader, method_name
    if facts.project is None and not facts.hierarchy.data_loaders:
        return  # nothing in a lone module without loaders runs in workers
    candidates = facts.worker_code.reached_candidates(reports_in) if reports_in else []
    for fn, loader, label in facts.worker_code.worker_helpers(candidates):
        if facts.pipelines.judged_in_workers(loader):
            yield fn, loader, label


def arguments_text(arguments) -> str:
    """``workers=4, use_multiprocessing=True``, and where they came from when a ``**OPTIONS`` dict
    passed them: ``... (from **FIT_OPTIONS)``. Takes ``ast.keyword``s or launch ``Argument``s."""
    text = ", ".join(f"{argument.arg}={source_text(argument.value)}" for argument in arguments)
    vias = list(dict.fromkeys(getattr(argument, "via", None) for argument in arguments))
    vias = [via for via in vias if via]
    return text + (f" (from {', '.join('**' + via for via in vias)})" if vias else "")


def loader_init(facts, loader):
    """The ``__init__`` the loader runs, when a data loader class of the module defines it (an
    ``__init__`` of a plain mixin may sit after the Keras base in the real MRO: unknown)."""
    init = loader.methods.get("__init__")
    if init is None:
        return None
    return init if id(init) in facts.hierarchy.loader_class_statements else None


def super_init_calls(init) -> list[ast.Call]:
    return [node for node in walk_scope(init) if isinstance(node, ast.Call) and is_super_init(node)]


def launch_inputs(launch) -> list[tuple[ast.expr, object, str]]:
    """What a launch iterates with its workers, with the scope it is evaluated in and how a
    message names the argument: x (or generator=) and fit's validation_data=."""
    inputs = []
    if launch.data is not None:
        if launch.call.args and launch.call.args[0] is launch.data:
            label = "x" if not launch.method.endswith("_generator") else "the generator argument"
        else:
            label = "x=" if launch.argument("x") is not None else "generator="
        inputs.append((launch.data, launch.function, label))
    if launch.method in ("fit", "fit_generator"):
        validation = launch.argument("validation_data")
        if validation is not None:
            inputs.append((validation.value, validation.scope, "validation_data="))
    return inputs


def local_classes(facts) -> dict[int, ast.AST]:
    """id(class) -> the innermost function it is defined in, for every class of the module
    defined inside a function (also inside a class inside a function): pickle cannot find such a
    class by its name."""
    found: dict[int, ast.AST] = {}
    for fn in facts.walk.all_functions:
        stack = [node for node in walk_scope(fn) if isinstance(node, ast.ClassDef)]
        while stack:
            cls = stack.pop()
            found[id(cls)] = fn
            stack.extend(stmt for stmt in cls.body if isinstance(stmt, ast.ClassDef))
    return found


def launch_related(loader, site) -> tuple[tuple, ...]:
    """The place that makes the loader run in worker processes, for editors: (line, column,
    message, file)."""
    if site is None:
        return ()
    path, line, col = site
    message = f"{loader.name} runs in worker processes because of this"
    return ((line, col, message, str(path) if path is not None else None),)


# What takes a lock in a with statement: a lock made by one of these, or named a lock.
LOCK_CONSTRUCTORS = frozenset(
    f"{module}.{name}"
    for module in ("threading", "multiprocessing")
    for name in ("Lock", "RLock", "Condition", "Semaphore", "BoundedSemaphore")
)
LOCK_WORDS = frozenset({"lock", "rlock", "mutex"})


def takes_lock(facts, expr: ast.expr, fn) -> bool:
    """``with self.lock:``, ``with LOCK:``, ``with threading.Lock():``: an object made by a lock
    constructor (stored on self by a method of the function's class, or bound to the name), or
    named a lock (``self.preprocessor.thread_lock``, ``self._mutex``)."""
    value, scope = expr, fn
    attr = is_self_attribute(expr, self_name_of(fn))
    owner = facts.walk.method_owner.get(id(fn))
    if attr and owner is not None:
        for method in facts.hierarchy.class_methods(owner).values():
            for node in walk_scope(method):
                if isinstance(node, ast.Assign) and any(
                    is_self_attribute(target, self_name_of(method)) == attr for target in node.targets
                ):
                    value, scope = node.value, method
    elif not attr:
        value, scope = facts.resolver.follow(expr, fn)
    if isinstance(value, ast.Call) and facts.resolver.qualname(value.func, scope) in LOCK_CONSTRUCTORS:
        return True
    name = expr.attr if isinstance(expr, ast.Attribute) else getattr(expr, "id", "")
    words = {word.lower() for word in re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", name)}
    return bool(words & LOCK_WORDS)


def locked_nodes(facts, fn, cache: dict) -> set[int]:
    """``id()`` of the statements and expressions of a function inside a ``with`` block that
    takes a lock: a write there is safe on threads, and still lost in worker processes (the
    messages say so). ``cache``: the answers so far, by ``id()`` of the function."""
    if id(fn) in cache:
        return cache[id(fn)]
    locked: set[int] = set()
    pending = [(fn.body, False)]
    while pending:
        body, inside = pending.pop()
        for stmt in body:
            if inside:
                locked.update(id(node) for node in ast.walk(stmt))
                continue
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            takes = isinstance(stmt, (ast.With, ast.AsyncWith)) and any(
                takes_lock(facts, item.context_expr, fn) for item in stmt.items
            )
            pending.extend((child, takes) for child in child_bodies(stmt))
    cache[id(fn)] = locked
    return locked


def listed(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
