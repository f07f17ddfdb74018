"""What a value stored on ``self`` is, shared by the pickling rules (KMP201, KMP202)."""

from __future__ import annotations

import ast
import weakref

from ..facts import self_name_of, walk_scope
from ..facts.keras_api import PICKLE_HOOKS
from ..facts.returns import INSTANCE
from ..facts.self_state import self_assignments_in

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


# per function node, as long as its tree lives: a rule asks for each name it follows
_LOCAL_DEFINITIONS: "weakref.WeakKeyDictionary[ast.AST, dict[str, ast.AST]]" = weakref.WeakKeyDictionary()


def local_definitions(fn) -> dict[str, ast.AST]:
    """Functions and classes defined inside a function body."""
    found = _LOCAL_DEFINITIONS.get(fn)
    if found is None:
        found = _LOCAL_DEFINITIONS[fn] = {
            node.name: node
            for node in walk_scope(fn)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        }
    return found


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


def report_stored_arguments(facts, report, code, describe) -> None:
    """Report ``code`` where a value that ``describe(facts, fn, value)`` names is handed to a
    loader's constructor, which stores it on self: at the argument of each construction in this
    module, and at the parameter defaults of the module's own loaders' ``__init__``."""
    for loader, attr, value, fn, passed in facts.construction_arguments():
        if loader.defines_pickle_hooks:
            continue
        found = describe(facts, fn, value)
        if found:
            what, extra = found
            what = f"{what}, passed as {passed},"
            report(code, value, loader=loader.name, what=what, attr=attr, extra=extra)
    for loader in facts.data_loaders:
        init = loader.methods.get("__init__")
        if loader.defines_pickle_hooks or init is None or id(init) not in facts.loader_class_statements:
            continue
        arguments = facts.stored_arguments(loader)
        for name, default in arguments.defaults.items():
            found = describe(facts, None, default)
            if not found:
                continue
            for attr in sorted(arguments.by_keyword(name)):
                what = f"{found[0]}, the default of {name},"
                report(code, default, loader=loader.name, what=what, attr=attr, extra=found[1])


def class_called(facts, call, fn):
    """(facts, ClassDef) of the project class whose instance a call gives: the module-level or
    imported class it instantiates, or the class a project function's summary returns."""
    found = facts.class_instantiated(call, fn)
    if found is None:
        returned = facts.call_returned(call, fn)
        if returned is not None and returned.kind == INSTANCE:
            found = facts.class_at(returned.where)
    return found


def describe_instance(facts, fn, call, describe, seen=()):
    """What an instance of a project class carries that cannot be pickled: the first value its
    own ``__init__`` stores on self that ``describe(facts, fn, value)`` names, followed through
    the project objects it holds in turn, as ``("a Holder object whose self.sampler._lock holds
    a lock", extra)``; None for loaders and classes that define their own pickling."""
    found = held_path(facts, fn, call, describe, seen)
    if found is None:
        return None
    name, path, what, extra = found
    return f"a {name} object whose self.{path} holds {what}", extra


def held_path(facts, fn, call, describe, seen):
    """(class name, attribute path, what, extra) of the first unpicklable value an instance
    holds, directly or inside the project objects it holds."""
    if not isinstance(call, ast.Call):
        return None
    found = class_called(facts, call, fn)
    if found is None or id(found[1]) in seen or len(seen) > 3:
        return None
    owner, cls = found
    if owner.loader_for_class(cls) is not None:
        return None  # a data loader: its own findings say what it stores
    methods = owner.class_methods(cls)
    if any(name in PICKLE_HOOKS for name in methods):
        return None
    init = methods.get("__init__")
    self_name = self_name_of(init) if init is not None else None
    if self_name is None:
        return None
    inner_seen = seen + (id(cls),)
    for assignment in self_assignments_in(init, init.body, self_name, ()):
        if assignment.value is None:
            continue
        value, scope = owner.follow(assignment.value, init)
        nested = held_path(owner, scope, value, describe, inner_seen) if value is not None else None
        if nested:
            _name, path, what, extra = nested
            return cls.name, f"{assignment.attr}.{path}", what, extra
        inner = describe(owner, init, assignment.value, inner_seen)
        if inner:
            what, extra = inner
            return cls.name, assignment.attr, what, extra
    return None
