"""KMP202 sequence-unpicklable-attribute: a file, lock, generator, connection... stored on self."""

from __future__ import annotations

import ast

from ..facts import is_generator_function
from ..unpicklable import DATASET_ITERATOR_METHODS, IMAGE_GENERATOR_FLOWS, UNPICKLABLE_CONSTRUCTORS
from ._attributes import describe_elements, stored_attributes

GENERATOR = "a generator"
FORK_NOTE = ", and under fork every worker advances its own copy and repeats data"


def _is_image_data_generator(facts, fn, node) -> bool:
    node, fn = facts.follow(node, fn)
    if isinstance(node, ast.Call):
        qualname = facts.qualname(node.func, fn) or ""
        return qualname.endswith(".ImageDataGenerator") and "keras" in qualname
    return False


def describe_unpicklable(facts, loader, fn, value, constructors, _depth=0) -> tuple[str, str] | None:
    """(what the value is, extra clause) when it cannot be pickled; None when fine or unknown."""
    if _depth > 4 or value is None:
        return None
    if isinstance(value, ast.GeneratorExp):
        return GENERATOR, FORK_NOTE
    if isinstance(value, ast.Name):
        bound, _scope = facts.follow(value, fn)
        if bound is None:
            return None
        return describe_unpicklable(facts, loader, fn, bound, constructors, _depth + 1)
    if not isinstance(value, ast.Call):
        found = describe_elements(
            value,
            lambda e: (describe_unpicklable(facts, loader, fn, e, constructors, _depth + 1) or ("", ""))[0],
        )
        return (found, "") if found else None
    func = value.func
    qualname = facts.qualname(func, fn)
    if qualname in constructors:
        return constructors[qualname], ""
    if qualname == "builtins.iter" and value.args and facts.is_dataset_value(value.args[0], fn):
        return "an iterator over a tf.data.Dataset", ""
    if isinstance(func, ast.Attribute):
        if func.attr in DATASET_ITERATOR_METHODS and facts.is_dataset_value(func.value, fn):
            return "an iterator over a tf.data.Dataset", ""
        if func.attr in IMAGE_GENERATOR_FLOWS and _is_image_data_generator(facts, fn, func.value):
            return "an ImageDataGenerator iterator (it holds a lock and a generator)", FORK_NOTE
        self_name = fn.args.args[0].arg if fn.args.args else None
        if (
            isinstance(func.value, ast.Name)
            and func.value.id == self_name
            and func.attr in loader.methods
            and is_generator_function(loader.methods[func.attr])
        ):
            return GENERATOR, FORK_NOTE
    if isinstance(func, ast.Name) and func.id not in facts.scope(fn).locals:
        target = facts.functions.get(func.id)
        if target is not None and func.id not in facts.imports and is_generator_function(target):
            return GENERATOR, FORK_NOTE
    return None


def check(facts, report) -> None:
    if not facts.data_loaders:
        return
    constructors = dict(UNPICKLABLE_CONSTRUCTORS)
    for extra in facts.options.unpicklable_constructors:
        constructors.setdefault(extra, f"an object made by {extra}()")
    for loader in facts.data_loaders:
        for assignment in stored_attributes(facts, loader):
            found = describe_unpicklable(facts, loader, assignment.method, assignment.value, constructors)
            if found:
                what, extra = found
                report(
                    "KMP202",
                    assignment.node,
                    loader=loader.name,
                    what=what,
                    attr=assignment.attr,
                    extra=extra,
                )
