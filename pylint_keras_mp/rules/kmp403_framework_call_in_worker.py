"""KMP403 framework-call-in-worker: worker code calls JAX while JAX's runtime runs in the parent."""

from __future__ import annotations

import ast

from ..facts import source_text, walk_scope
from ..rule import Rule
from ._common import launch_related

RULE = Rule(
    code="KMP403",
    symbol="framework-call-in-worker",
    severity="W",
    summary="Worker code of a data loader calls JAX while JAX runs in the parent (fork workers deadlock)",
    template="{loader}.{method} calls {what} in worker processes{when}: {why}",
    fix=(
        "compute with numpy or PIL in the loader and leave the framework to the model, or use "
        "threads (use_multiprocessing=False) or the spawn start method"
    ),
    words=("Sequence", "PyDataset", "torch+Dataset", "IterableDataset"),
    options=("keras-backend", "assume-multiprocessing"),
)

# Calls that run JAX: jax itself, and keras.ops / keras.random when the Keras backend is JAX.
JAX_ROOTS = ("jax.", "jaxlib.")
# Parts of jax that are plain Python and start no runtime.
JAX_PURE_PYTHON = ("jax.tree_util.", "jax.tree.", "jax.typing.", "jax.config.")
KERAS_OPS_ROOTS = ("keras.ops.", "keras.random.", "keras.src.ops.", "keras.src.random.")
# Keras layers and models: calling one runs the backend's ops (a preprocessing pipeline on self).
KERAS_LAYER_ROOTS = ("keras.layers.", "keras.Sequential", "keras.models.Sequential", "keras.src.layers.")
BACKEND_VARIABLE = "KERAS_BACKEND"
SET_BACKEND = "keras.config.set_backend"
# Start methods whose workers start a fresh interpreter (and so a fresh JAX runtime).
FRESH_START_METHODS = frozenset({"spawn", "forkserver"})

BACKEND_WHY = (
    "the JAX backend ({source}) runs JAX's threads in the parent, and a forked worker deadlocks "
    "on its first JAX call without an error"
)
PARENT_WHY = (
    "the parent already runs JAX (line {line}), which is multithreaded: a forked worker deadlocks "
    "on its first JAX call without an error"
)


def _string(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def keras_backend(facts) -> tuple[str | None, str]:
    """(backend, where it comes from): an assignment ``os.environ["KERAS_BACKEND"] = "jax"`` or
    ``keras.config.set_backend("jax")`` in the module wins, then the keras-backend option, then a
    default set with ``os.environ.setdefault("KERAS_BACKEND", "jax")``. Conflicting assignments
    are unknown. The linting environment's own variable is never read."""
    assigned: set[str] = set()
    defaults: set[str] = set()
    for node in facts.walk.nodes_of(ast.Assign):
        for target in node.targets:
            if (
                isinstance(target, ast.Subscript)
                and facts.resolver.qualname(target.value) == "os.environ"
                and _string(target.slice) == BACKEND_VARIABLE
            ):
                value = _string(node.value)
                assigned.add(value if value is not None else "")
    for call, fn in facts.walk.calls_by_function:
        func = call.func
        if facts.resolver.qualname(func, fn) == SET_BACKEND and call.args:
            assigned.add(_string(call.args[0]) or "")
        elif (
            isinstance(func, ast.Attribute)
            and func.attr == "setdefault"
            and facts.resolver.qualname(func.value, fn) == "os.environ"
            and len(call.args) == 2
            and _string(call.args[0]) == BACKEND_VARIABLE
        ):
            defaults.add(_string(call.args[1]) or "")
    if assigned:
        backend = assigned.pop() if len(assigned) == 1 else ""
        return backend or None, f"{BACKEND_VARIABLE}={backend}"
    option = facts.options.keras_backend
    if option != "auto":
        return option, f"keras-backend={option}"
    if len(defaults) == 1:
        backend = defaults.pop()
        return backend or None, f"{BACKEND_VARIABLE}={backend}"
    return None, ""


def _runs_jax(facts, call: ast.Call, fn, backend: str | None) -> str | None:
    """How a message names a call that runs JAX, or None."""
    qualname = facts.resolver.qualname(call.func, fn) or ""
    if qualname.startswith(JAX_ROOTS) and not qualname.startswith(JAX_PURE_PYTHON):
        return f"{source_text(call.func)}()"
    if backend == "jax" and qualname.startswith(KERAS_OPS_ROOTS):
        return f"{source_text(call.func)}() on the JAX backend"
    return None


def _layer_calls(facts, loader) -> list[tuple[ast.AST, object, str]]:
    """(node, method, what) for calls in worker code of a Keras layer or model that a method
    running in the parent stored on self (``self.augment = keras.Sequential([...])`` in
    ``__init__``, ``self.augment(images)`` in ``__getitem__``)."""
    worker = {id(fn) for fn in loader.worker_methods.values()}
    layers: dict[str, str] = {}
    uses = facts.self_state.self_attribute_uses(loader)
    for use in uses:
        if use.use == "rebind" and id(use.method) not in worker and use.value is not None:
            value, scope = facts.resolver.follow(use.value, use.method)
            qualname = facts.resolver.qualname(value.func, scope) if isinstance(value, ast.Call) else None
            if qualname and qualname.startswith(KERAS_LAYER_ROOTS):
                made = f"a {source_text(value.func)}() made in {use.method.name}"
                layers.setdefault(use.attr, f"self.{use.attr}, {made},")
    return [
        (use.node, use.method, layers[use.attr])
        for use in uses
        if use.use == "call-self" and id(use.method) in worker and use.attr in layers
    ]


def _fresh_start_method(facts) -> bool:
    """The module sets the start method to spawn or forkserver: workers never fork JAX's state."""
    for call, fn in facts.walk.calls_by_function:
        qualname = facts.resolver.qualname(call.func, fn) or ""
        if qualname.endswith("set_start_method") and qualname.startswith("multiprocessing"):
            method = _string(call.args[0]) if call.args else None
            if method in FRESH_START_METHODS:
                return True
    return False


def _parent_functions(facts) -> set[int]:
    """Functions that run in the parent: those the module calls at import time or under the main
    guard (by name, transitively at import time), and the data loaders' methods that
    ``__getitem__`` does not reach (``__init__``, ``on_epoch_end``...)."""
    parent = {id(facts.walk.functions[name]) for name in facts.walk.import_time_functions}
    for call, fn in facts.walk.calls_by_function:
        if fn is None and isinstance(call.func, ast.Name) and facts.walk.in_main_guard(call):
            target = facts.walk.functions.get(call.func.id)
            if target is not None and call.func.id not in facts.walk.imports:
                parent.add(id(target))
    for loader in facts.hierarchy.data_loaders:
        worker = {id(fn) for fn in loader.worker_methods.values()}
        parent.update(id(fn) for fn in loader.methods.values() if id(fn) not in worker)
    return parent


def _jax_in_parent(facts) -> ast.Call | None:
    """The first JAX call that runs in the parent: at module level (main guard included) or in a
    function that runs there."""
    parent = None
    for call, fn in facts.walk.calls_by_function:
        if fn is not None:
            parent = _parent_functions(facts) if parent is None else parent
            if id(fn) not in parent:
                continue
        if _runs_jax(facts, call, fn, None):
            return call
    return None


def _why(facts, owners) -> str | None:
    """Why a forked worker deadlocks on JAX, from the modules in ``owners`` (the first that
    tells); None when none of them runs JAX in the parent."""
    for owner in owners:
        if _fresh_start_method(owner):
            return None
    for owner in owners:
        backend, source = keras_backend(owner)
        if backend == "jax":
            return BACKEND_WHY.format(source=source)
    parent_call = _jax_in_parent(owners[0])
    return PARENT_WHY.format(line=parent_call.lineno) if parent_call is not None else None


def _check_reached(facts, report) -> None:
    """JAX calls in this module's functions and held objects' methods that worker code of a
    loader running in worker processes reaches (``__getitem__ -> self.augmenter.augment()``).
    The loader's module and this one say whether the parent runs JAX."""
    candidates = [
        fn
        for fn in facts.worker_code.functions_reached()
        if any(isinstance(node, ast.Call) and _runs_jax(facts, node, fn, "jax") for node in walk_scope(fn))
    ]
    for fn, loader, label in facts.worker_code.worker_helpers(candidates):
        owner = facts.hierarchy.owner_of(loader)
        settings = owner.launches.loader_process_settings(loader)
        if not settings.may_use_processes:
            continue
        why = _why(facts, [owner, facts] if owner is not facts else [facts])
        if why is None:
            continue
        backend = "jax" if why.startswith("the JAX backend") else None
        for node in walk_scope(fn):
            if isinstance(node, ast.Call):
                what = _runs_jax(facts, node, fn, backend)
                if what:
                    report(
                        "KMP403", node, loader=loader.name, method=label, what=what, why=why,
                        when=settings.when, related=launch_related(loader, settings.site),
                    )
                    break  # one finding per function


def check(facts, report) -> None:
    if "jax" not in facts.source and facts.options.keras_backend != "jax":
        return  # neither jax nor a JAX backend is named anywhere
    _check_reached(facts, report)
    loaders = [
        loader
        for loader in facts.hierarchy.data_loaders
        if loader.worker_methods and facts.launches.loader_uses_processes(loader)
    ]
    if not loaders or _fresh_start_method(facts):
        return
    backend, source = keras_backend(facts)
    parent_call = None if backend == "jax" else _jax_in_parent(facts)
    if backend != "jax" and parent_call is None:
        return  # each forked worker starts JAX itself: measured to work
    if backend == "jax":
        why = BACKEND_WHY.format(source=source)
    else:
        why = PARENT_WHY.format(line=parent_call.lineno)
    for loader in loaders:
        found = []
        for fn in loader.worker_methods.values():
            for node in walk_scope(fn):
                if isinstance(node, ast.Call):
                    what = _runs_jax(facts, node, fn, backend)
                    if what:
                        found.append((node, fn, what))
        if backend == "jax":
            layer_calls = _layer_calls(facts, loader)
            found += [(node, fn, f"{what} on the JAX backend") for node, fn, what in layer_calls]
        reported: set[int] = set()
        for node, fn, what in sorted(found, key=lambda item: (item[0].lineno, item[0].col_offset)):
            if id(fn) in reported:
                continue  # one finding per method
            reported.add(id(fn))
            settings = facts.launches.loader_process_settings(loader)
            report(
                "KMP403", node, loader=loader.name, method=fn.name, what=what, why=why,
                when=settings.when, related=launch_related(loader, settings.site),
            )
