"""KMP201 sequence-lambda-attribute: a lambda, nested function or local class stored on self."""

from __future__ import annotations

import ast

from ..facts.follow import too_deep
from ..facts.returns import LOCAL
from ..rule import Rule
from ._attributes import (
    describe_elements,
    describe_instance,
    local_definitions,
    report_stored_arguments,
    stored_attributes,
)

RULE = Rule(
    code="KMP201",
    symbol="sequence-lambda-attribute",
    severity="E",
    summary="Data loader stores a lambda, nested function or local class on self (cannot be pickled)",
    template="{loader} stores {what} in self.{attr}: it cannot be pickled into spawn/forkserver workers",
    fix="use a module-level function, or functools.partial of one",
    words=("Sequence", "PyDataset", "torch+Dataset", "IterableDataset"),
    options=("sequence-bases", "target-platforms", "python-version"),
    autofix="kmp201_fix",
)

PARTIALS = frozenset({"functools.partial", "functools.partialmethod"})


def describe_local_callable(facts, fn, value, _depth=0, seen=()) -> str | None:
    """Why ``value`` (evaluated in ``fn``; None at module level) cannot be pickled by
    reference, or None. ``seen``: the project classes already looked into."""
    if too_deep(_depth):
        return None
    if isinstance(value, ast.Lambda):
        return "a lambda"
    scope = facts.walk.scope(fn) if fn is not None else None
    if isinstance(value, ast.Name):
        if scope is not None and value.id in scope.locals:
            definition = local_definitions(fn).get(value.id)
            if isinstance(definition, ast.ClassDef):
                return f"the local class '{value.id}'"
            if definition is not None:
                return f"the nested function '{value.id}'"
            if value.id in scope.params:
                # a parameter the body rebinds (if augment is None: augment = lambda x: x)
                for each in scope.table.assigned.get(value.id, ()):
                    found = describe_local_callable(facts, fn, each, _depth + 1)
                    if found:
                        return f"{found} (via '{value.id}')"
                return None
            bound = scope.single_value(value.id)
            if isinstance(bound, ast.Lambda):
                return f"a lambda (via '{value.id}')"
            if isinstance(bound, ast.Call):
                return describe_local_callable(facts, fn, bound, _depth + 1)
            return None
        bound = facts.resolver.module_constant(value.id)
        if isinstance(bound, ast.Lambda):
            return f"the module-level lambda '{value.id}' (pickled by name, which is '<lambda>')"
        return None
    if isinstance(value, ast.Call):
        if facts.resolver.qualname(value.func, fn) in PARTIALS and value.args:
            inner = describe_local_callable(facts, fn, value.args[0], _depth + 1)
            return f"functools.partial of {inner}" if inner else None
        if isinstance(value.func, ast.Name) and scope is not None and value.func.id in scope.locals:
            if isinstance(local_definitions(fn).get(value.func.id), ast.ClassDef):
                return f"an instance of the local class '{value.func.id}'"
            return None
        returned = facts.returns.call_returned(value, fn)
        if returned is not None and returned.kind == LOCAL:
            return returned.what  # what a project function returns
        found = describe_instance(facts, fn, value, _inner, seen)
        return found[0] if found else None
    if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Call):
        # LocalClass().method: a bound method of a local class instance
        inner = describe_local_callable(facts, fn, value.value, _depth + 1)
        return f"a bound method of {inner}" if inner else None
    return describe_elements(value, lambda e: describe_local_callable(facts, fn, e, _depth + 1))


def _inner(facts, fn, value, seen):
    found = describe_local_callable(facts, fn, value, 0, seen)
    return (found, "") if found else None


def check(facts, report) -> None:
    for loader in facts.hierarchy.data_loaders:
        for assignment in stored_attributes(facts, loader):
            what = describe_local_callable(facts, assignment.method, assignment.value)
            if what:
                report(
                    "KMP201",
                    assignment.node,
                    loader=loader.name,
                    what=what,
                    attr=assignment.attr,
                )
    report_stored_arguments(facts, report, "KMP201", lambda facts, fn, value: _inner(facts, fn, value, ()))
