"""Pipelines that run their own workers: torch ``DataLoader`` calls, the datasets they run in
worker processes, where they are iterated, and the start method a program pins.

A torch ``Dataset`` subclass is a data loader of the hierarchy (``DataLoader.pipeline ==
"torch"``), but its worker code runs in processes only where a ``DataLoader(num_workers>0)``
that is iterated runs it, in this module or another project module: ``dataset_process_settings``
answers that, which ``Launches.loader_process_settings`` (and ``loader_uses_processes``) asks for
torch datasets, and ``datasets_started_with_processes`` joins ``Launches.loaders_started_with_processes``,
which tells the project.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass, replace

from .hierarchy import DataLoader, LoaderHierarchy
from .module import ModuleWalk, module_statements, walk_import_time
from .resolver import Resolver
from .returns import ReturnSummaries
from .switches import PROCESSES, OpenSwitch, Switches, WorkerSettings
from .syntax import FunctionNode, keyword, source_text, walk_scope
from .torch_api import (
    DATALOADER_PARAMETERS,
    GRAIN_DATALOADERS,
    GRAIN_OPTIONS,
    GRAIN_TRANSFORM_BASES,
    TORCH_DATALOADERS,
)
from .values import UNKNOWN

# A worker count the code leaves to its user (``args.num_workers``, ``cfg["workers"]``, a
# parameter): a switch that exists to be turned on, so the rules that need workers report.
OPEN = "open"
CPU_COUNTS = frozenset({"os.cpu_count", "multiprocessing.cpu_count", "os.process_cpu_count"})
START_METHODS = frozenset({"fork", "spawn", "forkserver"})
SET_START_METHOD = frozenset(
    {
        "multiprocessing.set_start_method",
        "torch.multiprocessing.set_start_method",
        "multiprocess.set_start_method",
    }
)
GET_CONTEXT = frozenset({"multiprocessing.get_context", "torch.multiprocessing.get_context"})
# Calls that iterate a loader they are given (``for`` loops are found separately).
ITERATING_BUILTINS = frozenset(
    {"builtins.iter", "builtins.list", "builtins.enumerate", "builtins.next", "builtins.zip",
     "builtins.tuple", "builtins.sorted", "builtins.sum", "builtins.any", "builtins.all"}
)
ITERATING_METHODS = frozenset({"fit", "evaluate", "predict"})
# The codes whose hazard is pickling into spawn/forkserver workers: on a torch dataset their
# messages say where it fails, from the start method the program pins and the options.
PICKLING_CODES = frozenset({"KMP201", "KMP202", "KMP203", "KMP204", "KMP301"})


@dataclass
class TorchLoader:
    """A ``torch.utils.data.DataLoader(...)`` call of the module."""

    call: ast.Call
    function: FunctionNode | None  # enclosing function, None at module level
    dataset: ast.expr | None
    loader: DataLoader | None  # the dataset's class, when the analysis knows it
    workers: object  # an int, OPEN or UNKNOWN (0 when num_workers is not given)
    workers_text: str  # "num_workers=4", as the messages name it
    context: str | None  # multiprocessing_context="spawn", when written as a literal
    iterated: bool  # the loader is used at all (a DataLoader never used runs no worker)
    switch: OpenSwitch | None = None  # what an OPEN count is read from, when known

    @property
    def starts_workers(self) -> bool:
        return self.iterated and (self.workers is OPEN or (isinstance(self.workers, int) and self.workers > 0))

    @property
    def label(self) -> str:
        return f"DataLoader({self.workers_text})"

    @property
    def condition(self) -> str:
        """`` when `opt.workers` is above 0`` for a worker count the user sets, else ``""``."""
        return open_count_condition(self.workers, self.workers_text, self.switch)


def open_count_condition(workers, workers_text: str, switch: OpenSwitch | None) -> str:
    """`` when `opt.workers` is above 0`` for a worker count the user sets (``workers`` OPEN;
    ``workers_text`` as "num_workers=opt.workers"), else ``""``."""
    if workers is not OPEN:
        return ""
    if switch is not None:
        return f" {switch.condition}"
    return f" when `{workers_text.partition('=')[2]}` is above 0"


def argument(call: ast.Call, name: str) -> ast.expr | None:
    """A DataLoader argument, by keyword or position."""
    found = keyword(call, name)
    if found is not None:
        return found
    index = DATALOADER_PARAMETERS.index(name)
    if len(call.args) > index and not any(isinstance(arg, ast.Starred) for arg in call.args[: index + 1]):
        return call.args[index]
    return None


class Pipelines:
    """torch DataLoaders, grain and start methods, on top of the resolver, switches (worker
    counts), the hierarchy and return summaries."""

    def __init__(
        self,
        walk: ModuleWalk,
        resolver: Resolver,
        switches: Switches,
        hierarchy: LoaderHierarchy,
        returns: ReturnSummaries,
    ) -> None:
        self.walk = walk
        self.resolver = resolver
        self.switches = switches
        self.hierarchy = hierarchy
        self.returns = returns

    @functools.cached_property
    def torch_loaders(self) -> list[TorchLoader]:
        if "torch" not in " ".join(self.walk.imports.values()):
            return []
        found = []
        for call, fn in self.walk.calls_by_function:
            if self.resolver.qualname(call.func, fn) not in TORCH_DATALOADERS:
                continue
            dataset = argument(call, "dataset")
            loader = self.returns.loader_for_instance(dataset, fn)[0] if dataset is not None else None
            if loader is None and dataset is not None:
                loader = self._local_dataset(dataset, fn)
            if loader is not None and loader.pipeline != "torch":
                loader = None
            workers, text, switch = self._torch_workers(argument(call, "num_workers"), fn)
            context_node = argument(call, "multiprocessing_context")
            context = None
            if isinstance(context_node, ast.Constant) and context_node.value in START_METHODS:
                context = context_node.value
            found.append(
                TorchLoader(
                    call, fn, dataset, loader, workers, text, context, self._is_used(call, fn), switch
                )
            )
        return found

    def _local_dataset(self, node: ast.expr, fn) -> DataLoader | None:
        """The dataset class defined in a function that an expression constructs there
        (``DataLoader(Rows(), ...)`` with ``class Rows(Dataset)`` local to the function)."""
        value, scope = self.resolver.follow(node, fn)
        if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and scope is not None):
            return None
        definition = self.resolver.definition_of(value.func.id, scope)
        if not isinstance(definition, ast.ClassDef):
            return None
        return next((loader for loader in self.hierarchy.data_loaders if loader.node is definition), None)

    def _torch_workers(self, node: ast.expr | None, fn) -> tuple[object, str, OpenSwitch | None]:
        """(workers, "num_workers=...", switch): workers is an int, OPEN or UNKNOWN; switch is
        the ``OpenSwitch`` an open count is read from (``int(opt.workers)``), when known."""
        if node is None:
            return 0, "num_workers=0", None
        text = f"num_workers={source_text(node)}"
        value = self.switches.worker_count(node, fn)
        if isinstance(value, OpenSwitch):
            return OPEN, text, value
        if value is not UNKNOWN:
            return value, text, None
        followed, scope = self.resolver.follow(node, fn, at_launch=True)
        if isinstance(followed, ast.Call) and self.resolver.qualname(followed.func, scope) in CPU_COUNTS:
            return 2, text, None  # more than one
        if isinstance(node, (ast.Attribute, ast.Subscript)):
            return OPEN, text, None
        if isinstance(node, ast.Name) and fn is not None and node.id in self.walk.scope(fn).params:
            return OPEN, text, None
        return UNKNOWN, text, None

    def _is_used(self, call: ast.Call, fn) -> bool:
        """A DataLoader whose value goes somewhere: not a bare expression statement, and not
        bound to a plain name that its scope never reads."""
        body = fn.body if fn is not None else self.walk.tree.body
        for stmt in (node for part in body for node in ast.walk(part)):
            if isinstance(stmt, ast.Expr) and stmt.value is call:
                return False
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is call:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                if not all(isinstance(target, ast.Name) for target in targets):
                    return True
                names = {target.id for target in targets}
                scope_nodes = walk_scope(fn) if fn is not None else ast.walk(self.walk.tree)
                return any(
                    isinstance(node, ast.Name) and node.id in names and isinstance(node.ctx, ast.Load)
                    for node in scope_nodes
                )
        return True

    @functools.cached_property
    def torch_loaders_with_workers(self) -> list[TorchLoader]:
        return [found for found in self.torch_loaders if found.starts_workers]

    def torch_loader_running(self, loader: DataLoader) -> TorchLoader | None:
        """The first DataLoader of this module that runs ``loader`` (or a subclass of it) in
        worker processes."""
        for found in self.torch_loaders_with_workers:
            if found.loader is not None and loader.key in found.loader.lineage:
                return found
        return None

    def dataset_processes_site(self, loader: DataLoader):
        """For a torch dataset: the DataLoader with workers that runs it, here or in another
        project module, as (file, line, column); never a Keras launch or construction."""
        running = self.torch_loader_running(loader)
        if running is not None:
            return (self.walk.path, running.call.lineno, running.call.col_offset)
        if self.walk.project is None:
            return None
        found = self.walk.project.process_launch_of(loader.key)
        return found[:3] if found is not None else None

    def dataset_process_settings(self, loader: DataLoader) -> WorkerSettings:
        """For a torch dataset: processes where a DataLoader with workers runs it (its site),
        else none (``Launches.loader_process_settings`` asks here for torch datasets)."""
        site = self.dataset_processes_site(loader)
        return replace(PROCESSES, site=site) if site is not None else WorkerSettings("none")

    def datasets_started_with_processes(self) -> list[tuple[DataLoader, ast.AST, WorkerSettings]]:
        """The torch datasets that a DataLoader of this module with workers runs."""
        return [
            (tl.loader, tl.call, PROCESSES)
            for tl in self.torch_loaders_with_workers
            if tl.loader is not None
        ]

    def judged_in_workers(self, loader: DataLoader) -> bool:
        """Whether the rules that need worker processes judge this loader: a Keras loader
        always (the loader exists to be fed to Keras' workers), a torch dataset only where a
        DataLoader with workers runs it (a Dataset alone runs in the main process)."""
        if loader.pipeline != "torch":
            return True
        return self.hierarchy.owner_of(loader).pipelines.dataset_process_settings(loader).may_use_processes

    @functools.cached_property
    def torch_import_time_iterations(self) -> list[tuple[ast.AST, TorchLoader, FunctionNode | None]]:
        """Where a DataLoader with workers is iterated when the module is imported: a ``for``
        loop over it, or a call that iterates it (``iter``, ``list``, ``model.fit``...), at
        module level outside the main guard or in a function called there."""
        if not self.torch_loaders_with_workers:
            return []
        found = []
        statements = [stmt for stmt, in_guard in module_statements(self.walk.tree.body) if not in_guard]
        nodes = [(node, None) for stmt in statements for node in walk_import_time(stmt)]
        for name in self.walk.import_time_functions:
            fn = self.walk.functions[name]
            nodes.extend((node, fn) for node in walk_scope(fn))
        loop_iterables = {id(node.iter) for node, _fn in nodes if isinstance(node, (ast.For, ast.comprehension))}
        for node, fn in nodes:
            if isinstance(node, (ast.For, ast.comprehension)):
                iterated = node.iter
            elif id(node) in loop_iterables:
                continue  # ``for i, batch in enumerate(loader)``: the loop is the finding
            elif isinstance(node, ast.Call) and (
                self.resolver.qualname(node.func, fn) in ITERATING_BUILTINS
                or (isinstance(node.func, ast.Attribute) and node.func.attr in ITERATING_METHODS)
            ):
                iterated = node.args[0] if node.args else keyword(node, "x")
            else:
                continue
            torch_loader = self._torch_loader_of(iterated, fn)
            if torch_loader is not None:
                found.append((node, torch_loader, fn))
        return found

    @functools.cached_property
    def grain_import_time_iterations(self) -> list[tuple[ast.AST, str]]:
        """Where a grain pipeline with workers is iterated when the module is imported, as
        (node, label): a ``for`` loop over it or a call that iterates it, outside the main guard
        or in a function called there (grain's spawn workers re-import the module)."""
        starts = {
            id(call): label
            for call, workers, label in self.grain_worker_calls
            if workers is OPEN or (isinstance(workers, int) and workers > 0)
        }
        if not starts:
            return []
        found = []
        for node, fn in self._import_time_nodes():
            if isinstance(node, (ast.For, ast.comprehension)):
                iterated = node.iter
            elif isinstance(node, ast.Call) and self.resolver.qualname(node.func, fn) in ITERATING_BUILTINS:
                iterated = node.args[0] if node.args else None
            else:
                continue
            value, _scope = self.resolver.follow(iterated, fn)
            if isinstance(value, ast.Call) and id(value) in starts:
                found.append((node, starts[id(value)]))
        return found

    def _import_time_nodes(self):
        statements = [stmt for stmt, in_guard in module_statements(self.walk.tree.body) if not in_guard]
        nodes = [(node, None) for stmt in statements for node in walk_import_time(stmt)]
        for name in self.walk.import_time_functions:
            fn = self.walk.functions[name]
            nodes.extend((node, fn) for node in walk_scope(fn))
        return nodes

    def _torch_loader_of(self, node: ast.AST | None, fn) -> TorchLoader | None:
        """The DataLoader with workers an expression evaluates to (``loader``, ``enumerate(loader)``)."""
        if isinstance(node, ast.Call) and self.resolver.qualname(node.func, fn) in ITERATING_BUILTINS and node.args:
            node = node.args[0]
        value, _scope = self.resolver.follow(node, fn)
        for found in self.torch_loaders_with_workers:
            if found.call is value:
                return found
        return None

    @functools.cached_property
    def start_method_pins(self) -> list[tuple[str, ast.Call]]:
        """(start method, call) for every literal ``set_start_method("spawn")`` (multiprocessing
        or torch.multiprocessing) in the module, in source order."""
        pins = []
        for call, fn in self.walk.calls_by_function:
            if self.resolver.qualname(call.func, fn) not in SET_START_METHOD:
                continue
            method = call.args[0] if call.args else keyword(call, "method")
            if isinstance(method, ast.Constant) and method.value in START_METHODS:
                pins.append((method.value, call))
        return pins

    def start_method_for(self, torch_loader: TorchLoader) -> str | None:
        """The start method a DataLoader's workers use when the program pins one: its own
        ``multiprocessing_context``, else the one ``set_start_method`` pins (when the module
        pins only one). None: the platform's default."""
        if torch_loader.context is not None:
            return torch_loader.context
        methods = {method for method, _call in self.start_method_pins}
        return methods.pop() if len(methods) == 1 else None

    def pickling_reach(self, torch_loader: TorchLoader) -> str | None:
        """Where pickling into the workers of a DataLoader fails, from the start method the
        program pins (its own ``multiprocessing_context`` or ``set_start_method``) and the
        ``target-platforms`` / ``python-version`` options: fork copies instead of pickling and
        exists on Linux only; spawn pickles everywhere; without a pin the platform's default
        decides (spawn on Windows and macOS, forkserver on Linux from Python 3.14). None: it
        fails on no targeted platform. Never the Python or platform that runs the linter."""
        method = self.start_method_for(torch_loader)
        targets = set(self.walk.options.target_platforms)
        if torch_loader.context is not None:
            where = f"multiprocessing_context={torch_loader.context!r}"
        else:
            lines = [call.lineno for found, call in self.start_method_pins if found == method]
            where = f"set_start_method({method!r}) on line {lines[0]}" if lines else ""
        if method in ("spawn", "forkserver"):
            return f"{where} makes it fail on every platform"
        others = [label for name, label in (("windows", "Windows"), ("macos", "macOS")) if name in targets]
        if method == "fork":
            if not others:
                return None  # Linux only, and the program forks
            return f"it runs on Linux only because of {where}: {' and '.join(others)} cannot fork"
        places = list(others)
        if "linux" in targets:
            places.append("Linux" if self.walk.options.python_minor >= (3, 14) else "on Linux with Python 3.14+")
        if not places:
            return None
        if len(places) > 1:
            return f"it fails on {', '.join(places[:-1])} and {places[-1]}"
        return f"it fails on {places[0]}" if not places[0].startswith("on ") else f"it fails {places[0]}"

    def dataset_runner(self, loader: DataLoader) -> tuple[object, TorchLoader] | None:
        """(module facts, DataLoader) of the DataLoader with workers that runs a torch dataset:
        one of this module, else the first of the project that does; None when none is known."""
        running = self.torch_loader_running(loader)
        if running is not None:
            return self.walk.facts, running
        if self.walk.project is None:
            return None
        found = self.walk.project.process_launch_of(loader.key)
        if found is None:
            return None
        facts = self.walk.project.facts_of(found[0])
        for torch_loader in facts.pipelines.torch_loaders_with_workers if facts is not None else ():
            if (torch_loader.call.lineno, torch_loader.call.col_offset) == (found[1], found[2]):
                return facts, torch_loader
        return None

    def loader_note(self, code: str, fields: dict) -> str | None:
        """For a finding about a torch dataset of this module: which DataLoader runs it in worker
        processes, as a clause of the message (the Keras loaders' messages need none), and, for a
        pickling hazard (KMP201-204, KMP301), where it fails (``pickling_reach``). None: the
        finding does not hold where the code runs (a program that forks on Linux only); a
        finding that also goes wrong under fork (its ``extra`` says how) keeps its message."""
        torch_loader = fields.get("torch_loader")
        if isinstance(torch_loader, TorchLoader):  # the message names the DataLoader itself
            if code not in PICKLING_CODES:
                return ""
            reach = self.pickling_reach(torch_loader)
            return f" ({reach})" if reach else None
        loader = self.hierarchy.data_loaders_by_name.get(str(fields.get("loader", "")))
        if loader is None or loader.pipeline != "torch" or "dataloader" in fields:
            return ""
        runner = self.dataset_runner(loader)
        reach = ""
        if code in PICKLING_CODES and runner is not None:
            reach = runner[0].pipelines.pickling_reach(runner[1])
            if reach is None:
                if not fields.get("extra"):
                    return None
                reach = ""
        if fields.get("form") == "dataloader":  # the message names the DataLoader itself
            return f" ({reach})" if reach else ""
        reach = f"; {reach}" if reach else ""
        running = runner[1] if runner is not None and runner[0] is self.walk.facts else None
        if running is None:
            condition = runner[1].condition if runner is not None else ""
            return (
                f" ({loader.name} is a torch Dataset that a DataLoader of another module runs in "
                f"worker processes{condition}{reach})"
            )
        return (
            f" ({loader.name} is a torch Dataset run by {running.label} on line "
            f"{running.call.lineno}{running.condition}{reach})"
        )

    @functools.cached_property
    def grain_worker_calls(self) -> list[tuple[ast.Call, object, str]]:
        """(call, workers, label) for each grain multiprocessing start of the module:
        ``.mp_prefetch(MultiprocessingOptions(num_workers=N))`` and
        ``grain.DataLoader(worker_count=N)``; workers is an int, OPEN or UNKNOWN; the label says
        under which condition an open count starts workers."""
        if "grain" not in " ".join(self.walk.imports.values()):
            return []
        found = []
        for call, fn in self.walk.calls_by_function:
            if isinstance(call.func, ast.Attribute) and call.func.attr == "mp_prefetch":
                options = call.args[0] if call.args else keyword(call, "options")
                options, scope = self.resolver.follow(options, fn)
                if isinstance(options, ast.Call) and self.resolver.qualname(options.func, scope) in GRAIN_OPTIONS:
                    count = options.args[0] if options.args else keyword(options, "num_workers")
                    if count is not None:
                        workers, text, switch = self._torch_workers(count, scope)
                        condition = open_count_condition(workers, text, switch)
                        found.append((call, workers, f"mp_prefetch({text}){condition}"))
            elif self.resolver.qualname(call.func, fn) in GRAIN_DATALOADERS:
                count = keyword(call, "worker_count")
                if count is not None:
                    workers, text, switch = self._torch_workers(count, fn)
                    condition = open_count_condition(workers, text, switch)
                    text = text.replace("num_workers", "worker_count")
                    found.append((call, workers, f"grain.DataLoader({text}){condition}"))
        return found

    @functools.cached_property
    def grain_multiprocessing(self) -> tuple[ast.Call, str] | None:
        """The first grain multiprocessing start of the module with workers (known or left to
        the user), as (call, label)."""
        for call, workers, label in self.grain_worker_calls:
            if workers is OPEN or (isinstance(workers, int) and workers > 0):
                return call, label
        return None

    @functools.cached_property
    def grain_transforms(self) -> list[ast.ClassDef]:
        """Classes of the module deriving directly from a grain transform base."""
        if "grain" not in " ".join(self.walk.imports.values()):
            return []
        return [
            node
            for node in self.walk.nodes_of(ast.ClassDef)
            if any(self.resolver.qualname(base) in GRAIN_TRANSFORM_BASES for base in node.bases)
        ]
