"""What a value stored on ``self`` is, shared by the pickling rules (KMP201, KMP202)."""

from __future__ import annotations

import ast
import weakref

from ..facts import self_name_of, walk_scope
from ..facts.follow import step
from ..facts.keras_api import PICKLE_HOOKS
from ..facts.returns import INSTANCE
from ..facts.self_state import self_assignments_in

CONTAINERS = (ast.List, ast.Tuple, ast.Set)


def _is_self_dict(node, self_name: str) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "__dict__"
        and isinstance(node.value, ast.Name)
        and node.value.id == self_name
    )


def _copies_self_dict(node, self_name: str) -> bool:
    """``self.__dict__``, ``self.__dict__.copy()``, ``dict(self.__dict__)``,
    ``copy.copy(self.__dict__)`` or ``{**self.__dict__}``."""
    if _is_self_dict(node, self_name):
        return True
    if isinstance(node, ast.Dict):
        return node.keys == [None] and _is_self_dict(node.values[0], self_name)
    if not isinstance(node, ast.Call) or node.keywords:
        return False
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr == "copy" and not node.args:
        return _is_self_dict(func.value, self_name)
    if len(node.args) == 1 and _is_self_dict(node.args[0], self_name):
        return (isinstance(func, ast.Name) and func.id == "dict") or (
            isinstance(func, ast.Attribute) and func.attr == "copy"
            and isinstance(func.value, ast.Name) and func.value.id == "copy"
        )
    return False


def _key(node, state: set[str]) -> str | None:
    """The string key of ``state["key"]``."""
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and node.value.id in state
        and isinstance(node.slice, ast.Constant)
        and isinstance(node.slice.value, str)
    ):
        return node.slice.value
    return None


def getstate_drops(fn) -> frozenset[str] | None:
    """The attributes a ``__getstate__`` leaves out of (or replaces in) the pickled state, when
    the method is one this reads entirely: a copy of ``self.__dict__``, then ``del state["a"]``,
    ``state.pop("a"[, default])`` or ``state["a"] = ...`` with literal keys, then ``return
    state``. Anything else (another statement, a key that is not a literal, a different return
    value): None, the state is unknown."""
    self_name = self_name_of(fn)
    if self_name is None:
        return None
    state: set[str] = set()
    dropped: set[str] = set()
    for index, stmt in enumerate(fn.body):
        if index == 0 and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue  # the docstring
        if isinstance(stmt, ast.Return):
            value = stmt.value
            done = _copies_self_dict(value, self_name) or (
                isinstance(value, ast.Name) and value.id in state
            )
            return frozenset(dropped) if done and index == len(fn.body) - 1 else None
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            if isinstance(target, ast.Name) and _copies_self_dict(stmt.value, self_name):
                state.add(target.id)
                continue
            key = _key(target, state)
            if key is not None:
                dropped.add(key)
                continue
            return None
        if isinstance(stmt, ast.Delete):
            keys = [_key(target, state) for target in stmt.targets]
            if None in keys:
                return None
            dropped.update(keys)
            continue
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == "pop"
            and isinstance(call.func.value, ast.Name)
            and call.func.value.id in state
            and 1 <= len(call.args) <= 2
            and isinstance(call.args[0], ast.Constant)
            and isinstance(call.args[0].value, str)
        ):
            dropped.add(call.args[0].value)
            continue
        return None
    return None


def pickled_state_drops(loader) -> frozenset[str] | None:
    """The attributes the loader's own pickling leaves out: none without pickle hooks; what its
    ``__getstate__`` drops when that is the only hook and reads entirely (getstate_drops);
    otherwise None: its pickling is its own, and unknown is silent."""
    if not loader.defines_pickle_hooks:
        return frozenset()
    getstate = loader.methods.get("__getstate__")
    if getstate is None or any(
        name in loader.method_names for name in PICKLE_HOOKS - {"__getstate__"}
    ):
        return None
    assigned = any(
        isinstance(target, ast.Name) and target.id in PICKLE_HOOKS
        for cls in loader.all_classes
        for stmt in cls.body
        if isinstance(stmt, (ast.Assign, ast.AnnAssign))
        for target in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target])
    )
    return None if assigned else getstate_drops(getstate)


def stored_attributes(facts, loader):
    """Assignments to self.<attr> whose value travels with the pickled loader."""
    dropped = pickled_state_drops(loader)
    if dropped is None or not facts.pipelines.judged_in_workers(loader):
        return
    for assignment in facts.self_state.self_assignments(loader):
        if assignment.value is None or assignment.attr in dropped:
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
    for loader, attr, value, fn, passed in facts.constructors.construction_arguments():
        dropped = pickled_state_drops(loader)
        if dropped is None or attr in dropped or not facts.pipelines.judged_in_workers(loader):
            continue
        found = describe(facts, fn, value)
        if found:
            what, extra = found
            what = f"{what}, passed as {passed},"
            report(code, value, loader=loader.name, what=what, attr=attr, extra=extra)
    for loader in facts.hierarchy.data_loaders:
        init = loader.methods.get("__init__")
        dropped = pickled_state_drops(loader)
        if dropped is None or init is None or id(init) not in facts.hierarchy.loader_class_statements:
            continue
        if not facts.pipelines.judged_in_workers(loader):
            continue
        arguments = facts.constructors.stored_arguments(loader)
        for name, default in arguments.defaults.items():
            found = describe(facts, None, default)
            if not found:
                continue
            for attr in sorted(arguments.by_keyword(name) - dropped):
                what = f"{found[0]}, the default of {name},"
                report(code, default, loader=loader.name, what=what, attr=attr, extra=found[1])


def class_called(facts, call, fn):
    """(facts, ClassDef) of the project class whose instance a call gives: the module-level or
    imported class it instantiates, or the class a project function's summary returns."""
    found = facts.returns.class_instantiated(call, fn)
    if found is None:
        returned = facts.returns.call_returned(call, fn)
        if returned is not None and returned.kind == INSTANCE:
            found = facts.returns.class_at(returned.where)
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
    if found is None:
        return None
    owner, cls = found
    inner_seen = step(frozenset(seen), id(cls))  # a class met again on the way: a cycle
    if inner_seen is None:
        return None
    if owner.hierarchy.loader_for_class(cls) is not None:
        return None  # a data loader: its own findings say what it stores
    methods = owner.hierarchy.class_methods(cls)
    if any(name in PICKLE_HOOKS for name in methods):
        return None
    init = methods.get("__init__")
    self_name = self_name_of(init) if init is not None else None
    if self_name is None:
        return None
    for assignment in self_assignments_in(init, init.body, self_name, ()):
        if assignment.value is None:
            continue
        value, scope = owner.resolver.follow(assignment.value, init)
        nested = held_path(owner, scope, value, describe, inner_seen) if value is not None else None
        if nested:
            _name, path, what, extra = nested
            return cls.name, f"{assignment.attr}.{path}", what, extra
        inner = describe(owner, init, assignment.value, inner_seen)
        if inner:
            what, extra = inner
            return cls.name, assignment.attr, what, extra
    return None
