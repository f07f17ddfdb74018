"""KMP401 sequence-getitem-state-write: worker code rebinds or mutates self state."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ..facts import is_self_attribute, self_name_of, walk_scope
from ..facts.self_state import SelfAttributeUse, self_attribute_uses_in
from ..rule import Rule
from ._common import MUTATING_METHODS, listed, locked_nodes

FIX = "compute it in __init__ or on_epoch_end, or return it with the batch"
REPLAY_FIX = "read the item for the index (self.items[index]) instead of advancing an iterator"

RULE = Rule(
    code="KMP401",
    symbol="sequence-getitem-state-write",
    severity="W",
    summary="Worker code of a data loader mutates self state that is lost in worker processes",
    template=(
        "{loader}.{method} {writes}: in worker processes the change is made on a copy and lost, "
        "on threads it races"
    ),
    fix=FIX,
    forms=(
        (
            "locked",
            "{loader}.{method} {writes} under a lock: the lock makes it safe on threads, but in "
            "worker processes the change is made on a copy and lost",
            FIX,
        ),
        (
            "iterator",
            "{loader}.{method} advances {writes}: each worker process advances its own copy and "
            "replays the stream, on threads the workers race on it",
            REPLAY_FIX,
        ),
        (
            "locked iterator",
            "{loader}.{method} advances {writes} under a lock: the lock makes it safe on threads, "
            "but each worker process advances its own copy and replays the stream",
            REPLAY_FIX,
        ),
    ),
    words=("Sequence", "PyDataset", "torch+Dataset", "IterableDataset"),
    options=("sequence-bases",),
)

# Methods whose reads do not see worker state: they run before any worker or only pickle it.
NOT_READERS = frozenset(
    {"__init__", "__getstate__", "__setstate__", "__reduce__", "__reduce_ex__", "__del__"}
)
READ_USES = frozenset({"read", "membership", "argument", "call-self", "augment"})
ITEM_WRITES = frozenset({"item-store", "item-augment", "item-delete"})
# Keyed reads that make an attribute a memoisation cache, and the writes that maintain one.
CACHE_LOOKUPS = frozenset({"get"})
CACHE_MAINTENANCE = frozenset({"setdefault", "pop", "popitem", "clear", "move_to_end"})

# Calls that advance an iterator kept on self: next(self.it), self.it.__next__(), gen.send(v).
ADVANCING_METHODS = frozenset({"__next__", "send"})
ADVANCE = "advance"

ACTIONS = {
    ADVANCE: "advances",
    "rebind": "rebinds",
    "delete": "deletes",
    "augment": "updates",
    "item-store": "writes an item of",
    "item-augment": "updates an item of",
    "item-delete": "deletes an item of",
}


def _reads_attribute(node: ast.AST | None, attr: str, self_name: str) -> bool:
    return node is not None and any(is_self_attribute(n, self_name) == attr for n in ast.walk(node))


def _aliases(fn, attr: str, self_name: str) -> set[str]:
    """Local names that hold ``self.<attr>`` or a value computed from it (``n = self.n``,
    ``n += 1``, ``m = n + 1``): writing one of them back (``self.n = m``) updates the attribute
    too. A name also bound to anything else (``n = 0``) is no alias."""
    plain: list[tuple[list[ast.expr], ast.expr]] = []
    for node in walk_scope(fn):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            plain.append((node.targets if isinstance(node, ast.Assign) else [node.target], node.value))
    aliases: set[str] = set()
    changed = True
    while changed:
        changed = False
        for targets, value in plain:
            if _reads_attribute(value, attr, self_name) or _reads_names(value, aliases):
                for target in targets:
                    if isinstance(target, ast.Name) and target.id not in aliases:
                        aliases.add(target.id)
                        changed = True
    unrelated = {
        target.id
        for targets, value in plain
        for target in targets
        if isinstance(target, ast.Name)
        and not (_reads_attribute(value, attr, self_name) or _reads_names(value, aliases))
    }
    return aliases - unrelated


def _reads_names(node: ast.AST | None, names: set[str]) -> bool:
    return bool(names) and node is not None and any(
        isinstance(n, ast.Name) and n.id in names for n in ast.walk(node)
    )


def _advances(facts, use) -> bool:
    """``next(self.it)`` / ``next(self.it, default)``, ``self.it.__next__()``, ``self.it.send(v)``."""
    if use.use == "call":
        return use.name in ADVANCING_METHODS
    if use.use != "argument":
        return False
    for node in ast.walk(use.stmt):
        if (
            isinstance(node, ast.Call)
            and node.args
            and node.args[0] is use.node
            and facts.resolver.qualname(node.func, use.method) == "builtins.next"
        ):
            return True
    return False


def _is_slice(key: ast.AST | None) -> bool:
    """``buf[:]``, ``buf[:n]``, ``buf[..., 0]``: filling a preallocated buffer, not keyed state."""
    parts = key.elts if isinstance(key, ast.Tuple) else [key]
    return any(
        isinstance(part, ast.Slice) or (isinstance(part, ast.Constant) and part.value is Ellipsis)
        for part in parts
    )


def loader_runs_in_main_thread(facts, loader) -> bool:
    """The class fixes its own settings so that Keras starts no worker at all:
    ``super().__init__(workers=1, use_multiprocessing=False)`` or ``workers <= 0``."""
    mp, workers = facts.launches.class_worker_settings(loader)
    return workers is not None and (workers <= 0 or (workers == 1 and mp is False))


def instance_attribute_reads(facts, attrs: set[str]) -> dict[int, dict[str, ast.Attribute]]:
    """{id(loader): {attr: first read}}: the attributes among ``attrs`` read outside the class
    from an instance of each loader (``ds.calls``), in one pass over the module."""
    by_loader: dict[int, dict[str, ast.Attribute]] = {}
    if not attrs:
        return by_loader
    for scope, fn in [(facts.tree, None)] + [(fn, fn) for fn in facts.walk.all_functions]:
        for node in walk_scope(scope):
            if not (
                isinstance(node, ast.Attribute)
                and node.attr in attrs  # before resolving the name: most reads are of others
                and isinstance(node.ctx, ast.Load)
                and isinstance(node.value, ast.Name)
            ):
                continue
            if fn is not None and node.value.id == self_name_of(fn):
                continue
            value, value_scope = facts.resolver.binding_at_launch(node.value.id, fn)
            if value is None:
                continue
            loader = facts.returns.loader_for_instance(value, value_scope)[0]
            if loader is not None:
                by_loader.setdefault(id(loader), {}).setdefault(node.attr, node)
    return by_loader


def _shared_by_design(facts, value, fn) -> bool:
    """multiprocessing.Value/Array/Queue/Manager().dict()... exist to be written from workers."""
    for _ in range(6):
        value, fn = facts.resolver.follow(value, fn)
        if isinstance(value, ast.Call):
            qualname = facts.resolver.qualname(value.func, fn)
            if qualname and qualname.startswith("multiprocessing."):
                return True
            value = value.func.value if isinstance(value.func, ast.Attribute) else None
            continue
        return False
    return False


def _rebound_from(use) -> ast.expr | None:
    """What a rebind assigns: its own value, or, for an element of a tuple or starred target
    (``self.key, sub = split(self.key)``), the whole right-hand side."""
    if use.value is not None:
        return use.value
    stmt = use.stmt
    if isinstance(stmt, ast.Assign) and any(
        isinstance(target, (ast.Tuple, ast.List)) for target in stmt.targets
    ):
        return stmt.value
    return None


def _loaded_names(fn, attr: str, self_name: str) -> set[str]:
    """Local names some assignment loads from ``self.<attr>`` (``handle = self.fh``)."""
    names: set[str] = set()
    for node in walk_scope(fn):
        if isinstance(node, ast.Assign) and _reads_attribute(node.value, attr, self_name):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _read_before(uses, write) -> bool:
    """The method that writes ``self.<attr>`` read it earlier (``previous = self.current`` ...
    ``self.current = index``): what it reads is what an earlier batch wrote. A write behind a
    test of the attribute, or of a local loaded from it (``handle = self.fh``; ``if handle is
    None: ... self.fh = handle``), is lazy initialisation instead."""
    self_name = self_name_of(write.method)
    loaded = _loaded_names(write.method, write.attr, self_name)
    if any(
        _reads_attribute(test, write.attr, self_name) or _reads_names(test, loaded)
        for test in write.tests
    ):
        return False
    counts = None
    for use in uses:
        if not (
            use.method is write.method
            and use.attr == write.attr
            and use.use in READ_USES | {"read", "call"}
            and (use.node.lineno, use.node.col_offset) < (write.node.lineno, write.node.col_offset)
            and use.stmt is not write.stmt
        ):
            continue
        stmt = use.stmt
        if (
            isinstance(stmt, ast.Assign)
            and stmt.value is use.node
            and all(isinstance(target, ast.Name) for target in stmt.targets)
        ):
            # n = self.n ... n = 0: a copy overwritten before it is used reads nothing that stays
            if counts is None:
                counts = {}
                for node in walk_scope(write.method):
                    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                        counts[node.id] = counts.get(node.id, 0) + 1
            if any(counts.get(target.id, 0) > 1 for target in stmt.targets):
                continue
        return True
    return False


def _varies_between_batches(tests, fn, written: set[str]) -> bool:
    """An enclosing test reads one of the method's parameters (``if index == 0:``) or self
    state that worker code writes (``if self.seen % 10 == 0:``): the write happens in some
    batches and not in others, and the batches in between read what it left."""
    if _depends_on_parameters(tests, fn):
        return True
    self_name = self_name_of(fn)
    return any(
        is_self_attribute(node, self_name) in written for test in tests for node in ast.walk(test)
    )


def _depends_on_parameters(tests, fn) -> bool:
    """An enclosing test reads one of the method's parameters (``if index == 0:``)."""
    params = {a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}
    params.discard(self_name_of(fn))
    return any(
        isinstance(node, ast.Name) and node.id in params for test in tests for node in ast.walk(test)
    )


# What a held object's method does to its own state that is certainly lost in a worker: a
# counter moved, an item updated in place, an iterator advanced, a value rebound from itself.
HELD_WRITES = frozenset({"augment", "item-augment"})


def _held_state_writes(facts, fn):
    """(use, kind) for the writes to its own state in a method of a project object a loader
    holds (``self.calls += 1`` in ``Augmenter.augment``), lazy initialisation excepted."""
    replaced = set()
    uses = list(self_attribute_uses_in(fn))
    for use in uses:
        if use.use == "rebind" and not use.guarded:
            replaced.add(use.attr)
    for use in uses:
        if use.guarded or use.attr in facts.hierarchy.class_methods(facts.walk.method_owner[id(fn)]):
            continue
        if _advances(facts, use):
            if use.attr not in replaced:
                yield use, ADVANCE
        elif use.use in HELD_WRITES:
            yield use, use.use
        elif use.use == "rebind" and _reads_attribute(use.value, use.attr, self_name_of(fn)):
            yield use, "rebind"


def _check_held(facts, report, locked_cache: dict) -> None:
    """State writes in the methods of project objects that worker code of a loader calls."""
    candidates = [fn for fn in facts.worker_code.methods_reached() if any(True for _ in _held_state_writes(facts, fn))]
    writes = []
    for fn, loader, label in facts.worker_code.worker_helpers(candidates):
        if loader_runs_in_main_thread(facts.hierarchy.owner_of(loader), loader):
            continue
        owner = facts.walk.method_owner[id(fn)]
        for use, kind in _held_state_writes(facts, fn):
            locked = locked_nodes(facts, fn, locked_cache)
            writes.append(
                Write(loader.name, label, use, ACTIONS[kind], (loader.name, id(owner), use.attr),
                      kind == ADVANCE, id(use.stmt) in locked)
            )
    _report_hazards(report, writes)


# --- one finding per hazard -----------------------------------------------------------------------


@dataclass(frozen=True)
class Write:
    """A write worker code makes to state that outlives the batch, before the findings are
    chosen: one per hazard."""

    loader: str  # the loader whose worker code makes it
    method: str  # how the message names the method (with the path to a held object's method)
    use: SelfAttributeUse
    action: str  # "updates", "calls .pop() on"...
    state: tuple  # whose attribute it is: (loader, class of a held object or None, attribute)
    replay: bool  # it advances an iterator
    locked: bool  # inside ``with <lock>:``


def _writes_text(group: list[Write]) -> str:
    """What a statement writes: ``updates self.n``, ``rebinds self.net_h and self.net_w``,
    ``the iterator self.it`` (after "advances")."""
    if group[0].replay:
        attrs = [f"self.{write.use.attr}" for write in group]
        return f"the iterator{'s' if len(attrs) > 1 else ''} {listed(attrs)}"
    parts: list[tuple[str, list[str]]] = []
    for write in group:
        if parts and parts[-1][0] == write.action:
            parts[-1][1].append(f"self.{write.use.attr}")
        else:
            parts.append((write.action, [f"self.{write.use.attr}"]))
    return " and ".join(f"{action} {listed(attrs)}" for action, attrs in parts)


# (under a lock, advancing an iterator) -> the form of the message
FORMS = {
    (False, False): None,
    (True, False): "locked",
    (False, True): "iterator",
    (True, True): "locked iterator",
}


def _report_hazards(report, writes: list[Write]) -> None:
    """One finding per hazard: each attribute of a loader's (or a held object's) state at its
    first write in worker code, in source order; the attributes whose first write is one
    statement in one finding that names them all."""
    first: dict[tuple, Write] = {}
    for write in sorted(
        writes,
        key=lambda w: (w.use.stmt.lineno, w.use.stmt.col_offset, w.use.node.lineno, w.use.node.col_offset),
    ):
        first.setdefault(write.state, write)
    statements: dict[tuple, list[Write]] = {}
    for write in first.values():
        key = (write.loader, write.method, id(write.use.stmt), write.replay, write.locked)
        statements.setdefault(key, []).append(write)
    for group in statements.values():
        write = group[0]
        form = FORMS[write.locked, write.replay]
        report(
            "KMP401",
            write.use.stmt,
            loader=write.loader,
            method=write.method,
            writes=_writes_text(group),
            form=form,
        )


def check(facts, report) -> None:
    locked_cache: dict[int, set[int]] = {}
    if facts.project is not None or facts.hierarchy.data_loaders:
        _check_held(facts, report, locked_cache)
    reads_outside = None
    writes: list[Write] = []
    for loader in facts.hierarchy.data_loaders:
        if not loader.worker_methods or loader_runs_in_main_thread(facts, loader):
            continue
        if not facts.pipelines.judged_in_workers(loader):
            continue
        worker_fns = {id(fn) for fn in loader.worker_methods.values()}
        uses = facts.self_state.self_attribute_uses(loader)
        in_workers = [use for use in uses if id(use.method) in worker_fns]

        if reads_outside is None:
            # only the attributes some loader's own code uses can be written in its workers
            attrs = {use.attr for other in facts.hierarchy.data_loaders for use in facts.self_state.self_attribute_uses(other)}
            reads_outside = instance_attribute_reads(facts, attrs)
        parent_reads = set(reads_outside.get(id(loader), {}))
        for use in uses:
            if id(use.method) in worker_fns or use.method.name in NOT_READERS:
                continue
            if use.use in READ_USES or (use.use == "call" and use.name not in MUTATING_METHODS):
                parent_reads.add(use.attr)

        worker_reads = {use.attr for use in in_workers if use.use in READ_USES or use.use == "call"}
        lazily_created = {use.attr for use in in_workers if use.use == "rebind" and use.guarded}
        shared = {
            use.attr
            for use in uses
            if use.use == "rebind" and _shared_by_design(facts, use.value, use.method)
        }
        caches = {
            use.attr
            for use in in_workers
            if use.use == "membership" or (use.use == "call" and use.name in CACHE_LOOKUPS)
        }
        for use in in_workers:
            if use.use == "item-store" and _reads_attribute(
                getattr(use.stmt, "value", None), use.attr, self_name_of(use.method)
            ):
                caches.discard(use.attr)  # self.counts[k] = self.counts.get(k, 0) + 1 counts

        # Iterators worker code replaces on every call (self.it = iter(batch); next(self.it))
        # are per-call state; one made lazily per worker still starts from the beginning.
        replaced = {use.attr for use in in_workers if use.use == "rebind" and not use.guarded}
        written = {
            use.attr for use in in_workers if use.use in ("rebind", "augment") and not use.guarded
        }
        for use in in_workers:
            attr, kind = use.attr, use.use
            if attr in loader.methods or attr in shared:
                continue
            read_by_parent = attr in parent_reads
            if _advances(facts, use):
                if attr in replaced:
                    continue
                kind = ADVANCE
            elif kind in ("rebind", "delete"):
                if use.guarded:
                    continue  # lazy per-worker initialisation
                self_name = self_name_of(use.method)
                value = _rebound_from(use)
                aliases = _aliases(use.method, attr, self_name) if value is not None else set()
                if any(_reads_names(test, aliases) for test in use.tests):
                    continue  # fh = self.fh; if fh is None: ...; self.fh = fh: lazy too
                if not (
                    read_by_parent
                    or _reads_attribute(value, attr, self_name)
                    or _reads_names(value, aliases)
                    or (
                        attr in worker_reads
                        and (
                            _varies_between_batches(use.tests, use.method, written - {attr})
                            or _read_before(in_workers, use)
                        )
                    )
                ):
                    continue
            elif kind == "augment" or kind in ITEM_WRITES or kind == "call":
                if kind == "call" and use.name not in MUTATING_METHODS:
                    continue
                if not read_by_parent and (use.guarded or attr in lazily_created):
                    continue
                if not read_by_parent and attr in caches and (
                    kind in ("item-store", "item-delete")
                    or (kind == "call" and use.name in CACHE_MAINTENANCE)
                ):
                    continue
                if kind == "item-store" and _is_slice(use.key):
                    continue
            else:
                continue
            action = f"calls .{use.name}() on" if kind == "call" else ACTIONS[kind]
            locked = locked_nodes(facts, use.method, locked_cache)
            writes.append(
                Write(loader.name, use.method.name, use, action, (loader.name, None, attr),
                      kind == ADVANCE, id(use.stmt) in locked)
            )
    _report_hazards(report, writes)
