"""KMP601 dataloader-unpicklable-callable: a DataLoader with workers gets a lambda, a nested
function, a local class or a bound method of an unpicklable object as collate_fn or
worker_init_fn, which torch pickles into every spawn/forkserver worker (measured: the sampler
and batch_sampler stay in the parent, so they are not checked)."""

from __future__ import annotations

import ast

from ..facts.follow import too_deep
from ..facts.pipelines import argument
from ..rule import Rule
from ..facts.torch_api import PICKLED_CALLABLES
from ..unpicklable import UNPICKLABLE_CONSTRUCTORS
from ._attributes import describe_instance, local_definitions

RULE = Rule(
    code="KMP601",
    symbol="dataloader-unpicklable-callable",
    severity="E",
    summary=(
        "A DataLoader with workers gets a lambda, nested function or unpicklable bound method as "
        "collate_fn/worker_init_fn"
    ),
    template=(
        "{dataloader} gets {what} as {argument}: torch pickles it into every spawn/forkserver "
        "worker and cannot ({reach})"
    ),
    fix="use a module-level function, or functools.partial of one",
    words=("DataLoader", "torch+Dataset", "IterableDataset"),
    options=("target-platforms", "python-version"),
    autofix="kmp601_fix",
)

PARTIALS = frozenset({"functools.partial"})


def describe_callable(facts, fn, value, depth=0) -> str | None:
    """Why a callable given to a DataLoader cannot be pickled by reference, or None."""
    if too_deep(depth):
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
            bound = scope.single_value(value.id)
            if isinstance(bound, (ast.Lambda, ast.Call, ast.Attribute)):
                inner = describe_callable(facts, fn, bound, depth + 1)
                return f"{inner} (via '{value.id}')" if inner else None
            return None
        bound = facts.resolver.module_constant(value.id)
        if isinstance(bound, ast.Lambda):
            return f"the module-level lambda '{value.id}' (pickled by name, which is '<lambda>')"
        return None
    if isinstance(value, ast.Call):
        if facts.resolver.qualname(value.func, fn) in PARTIALS and value.args:
            inner = describe_callable(facts, fn, value.args[0], depth + 1)
            return f"functools.partial of {inner}" if inner else None
        if isinstance(value.func, ast.Name) and scope is not None and value.func.id in scope.locals:
            if isinstance(local_definitions(fn).get(value.func.id), ast.ClassDef):
                return f"an instance of the local class '{value.func.id}'"
        return None
    if isinstance(value, ast.Attribute):
        owner, owner_fn = facts.resolver.follow(value.value, fn)
        if isinstance(owner, ast.Call):
            inner = describe_callable(facts, owner_fn, owner, depth + 1)
            if inner:
                return f"a bound method of {inner}"
            found = describe_instance(facts, owner_fn, owner, _unpicklable)
            if found:
                return f"the bound method .{value.attr} of {found[0]}"
    return None


def _unpicklable(facts, fn, value, seen=()):
    """What an instance's own ``__init__`` stores that cannot be pickled: a lambda, a lock, a
    file, a pool... (the constructors of the unpicklable table)."""
    if isinstance(value, ast.Lambda):
        return "a lambda", ""
    if isinstance(value, ast.Call):
        what = UNPICKLABLE_CONSTRUCTORS.get(facts.resolver.qualname(value.func, fn) or "")
        if what:
            return what, ""
        return describe_instance(facts, fn, value, _unpicklable, seen)
    return None


def check(facts, report) -> None:
    for torch_loader in facts.pipelines.torch_loaders_with_workers:
        for name in PICKLED_CALLABLES:
            value = argument(torch_loader.call, name)
            if value is None:
                continue
            what = describe_callable(facts, torch_loader.function, value)
            reach = facts.pipelines.pickling_reach(torch_loader) if what else None
            if reach:
                report(
                    "KMP601",
                    value,
                    dataloader=torch_loader.label,
                    what=what,
                    argument=f"{name}=",
                    reach=reach,
                )
