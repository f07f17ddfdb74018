"""Launches: fit/evaluate/predict calls, the data they are fed, and the worker settings that
decide whether Keras starts worker processes."""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass

from .hierarchy import DataLoader
from .keras_api import LAUNCH_METHODS, WORKER_ARGUMENTS
from .syntax import FunctionNode, has_star_kwargs, is_super_init, keyword, walk_scope
from .values import UNKNOWN


@dataclass
class Launch:
    """A call of fit/evaluate/predict(_generator) with what it resolves to."""

    call: ast.Call
    method: str
    function: FunctionNode | None  # enclosing function, None at module level
    data: ast.expr | None  # the x argument
    loader: DataLoader | None = None  # when x is a data loader instance built in the module
    loader_call: ast.Call | None = None


class Launches:
    """Launches and worker settings, on top of the resolver, the hierarchy and the data kinds."""

    @functools.cached_property
    def launch_calls(self) -> list[Launch]:
        """Every fit/evaluate/predict(_generator) method call, with its data argument."""
        launches = []
        for call, fn in self.calls_by_function:
            if not (isinstance(call.func, ast.Attribute) and call.func.attr in LAUNCH_METHODS):
                continue
            data = call.args[0] if call.args else keyword(call, "x")
            if data is None and call.func.attr.endswith("_generator"):
                data = keyword(call, "generator")
            launch = Launch(call, call.func.attr, fn, data)
            launch.loader, launch.loader_call = self.loader_for_instance(data, fn)
            launches.append(launch)
        return launches

    def use_multiprocessing(self, launch: Launch):
        """Whether a launch starts worker processes: True, False or UNKNOWN."""
        call, fn = launch.call, launch.function
        if keyword(call, "use_multiprocessing") is not None:
            if self.keras_version == 3 and not launch.method.endswith("_generator"):
                return False  # Keras 3 rejects the argument before starting anything (KMP305)
            if self.input_takes_no_workers(launch) is not None:
                return False  # arrays and datasets never go through the worker pool (KMP303)
            mp = self.resolve_bool(keyword(call, "use_multiprocessing"), fn)
            workers = self.resolve_int(keyword(call, "workers"), fn)
        elif launch.loader is not None:
            mp, workers = self.loader_worker_settings(launch.loader, launch.loader_call, fn)
        else:
            return False
        if mp is UNKNOWN:
            mp = True if self.options.assume_multiprocessing else UNKNOWN
        if mp is True and workers is not UNKNOWN and workers <= 0:
            return False
        return mp

    def input_takes_no_workers(self, launch: Launch) -> str | None:
        """Why a launch's data never reaches Keras' workers (a tf.data.Dataset, in-memory arrays),
        as a clause for messages; None when it may (a loader, a generator, unknown)."""
        if launch.method not in ("fit", "evaluate", "predict"):
            return None
        call, fn = launch.call, launch.function
        validation = keyword(call, "validation_data")
        if not (
            validation is None
            or (isinstance(validation, ast.Constant) and validation.value is None)
            or isinstance(validation, (ast.Tuple, ast.List))
            or self.is_dataset_value(validation, fn)
            or self.is_in_memory_value(validation, fn)
        ):
            return None  # Keras feeds a validation loader or generator through the same workers
        if any(isinstance(arg, ast.Starred) for arg in call.args[:2]):
            return None
        if self.is_dataset_value(launch.data, fn):
            return " with a tf.data.Dataset"
        if launch.method in ("fit", "evaluate"):
            y = call.args[1] if len(call.args) > 1 else keyword(call, "y")
            if y is not None and not (isinstance(y, ast.Constant) and y.value is None):
                return " with in-memory arrays (y is given)"
        if launch.method == "fit" and keyword(call, "validation_split") is not None:
            return " with in-memory arrays (validation_split= is given)"
        if self.is_in_memory_value(launch.data, fn):
            return " with in-memory arrays"
        return None

    def loader_worker_settings(self, loader: DataLoader, call: ast.Call | None, fn):
        """(use_multiprocessing, workers) of a loader construction, from the call or the class."""
        mp = workers = None
        if call is not None:
            if keyword(call, "use_multiprocessing") is not None:
                mp = self.resolve_bool(keyword(call, "use_multiprocessing"), fn)
            if keyword(call, "workers") is not None:
                workers = self.resolve_int(keyword(call, "workers"), fn)
        class_mp, class_workers = self.class_worker_settings(loader)
        if mp is None:
            mp = class_mp
            if mp is None:
                mp = UNKNOWN if call is not None and has_star_kwargs(call) else False
        if workers is None:
            workers = class_workers if class_workers is not None else 1
        return mp, workers

    def class_worker_settings(self, loader: DataLoader):
        """use_multiprocessing / workers the class itself passes to super().__init__(...)."""
        mp = workers = None
        init = loader.methods.get("__init__")
        if init is None:
            return None, None
        for node in walk_scope(init):
            if isinstance(node, ast.Call) and is_super_init(node):
                if keyword(node, "use_multiprocessing") is not None:
                    mp = self.resolve_bool(keyword(node, "use_multiprocessing"), None)
                    if mp is UNKNOWN:
                        mp = None  # forwarded from the caller: decided at the construction
                if keyword(node, "workers") is not None:
                    value = self.resolve_int(keyword(node, "workers"), None)
                    workers = None if value is UNKNOWN else value
        return mp, workers

    @functools.cached_property
    def multiprocessing_launches(self) -> list[Launch]:
        return [launch for launch in self.launch_calls if self.use_multiprocessing(launch) is True]

    @functools.cached_property
    def user_defined_launch_methods(self) -> frozenset[str]:
        """fit/evaluate/predict... defined in the module with a workers-like parameter: calls of
        those names may be the module's own methods rather than Keras'."""
        names = set()
        for fn in self.all_functions:
            params = {a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}
            if fn.name in LAUNCH_METHODS and params & WORKER_ARGUMENTS:
                names.add(fn.name)
        return frozenset(names)

    def worker_arguments(self, call: ast.Call) -> list[ast.keyword]:
        """The workers / use_multiprocessing / max_queue_size keywords of a call, in call order."""
        return [kw for kw in call.keywords if kw.arg in WORKER_ARGUMENTS]

    @functools.cached_property
    def loader_constructions(self) -> list[tuple[ast.Call, FunctionNode | None, DataLoader]]:
        """Every ``Loader(...)`` call of a data loader class defined in the module."""
        found = []
        if not self.data_loaders_by_name:
            return found
        for call, fn in self.calls_by_function:
            if not isinstance(call.func, ast.Name) or call.func.id in self.imports:
                continue
            loader = self.data_loaders_by_name.get(call.func.id)
            if loader is None:
                continue
            if fn is not None and call.func.id in self.scope(fn).locals:
                continue
            found.append((call, fn, loader))
        return found

    def loader_uses_processes(self, loader: DataLoader) -> bool:
        """The module shows this loader's ``__getitem__`` running in worker processes: a launch
        that starts processes with it (or with data the analysis cannot tell apart from it), a
        construction passing ``use_multiprocessing=True``, or the class's own
        ``super().__init__(use_multiprocessing=True)``."""
        for launch in self.multiprocessing_launches:
            if launch.loader is not None:
                if launch.loader is loader:
                    return True
                continue
            data, fn = launch.data, launch.function
            cls = self.instance_class(data, fn) if data is not None else None
            if cls is not None:
                if cls is loader.node:
                    return True
                continue
            if data is not None and not (
                self.plain_iterator(data, fn)
                or self.is_dataset_value(data, fn)
                or self.is_in_memory_value(data, fn)
            ):
                return True
        for call, fn, constructed in self.loader_constructions:
            if constructed is not loader:
                continue
            mp, workers = self.loader_worker_settings(loader, call, fn)
            if mp is UNKNOWN and self.options.assume_multiprocessing:
                mp = True
            if mp is True and (workers is UNKNOWN or workers >= 1):
                return True
        mp, workers = self.class_worker_settings(loader)
        return mp is True and (workers is None or workers >= 1)

