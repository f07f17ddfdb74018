"""KMP202 sequence-unpicklable-attribute: a file, lock, generator, connection... stored on self."""

from __future__ import annotations

import ast

from ..facts import is_generator_function
from ..unpicklable import DATASET_ITERATOR_METHODS, IMAGE_GENERATOR_FLOWS, UNPICKLABLE_CONSTRUCTORS
from ..facts import walk_scope
from ._attributes import describe_elements, describe_instance, report_stored_arguments, stored_attributes

GENERATOR = "a generator"
FORK_NOTE = ", and under fork every worker advances its own copy and repeats data"


def _is_image_data_generator(facts, fn, node) -> bool:
    node, fn = facts.follow(node, fn)
    if isinstance(node, ast.Call):
        qualname = facts.qualname(node.func, fn) or ""
        return qualname.endswith(".ImageDataGenerator") and "keras" in qualname
    return False


def describe_unpicklable(facts, loader, fn, value, constructors, _depth=0, seen=()) -> tuple[str, str] | None:
    """(what the value is, extra clause) when it cannot be pickled; None when fine or unknown.
    ``value`` is evaluated in ``fn`` (None at module level); ``loader``, when given, is the
    class whose method ``fn`` is; ``seen``: the project classes already looked into."""
    if _depth > 4 or value is None:
        return None
    if isinstance(value, ast.GeneratorExp):
        return GENERATOR, FORK_NOTE
    if isinstance(value, ast.Name):
        bound, _scope = facts.follow(value, fn)
        if bound is not None:
            return describe_unpicklable(facts, loader, fn, bound, constructors, _depth + 1)
        # assigned in each branch of an if: unpicklable when every one of the values is
        found = [
            describe_unpicklable(facts, loader, fn, each, constructors, _depth + 1)
            for each in facts.every_value(value.id, fn) or ()
        ]
        return found[0] if found and all(found) else None
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
        self_name = fn.args.args[0].arg if fn is not None and fn.args.args else None
        if (
            loader is not None
            and isinstance(func.value, ast.Name)
            and func.value.id == self_name
            and func.attr in loader.methods
            and is_generator_function(loader.methods[func.attr])
        ):
            return GENERATOR, FORK_NOTE
    target = facts.called_function(value, fn)
    if target is not None:
        return _function_result(target, constructors, _depth, seen, local=target[0] is facts)
    return describe_instance(facts, fn, value, _inner(constructors, _depth), seen)


def _inner(constructors, depth):
    def describe(facts, fn, value, seen):
        return describe_unpicklable(facts, None, fn, value, constructors, depth + 1, seen)

    return describe


def _function_result(target, constructors, depth, seen, local):
    """What calling a module-level function of the project gives, when it cannot be pickled: a
    generator (a generator function), or what its ``return`` statements return."""
    owner, function = target
    if is_generator_function(function):
        return (GENERATOR if local else f"a generator from {function.name}()"), FORK_NOTE
    for node in walk_scope(function):
        if isinstance(node, ast.Return) and node.value is not None:
            found = describe_unpicklable(owner, None, function, node.value, constructors, depth + 1, seen)
            if found:
                return f"{found[0]} returned by {function.name}()", found[1]
    return None


def check(facts, report) -> None:
    if not facts.data_loaders and facts.project is None:
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
    report_stored_arguments(
        facts,
        report,
        "KMP202",
        lambda facts, fn, value: describe_unpicklable(facts, None, fn, value, constructors),
    )
