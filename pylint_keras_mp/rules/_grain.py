"""Shared by KMP202 and KMP402: grain transforms run by multiprocessing prefetch or ``grain.DataLoader(worker_count>0)``.

grain starts its workers with the spawn context and pickles the pipeline with cloudpickle,
whatever start method the program set (measured, grain 0.2.18, ``proofs/grain_transforms.py``):
lambdas, local classes, names bound under the main guard and open files survive (silent); a lock,
a pool or executor, or a generator object on a transform does not (KMP202); a process pool made in
a transform's ``map`` fails in grain's daemonic workers, a thread pool works (KMP304); a generator
object made in ``__init__`` and a module-level ``np.random.seed(...)`` repeat the same values in
every worker (KMP402). Only transforms of a module that itself starts grain workers are judged.
"""

from __future__ import annotations

import ast

from ..facts import is_generator_function, is_main_guard, self_name_of, walk_scope
from ..facts.keras_api import PICKLE_HOOKS
from ..facts.torch_api import GRAIN_TRANSFORM_METHODS

# Measured unpicklable under grain: locks, pools, executors and generator objects (open files
# survive).
GRAIN_UNPICKLABLE = {
    "threading.Lock": "a lock",
    "threading.RLock": "a lock",
    "multiprocessing.Lock": "a lock",
    "multiprocessing.RLock": "a lock",
}
# NotImplementedError: pool objects cannot be passed between processes or pickled (a Pool, a
# ThreadPool); TypeError: cannot pickle '_queue.SimpleQueue' / '_thread.lock' object (executors).
GRAIN_POOLS = {
    "multiprocessing.Pool": "a multiprocessing.Pool",
    "multiprocessing.pool.Pool": "a multiprocessing.Pool",
    "torch.multiprocessing.Pool": "a torch.multiprocessing.Pool",
    "multiprocessing.pool.ThreadPool": "a ThreadPool",
    "concurrent.futures.ThreadPoolExecutor": "a ThreadPoolExecutor",
    "concurrent.futures.thread.ThreadPoolExecutor": "a ThreadPoolExecutor",
    "concurrent.futures.ProcessPoolExecutor": "a ProcessPoolExecutor",
    "concurrent.futures.process.ProcessPoolExecutor": "a ProcessPoolExecutor",
}
GENERATOR_CONSTRUCTORS = frozenset(
    {"numpy.random.default_rng", "numpy.random.RandomState", "random.Random"}
)
NUMPY_NON_DRAWS = frozenset({"seed", "get_state", "set_state", "default_rng", "RandomState", "Generator"})
COPIED_STATE = (
    "grain pickles the transform into every spawn worker, so every worker starts from a copy of "
    "its state and repeats the same values"
)
IMPORT_SEED = (
    "grain's spawn workers re-import the module and re-run {seed} (line {line}), so every worker "
    "repeats the same values"
)


def _methods(cls):
    return {
        stmt.name: stmt for stmt in cls.body if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
    }


def _self_stores(init):
    self_name = self_name_of(init)
    if self_name is None:
        return
    for node in walk_scope(init):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == self_name
            ):
                yield node, target.attr, node.value


def _unpicklable(facts, init, value) -> str | None:
    if isinstance(value, ast.GeneratorExp):
        return "a generator object"
    if isinstance(value, ast.Call):
        qualname = facts.resolver.qualname(value.func, init) or ""
        if qualname in GRAIN_UNPICKLABLE:
            return GRAIN_UNPICKLABLE[qualname]
        if qualname in GRAIN_POOLS:
            return GRAIN_POOLS[qualname]
        if isinstance(value.func, ast.Name):
            called = facts.walk.functions.get(value.func.id)
            if called is not None and is_generator_function(called):
                return f"a generator object (a call of {value.func.id}())"
    return None


def _import_time_numpy_seed(facts) -> ast.Call | None:
    for stmt in facts.tree.body:
        if isinstance(stmt, ast.If) and is_main_guard(stmt.test):
            continue
        for node in ast.walk(stmt):
            if (
                isinstance(node, ast.Call)
                and facts.resolver.qualname(node.func) == "numpy.random.seed"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                return node
    return None


def transform_methods(facts):
    """(transform class, its worker methods, runner label) for each grain transform of a module
    that starts grain workers; a transform with pickling hooks of its own is left out."""
    started = facts.pipelines.grain_multiprocessing
    if started is None or not facts.pipelines.grain_transforms:
        return
    _call, runner = started
    for cls in facts.pipelines.grain_transforms:
        methods = _methods(cls)
        if any(name in PICKLE_HOOKS for name in methods):
            continue
        worker = [methods[name] for name in GRAIN_TRANSFORM_METHODS if name in methods]
        if worker:
            yield cls, worker, runner


def check(facts, report, code: str) -> None:
    """Report ``code`` (KMP202 or KMP402, called from those rules) for the module's grain
    transforms."""
    full_report = report

    def report(reported, node, **fields):  # noqa: F811 - only this rule's code
        if reported == code:
            full_report(reported, node, **fields)

    seed = None
    for cls, worker, runner in transform_methods(facts):
        init = _methods(cls).get("__init__")
        generators: dict[str, str] = {}
        for node, attr, value in _self_stores(init) if init is not None else ():
            what = _unpicklable(facts, init, value)
            if what:
                pool = what in GRAIN_POOLS.values()
                report("KMP202", node, loader=cls.name, what=what, attr=attr, extra="",
                       runner=runner, method=worker[0].name, form="grain_pool" if pool else "grain")
            elif isinstance(value, ast.Call) and facts.resolver.qualname(value.func, init) in GENERATOR_CONSTRUCTORS:
                generators[attr] = f"self.{attr}, a {ast.unparse(value.func)}() made in __init__"
        for fn in worker:
            self_name = self_name_of(fn)
            reported = set()
            for node in walk_scope(fn):
                if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                    continue
                owner = node.func.value
                if (
                    isinstance(owner, ast.Attribute)
                    and isinstance(owner.value, ast.Name)
                    and owner.value.id == self_name
                    and owner.attr in generators
                    and owner.attr not in reported
                ):
                    reported.add(owner.attr)
                    report("KMP402", node, loader=cls.name, method=fn.name,
                           what=generators[owner.attr], why=COPIED_STATE, when="")
                elif (
                    facts.resolver.qualname(node.func, fn) or ""
                ).startswith("numpy.random.") and node.func.attr not in NUMPY_NON_DRAWS:
                    seed = seed if seed is not None else (_import_time_numpy_seed(facts) or False)
                    if seed and "numpy" not in reported:
                        reported.add("numpy")
                        why = IMPORT_SEED.format(seed=f"{ast.unparse(seed.func)}(...)", line=seed.lineno)
                        report("KMP402", node, loader=cls.name, method=fn.name,
                               what=f"{ast.unparse(node.func)}", why=why, when="")
