"""Helpers that several rules share (rules import them from here, never from each other)."""

from __future__ import annotations

import ast

from ..facts import is_super_init, source_text, walk_scope

# Methods that change a list, dict, set or deque in place.
MUTATING_METHODS = frozenset(
    {
        "append", "extend", "insert", "pop", "popitem", "remove", "clear", "update", "add",
        "discard", "setdefault", "appendleft", "extendleft", "popleft", "sort", "reverse",
        "__setitem__", "__delitem__",
    }
)


def launch_label(launch) -> str:
    """How a message names a launch: ``model.fit(...)``."""
    func = launch.call.func
    owner = func.value if isinstance(func, ast.Attribute) else None
    owner_text = source_text(owner, unprintable="") if owner is not None else ""
    return f"{owner_text}.{launch.method}(...)" if owner_text else f"{launch.method}(...)"


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
    return init if id(init) in facts.loader_class_statements else None


def super_init_calls(init) -> list[ast.Call]:
    return [node for node in walk_scope(init) if isinstance(node, ast.Call) and is_super_init(node)]
