"""Launches: fit/evaluate/predict calls, the data they are fed, and the worker settings that
decide whether Keras starts worker processes."""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass, field, replace

from .data_kinds import DataKinds
from .hierarchy import DataLoader, LoaderHierarchy
from .keras_api import LAUNCH_METHODS, WORKER_ARGUMENTS
from .module import ModuleWalk
from .pipelines import Pipelines
from .resolver import Resolver
from .returns import ReturnSummaries
from .switches import PROCESSES, OpenSwitch, Switches, WorkerSettings, settings_of
from .syntax import FunctionNode, is_super_init, keyword, walk_scope
from .values import UNKNOWN
from .version import KerasVersion


@dataclass(frozen=True)
class Argument:
    """A keyword argument of a launch as Keras receives it: written out, or an entry of a
    ``**OPTIONS`` dict the analysis could read. ``arg``/``value`` read like ``ast.keyword``'s;
    ``scope`` is where the value is evaluated (the dict's scope for an entry)."""

    arg: str
    value: ast.expr
    scope: FunctionNode | None
    via: str | None = None  # "FIT_OPTIONS" for an entry of **FIT_OPTIONS


@dataclass
class Launch:
    """A call of fit/evaluate/predict(_generator) with what it resolves to."""

    call: ast.Call
    method: str
    function: FunctionNode | None  # enclosing function, None at module level
    data: ast.expr | None  # the x argument
    loader: DataLoader | None = None  # when x is a data loader instance built in the module
    loader_call: ast.Call | None = None
    # keyword arguments, written out or from **OPTIONS dicts the analysis reads, by name
    arguments: dict[str, Argument] = field(default_factory=dict)
    unresolved_kwargs: bool = False  # a **mapping whose keys the analysis cannot see
    settings: WorkerSettings | None = None  # filled by ``Launches.launch_settings``

    def argument(self, name: str) -> Argument | None:
        return self.arguments.get(name)

    def value(self, name: str) -> ast.expr | None:
        found = self.arguments.get(name)
        return found.value if found is not None else None


class Launches:
    """Launches and worker settings, on top of the resolver, the Keras version, switches, the
    hierarchy, return summaries, the data kinds and pipelines (which answer for torch datasets)."""

    def __init__(
        self,
        walk: ModuleWalk,
        resolver: Resolver,
        version: KerasVersion,
        switches: Switches,
        hierarchy: LoaderHierarchy,
        returns: ReturnSummaries,
        data_kinds: DataKinds,
        pipelines: Pipelines,
    ) -> None:
        self.walk = walk
        self.resolver = resolver
        self.version = version
        self.switches = switches
        self.hierarchy = hierarchy
        self.returns = returns
        self.data_kinds = data_kinds
        self.pipelines = pipelines

    @functools.cached_property
    def launch_calls(self) -> list[Launch]:
        """Every fit/evaluate/predict(_generator) method call, with its data argument."""
        launches = []
        for call, fn in self.walk.calls_by_function:
            if not (isinstance(call.func, ast.Attribute) and call.func.attr in LAUNCH_METHODS):
                continue
            if self._project_api_receiver(call.func, fn):
                continue
            data = call.args[0] if call.args else keyword(call, "x")
            if data is None and call.func.attr.endswith("_generator"):
                data = keyword(call, "generator")
            launch = Launch(call, call.func.attr, fn, data)
            launch.loader, launch.loader_call = self.returns.loader_for_instance(data, fn)
            if launch.loader is None:
                launch.loader, launch.loader_call = self._local_loader_instance(data, fn)
            launch.arguments, launch.unresolved_kwargs = self.call_arguments(call, fn)
            launches.append(launch)
        return launches

    def _project_api_receiver(self, func: ast.Attribute, fn: FunctionNode | None) -> bool:
        """``wrapper.fit(...)`` where ``wrapper`` is an instance of a project class that defines
        that method itself (or in a project base) and derives from no Keras class: the project's
        own API, not a Keras launch."""
        receiver = func.value
        owner, cls = self.walk.facts, self.resolver.instance_class(receiver, fn)
        if cls is None and self.walk.project is not None and isinstance(receiver, ast.Name):
            value, scope = self.resolver.follow(receiver, fn, at_launch=True)
            if isinstance(value, ast.Call) and isinstance(value.func, (ast.Name, ast.Attribute)):
                found = self.walk.project.class_of(self.walk.facts, value.func, scope)
                if found is not None and isinstance(found[1], ast.ClassDef):
                    owner, cls = found
        if cls is None or func.attr not in owner.hierarchy.class_methods(cls):
            return False
        for klass in owner.hierarchy.class_mro(cls):
            for base in klass.bases:
                qualname = owner.resolver.qualname(base) or ""
                if qualname.split(".")[0] in ("keras", "tensorflow", "tf_keras"):
                    return False
        return True

    def call_arguments(self, call: ast.Call, fn: FunctionNode | None):
        """({name: Argument}, whether a ``**mapping`` stayed unresolved) for a call: its keywords,
        and the entries of ``**OPTIONS`` where ``OPTIONS`` is a dict literal or ``dict(...)`` call
        (directly, or through a name bound once and never changed in place)."""
        arguments: dict[str, Argument] = {}
        unresolved = False
        for kw in call.keywords:
            if kw.arg is not None:
                arguments[kw.arg] = Argument(kw.arg, kw.value, fn)
                continue
            entries = self.options_dict(kw.value, fn)
            if entries is None:
                unresolved = True
                continue
            for entry in entries:
                arguments[entry.arg] = entry
        return arguments, unresolved

    def options_dict(self, node: ast.AST, fn: FunctionNode | None) -> list[Argument] | None:
        """The entries of a dict literal or ``dict(k=v, ...)`` an expression stands for, or None."""
        via = node.id if isinstance(node, ast.Name) else None
        if via is not None and self.resolver.dict_changed_in_place(via):
            return None
        value, scope = self.resolver.follow(node, fn, at_launch=True)
        entries: list[Argument] = []
        if isinstance(value, ast.Dict):
            for key, item in zip(value.keys, value.values):
                if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                    return None  # **other inside, or a key that is not a plain string
                entries.append(Argument(key.value, item, scope, via))
            return entries
        if (
            isinstance(value, ast.Call)
            and not value.args
            and self.resolver.qualname(value.func, scope) == "builtins.dict"
            and all(kw.arg is not None for kw in value.keywords)
        ):
            return [Argument(kw.arg, kw.value, scope, via) for kw in value.keywords]
        return None

    def launch_bool(self, launch: Launch, name: str):
        """A launch's keyword argument resolved as a bool (UNKNOWN when absent or unresolvable)."""
        found = launch.argument(name)
        return self.resolver.resolve_bool(found.value, found.scope) if found is not None else UNKNOWN

    def launch_int(self, launch: Launch, name: str):
        """A launch's keyword argument resolved as an int (UNKNOWN when absent or unresolvable)."""
        found = launch.argument(name)
        return self.resolver.resolve_int(found.value, found.scope) if found is not None else UNKNOWN

    def use_multiprocessing(self, launch: Launch):
        """Whether a launch starts worker processes: True, False, UNKNOWN, or the
        ``OpenSwitch`` that turns them on."""
        if launch.method.endswith("_generator") and self.version.keras_version == 3:
            return False  # Keras 3 has no such method: AttributeError first (KMP306)
        if launch.argument("use_multiprocessing") is not None:
            if self.version.keras_version == 3:
                return False  # Keras 3 rejects the argument before starting anything (KMP305)
            if self.input_takes_no_workers(launch) is not None:
                return False  # arrays and datasets never go through the worker pool (KMP303)
            found = launch.argument("use_multiprocessing")
            mp = self.switches.switch_value(found.value, found.scope)
            workers = self.launch_int(launch, "workers")
        elif launch.loader is not None:
            mp, workers = self.loader_worker_settings(launch.loader, launch.loader_call, launch.function)
            if mp is not True and not isinstance(mp, OpenSwitch) and self._kwargs_may_start_processes(launch):
                mp = UNKNOWN
        elif self._kwargs_may_start_processes(launch):
            mp, workers = UNKNOWN, UNKNOWN
        else:
            return False
        if mp is UNKNOWN:
            mp = True if self.walk.options.assume_multiprocessing else UNKNOWN
        if (mp is True or isinstance(mp, OpenSwitch)) and workers is not UNKNOWN and workers <= 0:
            return False
        return mp

    def launch_settings(self, launch: Launch) -> WorkerSettings:
        """The launch's ``WorkerSettings``: processes, open (with the switch), or not."""
        if launch.settings is None:
            mp = self.use_multiprocessing(launch)
            if mp is True or isinstance(mp, OpenSwitch):
                launch.settings = settings_of(mp, UNKNOWN)
            elif mp is False:
                launch.settings = WorkerSettings("none")
            else:
                launch.settings = WorkerSettings("unknown")
        return launch.settings

    def _kwargs_may_start_processes(self, launch: Launch) -> bool:
        """A ``**mapping`` the analysis cannot read may carry ``use_multiprocessing=True`` (Keras 2
        style: Keras 3 rejects it on the launch), unless the data never reaches the workers."""
        return (
            launch.unresolved_kwargs
            and self.version.keras_version != 3
            and self.input_takes_no_workers(launch) is None
        )

    def input_takes_no_workers(self, launch: Launch) -> str | None:
        """Why a launch's data never reaches Keras' workers: "dataset" (a tf.data.Dataset), "y"
        (in-memory arrays, y is given), "validation_split" (in-memory arrays, validation_split=
        is given), "arrays" (in-memory arrays); None when it may (a loader, a generator, unknown)."""
        if launch.method not in ("fit", "evaluate", "predict"):
            return None
        call, fn = launch.call, launch.function
        validation = launch.argument("validation_data")
        if validation is not None:
            value, scope = validation.value, validation.scope
            if not (
                (isinstance(value, ast.Constant) and value.value is None)
                or isinstance(value, (ast.Tuple, ast.List))
                or self.data_kinds.is_dataset_value(value, scope)
                or self.data_kinds.is_in_memory_value(value, scope)
            ):
                return None  # Keras feeds a validation loader or generator through the same workers
        if any(isinstance(arg, ast.Starred) for arg in call.args[:2]):
            return None
        if self.data_kinds.is_dataset_value(launch.data, fn):
            return "dataset"
        if launch.method in ("fit", "evaluate"):
            y = call.args[1] if len(call.args) > 1 else launch.value("y")
            if y is not None and not (isinstance(y, ast.Constant) and y.value is None):
                return "y"
        # Keras tests validation_split for truth: 0.0 (or a value not known) is no evidence.
        if launch.method == "fit" and self.launch_bool(launch, "validation_split") is True:
            return "validation_split"
        if self.data_kinds.is_in_memory_value(launch.data, fn):
            return "arrays"
        return None

    def loader_worker_settings(self, loader: DataLoader, call: ast.Call | None, fn):
        """(use_multiprocessing, workers) of a loader construction, from the call or the class:
        use_multiprocessing is True, False, UNKNOWN or an ``OpenSwitch``."""
        mp = workers = None
        unresolved = False
        if call is not None:
            arguments, unresolved = self.call_arguments(call, fn)
            if "use_multiprocessing" in arguments:
                found = arguments["use_multiprocessing"]
                mp = self.switches.switch_value(found.value, found.scope)
            if "workers" in arguments:
                found = arguments["workers"]
                workers = self.resolver.resolve_int(found.value, found.scope)
        class_mp, class_workers = self.hierarchy.owner_of(loader).launches.class_worker_settings(loader)
        if mp is None:
            mp = class_mp
            if mp is None:
                mp = self._class_switch(loader, call, fn)
            if mp is None:
                mp = UNKNOWN if unresolved else False
        if workers is None:
            workers = class_workers if class_workers is not None else 1
        return mp, workers

    def construction_settings(self, loader: DataLoader, call: ast.Call | None, fn) -> WorkerSettings:
        """The ``WorkerSettings`` a loader construction (or, without one, its class) gives."""
        mp, workers = self.loader_worker_settings(loader, call, fn)
        if mp is UNKNOWN and self.walk.options.assume_multiprocessing:
            mp = True
        return settings_of(mp, workers)

    def _class_switch(self, loader: DataLoader, call: ast.Call | None, fn):
        """use_multiprocessing as the class passes it to ``super().__init__`` when it is no
        literal: a parameter of the ``__init__`` the construction runs (read at the
        construction: ``Loader(x, use_mp=args.mp)``), or a switch the class reads itself
        (``os.environ``...). True, False, an ``OpenSwitch``, UNKNOWN, or None when the class
        passes none."""
        for owner, init in self.init_chain(loader):
            for node in walk_scope(init):
                if not (isinstance(node, ast.Call) and is_super_init(node)):
                    continue
                value = keyword(node, "use_multiprocessing")
                if value is None:
                    continue
                if isinstance(value, ast.Name) and value.id in owner.walk.scope(init).params:
                    first = next(iter(self.init_chain(loader)), (None, None))[1]
                    if init is not first or call is None:
                        return UNKNOWN
                    passed = self.switches.passed_argument(call, init, value.id, 1)
                    if not isinstance(passed, ast.AST):
                        return UNKNOWN  # not passed, or only through *args/**mapping
                    return self.switches.switch_value(passed, fn)
                return owner.switches.switch_value(value, init)
            return None  # the first __init__ decides whether a base's is reached
        return None

    def class_worker_settings(self, loader: DataLoader):
        """use_multiprocessing / workers the class itself passes to super().__init__(...): the
        first ``__init__`` along its MRO that passes each one (in this module or, through the
        bases' ``super().__init__()`` calls, in another project module)."""
        settings: dict[str, object] = {}
        for owner, init in self.init_chain(loader):
            calls = [node for node in walk_scope(init) if isinstance(node, ast.Call) and is_super_init(node)]
            for node in calls:
                if keyword(node, "use_multiprocessing") is not None:
                    mp = owner.resolver.resolve_bool(keyword(node, "use_multiprocessing"), None)
                    # forwarded from the caller (UNKNOWN): decided at the construction
                    settings.setdefault("mp", None if mp is UNKNOWN else mp)
                if keyword(node, "workers") is not None:
                    value = owner.resolver.resolve_int(keyword(node, "workers"), None)
                    settings.setdefault("workers", None if value is UNKNOWN else value)
            if not calls or len(settings) == 2:
                break
        return settings.get("mp"), settings.get("workers")

    def init_chain(self, loader: DataLoader):
        """(facts, __init__) along the loader's MRO, from the one it runs to those that
        ``super().__init__()`` reaches."""
        chain = [(self.walk.facts, cls) for cls in loader.mro] + list(loader.foreign)
        for owner, cls in chain:
            for stmt in cls.body:
                if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == "__init__":
                    yield owner, stmt
                    break

    @functools.cached_property
    def multiprocessing_launches(self) -> list[Launch]:
        """Launches that start worker processes, or do when an open switch is on
        (``launch_settings(launch).when`` names it)."""
        return [
            launch for launch in self.launch_calls if self.launch_settings(launch).may_use_processes
        ]

    @functools.cached_property
    def user_defined_launch_methods(self) -> frozenset[str]:
        """fit/evaluate/predict... defined in the module with a workers-like parameter: calls of
        those names may be the module's own methods rather than Keras'."""
        names = set()
        for fn in self.walk.all_functions:
            params = {a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}
            if fn.name in LAUNCH_METHODS and params & WORKER_ARGUMENTS:
                names.add(fn.name)
        return frozenset(names)

    def worker_arguments(self, call: ast.Call) -> list[ast.keyword]:
        """The workers / use_multiprocessing / max_queue_size keywords of a call, in call order."""
        return [kw for kw in call.keywords if kw.arg in WORKER_ARGUMENTS]

    def launch_worker_arguments(self, launch: Launch) -> list[Argument]:
        """The workers / use_multiprocessing / max_queue_size a launch passes, written out or in
        a ``**OPTIONS`` dict, in call order."""
        return [argument for name, argument in launch.arguments.items() if name in WORKER_ARGUMENTS]

    @functools.cached_property
    def loader_constructions(self) -> list[tuple[ast.Call, FunctionNode | None, DataLoader]]:
        """Every ``Loader(...)`` call of a data loader class defined in the module, or imported
        from another project module."""
        found = []
        if not self.hierarchy.data_loaders_by_name and self.walk.project is None:
            return found
        # a call by a bare name makes a loader only when some loader class has that name (the
        # function's scope, costly to build, is looked at only then)
        names = {loader.name for loader in self.hierarchy.data_loaders}
        for call, fn in self.walk.calls_by_function:
            if not isinstance(call.func, ast.Name) or call.func.id in self.walk.imports:
                loader = self.hierarchy.imported_loader_called(call, fn)
                if loader is not None:
                    found.append((call, fn, loader))
                continue
            if call.func.id not in names:
                continue
            if fn is not None and call.func.id in self.walk.scope(fn).locals:
                loader = self.local_loader_class(call.func.id, fn)
            else:
                loader = self.hierarchy.data_loaders_by_name.get(call.func.id)
            if loader is not None:
                found.append((call, fn, loader))
        return found

    def local_loader_class(self, name: str, fn: FunctionNode) -> DataLoader | None:
        """The data loader class a function defines under ``name`` (a local class), if any."""
        definition = self.walk.scope(fn).single_definition(name)
        if not isinstance(definition, ast.ClassDef):
            return None
        return next((loader for loader in self.hierarchy.data_loaders if loader.node is definition), None)

    def _local_loader_instance(self, node: ast.AST | None, fn: FunctionNode | None):
        """(loader, construction) for ``Local(...)`` of a loader class the function defines,
        directly or through a name bound once."""
        node, scope = self.resolver.follow(node, fn)
        if (
            scope is not None
            and isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in self.walk.scope(scope).locals
        ):
            loader = self.local_loader_class(node.func.id, scope)
            if loader is not None:
                return loader, node
        return None, None

    def loader_uses_processes(self, loader: DataLoader) -> bool:
        """This loader's ``__getitem__`` runs in worker processes, or does when an open switch
        is on (``loader_process_settings``)."""
        return self.loader_process_settings(loader).may_use_processes

    def processes_site(self, loader: DataLoader) -> tuple[object, int, int] | None:
        """Where the loader is made to run in worker processes (or would be, when an open switch
        is on), as (file, line, column); None when it is not."""
        if loader.pipeline == "torch":
            return self.pipelines.dataset_processes_site(loader)
        settings = self.loader_process_settings(loader)
        return settings.site if settings.may_use_processes else None

    def loader_process_settings(self, loader: DataLoader) -> WorkerSettings:
        """Whether this loader's ``__getitem__`` runs in worker processes: the module shows a
        launch that starts processes with it (or with data the analysis cannot tell apart from
        it), a construction passing ``use_multiprocessing=True``, or the class's own
        ``super().__init__(use_multiprocessing=True)``; or another project module shows one of
        those for it or a subclass (never for unknown data there). Processes for certain win
        over processes behind an open switch; "none" when nothing shows either. A torch dataset
        runs in processes where a DataLoader with workers runs it (``Pipelines``)."""
        if loader.pipeline == "torch":
            return self.pipelines.dataset_process_settings(loader)
        cache = self.__dict__.setdefault("_process_settings_memo", {})
        if id(loader) not in cache:
            cache[id(loader)] = self._loader_process_settings(loader)
        return cache[id(loader)]

    def _loader_process_settings(self, loader: DataLoader) -> WorkerSettings:
        opened: WorkerSettings | None = None

        def consider(settings: WorkerSettings) -> bool:
            nonlocal opened
            if settings.kind == "processes":
                return True
            if settings.kind == "open" and opened is None:
                opened = settings
            return False

        here = self.walk.path
        for launch in self.multiprocessing_launches:
            settings = replace(
                self.launch_settings(launch), site=(here, launch.call.lineno, launch.call.col_offset)
            )
            if launch.loader is not None:
                if launch.loader is loader and consider(settings):
                    return settings
                continue
            data, fn = launch.data, launch.function
            cls = self.resolver.instance_class(data, fn) if data is not None else None
            if cls is not None:
                if cls is loader.node and consider(settings):
                    return settings
                continue
            if data is not None and not (
                self.data_kinds.plain_iterator(data, fn)
                or self.data_kinds.is_dataset_value(data, fn)
                or self.data_kinds.is_in_memory_value(data, fn)
            ):
                if consider(settings):
                    return settings
        for call, fn, constructed in self.loader_constructions:
            if constructed is not loader:
                continue
            settings = self.construction_settings(loader, call, fn)
            if consider(settings):
                return replace(settings, site=(here, call.lineno, call.col_offset))
            if settings.kind == "open" and opened is settings:
                opened = replace(settings, site=(here, call.lineno, call.col_offset))
        settings = self.class_settings(loader)
        if consider(settings):
            return replace(settings, site=(here, loader.node.lineno, loader.node.col_offset))
        if settings.kind == "open" and opened is settings:
            opened = replace(settings, site=(here, loader.node.lineno, loader.node.col_offset))
        if self.walk.project is not None:
            found = self.walk.project.process_launch_of(loader.key)
            if found is not None:
                path, line, col, condition = found
                if condition is None:
                    return replace(PROCESSES, site=(path, line, col))
                if opened is None:
                    switch = OpenSwitch("", "", None, stated=condition)
                    opened = WorkerSettings("open", switch, site=(path, line, col))
        return opened if opened is not None else WorkerSettings("none")

    def class_settings(self, loader: DataLoader) -> WorkerSettings:
        """What the class itself sets in ``super().__init__(...)``, without a construction."""
        mp, workers = self.class_worker_settings(loader)
        if mp is None:
            mp = self._class_switch(loader, None, None)
        if mp is True and (workers is None or workers >= 1):
            return PROCESSES
        if isinstance(mp, OpenSwitch) and (workers is None or workers >= 1):
            return settings_of(mp, UNKNOWN if workers is None else workers)
        return WorkerSettings("none")

    def loaders_started_with_processes(self) -> list[tuple[DataLoader, ast.AST, WorkerSettings]]:
        """Data loaders (of this or another project module) that this module runs in worker
        processes, each with where and the settings (processes, or open with its switch): a
        launch with processes fed a known loader, a construction that sets
        ``use_multiprocessing=True``, or a class of the module that sets it itself; and the torch
        datasets a DataLoader of the module with workers runs."""
        found = [
            (launch.loader, launch.call, self.launch_settings(launch))
            for launch in self.multiprocessing_launches
            if launch.loader is not None
        ]
        for call, fn, loader in self.loader_constructions:
            settings = self.construction_settings(loader, call, fn)
            if settings.may_use_processes:
                found.append((loader, call, settings))
        for loader in self.hierarchy.data_loaders:
            settings = self.class_settings(loader)
            if settings.may_use_processes:
                found.append((loader, loader.node, settings))
        found = [entry for entry in found if entry[0].pipeline != "torch"]
        return found + self.pipelines.datasets_started_with_processes()
