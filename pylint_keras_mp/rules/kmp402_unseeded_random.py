"""KMP402 sequence-unseeded-random: worker code draws from a global or shared random generator."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ..facts import UNKNOWN, is_self_attribute, keyword, self_name_of, source_text, walk_scope
from ..facts.follow import too_deep
from ..facts.self_state import self_attribute_uses_in
from ..facts.module import module_statements, walk_import_time
from ..rule import Rule
from . import _grain
from ._common import imports_any, launch_related

RULE = Rule(
    code="KMP402",
    symbol="sequence-unseeded-random",
    severity="W",
    summary="Worker code draws from a global or shared random generator while workers are in use",
    # {why}: how the workers come to repeat the values (the start method, an import-time seed)
    template="{loader}.{method} draws from {what}{when}: {why}",
    fix="derive a generator per batch, e.g. np.random.default_rng((self.seed, self.epoch, index))",
    words=("Sequence", "PyDataset", "torch+Dataset", "mp_prefetch", "worker_count", "IterableDataset"),
    options=("sequence-bases", "assume-multiprocessing"),
)

# numpy.random module attributes that do not draw from the global state.
NUMPY_RANDOM_NON_DRAWS = frozenset(
    {"seed", "get_state", "set_state", "get_bit_generator", "set_bit_generator", "default_rng"}
)
RANDOM_DRAWS = frozenset(
    {
        "random", "uniform", "randint", "randrange", "choice", "choices", "shuffle", "sample",
        "gauss", "normalvariate", "lognormvariate", "expovariate", "vonmisesvariate",
        "gammavariate", "betavariate", "paretovariate", "weibullvariate", "triangular",
        "getrandbits", "randbytes", "binomialvariate",
    }
)
GENERATOR_CONSTRUCTORS = frozenset(
    {"numpy.random.default_rng", "numpy.random.RandomState", "numpy.random.Generator", "random.Random"}
)
# Calls on a generator or augmenter object that do not draw; the reseeding ones among them.
GENERATOR_NON_DRAWS = frozenset({"get_state", "getstate", "seed", "set_state", "setstate"})
OBJECT_RESEEDS = frozenset(
    {"seed", "set_state", "setstate", "seed_", "reseed", "set_random_seed", "set_random_state"}
)
AUGMENTER_PACKAGES = ("albumentations.", "imgaug.")
# Augmenters that transform every image the same way (unless given p < 1); the containers
# among them are random when one of their children is.
DETERMINISTIC_AUGMENTERS = frozenset(
    {
        "Compose", "Sequential", "Resize", "Normalize", "ToTensorV2", "ToFloat", "FromFloat",
        "PadIfNeeded", "CenterCrop", "LongestMaxSize", "SmallestMaxSize", "Crop", "Identity",
        "Noop",
    }
)
# The global generators a reseed call resets (keras.utils.set_random_seed seeds both).
GLOBAL_RESEEDS = {"numpy.random.seed": ("numpy",), "random.seed": ("random",)}
KERAS_RESEED_SUFFIX = ".utils.set_random_seed"
IMGAUG_RESEEDS = frozenset({"imgaug.seed", "imgaug.random.seed"})


def _same_in_every_worker(facts, node, fn, _depth=0) -> bool:
    """A seed expression built only from constants, ``self`` attributes and module names: every
    worker and every batch computes the same value."""
    if too_deep(_depth):
        return False
    if isinstance(node, ast.Constant):
        return True
    self_name = self_name_of(fn) if fn is not None else None
    if isinstance(node, ast.Attribute):
        base = node
        while isinstance(base, ast.Attribute):
            base = base.value
        return isinstance(base, ast.Name) and (
            base.id == self_name or (fn is None or base.id not in facts.walk.scope(fn).locals)
        )
    if isinstance(node, ast.Name):
        if fn is not None and node.id in facts.walk.scope(fn).locals:
            if node.id in facts.walk.scope(fn).params:
                return False
            value = facts.walk.scope(fn).single_value(node.id)
            return value is not None and _same_in_every_worker(facts, value, fn, _depth + 1)
        return True
    if isinstance(node, (ast.Tuple, ast.List)):
        return all(_same_in_every_worker(facts, e, fn, _depth + 1) for e in node.elts)
    if isinstance(node, ast.BinOp):
        return _same_in_every_worker(facts, node.left, fn, _depth + 1) and _same_in_every_worker(
            facts, node.right, fn, _depth + 1
        )
    if isinstance(node, ast.UnaryOp):
        return _same_in_every_worker(facts, node.operand, fn, _depth + 1)
    return False


def _seeded_per_call(facts, call: ast.Call, fn) -> bool:
    """A seeding call whose seed can differ between workers or batches (no seed means OS entropy)."""
    arguments = list(call.args) + [kw.value for kw in call.keywords]
    return not arguments or not all(_same_in_every_worker(facts, a, fn) for a in arguments)


def _augmenter_is_random(facts, call, fn, _depth=0):
    """True for an albumentations/imgaug augmenter with a random step, False for a deterministic
    one, None when it is no augmenter or cannot be resolved."""
    if too_deep(_depth) or not isinstance(call, ast.Call):
        return None
    qualname = facts.resolver.qualname(call.func, fn) or ""
    if not qualname.startswith(AUGMENTER_PACKAGES):
        return None
    p = keyword(call, "p")
    if p is not None:
        probability = facts.resolver.resolve(p, fn)
        if probability is UNKNOWN or isinstance(probability, bool):
            return None
        if isinstance(probability, (int, float)) and probability < 1:
            return True
    name = qualname.rpartition(".")[2]
    if name not in DETERMINISTIC_AUGMENTERS:
        return True
    if name == "Resize" and qualname.startswith("imgaug.") and call.args:
        if not isinstance(call.args[0], ast.Constant):
            return None  # a size range is random, a dict may be: unknown
    children = list(call.args) + [kw.value for kw in call.keywords if kw.arg in ("transforms", "children")]
    for child in children:
        child, scope = facts.resolver.follow(child, fn)
        for element in child.elts if isinstance(child, (ast.List, ast.Tuple)) else [child]:
            element, element_scope = facts.resolver.follow(element, scope)
            found = _augmenter_is_random(facts, element, element_scope, _depth + 1)
            if found:
                return True
    return False


# A module that imports none of these has no generator to draw from.
RANDOM_PACKAGES = frozenset({"numpy", "random", "albumentations", "imgaug"})

# Why the draws repeat, by case (the message's second clause).
FORK_COPIES_NUMPY = (
    "fork workers all continue the parent's stream and repeat the same values every epoch"
)
SPAWN_RESEEDS = (
    "spawn/forkserver workers re-import the module, re-run {seed} (line {line}) and repeat the "
    "same values every epoch"
)
EVERY_START_METHOD = (
    "fork workers all continue the parent's stream, and spawn/forkserver workers re-run {seed} "
    "(line {line}) when they re-import the module: they repeat the same values every epoch"
)
COPIED_STATE = "every worker starts from a copy of its state and repeats the same values every epoch"
AUGMENTER_COPIED_STATE = (
    "every worker starts from a copy of its random state and repeats the same augmentations"
)
SAME_SEED_IN_WORKERS = "every worker makes it from the same seed and repeats the same values"


@dataclass(frozen=True)
class _SharedGenerator:
    """A generator or augmenter object that every worker receives as a copy of one state."""

    kind: str  # "generator" or "augmenter"
    what: str  # for the message
    why: str = COPIED_STATE


def _shared_object(facts, value, fn, made_in_parent: bool, where: str, label: str):
    """A generator or augmenter every worker gets a copy of: made in the parent (``__init__``,
    module level), or made in worker code from a seed that is the same in every worker."""
    value, scope = facts.resolver.follow(value, fn)
    if not isinstance(value, ast.Call):
        return None
    qualname = facts.resolver.qualname(value.func, scope)
    if qualname in GENERATOR_CONSTRUCTORS:
        if made_in_parent or not _seeded_per_call(facts, value, scope):
            spelled = source_text(value.func)
            why = COPIED_STATE if made_in_parent else SAME_SEED_IN_WORKERS
            return _SharedGenerator("generator", f"{label}, a {spelled}() made {where}", why)
        return None
    if _augmenter_is_random(facts, value, scope) and made_in_parent:
        package = qualname.split(".")[0]
        return _SharedGenerator(
            "augmenter", f"the {package} augmenter {label}, made {where}", AUGMENTER_COPIED_STATE
        )
    return None


def _global_draw(facts, call, fn) -> str | None:
    qualname = facts.resolver.qualname(call.func, fn) or ""
    head, _, name = qualname.rpartition(".")
    if head == "numpy.random" and name[:1].islower() and name not in NUMPY_RANDOM_NON_DRAWS:
        return "numpy"
    if head == "random" and name in RANDOM_DRAWS:
        return "random"
    return None


def _global_reseeds(facts, call, fn) -> tuple[str, ...]:
    qualname = facts.resolver.qualname(call.func, fn) or ""
    if qualname in GLOBAL_RESEEDS:
        return GLOBAL_RESEEDS[qualname]
    if qualname.endswith(KERAS_RESEED_SUFFIX) and qualname.split(".")[0] in ("keras", "tensorflow", "tf_keras"):
        return ("numpy", "random")
    if qualname in IMGAUG_RESEEDS:
        return ("imgaug",)
    return ()


def import_time_seeds(facts) -> dict[str, ast.Call]:
    """{"random" / "numpy": the first call that seeds that global generator with a fixed seed when
    the module is imported}: at module level outside the main guard, or in a module function
    called there. spawn and forkserver workers re-import the module and run it again."""
    calls: list[tuple[ast.Call, object]] = []
    for stmt, in_guard in module_statements(facts.tree.body):
        if not in_guard:
            calls.extend((node, None) for node in walk_import_time(stmt) if isinstance(node, ast.Call))
    for name in facts.walk.import_time_functions:
        fn = facts.walk.functions[name]
        calls.extend((node, fn) for node in walk_scope(fn) if isinstance(node, ast.Call))
    seeds: dict[str, ast.Call] = {}
    for call, fn in sorted(calls, key=lambda item: (item[0].lineno, item[0].col_offset)):
        names = _global_reseeds(facts, call, fn)
        if names and not _seeded_per_call(facts, call, fn):
            for name in names:
                seeds.setdefault(name, call)
    return seeds


def check(facts, report) -> None:
    _grain.check(facts, report, "KMP402")
    seeds = None
    for loader in facts.hierarchy.data_loaders:
        if not loader.worker_methods:
            continue
        settings = facts.launches.loader_process_settings(loader)
        if not settings.may_use_processes:
            continue
        if seeds is None:
            seeds = import_time_seeds(facts)
        reseeded_globals = _reseeded_globals(facts, loader.worker_methods.values())
        if loader.pipeline == "torch":
            _report(report, loader, _torch_draws(facts, loader, reseeded_globals), {}, settings)
            continue
        draws = _self_object_draws(facts, loader, reseeded_globals) + _module_draws(
            facts, loader.worker_methods.values(), reseeded_globals, seeds
        )
        _report(report, loader, draws, {}, settings)
    _check_helpers(facts, report)


def in_processes_when(settings) -> str:
    """`` in worker processes when `args.mp` is true`` for a loader behind an open switch."""
    return f" in worker processes{settings.when}" if settings.when else ""


def _torch_draws(facts, loader, reseeded_globals):
    """A torch DataLoader seeds ``random``, ``torch`` and numpy's global generator in every
    worker and every epoch, so only a generator object stored on the dataset repeats (measured);
    a DataLoader given a ``worker_init_fn`` may replace it per worker: unknown, silent."""
    if any(
        found.loader is not None
        and loader.key in found.loader.lineage
        and found.call is not None
        and any(kw.arg == "worker_init_fn" for kw in found.call.keywords)
        for found in facts.pipelines.torch_loaders_with_workers
    ):
        return []
    return [
        draw
        for draw in _self_object_draws(facts, loader, reseeded_globals)
        if "augmenter" not in draw[2]
    ]


def _report(report, loader, draws, labels, settings) -> None:
    when = in_processes_when(settings)
    reported: set[tuple[int, str]] = set()
    for node, key, what, why, fn in sorted(draws, key=lambda d: (d[0].lineno, d[0].col_offset)):
        if (id(fn), key) in reported:
            continue  # one finding per method and generator
        reported.add((id(fn), key))
        method = labels.get(id(fn), fn.name)
        report(
            "KMP402", node, loader=loader.name, method=method, what=what, why=why, when=when,
            related=launch_related(loader, settings.site),
        )


def _check_helpers(facts, report) -> None:
    """Draws in this module's functions that worker code of a loader running in worker processes
    calls; reseeding in the loader's worker code or in the functions themselves counts. The
    import-time seeds of both modules count: spawn/forkserver workers re-import both."""
    by_loader: dict[int, tuple] = {}
    if not imports_any(facts, RANDOM_PACKAGES):
        return  # nothing to draw from
    # the functions with a call that may draw, from the module's index of calls; the draws
    # themselves are decided below, once the loader (and so the seeds that count) is known
    module_functions = {id(fn) for fn in facts.walk.functions.values()}
    module_functions |= {id(fn) for fn in facts.worker_code.methods_reached()}
    maybe = {
        id(fn)
        for call, fn in facts.walk.calls_by_function
        if fn is not None and id(fn) in module_functions and _may_draw(facts, call, fn)
    }
    candidates = facts.worker_code.reached_candidates(lambda fn: id(fn) in maybe)
    for fn, loader, label in facts.worker_code.worker_helpers(candidates):
        _loader, helpers, labels = by_loader.setdefault(id(loader), (loader, [], {}))
        helpers.append(fn)
        labels[id(fn)] = label
    own_seeds = None
    for loader, helpers, labels in by_loader.values():
        if loader.pipeline == "torch":
            continue  # torch seeds the global generators of every worker: helpers draw apart
        owner = facts.hierarchy.owner_of(loader)
        settings = owner.launches.loader_process_settings(loader)
        if not settings.may_use_processes:
            continue
        if own_seeds is None:
            own_seeds = import_time_seeds(facts)
        seeds = dict(own_seeds)
        for kind, call in import_time_seeds(owner).items():
            seeds.setdefault(kind, call)
        reseeded = _reseeded_globals(owner, loader.worker_methods.values())
        reseeded |= _reseeded_globals(facts, helpers)
        draws = _module_draws(facts, helpers, reseeded, seeds) + _held_object_draws(facts, helpers, reseeded)
        _report(report, loader, draws, labels, settings)


def _may_draw(facts, call, fn) -> bool:
    """A call that may draw: from a global generator, on a name bound at module level, or on an
    attribute of self in a method of a class."""
    if _global_draw(facts, call, None) is not None:
        return True
    func = call.func
    if isinstance(func, ast.Attribute) and id(fn) in facts.walk.method_owner:
        if is_self_attribute(func.value, self_name_of(fn) or "") or is_self_attribute(func, self_name_of(fn) or ""):
            return True
    owner, _method = _module_object_call(call)
    return owner is not None and facts.resolver.module_constant(owner) is not None


def _global_why(kind: str, seeds: dict[str, ast.Call]) -> str | None:
    """Why draws from a global generator repeat across workers; None when they do not: `random`
    reseeds itself in every forked child, so only an import-time seed makes its workers repeat."""
    seed = seeds.get(kind)
    if seed is None:
        return FORK_COPIES_NUMPY if kind == "numpy" else None
    template = EVERY_START_METHOD if kind == "numpy" else SPAWN_RESEEDS
    return template.format(seed=f"{source_text(seed.func)}(...)", line=seed.lineno)


def _reseeded_globals(facts, functions) -> set[str]:
    """Global generators worker code reseeds per call or per worker (np.random.seed(index)...)."""
    reseeded: set[str] = set()
    for fn in functions:
        for node in walk_scope(fn):
            if isinstance(node, ast.Call):
                names = _global_reseeds(facts, node, fn)
                if names and _seeded_per_call(facts, node, fn):
                    reseeded.update(names)
    return reseeded


def _object_drawn(shared: _SharedGenerator, method: str | None, as_argument: bool) -> bool:
    """Whether using a shared generator or augmenter this way draws from it."""
    if shared.kind == "generator":
        return as_argument or (method is not None and method not in GENERATOR_NON_DRAWS)
    return method is None or method.startswith("augment") or method == "to_deterministic"


def _self_object_draws(facts, loader, reseeded_globals):
    """Draws in worker code from generators and augmenters stored on self."""
    worker_fns = {id(fn) for fn in loader.worker_methods.values()}
    return _stored_object_draws(facts, facts.self_state.self_attribute_uses(loader), worker_fns, reseeded_globals)


def _held_object_draws(facts, helpers, reseeded_globals):
    """Draws in the methods of held objects (``helpers`` of this module that worker code runs)
    from generators and augmenters those objects store on self in their other methods."""
    draws = []
    by_class: dict[int, tuple] = {}
    for fn in helpers:
        cls = facts.walk.method_owner.get(id(fn))
        if cls is not None:
            by_class.setdefault(id(cls), (cls, set()))[1].add(id(fn))
    for cls, worker_fns in by_class.values():
        uses = [use for fn in facts.hierarchy.class_methods(cls).values() for use in self_attribute_uses_in(fn)]
        draws += _stored_object_draws(facts, uses, worker_fns, reseeded_globals)
    return draws


def _stored_object_draws(facts, uses, worker_fns, reseeded_globals):
    """Draws in the methods ``worker_fns`` from generators and augmenters stored on self by the
    other methods of ``uses`` (the parent's), or made in them from one seed."""
    shared_attrs: dict[str, _SharedGenerator] = {}
    reseeded_attrs: set[str] = set()
    for use in uses:
        in_worker = id(use.method) in worker_fns
        if use.use == "rebind":
            where = f"in {use.method.name}"
            if in_worker:
                where += " from a seed that is the same in every worker"
            found = _shared_object(
                facts, use.value, use.method, not in_worker, where, f"self.{use.attr}"
            )
            if found is not None:
                shared_attrs.setdefault(use.attr, found)
            elif in_worker:
                reseeded_attrs.add(use.attr)  # replaced per call or per worker
        elif use.use == "call" and in_worker and use.name in OBJECT_RESEEDS:
            call = _call_of(use)
            if call is not None and _seeded_per_call(facts, call, use.method):
                reseeded_attrs.add(use.attr)

    draws = []
    for use in uses:
        shared = shared_attrs.get(use.attr)
        if id(use.method) not in worker_fns or shared is None or use.attr in reseeded_attrs:
            continue
        if shared.kind == "augmenter" and reseeded_globals:
            continue  # augmenters may draw from any global generator
        if use.use in ("call", "call-self", "argument") and _object_drawn(
            shared, use.name, use.use == "argument"
        ):
            draws.append((use.node, f"self.{use.attr}", shared.what, shared.why, use.method))
    return draws


def _module_draws(facts, functions, reseeded_globals, seeds):
    """Draws in worker code (``functions``) from the global generators and from generators or
    augmenters bound at module level; ``seeds``: the import-time seeds (``import_time_seeds``)."""
    draws = []
    module_objects: dict[str, _SharedGenerator | None] = {}
    object_calls = []
    reseeded_objects: set[str] = set()
    for fn in functions:
        scope = facts.walk.scope(fn)
        for node in walk_scope(fn):
            if not isinstance(node, ast.Call):
                continue
            kind = _global_draw(facts, node, fn)
            if kind is not None:
                why = _global_why(kind, seeds)
                if kind not in reseeded_globals and why is not None:
                    state = "NumPy random state" if kind == "numpy" else "random module state"
                    what = f"the global {state} ({source_text(node.func)}())"
                    draws.append((node, kind, what, why, fn))
                continue
            owner, method = _module_object_call(node)
            if owner is None or owner in scope.locals or owner in facts.walk.imports:
                continue
            if owner not in module_objects:
                module_objects[owner] = _shared_object(
                    facts, facts.resolver.module_constant(owner), None, True, "at module level", owner
                )
            if module_objects[owner] is None:
                continue
            if method in OBJECT_RESEEDS and _seeded_per_call(facts, node, fn):
                reseeded_objects.add(owner)
            object_calls.append((node, owner, method, fn))
    for node, owner, method, fn in object_calls:
        shared = module_objects[owner]
        if owner in reseeded_objects or (shared.kind == "augmenter" and reseeded_globals):
            continue
        if _object_drawn(shared, method, as_argument=False):
            draws.append((node, owner, shared.what, shared.why, fn))
    return draws


def _call_of(use):
    """The call node of a "call" use: ``self.x.seed(...)``."""
    parent = use.node
    for node in ast.walk(use.stmt):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.value is parent:
            return node
    return None


def _module_object_call(node: ast.Call):
    """(name, method) for ``NAME(...)`` / ``NAME.method(...)`` on a plain module name."""
    func = node.func
    if isinstance(func, ast.Name):
        return func.id, None
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return func.value.id, func.attr
    return None, None
