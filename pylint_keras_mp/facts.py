"""Facts about one module, computed once and shared by every rule.

Everything here works on the standard library's ``ast``: the linted code is never imported,
and neither Keras nor TensorFlow needs to be installed.
"""

from __future__ import annotations

import ast
import builtins
import functools
from dataclasses import dataclass, field
from typing import Iterator, Union

from .config import Options

FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]
SCOPE_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
BUILTIN_NAMES = frozenset(dir(builtins))

# Roots under which `Sequence` / `PyDataset` are Keras data loader bases.
KERAS_ROOTS = ("keras", "tf_keras", "tensorflow.keras", "tensorflow.python.keras")
LOADER_BASE_NAMES = frozenset({"Sequence", "PyDataset"})
LAUNCH_METHODS = frozenset(
    {"fit", "evaluate", "predict", "fit_generator", "evaluate_generator", "predict_generator"}
)
WORKER_ENTRY = "__getitem__"
PICKLE_HOOKS = frozenset({"__getstate__", "__reduce__", "__reduce_ex__"})

# Keras-version evidence in a module (qualified-name prefixes and method names).
KERAS3_PREFIXES = (
    "keras.src.",
    "keras.ops",
    "keras.config",
    "keras.random",
    "keras.tree",
    "keras.export",
    "keras.utils.PyDataset",
    "tensorflow.keras.utils.PyDataset",
)
KERAS2_PREFIXES = (
    "tf_keras",
    "tensorflow.python.keras",
    "keras.utils.data_utils",
    "keras.engine",
    "tensorflow.keras.utils.data_utils",
)
KERAS2_ONLY_METHODS = frozenset({"fit_generator", "evaluate_generator", "predict_generator"})


@functools.lru_cache(maxsize=1)
def installed_keras_major() -> int | None:
    """Major version of the installed ``keras`` distribution, read from metadata (never imported)."""
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # pragma: no cover
        return None
    try:
        text = version("keras")
    except PackageNotFoundError:
        return None
    except Exception:
        return None
    head = text.split(".")[0]
    return int(head) if head.isdigit() else None


class _Unknown:
    """A value the analysis cannot resolve. Unknown is silent."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        return False


UNKNOWN = _Unknown()


class Many(int):
    """``os.cpu_count()`` and friends: an int known to be greater than one."""

    def __new__(cls, source: str):
        obj = super().__new__(cls, 2)
        obj.source = source
        return obj

    def __repr__(self) -> str:
        return self.source


MANY_CALLS = frozenset(
    {
        "os.cpu_count",
        "multiprocessing.cpu_count",
        "psutil.cpu_count",
        "os.process_cpu_count",
    }
)
MANY_ATTRIBUTES = frozenset(
    {
        "tensorflow.data.AUTOTUNE",
        "tensorflow.data.experimental.AUTOTUNE",
    }
)


def is_keras_loader_base(qualname: str) -> bool:
    head, _, last = qualname.rpartition(".")
    if last not in LOADER_BASE_NAMES or not head:
        return False
    return any(qualname.startswith(root + ".") for root in KERAS_ROOTS)


def is_main_guard(node: ast.stmt) -> bool:
    """``if __name__ == "__main__":`` (either operand order)."""
    if not isinstance(node, ast.If):
        return False
    test = node.test
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    left, right = test.left, test.comparators[0]
    for a, b in ((left, right), (right, left)):
        if (
            isinstance(a, ast.Name)
            and a.id == "__name__"
            and isinstance(b, ast.Constant)
            and b.value == "__main__"
        ):
            return True
    return False


def walk_scope(node: ast.AST) -> Iterator[ast.AST]:
    """Like ast.walk over ``node``'s children, but not into nested functions, lambdas or classes."""
    stack = list(ast.iter_child_nodes(node))
    while stack:
        child = stack.pop()
        yield child
        if not isinstance(child, SCOPE_NODES):
            stack.extend(ast.iter_child_nodes(child))


def target_names(target: ast.AST) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:
            yield from target_names(elt)
    elif isinstance(target, ast.Starred):
        yield from target_names(target.value)


def root_name(node: ast.AST) -> ast.Name | None:
    """The Name at the root of ``a.b[c].d``."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node if isinstance(node, ast.Name) else None


def is_self_attribute(node: ast.AST, self_name: str = "self") -> str | None:
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == self_name
    ):
        return node.attr
    return None


def self_name_of(fn: FunctionNode) -> str | None:
    args = fn.args.posonlyargs + fn.args.args
    if not args:
        return None
    for deco in fn.decorator_list:
        if isinstance(deco, ast.Name) and deco.id in {"staticmethod", "classmethod"}:
            return None
    return args[0].arg


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def has_star_kwargs(call: ast.Call) -> bool:
    return any(kw.arg is None for kw in call.keywords)


@dataclass
class FunctionScope:
    """Names bound in one function body (its locals), and the single-assignment values."""

    node: FunctionNode
    locals: set[str]
    globals: set[str]
    params: set[str]
    single_values: dict[str, ast.expr]

    @classmethod
    def of(cls, fn: FunctionNode) -> "FunctionScope":
        params = {a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}
        if fn.args.vararg:
            params.add(fn.args.vararg.arg)
        if fn.args.kwarg:
            params.add(fn.args.kwarg.arg)
        bound: set[str] = set(params)
        declared_global: set[str] = set()
        counts: dict[str, int] = {}
        values: dict[str, ast.expr] = {}
        for node in walk_scope(fn):
            if isinstance(node, (ast.Global, ast.Nonlocal)):
                declared_global.update(node.names)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                bound.add(node.id)
                counts[node.id] = counts.get(node.id, 0) + 1
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bound.add(node.name)
                counts[node.name] = counts.get(node.name, 0) + 1
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    name = alias.asname or alias.name.split(".")[0]
                    bound.add(name)
                    counts[name] = counts.get(name, 0) + 1
            elif isinstance(node, ast.ExceptHandler) and node.name:
                bound.add(node.name)
            elif isinstance(node, ast.arg):
                bound.add(node.arg)  # lambda / comprehension-free args seen via nested lambdas
            if isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if isinstance(item.optional_vars, ast.Name):
                        values[item.optional_vars.id] = item.context_expr
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(
                node.targets[0], ast.Name
            ):
                values[node.targets[0].id] = node.value
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
                values[node.target.id] = node.value
        single = {
            name: value
            for name, value in values.items()
            if counts.get(name) == 1 and name not in params and name not in declared_global
        }
        return cls(fn, bound - declared_global, declared_global, params, single)


@dataclass
class DataLoader:
    """A Keras data loader class defined in the module."""

    node: ast.ClassDef
    keras_bases: list[str]  # qualified Keras/configured bases reached through the hierarchy
    mro: list[ast.ClassDef]  # the class, then its in-module bases (depth first)
    methods: dict[str, FunctionNode] = field(default_factory=dict)
    worker_methods: dict[str, FunctionNode] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def is_pydataset(self) -> bool:
        return any(base.rpartition(".")[2] == "PyDataset" for base in self.keras_bases)

    @property
    def defines_pickle_hooks(self) -> bool:
        return any(name in PICKLE_HOOKS for name in self.methods) or any(
            isinstance(stmt, (ast.Assign, ast.AnnAssign))
            and any(
                name in PICKLE_HOOKS
                for t in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target])
                for name in target_names(t)
            )
            for cls in self.mro
            for stmt in cls.body
        )


@dataclass
class SelfAssignment:
    """``self.<attr> = value`` (or ``with ... as self.<attr>``) inside a method of a loader."""

    attr: str
    value: ast.expr | None  # None for augmented assignment / for-targets
    node: ast.AST  # the statement, for the report location
    method: FunctionNode
    guarded: bool  # inside an `if` that tests the same attribute (lazy initialisation)


@dataclass
class Launch:
    """A call of fit/evaluate/predict(_generator) with what it resolves to."""

    call: ast.Call
    method: str
    function: FunctionNode | None  # enclosing function, None at module level
    data: ast.expr | None  # the x argument
    loader: DataLoader | None = None  # when x is a data loader instance built in the module
    loader_call: ast.Call | None = None


class ModuleFacts:
    def __init__(self, tree: ast.Module, source: str, filename: str, options: Options):
        self.tree = tree
        self.source = source
        self.filename = filename
        self.options = options
        self.imports: dict[str, str] = {}
        self.classes: dict[str, ast.ClassDef] = {}
        self.functions: dict[str, FunctionNode] = {}
        self.module_bound: set[str] = set()  # bound at import time, outside the main guard
        self.main_guard_bound: dict[str, ast.AST] = {}
        self.module_assign_counts: dict[str, int] = {}
        self.module_values: dict[str, ast.expr] = {}
        self.main_guards: list[ast.If] = []
        self.all_functions: list[FunctionNode] = []
        self.global_writes: dict[str, list[FunctionNode]] = {}
        self._scopes: dict[int, FunctionScope] = {}
        self._collect_module()
        self.data_loaders: list[DataLoader] = self._find_data_loaders()
        self.data_loaders_by_name = {loader.name: loader for loader in self.data_loaders}
        for loader in self.data_loaders:
            loader.worker_methods = self._reachable_methods(loader, WORKER_ENTRY)

    # ----------------------------------------------------------------- module layout
    def _collect_module(self) -> None:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.imports.setdefault(alias.asname, alias.name)
                    else:
                        root = alias.name.split(".")[0]
                        self.imports.setdefault(root, root)
            elif isinstance(node, ast.ImportFrom):
                module = "." * node.level + (node.module or "")
                for alias in node.names:
                    if alias.name == "*":
                        continue
                    prefix = module if module.endswith(".") or not module else module + "."
                    self.imports.setdefault(alias.asname or alias.name, prefix + alias.name)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.all_functions.append(node)
                for inner in walk_scope(node):
                    if isinstance(inner, ast.Global):
                        for name in inner.names:
                            self.global_writes.setdefault(name, []).append(node)
        self._collect_import_time(self.tree.body, in_guard=False)

    def _bind_module_name(self, name: str, node: ast.AST, in_guard: bool, value=None) -> None:
        if in_guard:
            self.main_guard_bound.setdefault(name, node)
            return
        self.module_bound.add(name)
        self.module_assign_counts[name] = self.module_assign_counts.get(name, 0) + 1
        if value is not None:
            self.module_values[name] = value

    def _collect_import_time(self, body: list[ast.stmt], in_guard: bool) -> None:
        """Record names bound by module-level statements (recursing into if/try/for/with)."""
        for stmt in body:
            if is_main_guard(stmt) and not in_guard:
                self.main_guards.append(stmt)
                self._collect_import_time(stmt.body, in_guard=True)
                self._collect_import_time(stmt.orelse, in_guard=False)
                continue
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if not in_guard:
                    self.functions[stmt.name] = stmt
                self._bind_module_name(stmt.name, stmt, in_guard)
                continue
            if isinstance(stmt, ast.ClassDef):
                if not in_guard:
                    self.classes[stmt.name] = stmt
                self._bind_module_name(stmt.name, stmt, in_guard)
                continue
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                for alias in stmt.names:
                    if alias.name != "*":
                        self._bind_module_name(
                            alias.asname or alias.name.split(".")[0], stmt, in_guard
                        )
                continue
            value = None
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                value = stmt.value
            elif isinstance(stmt, ast.AnnAssign):
                value = stmt.value
            for node in walk_scope(stmt):
                if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                    direct = (
                        value is not None
                        and isinstance(stmt, (ast.Assign, ast.AnnAssign))
                        and node in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target])
                    )
                    self._bind_module_name(node.id, stmt, in_guard, value if direct else None)
            for child_body in _child_bodies(stmt):
                self._collect_import_time(child_body, in_guard)

    # ----------------------------------------------------------------- names and values
    def scope(self, fn: FunctionNode) -> FunctionScope:
        key = id(fn)
        if key not in self._scopes:
            self._scopes[key] = FunctionScope.of(fn)
        return self._scopes[key]

    def qualname(self, node: ast.AST, fn: FunctionNode | None = None) -> str | None:
        """The dotted name an expression refers to through the module's imports."""
        if isinstance(node, ast.Name):
            if fn is not None and node.id in self.scope(fn).locals:
                return None
            if node.id in self.imports:
                return self.imports[node.id]
            if node.id in self.module_bound or node.id in self.main_guard_bound:
                return None
            if node.id in BUILTIN_NAMES:
                return "builtins." + node.id
            return None
        if isinstance(node, ast.Attribute):
            base = self.qualname(node.value, fn)
            return f"{base}.{node.attr}" if base else None
        return None

    def call_qualname(self, call: ast.AST, fn: FunctionNode | None = None) -> str | None:
        return self.qualname(call.func, fn) if isinstance(call, ast.Call) else None

    def module_constant(self, name: str) -> ast.expr | None:
        """The value of a module-level name assigned exactly once and never rebound elsewhere."""
        if (
            self.module_assign_counts.get(name) == 1
            and name not in self.global_writes
            and name not in self.main_guard_bound
        ):
            return self.module_values.get(name)
        return None

    def binding_of(self, name: str, fn: FunctionNode | None):
        """(expression, scope) of the single binding of a name in the function, else the module."""
        if fn is not None:
            scope = self.scope(fn)
            if name in scope.locals:
                return scope.single_values.get(name), fn
        return self.module_constant(name), None

    def value_of_name(self, name: str, fn: FunctionNode | None) -> ast.expr | None:
        return self.binding_of(name, fn)[0]

    def resolve(self, node: ast.AST | None, fn: FunctionNode | None = None, _depth: int = 0):
        """A literal value, ``Many`` for cpu counts, or UNKNOWN."""
        if node is None or _depth > 8:
            return UNKNOWN
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Not)):
            inner = self.resolve(node.operand, fn, _depth + 1)
            if inner is UNKNOWN or isinstance(inner, Many):
                return UNKNOWN
            try:
                return -inner if isinstance(node.op, ast.USub) else not inner
            except TypeError:
                return UNKNOWN
        if isinstance(node, ast.Name):
            value, scope = self.binding_of(node.id, fn)
            if value is not None:
                return self.resolve(value, scope, _depth + 1)
            return UNKNOWN
        if isinstance(node, ast.Attribute):
            qualname = self.qualname(node, fn)
            if qualname in MANY_ATTRIBUTES:
                return Many(qualname)
            return UNKNOWN
        if isinstance(node, ast.Call) and not node.args and not node.keywords:
            qualname = self.call_qualname(node, fn)
            if qualname in MANY_CALLS:
                return Many(qualname + "()")
        return UNKNOWN

    def resolve_bool(self, node: ast.AST | None, fn: FunctionNode | None = None):
        value = self.resolve(node, fn)
        if value is UNKNOWN:
            return UNKNOWN
        return bool(value)

    def resolve_int(self, node: ast.AST | None, fn: FunctionNode | None = None):
        value = self.resolve(node, fn)
        if isinstance(value, bool) or not isinstance(value, int):
            return UNKNOWN
        return value

    # ----------------------------------------------------------------- data loaders
    def _find_data_loaders(self) -> list[DataLoader]:
        configured = set(self.options.sequence_bases)
        loaders: list[DataLoader] = []
        verdicts: dict[str, list[str] | None] = {}

        def keras_bases(cls: ast.ClassDef, seen: frozenset[str]) -> list[str]:
            if cls.name in verdicts and verdicts[cls.name] is not None:
                return verdicts[cls.name]
            found: list[str] = []
            for base in cls.bases:
                qualname = self.qualname(base)
                if qualname and (is_keras_loader_base(qualname) or qualname in configured):
                    found.append(qualname)
                elif (
                    isinstance(base, ast.Name)
                    and base.id in self.classes
                    and base.id not in seen
                    and base.id not in self.imports
                ):
                    found.extend(keras_bases(self.classes[base.id], seen | {base.id}))
            verdicts[cls.name] = found
            return found

        for node in ast.walk(self.tree):
            if not isinstance(node, ast.ClassDef):
                continue
            bases = keras_bases(node, frozenset({node.name}))
            if bases:
                loader = DataLoader(node, bases, self._mro(node))
                loader.methods = self._methods(loader.mro)
                loaders.append(loader)
        return loaders

    def _mro(self, cls: ast.ClassDef) -> list[ast.ClassDef]:
        order: list[ast.ClassDef] = []
        stack = [cls]
        seen: set[int] = set()
        while stack:
            current = stack.pop(0)
            if id(current) in seen:
                continue
            seen.add(id(current))
            order.append(current)
            for base in current.bases:
                if isinstance(base, ast.Name) and base.id in self.classes and base.id not in self.imports:
                    stack.append(self.classes[base.id])
        return order

    @staticmethod
    def _methods(mro: list[ast.ClassDef]) -> dict[str, FunctionNode]:
        methods: dict[str, FunctionNode] = {}
        for cls in mro:
            for stmt in cls.body:
                if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    methods.setdefault(stmt.name, stmt)
        return methods

    def _reachable_methods(self, loader: DataLoader, entry: str) -> dict[str, FunctionNode]:
        """``entry`` and every method it reaches through ``self.<method>(...)`` (and properties)."""
        if entry not in loader.methods:
            return {}
        reached: dict[str, FunctionNode] = {}
        pending = [entry]
        while pending:
            name = pending.pop()
            if name in reached or name not in loader.methods:
                continue
            fn = loader.methods[name]
            reached[name] = fn
            self_name = self_name_of(fn)
            if self_name is None:
                continue
            for node in walk_scope(fn):
                attr = is_self_attribute(node, self_name)
                if attr and attr in loader.methods and attr not in reached:
                    pending.append(attr)
        return reached

    def loader_for_instance(
        self, node: ast.AST | None, fn: FunctionNode | None
    ) -> tuple[DataLoader | None, ast.Call | None]:
        """The data loader class and constructor call an expression evaluates to, if known."""
        if isinstance(node, ast.Name):
            node = self.value_of_name(node.id, fn)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if fn is None or node.func.id not in self.scope(fn).locals:
                loader = self.data_loaders_by_name.get(node.func.id)
                if loader is not None:
                    return loader, node
        return None, None

    # ----------------------------------------------------------------- self state
    def self_assignments(self, loader: DataLoader) -> list[SelfAssignment]:
        """Every ``self.x = ...`` in the loader's methods (its own and in-module bases')."""
        found: list[SelfAssignment] = []
        for fn in loader.methods.values():
            self_name = self_name_of(fn)
            if self_name is None:
                continue
            found.extend(_self_assignments_in(fn, fn.body, self_name, ()))
        return found

    # ----------------------------------------------------------------- keras version
    @functools.cached_property
    def keras_version_evidence(self) -> dict[int, ast.AST]:
        """{2 or 3: first node that shows it} from the module's imports and API use."""
        evidence: dict[int, ast.AST] = {}
        for node in ast.walk(self.tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Attribute):
                if node.attr in KERAS2_ONLY_METHODS and isinstance(node.ctx, ast.Load):
                    evidence.setdefault(2, node)
                    continue
                if node.attr in {"PyDataset", "src", "ops", "config", "data_utils", "engine"}:
                    qualname = self.qualname(node)
                    names = [qualname] if qualname else []
            for name in names:
                if name.startswith(KERAS3_PREFIXES) or name.endswith(".PyDataset"):
                    evidence.setdefault(3, node)
                elif name.startswith(KERAS2_PREFIXES):
                    evidence.setdefault(2, node)
        return evidence

    @functools.cached_property
    def keras_version(self) -> int | None:
        """2, 3 or None (unknown): the option, else the module's evidence, else installed metadata."""
        forced = self.options.keras_version
        if forced in ("2", "3"):
            return int(forced)
        evidence = self.keras_version_evidence
        if len(evidence) == 1:
            return next(iter(evidence))
        if evidence:
            return None  # mixed signals
        if not any(name == "keras" or name.startswith(("keras.", "tensorflow")) for name in self.imports.values()):
            return None
        return installed_keras_major()

    def is_keras3_loader(self, loader: DataLoader) -> bool:
        return loader.is_pydataset or self.keras_version == 3

    # ----------------------------------------------------------------- import time
    @functools.cached_property
    def import_time_functions(self) -> dict[str, ast.AST]:
        """Module functions that run when the module is imported -> the module-level call."""
        triggered: dict[str, ast.AST] = {}
        pending: list[tuple[str, ast.AST]] = []
        for stmt, in_guard in self._module_statements(self.tree.body, False):
            if in_guard:
                continue
            for node in _walk_import_time(stmt):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                    if node.func.id in self.functions and node.func.id not in triggered:
                        triggered[node.func.id] = node
                        pending.append((node.func.id, node))
        while pending:
            name, trigger = pending.pop()
            for node in walk_scope(self.functions[name]):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in self.functions
                    and node.func.id not in self.scope(self.functions[name]).locals
                    and node.func.id not in triggered
                ):
                    triggered[node.func.id] = trigger
                    pending.append((node.func.id, trigger))
        return triggered

    def _module_statements(self, body, in_guard):
        for stmt in body:
            if isinstance(stmt, ast.If) and is_main_guard(stmt) and not in_guard:
                yield from self._module_statements(stmt.body, True)
                yield from self._module_statements(stmt.orelse, False)
            else:
                yield stmt, in_guard

    def in_main_guard(self, node: ast.AST) -> bool:
        line = getattr(node, "lineno", None)
        if line is None:
            return False
        return any(
            guard.body[0].lineno <= line <= (guard.body[-1].end_lineno or guard.body[-1].lineno)
            for guard in self.main_guards
        )

    # ----------------------------------------------------------------- launches
    @functools.cached_property
    def calls_by_function(self) -> list[tuple[ast.Call, FunctionNode | None]]:
        """Every call in the module with its innermost enclosing function (None at module level)."""
        found: list[tuple[ast.Call, FunctionNode | None]] = []
        stack: list[tuple[ast.AST, FunctionNode | None]] = [(self.tree, None)]
        while stack:
            node, fn = stack.pop()
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.Call):
                    found.append((child, fn))
                inner = child if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else fn
                stack.append((child, inner))
        found.sort(key=lambda item: (item[0].lineno, item[0].col_offset))
        return found

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

    def launch_label(self, launch: Launch) -> str:
        func = launch.call.func
        owner = func.value if isinstance(func, ast.Attribute) else None
        owner_text = _short_source(owner) if owner is not None else ""
        return f"{owner_text}.{launch.method}(...)" if owner_text else f"{launch.method}(...)"


def is_super_init(call: ast.Call) -> bool:
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr == "__init__"):
        return False
    value = func.value
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "super":
        return True
    # Base.__init__(self, ...) spelled out
    return isinstance(value, (ast.Name, ast.Attribute))


def _short_source(node: ast.AST) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # pragma: no cover - unparse is total on parsed trees
        return ""
    return text if len(text) <= 40 else text[:37] + "..."


def _child_bodies(stmt: ast.stmt) -> list[list[ast.stmt]]:
    bodies = []
    for name in ("body", "orelse", "finalbody"):
        value = getattr(stmt, name, None)
        if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
            bodies.append(value)
    for handler in getattr(stmt, "handlers", []) or []:
        bodies.append(handler.body)
    for case in getattr(stmt, "cases", []) or []:
        bodies.append(case.body)
    return bodies


def _walk_import_time(stmt: ast.stmt) -> Iterator[ast.AST]:
    """Nodes of a module-level statement that execute at import (class bodies do, defs do not)."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        for deco in stmt.decorator_list:
            yield from ast.walk(deco)
        return
    stack: list[ast.AST] = [stmt]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            if isinstance(child, ast.If) and is_main_guard(child):
                continue
            stack.append(child)


def _guard_attrs(test: ast.expr, self_name: str) -> set[str]:
    """Attributes a lazy-initialisation guard tests: self.x is None, not self.x, hasattr(self, 'x')."""
    attrs: set[str] = set()
    for node in ast.walk(test):
        attr = is_self_attribute(node, self_name)
        if attr:
            attrs.add(attr)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"hasattr", "getattr"}
            and len(node.args) >= 2
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id == self_name
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            attrs.add(node.args[1].value)
        if isinstance(node, ast.Compare) and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops):
            for comparator in node.comparators:
                if isinstance(comparator, ast.Attribute) and comparator.attr == "__dict__":
                    if isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
                        attrs.add(node.left.value)
    return attrs


def _self_assignments_in(fn, body, self_name, guard_attrs) -> Iterator[SelfAssignment]:
    for stmt in body:
        targets: list[tuple[ast.AST, ast.expr | None]] = []
        if isinstance(stmt, ast.Assign):
            targets = [(t, stmt.value) for t in stmt.targets]
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets = [(stmt.target, stmt.value)]
        elif isinstance(stmt, ast.AugAssign):
            targets = [(stmt.target, None)]
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            targets = [
                (item.optional_vars, item.context_expr)
                for item in stmt.items
                if item.optional_vars is not None
            ]
        for target, value in targets:
            elements = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
            values = (
                value.elts
                if isinstance(value, (ast.Tuple, ast.List))
                and isinstance(target, (ast.Tuple, ast.List))
                and len(value.elts) == len(elements)
                else [value if len(elements) == 1 else None] * len(elements)
            )
            for element, element_value in zip(elements, values):
                attr = is_self_attribute(element, self_name)
                if attr:
                    yield SelfAssignment(attr, element_value, stmt, fn, attr in guard_attrs)
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(stmt, (ast.If, ast.While)):
            inner = guard_attrs + tuple(_guard_attrs(stmt.test, self_name))
            yield from _self_assignments_in(fn, stmt.body, self_name, inner)
            yield from _self_assignments_in(fn, stmt.orelse, self_name, inner)
            continue
        if isinstance(stmt, ast.Try) or (hasattr(ast, "TryStar") and isinstance(stmt, ast.TryStar)):
            # try: self.x  except AttributeError: self.x = ...  is a lazy guard too
            inner = guard_attrs
            for node in ast.walk(ast.Module(body=stmt.body, type_ignores=[])):
                attr = is_self_attribute(node, self_name)
                if attr:
                    inner = inner + (attr,)
            yield from _self_assignments_in(fn, stmt.body, self_name, guard_attrs)
            for handler in stmt.handlers:
                yield from _self_assignments_in(fn, handler.body, self_name, inner)
            yield from _self_assignments_in(fn, stmt.orelse, self_name, guard_attrs)
            yield from _self_assignments_in(fn, stmt.finalbody, self_name, guard_attrs)
            continue
        for child_body in _child_bodies(stmt):
            yield from _self_assignments_in(fn, child_body, self_name, guard_attrs)
