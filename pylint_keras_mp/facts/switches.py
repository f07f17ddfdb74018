"""Worker switches: whether a worker setting is fixed by the code (a literal), left open to the
program's user (a command-line option, a config value, an environment variable, or a parameter
that a call site fills with one of those), or unknown; and ``WorkerSettings``, the one answer to
"does this start worker processes" that every rule reads.

A switch the code leaves open exists to be turned on: the rules that need processes report it
and name the condition. A literal that turns processes off, or a parameter that every call site
fills with one, is off. Anything else the analysis cannot read stays unknown, and silent.
"""

from __future__ import annotations

import ast
import dataclasses
from dataclasses import dataclass

from .bindings import Unpacked
from .follow import too_deep
from .module import ModuleWalk
from .resolver import Resolver
from .syntax import FunctionNode, parameter_names, self_name_of, source_text, walk_scope
from .values import UNKNOWN

ARGPARSE_METHODS = frozenset(
    {"parse_args", "parse_known_args", "parse_intermixed_args", "parse_known_intermixed_args"}
)
FLAG_OBJECTS = frozenset(
    {
        "absl.flags.FLAGS",
        "tensorflow.compat.v1.flags.FLAGS",
        "tensorflow.compat.v1.app.flags.FLAGS",
        "tensorflow.app.flags.FLAGS",
        "tensorflow.flags.FLAGS",
    }
)
ENVIRONMENT_CALLS = frozenset({"os.getenv", "os.environ.get", "os.environ.setdefault"})
ENVIRONMENT_MAPPINGS = frozenset({"os.environ"})
# Calls that read a configuration file or build a configuration object from one.
CONFIG_READERS = frozenset(
    {
        "json.load", "json.loads", "yaml.load", "yaml.safe_load", "yaml.full_load",
        "yaml.unsafe_load", "toml.load", "toml.loads", "tomllib.load", "tomllib.loads",
        "tomli.load", "tomli.loads", "omegaconf.OmegaConf.load", "omegaconf.OmegaConf.create",
        "omegaconf.OmegaConf.merge", "omegaconf.OmegaConf.from_cli", "hydra.compose",
        "easydict.EasyDict", "munch.Munch", "munch.munchify", "box.Box", "configparser.ConfigParser",
        "ml_collections.ConfigDict", "ml_collections.config_dict.ConfigDict",
    }
)
# Calls and methods that turn a switch's text or number into a truth value, keeping it open.
CONVERTING_CALLS = frozenset(
    {
        "builtins.bool", "builtins.int", "builtins.float", "builtins.str", "builtins.eval",
        "ast.literal_eval", "distutils.util.strtobool", "str2bool",
    }
)
# Calls that keep a worker count what it is: ``num_workers=int(opt.workers)``.
COUNT_CONVERSIONS = frozenset({"builtins.int", "builtins.float", "builtins.round", "builtins.abs"})
STRING_METHODS = frozenset({"lower", "upper", "strip", "lstrip", "rstrip", "casefold", "title"})
LOOKUP_METHODS = frozenset({"get", "getboolean", "getint", "getbool", "get_bool", "get_int"})

# What kind of switch it is, for messages.
ARGPARSE = "a command-line option"
FLAG = "a command-line flag"
CONFIG = "a config value"
ENVIRONMENT = "an environment variable"


@dataclass(frozen=True)
class OpenSwitch:
    """A worker setting the code leaves to its user: processes start when ``text`` is true.

    ``kind`` says what the user sets (``ARGPARSE``...); ``option`` is the attribute an argparse
    namespace is read with (``args.multiprocessing`` -> ``multiprocessing``), for the rule about
    ``type=bool`` options; ``via`` names the call site that passed it into a parameter."""

    text: str
    kind: str
    node: ast.AST
    option: str | None = None
    via: str = ""
    stated: str = ""  # the condition as another module's summary states it
    alias: str = ""  # the name the setting is written with, when it stands for ``text``
    test: str = "is true"  # "is above 0" for a worker count

    @property
    def condition(self) -> str:
        """``when `args.multiprocessing` is true`` (and the call site that passes it)."""
        if self.stated:
            return self.stated
        if self.alias:
            return f"when `{self.alias}` (`{self.text}`) {self.test}{self.via}"
        return f"when `{self.text}` {self.test}{self.via}"


@dataclass(frozen=True)
class WorkerSettings:
    """What a launch or a loader's construction does with its workers.

    ``kind``: "processes" (worker processes start), "open" (they start when the user turns a
    switch on: ``switch`` says which), "threads" (more than one worker thread), "none" (every
    batch in the main thread), or "unknown". ``workers`` is the count when known."""

    kind: str
    switch: OpenSwitch | None = None
    workers: object = UNKNOWN
    # where the loader is made to run in processes: (file, line, column), for editors
    site: tuple | None = None

    @property
    def may_use_processes(self) -> bool:
        return self.kind in ("processes", "open")

    @property
    def when(self) -> str:
        """The clause a message adds: `` when `args.mp` is true`` for an open switch, else ``""``."""
        return f" {self.switch.condition}" if self.kind == "open" and self.switch else ""

    @property
    def condition(self) -> str | None:
        return self.switch.condition if self.kind == "open" and self.switch else None


PROCESSES = WorkerSettings("processes")
NO_PROCESSES = WorkerSettings("none")
UNKNOWN_SETTINGS = WorkerSettings("unknown")


def settings_of(mp, workers) -> WorkerSettings:
    """The ``WorkerSettings`` of resolved use_multiprocessing and workers values: ``mp`` is True,
    False, UNKNOWN or an ``OpenSwitch``; ``workers`` an int or UNKNOWN."""
    known_workers = workers if isinstance(workers, int) else None
    if known_workers is not None and known_workers <= 0:
        return WorkerSettings("none", workers=workers)
    if mp is True:
        return WorkerSettings("processes", workers=workers)
    if isinstance(mp, OpenSwitch):
        return WorkerSettings("open", mp, workers)
    if mp is False:
        if known_workers is not None and known_workers <= 1:
            return WorkerSettings("none", workers=workers)
        return WorkerSettings("threads" if known_workers is not None else "unknown", workers=workers)
    return WorkerSettings("unknown", workers=workers)


def _string(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


@dataclass(frozen=True)
class FromMapping:
    """A call that passes a parameter only through ``**mapping`` (``train(**config)``)."""

    mapping: ast.expr


def _assigned_literal(body: list[ast.stmt], name: str):
    """The literal a one-statement branch assigns to ``name`` (``mp = True``), else None."""
    if len(body) != 1 or not isinstance(body[0], ast.Assign) or len(body[0].targets) != 1:
        return None
    target, value = body[0].targets[0], body[0].value
    if not (isinstance(target, ast.Name) and target.id == name and isinstance(value, ast.Constant)):
        return None
    return value.value if isinstance(value.value, (bool, int)) else None


class Switches:
    """Worker switches, on top of the module walk and the resolver."""

    def __init__(self, walk: ModuleWalk, resolver: Resolver) -> None:
        self.walk = walk
        self.resolver = resolver

    def switch_value(self, node: ast.AST | None, fn: FunctionNode | None, _depth: int = 0):
        """A worker setting read as a truth value: True, False, an ``OpenSwitch``, or UNKNOWN."""
        if node is None or too_deep(_depth):
            return UNKNOWN
        value = self.resolver.resolve_bool(node, fn)
        if value is not UNKNOWN:
            return value
        written = node
        if isinstance(node, ast.Subscript):
            entry = self._dict_entry(node, fn)
            if entry is not None:
                return self.switch_value(entry[0], entry[1], _depth + 1)
        if isinstance(node, ast.Name):
            parameter = self._parameter_switch(node.id, fn, _depth)
            if parameter is not None:
                return parameter
            node, scope = self.resolver.follow(node, fn, at_launch=True)
            if node is None:
                return self._branch_switch(written.id, fn, _depth)
            if node is not written:
                found = self.switch_value(node, scope, _depth + 1)
                if isinstance(found, OpenSwitch) and not (found.via or found.alias):
                    found = dataclasses.replace(found, alias=written.id)
                return found
        found = self._open_source(node, fn, _depth)
        if found is not None:
            return found
        return self._converted(node, fn, _depth)

    def worker_count(self, node: ast.AST | None, fn: FunctionNode | None, _depth: int = 0):
        """A worker count (torch's ``num_workers=``, grain's ``worker_count=``): the int the code
        fixes (``int(0)`` included), an ``OpenSwitch`` worded "is above 0" when the user sets it
        (``int(opt.workers)``, ``workers = args.workers``, a parameter a call site fills with
        one), UNKNOWN otherwise. A parameter every call site fills with a count is the largest."""
        if node is None or too_deep(_depth):
            return UNKNOWN
        value = self.resolver.resolve_int(node, fn)
        if value is not UNKNOWN:
            return value
        if (
            isinstance(node, ast.Call)
            and len(node.args) == 1
            and not node.keywords
            and self.resolver.qualname(node.func, fn) in COUNT_CONVERSIONS
        ):
            inner = node.args[0]
            if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
                try:
                    return int(inner.value)
                except ValueError:
                    return UNKNOWN
            return self.worker_count(inner, fn, _depth + 1)
        if isinstance(node, ast.Name):
            counted = self._parameter_count(node.id, fn, _depth)
            if counted is not None:
                return counted
            followed, scope = self.resolver.follow(node, fn, at_launch=True)
            if followed is None or followed is node:
                return UNKNOWN
            found = self.worker_count(followed, scope, _depth + 1)
            if isinstance(found, OpenSwitch) and not (found.via or found.alias):
                found = dataclasses.replace(found, alias=node.id)
            return found
        found = self._open_source(node, fn, _depth)
        if found is not None:
            return dataclasses.replace(found, test="is above 0")
        return UNKNOWN

    def _parameter_count(self, name: str, fn: FunctionNode | None, depth: int):
        """A parameter as a worker count, from its call sites: the largest count one passes, an
        ``OpenSwitch`` when one passes a count the user sets, 0 when every one passes 0; UNKNOWN
        otherwise; None when ``name`` is no parameter with call sites in the module."""
        if fn is None:
            return None
        values = self._parameter_values(name, fn, depth)
        if values is None:
            return None
        counts, opened = [], []
        for value, call, caller in values:
            if value is None:
                continue  # a call that cannot run (TypeError): it sets nothing
            if value is UNKNOWN or isinstance(value, FromMapping):
                return UNKNOWN
            found = self.worker_count(value, caller, depth + 1)
            if isinstance(found, OpenSwitch):
                if not found.via:
                    found = dataclasses.replace(found, via=f" (passed to {fn.name}() on line {call.lineno})")
                opened.append(found)
            elif isinstance(found, int):
                counts.append(found)
            else:
                return UNKNOWN
        if counts and max(counts) > 0:
            return max(counts)
        if opened:
            return opened[0]
        return 0 if counts else UNKNOWN

    def _branch_switch(self, name: str, fn: FunctionNode | None, depth: int):
        """``if args.workers > 0: mp = True`` / ``else: mp = False``: a name bound to a literal
        on each branch of a test that is itself an open switch is that switch (negated when the
        true branch turns processes off). UNKNOWN for any other shape."""
        body = fn.body if fn is not None else self.walk.tree.body
        nodes = walk_scope(fn) if fn is not None else ast.walk(ast.Module(body=body, type_ignores=[]))
        branches = [
            node for node in nodes
            if isinstance(node, ast.If) and _assigned_literal(node.body, name) is not None
            and _assigned_literal(node.orelse, name) is not None
        ]
        if len(branches) != 1:
            return UNKNOWN
        branch = branches[0]
        counts = self.walk.scope(fn).table.counts if fn is not None else self.walk.module_table.counts
        if counts.get(name) != 2:
            return UNKNOWN  # bound elsewhere too
        on, off = _assigned_literal(branch.body, name), _assigned_literal(branch.orelse, name)
        if bool(on) == bool(off):
            return bool(on)
        test = self.switch_value(branch.test, fn, depth + 1)
        if not isinstance(test, OpenSwitch):
            return UNKNOWN
        text = source_text(branch.test, limit=60)
        if not on:
            text = f"not ({text})"
        return dataclasses.replace(test, text=text, node=branch.test, alias=name)

    def _dict_entry(self, node: ast.Subscript, fn: FunctionNode | None):
        """(value, scope) of ``CONFIG["key"]`` when ``CONFIG`` is a dict literal the module
        writes and never changes in place, and the key is in it; else None."""
        key = _string(node.slice)
        if key is None or not isinstance(node.value, ast.Name):
            return None
        if self.resolver.dict_changed_in_place(node.value.id):
            return None
        value, scope = self.resolver.follow(node.value, fn, at_launch=True)
        if isinstance(value, ast.Dict):
            for entry_key, entry_value in zip(value.keys, value.values):
                if entry_key is None:
                    return None  # {**other}: unknown
                if _string(entry_key) == key:
                    return entry_value, scope
        return None

    def _converted(self, node: ast.AST, fn: FunctionNode | None, depth: int):
        """A switch kept open through a conversion or a test: ``bool(int(os.getenv("MP", 0)))``,
        ``os.environ.get("MP") == "1"``, ``not args.threads``, ``cfg.mode.lower() == "mp"``."""
        inner = None
        if isinstance(node, ast.Call):
            qualname = self.resolver.qualname(node.func, fn) or (
                node.func.id if isinstance(node.func, ast.Name) else None
            )
            if qualname in CONVERTING_CALLS and len(node.args) == 1 and not node.keywords:
                inner = node.args[0]
            elif isinstance(node.func, ast.Attribute) and node.func.attr in STRING_METHODS:
                inner = node.func.value
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner = node.operand
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            opens = [side for side in sides if not self._is_literal(side, fn)]
            if len(opens) == 1:
                inner = opens[0]
        elif isinstance(node, ast.BoolOp):
            opens = [value for value in node.values if not self._is_literal(value, fn)]
            if len(opens) == 1:
                inner = opens[0]
        if inner is None:
            return UNKNOWN
        found = self.switch_value(inner, fn, depth + 1)
        if not isinstance(found, OpenSwitch):
            return UNKNOWN  # a literal inside a conversion was resolved above, if it could be
        return dataclasses.replace(found, text=source_text(node, limit=60), node=node, alias="")

    def _is_literal(self, node: ast.AST, fn: FunctionNode | None) -> bool:
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return all(self._is_literal(element, fn) for element in node.elts)
        return self.resolver.resolve(node, fn) is not UNKNOWN

    def _open_source(self, node: ast.AST, fn: FunctionNode | None, depth: int) -> OpenSwitch | None:
        """An argparse attribute, a flag, a config lookup or an environment variable read."""
        if isinstance(node, ast.Call):
            qualname = self.resolver.qualname(node.func, fn)
            if qualname in ENVIRONMENT_CALLS:
                return OpenSwitch(source_text(node, limit=60), ENVIRONMENT, node)
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr in LOOKUP_METHODS
                and node.args
                and _string(node.args[0]) is not None
            ):
                if self.resolver.qualname(func.value, fn) in ENVIRONMENT_MAPPINGS:
                    return OpenSwitch(source_text(node, limit=60), ENVIRONMENT, node)
                if self._config_object(func.value, fn, depth) is not None:
                    return OpenSwitch(source_text(node, limit=60), CONFIG, node)
            return None
        if isinstance(node, ast.Subscript) and _string(node.slice) is not None:
            if self.resolver.qualname(node.value, fn) in ENVIRONMENT_MAPPINGS:
                return OpenSwitch(source_text(node, limit=60), ENVIRONMENT, node)
            if self._config_object(node.value, fn, depth) is not None:
                return OpenSwitch(source_text(node, limit=60), CONFIG, node)
            return None
        if isinstance(node, ast.Attribute):
            if self.resolver.qualname(node.value, fn) in FLAG_OBJECTS:
                return OpenSwitch(source_text(node, limit=60), FLAG, node)
            kind = self._config_object(node.value, fn, depth)
            if kind is not None:
                option = node.attr if kind == ARGPARSE and isinstance(node.value, ast.Name) else None
                return OpenSwitch(source_text(node, limit=60), kind, node, option)
        return None

    def _config_object(self, node: ast.AST, fn: FunctionNode | None, depth: int) -> str | None:
        """What kind of user-set object an expression is: an argparse namespace (ARGPARSE), a
        config read from a file or a lookup in one (CONFIG); None when it is neither, or unknown.
        A dict the module writes itself is no config: its entries are read as values."""
        if too_deep(depth):
            return None
        if isinstance(node, ast.Attribute) and self.resolver.qualname(node, fn) in FLAG_OBJECTS:
            return FLAG  # FLAGS = flags.FLAGS
        if isinstance(node, (ast.Attribute, ast.Subscript)):
            if isinstance(node, ast.Subscript) and _string(node.slice) is None:
                return None
            inner = self._config_object(node.value, fn, depth + 1)
            return CONFIG if inner is not None else None
        if isinstance(node, ast.Name):
            if fn is not None and node.id in self.walk.scope(fn).params:
                return self._parameter_object(node.id, fn, depth)
            sources, scope = self.resolver.binding_sources(node.id, fn, at_launch=True)
            if not sources or any(source is None for source in sources):
                return None
            kinds = set()
            for source in sources:
                if isinstance(source, ast.Constant) and source.value is None:
                    continue  # ``args = None`` elsewhere: reading an option from it would raise
                if isinstance(source, Unpacked):
                    # args, unknown = parser.parse_known_args()
                    value = source.value
                    if source.path == (0,) and self._argparse_call(value, scope):
                        kinds.add(ARGPARSE)
                        continue
                    return None
                kinds.add(self._config_object(source, scope, depth + 1))
            if None in kinds or len(kinds) != 1:
                return None
            return kinds.pop()
        if isinstance(node, ast.Call):
            if self._argparse_call(node, fn):
                return ARGPARSE
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr in LOOKUP_METHODS
                and node.args
                and _string(node.args[0]) is not None
            ):
                return CONFIG if self._config_object(func.value, fn, depth + 1) else None
            qualname = self.resolver.qualname(node.func, fn)
            if qualname in CONFIG_READERS:
                return CONFIG
            if qualname == "builtins.vars" and len(node.args) == 1:
                inner = self._config_object(node.args[0], fn, depth + 1)
                return CONFIG if inner is not None else None  # vars(parser.parse_args())
            if isinstance(node.func, ast.Name):
                # a function of the module that returns the parsed arguments or a config
                definition = self.resolver.definition_of(node.func.id, fn)
                if isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    return self._returned_object(definition, depth + 1)
            if self.walk.project is not None and isinstance(node.func, (ast.Name, ast.Attribute)):
                # the same, from another project module (``from utils import load_config``)
                found = self.walk.project.function_of(self.walk.facts, node.func, fn)
                if found is not None:
                    owner, definition = found
                    return owner.switches._returned_object(definition, depth + 1)
        return None

    def _argparse_call(self, node: ast.AST, fn: FunctionNode | None) -> bool:
        """``parser.parse_args()`` (also ``parse_known_args()[0]``) on anything named a parser."""
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            return node.slice.value == 0 and self._argparse_call(node.value, fn)
        return (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ARGPARSE_METHODS
        )

    def _returned_object(self, function: FunctionNode, depth: int) -> str | None:
        """The kind of user-set object every ``return`` of a module function gives."""
        kinds = set()
        for node in walk_scope(function):
            if isinstance(node, ast.Return):
                if node.value is None:
                    return None
                kinds.add(self._config_object(node.value, function, depth + 1))
        if None in kinds or len(kinds) != 1:
            return None
        return kinds.pop()

    # -- parameters: what the call sites pass --------------------------------------------------

    def call_sites(self, function: FunctionNode) -> list[tuple[ast.Call, FunctionNode | None, int]]:
        """Calls of a module function (``train(...)``) or of a method through ``self``
        (``self.train(...)`` in the same class) in this module: (call, enclosing function, how
        many leading parameters the call does not pass, 1 for ``self``)."""
        cache = self.__dict__.setdefault("_call_sites", {})
        key = id(function)
        if key in cache:
            return cache[key]
        found = []
        owner = self.walk.method_owner.get(id(function))
        if owner is None and self.walk.functions.get(function.name) is function:
            for call, fn in self.walk.calls_by_function:
                func = call.func
                if (
                    isinstance(func, ast.Name)
                    and func.id == function.name
                    and (fn is None or func.id not in self.walk.scope(fn).locals)
                ):
                    found.append((call, fn, 0))
        elif owner is not None and not function.decorator_list:
            methods = {id(stmt) for stmt in owner.body if isinstance(stmt, ast.FunctionDef)}
            for call, fn in self.walk.calls_by_function:
                func = call.func
                if not (isinstance(func, ast.Attribute) and func.attr == function.name):
                    continue
                receiver = func.value
                if (
                    fn is not None
                    and id(fn) in methods
                    and isinstance(receiver, ast.Name)
                    and receiver.id == self_name_of(fn)
                ):
                    found.append((call, fn, 1))  # self.train(...)
                elif isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Name):
                    if self.resolver.definition_of(receiver.func.id, fn) is owner:
                        found.append((call, fn, 1))  # Trainer(...).train(...)
                elif isinstance(receiver, ast.Name) and self.resolver.instance_class(receiver, fn) is owner:
                    found.append((call, fn, 1))  # trainer = Trainer(...); trainer.train(...)
        cache[key] = found
        return found

    def passed_argument(self, call: ast.Call, function: FunctionNode, name: str, skip: int):
        """What a call passes for a parameter: the expression (the default when the call leaves
        it out), ``FromMapping`` when only a ``**mapping`` may carry it, UNKNOWN when a ``*args``
        (or several mappings) may, or None when nothing is passed and there is no default."""
        args = function.args
        positional = [a.arg for a in args.posonlyargs + args.args][skip:]
        for kw in call.keywords:
            if kw.arg == name:
                return kw.value
        for index, arg in enumerate(call.args):
            if isinstance(arg, ast.Starred):
                return UNKNOWN
            if index < len(positional) and positional[index] == name:
                return arg
        spread = [kw.value for kw in call.keywords if kw.arg is None]
        if spread:
            return FromMapping(spread[0]) if len(spread) == 1 else UNKNOWN
        all_positional = [a.arg for a in args.posonlyargs + args.args]
        if name in all_positional and args.defaults:
            first_default = len(all_positional) - len(args.defaults)
            index = all_positional.index(name)
            if index >= first_default:
                return args.defaults[index - first_default]
        for arg, default in zip(args.kwonlyargs, args.kw_defaults):
            if arg.arg == name and default is not None:
                return default
        return None

    def _parameter_values(self, name: str, fn: FunctionNode, depth: int):
        """(value, call, caller) for every call site of ``fn`` in the module, or None when the
        name is no parameter of ``fn``, is rebound in its body, or ``fn`` has no call site."""
        scope = self.walk.scope(fn)
        if name not in scope.params or scope.table.counts.get(name) or name in scope.globals:
            return None
        if name not in parameter_names(fn):
            return None
        if id(fn) in self.walk.method_owner and name == self_name_of(fn):
            return None
        sites = self.call_sites(fn)
        if not sites:
            return None
        found = []
        for call, caller, skip in sites:
            found.append((self.passed_argument(call, fn, name, skip), call, caller))
        return found

    def _parameter_switch(self, name: str, fn: FunctionNode | None, depth: int):
        """A parameter as a switch: True when a call site passes a value that turns processes
        on, else an ``OpenSwitch`` when one passes an open switch, False when every call site
        passes a value that turns them off; UNKNOWN otherwise; None when ``name`` is no
        parameter with call sites in the module."""
        if fn is None:
            return None
        values = self._parameter_values(name, fn, depth)
        if values is None:
            return None
        results = []
        for value, call, caller in values:
            if value is None:
                continue  # a call that cannot run (TypeError): it sets nothing
            if value is UNKNOWN:
                results.append(UNKNOWN)
                continue
            if isinstance(value, FromMapping):
                # train(**config) with a config read from a file: the file decides
                if self._config_object(value.mapping, caller, depth + 1) is None:
                    results.append(UNKNOWN)
                    continue
                text = f"{source_text(value.mapping)}[{name!r}]"
                results.append(OpenSwitch(text, CONFIG, call, None, f" (passed to {fn.name}() on line {call.lineno})"))
                continue
            found = self.switch_value(value, caller, depth + 1)
            if isinstance(found, OpenSwitch) and not found.via:
                found = dataclasses.replace(found, via=f" (passed to {fn.name}() on line {call.lineno})")
            results.append(found)
        if True in results:
            return True
        opened = [result for result in results if isinstance(result, OpenSwitch)]
        if opened:
            return opened[0]
        if results and all(result is False for result in results):
            return False
        return UNKNOWN

    def _parameter_object(self, name: str, fn: FunctionNode, depth: int) -> str | None:
        """A parameter every call site fills with the same kind of user-set object
        (``main(parser.parse_args())``)."""
        values = self._parameter_values(name, fn, depth)
        if not values:
            return None
        kinds = set()
        for value, _call, caller in values:
            if value is None:
                continue
            if value is UNKNOWN or isinstance(value, FromMapping):
                return None
            kinds.add(self._config_object(value, caller, depth + 1))
        if None in kinds or len(kinds) != 1:
            return None
        return kinds.pop()
