"""KMP202 sequence-unpicklable-attribute: a file, lock, generator, connection... stored on self,
or a Keras image iterator (it holds a lock) fed to worker processes."""

from __future__ import annotations

import ast

from ..facts import keyword, walk_scope
from ..facts.follow import too_deep
from ..facts.returns import GENERATOR as GENERATOR_KIND
from ..facts.returns import INSTANCE, MADE_BY, yields
from ..rule import Rule
from . import _grain
from ..unpicklable import (
    DATASET_ITERATOR_METHODS,
    IMAGE_GENERATOR_FLOWS,
    IMAGE_ITERATOR_CLASSES,
    IMAGE_ITERATOR_MODULE,
    IMAGE_ITERATOR_ROOTS,
    UNPICKLABLE_CONSTRUCTORS,
)
from ._attributes import (
    describe_elements,
    describe_instance,
    held_path,
    report_stored_arguments,
    stored_attributes,
)
from ._common import launch_inputs, launch_label

RULE = Rule(
    code="KMP202",
    symbol="sequence-unpicklable-attribute",
    severity="E",
    summary="Data loader stores an unpicklable object (file, lock, generator, connection...) on self",
    template=(
        "{loader} stores {what} in self.{attr}: it cannot be pickled into spawn/forkserver "
        "workers{extra}"
    ),
    fix="store the path or settings and open it lazily in __getitem__ (if self.{attr} is None: ...)",
    autofix="kmp202_fix",
    forms=(
        (
            "lock",
            "{loader} stores {what} in self.{attr}: it cannot be pickled into spawn/forkserver "
            "workers{extra}",
            "make one per worker lazily in __getitem__ (if self.{attr} is None: ...), or drop it: "
            "each worker process has its own copy of the state it guards",
        ),
        (
            "launch",
            "{launch} feeds {what} that holds a threading.Lock, to worker processes{when}: it cannot "
            "be pickled into spawn/forkserver workers",
            "feed the workers a PyDataset that loads and augments each batch by index, or use "
            "threads (use_multiprocessing=False)",
        ),
        (
            "grain",
            "grain transform {loader} stores {what} in self.{attr}: {runner} pickles its "
            "transforms into spawn workers whatever the start method, and cannot pickle it",
            "create it lazily in {method} (if self.{attr} is None: ...) or keep it out of the "
            "transform",
        ),
        (
            "grain_pool",
            "grain transform {loader} stores {what} in self.{attr}: {runner} pickles its "
            "transforms into spawn workers whatever the start method, and cannot pickle it",
            "keep the pool out of the transform and let grain's workers parallelise (a thread "
            "pool may be made lazily in {method}; a process pool cannot: the workers are daemonic)",
        ),
    ),
    words=(
        "Sequence", "PyDataset", "workers", "use_multiprocessing", "torch+Dataset", "mp_prefetch", "worker_count", "IterableDataset",
    ),
    options=("sequence-bases", "unpicklable-constructors", "target-platforms", "python-version"),
)

GENERATOR = "a generator"
# What is never opened: a lock or another synchronisation object guards the threads of one
# process, so a worker makes its own or needs none (the fix says so).
SYNCHRONISATION = ("a lock", "a condition variable", "an event", "a semaphore", "a barrier")
COMPREHENSIONS = {
    ast.ListComp: "list comprehension",
    ast.SetComp: "set comprehension",
    ast.DictComp: "dict comprehension",
}
FORK_NOTE = ", and under fork every worker advances its own copy and repeats data"


def _is_image_data_generator(facts, fn, node) -> bool:
    node, fn = facts.resolver.follow(node, fn)
    if isinstance(node, ast.Call):
        qualname = facts.resolver.qualname(node.func, fn) or ""
        return qualname.endswith(".ImageDataGenerator") and "keras" in qualname
    return False


def describe_unpicklable(facts, loader, fn, value, constructors, _depth=0, seen=()) -> tuple[str, str] | None:
    """(what the value is, extra clause) when it cannot be pickled; None when fine or unknown.
    ``value`` is evaluated in ``fn`` (None at module level); ``loader``, when given, is the
    class whose method ``fn`` is; ``seen``: the project classes already looked into."""
    if too_deep(_depth) or value is None:
        return None
    if isinstance(value, ast.GeneratorExp):
        return GENERATOR, FORK_NOTE
    if isinstance(value, ast.Name):
        bound, _scope = facts.resolver.follow(value, fn)
        if bound is not None:
            return describe_unpicklable(facts, loader, fn, bound, constructors, _depth + 1)
        # assigned in each branch of an if: unpicklable when every one of the values is
        found = [
            describe_unpicklable(facts, loader, fn, each, constructors, _depth + 1)
            for each in facts.resolver.every_value(value.id, fn) or ()
        ]
        return found[0] if found and all(found) else None
    if type(value) in COMPREHENSIONS:
        # [open(p) for p in paths], {k: h5py.File(v) for ...}: every element is one
        element = value.value if isinstance(value, ast.DictComp) else value.elt
        found = describe_unpicklable(facts, loader, fn, element, constructors, _depth + 1)
        if found and "comprehension" not in found[0]:  # nested: the innermost one names it
            return f"{found[0]} per element of a {COMPREHENSIONS[type(value)]}", found[1]
        return found
    if not isinstance(value, ast.Call):
        found = describe_elements(
            value,
            lambda e: (describe_unpicklable(facts, loader, fn, e, constructors, _depth + 1) or ("", ""))[0],
        )
        return (found, "") if found else None
    func = value.func
    qualname = facts.resolver.qualname(func, fn)
    if qualname in constructors:
        return constructors[qualname], ""
    if qualname == "builtins.iter" and value.args and facts.data_kinds.is_dataset_value(value.args[0], fn):
        return "an iterator over a tf.data.Dataset", ""
    if isinstance(func, ast.Attribute):
        if func.attr in DATASET_ITERATOR_METHODS and facts.data_kinds.is_dataset_value(func.value, fn):
            return "an iterator over a tf.data.Dataset", ""
        if func.attr in IMAGE_GENERATOR_FLOWS and _is_image_data_generator(facts, fn, func.value):
            return "an ImageDataGenerator iterator (it holds a lock and a generator)", FORK_NOTE
    target = facts.returns.function_called(value, fn)  # a module-level function, or self./Class. method
    if target is not None:
        return _function_result(target, constructors, _depth, seen, local=target[0] is facts)
    return describe_instance(facts, fn, value, _inner(constructors, _depth), seen)


def _inner(constructors, depth):
    def describe(facts, fn, value, seen):
        return describe_unpicklable(facts, None, fn, value, constructors, depth + 1, seen)

    return describe


def _function_result(target, constructors, depth, seen, local):
    """What calling a function or method of the project gives, when it cannot be pickled: what
    its return summary says (a generator, a pool, lock or file, an instance of a project class
    that holds one), else what every one of its ``return`` statements returns."""
    owner, function = target
    returned = owner.returns.returns_of(function)
    if returned is not None:
        if returned.kind == GENERATOR_KIND:
            if yields(function):
                return (GENERATOR if local else f"a generator from {function.name}()"), FORK_NOTE
            return f"{returned.what} returned by {function.name}()", FORK_NOTE
        if returned.kind == MADE_BY and returned.qualname in constructors:
            return f"{constructors[returned.qualname]} returned by {function.name}()", ""
        if returned.kind == INSTANCE:
            cls = owner.returns.class_at(returned.where)
            if cls is None:
                return None
            found = _instance_of(cls, constructors, depth, seen)
            if found is None:
                return None
            name, path, what, extra = found
            return f"a {name} object returned by {function.name}() whose self.{path} holds {what}", extra
    found = []
    for node in walk_scope(function):
        if isinstance(node, ast.Return) and node.value is not None:
            found.append(describe_unpicklable(owner, None, function, node.value, constructors, depth + 1, seen))
    if found and all(found):
        return f"{found[0][0]} returned by {function.name}()", found[0][1]
    return None


def _instance_of(cls_found, constructors, depth, seen):
    """What an instance of a project class holds that cannot be pickled."""
    owner, cls = cls_found
    call = ast.Call(func=ast.Name(id=cls.name, ctx=ast.Load()), args=[], keywords=[])
    return held_path(owner, None, call, _inner(constructors, depth), seen)


def is_image_iterator_class(qualname: str | None) -> bool:
    """One of Keras' legacy image iterator classes, under any of its spellings."""
    if not qualname:
        return False
    head, _, last = qualname.rpartition(".")
    return (
        last in IMAGE_ITERATOR_CLASSES
        and head.endswith(IMAGE_ITERATOR_MODULE)
        and head.split(".")[0] in IMAGE_ITERATOR_ROOTS
    )


def describe_image_iterator(facts, node, fn) -> str | None:
    """How a message names a Keras image iterator: a flow*() result of an ImageDataGenerator, an
    instance of a legacy iterator class or of a module class derived from one; else None."""
    value, scope = facts.resolver.follow(node, fn, at_launch=True)
    if not isinstance(value, ast.Call):
        return None
    func = value.func
    if isinstance(func, ast.Attribute) and func.attr in IMAGE_GENERATOR_FLOWS:
        if _is_image_data_generator(facts, scope, func.value):
            return f"an ImageDataGenerator().{func.attr}() iterator"
    qualname = facts.resolver.qualname(func, scope)
    if is_image_iterator_class(qualname):
        return f"a Keras {qualname.rpartition('.')[2]}"
    if isinstance(func, ast.Name):
        definition = facts.resolver.definition_of(func.id, scope)
        if isinstance(definition, ast.ClassDef):
            for cls in facts.hierarchy.class_mro(definition):
                if any(is_image_iterator_class(facts.resolver.qualname(base)) for base in cls.bases):
                    return f"a {func.id} (a subclass of Keras' image Iterator)"
    return None


def _iterator_sets_processes(facts, node, fn) -> bool:
    """Keras 3 style: the iterator's own settings turn on processes, in its constructor call
    (``DirectoryIterator(..., use_multiprocessing=True)``) or set on it in the same scope
    (``it.use_multiprocessing = True``; flow() itself takes no worker arguments)."""
    value, scope = facts.resolver.follow(node, fn, at_launch=True)
    if isinstance(value, ast.Call) and keyword(value, "use_multiprocessing") is not None:
        workers = facts.resolver.resolve_int(keyword(value, "workers"), scope) if keyword(value, "workers") else 1
        if facts.resolver.resolve_bool(keyword(value, "use_multiprocessing"), scope) is True:
            return not (isinstance(workers, int) and workers <= 0)
    if not isinstance(node, ast.Name):
        return False
    scope = fn if fn is not None else facts.tree
    settings: dict[str, object] = {}
    for stmt in ast.walk(scope):
        if not isinstance(stmt, ast.Assign):
            continue
        for target in stmt.targets:
            if (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == node.id
                and target.attr in ("use_multiprocessing", "workers")
            ):
                settings[target.attr] = facts.resolver.resolve(stmt.value, fn)
    workers = settings.get("workers", 1)
    return settings.get("use_multiprocessing") is True and not (isinstance(workers, int) and workers <= 0)


def check_launch_inputs(facts, report) -> None:
    """Keras image iterators fed to a launch that starts worker processes."""
    for launch in facts.launches.launch_calls:
        in_processes = None
        for node, scope, _ in launch_inputs(launch):
            what = describe_image_iterator(facts, node, scope)
            if what is None:
                continue
            if in_processes is None:
                in_processes = facts.launches.launch_settings(launch)
            when = in_processes.when
            if not in_processes.may_use_processes:
                if not _iterator_sets_processes(facts, node, scope):
                    continue
                when = ""
            named = f"{node.id}, " if isinstance(node, ast.Name) else ""
            report(
                "KMP202",
                node,
                form="launch",
                launch=launch_label(launch),
                what=named + what,
                when=when,
            )


def check(facts, report) -> None:
    _grain.check(facts, report, "KMP202")

    def report_attribute(code, node, **fields):
        if not fields.get("form") and str(fields.get("what", "")).startswith(SYNCHRONISATION):
            fields["form"] = "lock"
        report(code, node, **fields)

    _check_attributes(facts, report_attribute)


def _check_attributes(facts, report) -> None:
    if "Iterator" in facts.source or "flow" in facts.source:
        check_launch_inputs(facts, report)
    if not facts.hierarchy.data_loaders and facts.project is None:
        return
    constructors = dict(UNPICKLABLE_CONSTRUCTORS)
    for extra in facts.options.unpicklable_constructors:
        constructors.setdefault(extra, f"an object made by {extra}()")
    for loader in facts.hierarchy.data_loaders:
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
