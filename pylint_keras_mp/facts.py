"""Facts about one module, computed once and shared by every rule.

Everything here works on the standard library's ``ast``: the linted code is never imported,
and neither Keras nor TensorFlow needs to be installed.
"""

from __future__ import annotations

import ast
import builtins
import collections
import functools
from dataclasses import dataclass, field, replace
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


class Autotune(int):
    """``tf.data.AUTOTUNE``: the constant is -1, so as ``workers`` it means no workers at all."""

    def __new__(cls, source: str):
        obj = super().__new__(cls, -1)
        obj.source = source
        return obj

    def __repr__(self) -> str:
        return self.source


AUTOTUNE_ATTRIBUTES = frozenset(
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


def _child_nodes(node: ast.AST) -> list[ast.AST]:
    """``list(ast.iter_child_nodes(node))``, about twice as fast (the engine's hottest loop)."""
    children: list[ast.AST] = []
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, list):
            children.extend([item for item in value if isinstance(item, ast.AST)])
        elif isinstance(value, ast.AST):
            children.append(value)
    return children


def walk_scope(node: ast.AST) -> Iterator[ast.AST]:
    """Like ast.walk over ``node``'s children, but not into nested functions, lambdas or classes."""
    stack = _child_nodes(node)
    while stack:
        child = stack.pop()
        yield child
        if not isinstance(child, SCOPE_NODES):
            stack.extend(_child_nodes(child))


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
class SelfAttributeUse:
    """One ``self.<attr>`` expression in a loader's method, classified by what it does.

    ``use`` is one of: "rebind" (``self.x = v``, for/with targets), "augment" (``self.x += v``),
    "delete" (``del self.x``), "item-store" / "item-augment" / "item-delete" (``self.x[k] = v``,
    ``self.x[k] += v``, ``del self.x[k]``, nested items included), "call" (``self.x.m(...)`` or
    ``self.x[k].m(...)``; ``name`` is ``m``), "call-self" (``self.x(...)``), "attr-store"
    (``self.x.y = v``), "membership" (``k in self.x``), "argument" (``f(self.x)``), "read".
    """

    attr: str
    use: str
    node: ast.Attribute  # the ``self.<attr>`` expression
    stmt: ast.stmt  # the statement it belongs to: the report location
    method: FunctionNode
    # attributes the lazy-initialisation guards around it test; in a worker helper that worker code
    # calls only behind such guards (``if self.x is None: self._load_x()``), theirs too
    guards: tuple[str, ...]
    tests: tuple[ast.expr, ...]  # tests of the if/while statements it is nested in
    value: ast.expr | None = None  # "rebind": the value, when the target is a plain attribute
    key: ast.expr | None = None  # "item-*": the outermost subscript
    name: str | None = None  # "call": the method name

    @property
    def guarded(self) -> bool:
        return self.attr in self.guards


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
    def __init__(
        self, tree: ast.Module, source: str, filename: str, options: Options, kind: str = "module"
    ):
        self.tree = tree
        self.source = source
        self.filename = filename
        self.options = options
        self.kind = kind  # "module", or "notebook": code cells that no worker ever imports
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
        self._index_module()
        self._collect_module()
        self.data_loaders: list[DataLoader] = self._find_data_loaders()
        self.data_loaders_by_name = {loader.name: loader for loader in self.data_loaders}
        for loader in self.data_loaders:
            loader.worker_methods = self._reachable_methods(loader, WORKER_ENTRY)

    @property
    def is_notebook(self) -> bool:
        return self.kind == "notebook"

    # ----------------------------------------------------------------- module layout
    def _index_module(self) -> None:
        """The module's one full walk, in ast.walk's order: nodes by type, calls and ``global``s
        with their enclosing function or scope. Everything else reads these lists."""
        nodes_by_type: dict[type, list[ast.AST]] = {}
        calls: list[tuple[ast.Call, FunctionNode | None]] = []
        global_scopes: list[tuple[ast.Global, ast.AST | None]] = []
        import_nodes: list[ast.Import | ast.ImportFrom] = []
        def_nodes: list[FunctionNode] = []
        node_base = ast.AST
        level: list[ast.AST] = [self.tree]
        contexts: list[tuple] = [(None, None)]  # (innermost def, innermost scope node)
        while level:
            next_level: list[ast.AST] = []
            next_contexts: list[tuple] = []
            for node, context in zip(level, contexts):
                cls = node.__class__
                same_type = nodes_by_type.get(cls)
                if same_type is None:
                    nodes_by_type[cls] = [node]
                else:
                    same_type.append(node)
                if cls is ast.Call:
                    calls.append((node, context[0]))
                elif cls is ast.Global:
                    global_scopes.append((node, context[1]))
                elif cls is ast.FunctionDef or cls is ast.AsyncFunctionDef:
                    def_nodes.append(node)
                    context = (node, node)
                elif cls is ast.Import or cls is ast.ImportFrom:
                    import_nodes.append(node)
                elif cls is ast.Lambda or cls is ast.ClassDef:
                    context = (context[0], node)
                for name in node._fields:
                    value = getattr(node, name, None)
                    if value.__class__ is list:
                        for item in value:
                            if isinstance(item, node_base):
                                next_level.append(item)
                                next_contexts.append(context)
                    elif isinstance(value, node_base):
                        next_level.append(value)
                        next_contexts.append(context)
            level, contexts = next_level, next_contexts
        self.nodes_by_type = nodes_by_type
        self._calls_with_function = calls
        self._import_nodes = import_nodes
        self.all_functions = def_nodes
        globals_by_scope: dict[int, list[str]] = {}
        for node, scope in global_scopes:
            globals_by_scope.setdefault(id(scope), []).extend(node.names)
        for fn in def_nodes:
            for name in globals_by_scope.get(id(fn), ()):
                self.global_writes.setdefault(name, []).append(fn)

    def nodes_of(self, node_type: type) -> list[ast.AST]:
        """Every node of exactly this type in the module, in ast.walk's order (no new walk)."""
        return self.nodes_by_type.get(node_type, [])

    def _collect_module(self) -> None:
        for node in self._import_nodes:
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
            # A loop, not recursion: ``a.b.c...`` chains deeper than the recursion limit compile.
            attrs: list[str] = []
            while isinstance(node, ast.Attribute):
                attrs.append(node.attr)
                node = node.value
            base = self.qualname(node, fn) if isinstance(node, ast.Name) else None
            return ".".join([base, *reversed(attrs)]) if base else None
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
            if inner is UNKNOWN or isinstance(inner, (Many, Autotune)):
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
            if qualname in AUTOTUNE_ATTRIBUTES:
                return Autotune(qualname)
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
            # Depth first through in-module bases, with an explicit stack: a hierarchy deeper than
            # the recursion limit is valid Python. Frames are [class, seen, next base, found].
            if cls.name in verdicts and verdicts[cls.name] is not None:
                return verdicts[cls.name]
            stack: list[list] = [[cls, seen, 0, []]]
            returned: list[str] | None = None
            while stack:
                frame = stack[-1]
                current, current_seen, index, found = frame
                if returned is not None:
                    found.extend(returned)
                    returned = None
                if index == len(current.bases):
                    verdicts[current.name] = found
                    stack.pop()
                    returned = found
                    continue
                frame[2] = index + 1
                base = current.bases[index]
                local = self.local_base_class(base, current)
                qualname = None if local is not None else self.qualname(base)
                if qualname and (is_keras_loader_base(qualname) or qualname in configured):
                    found.append(qualname)
                elif local is not None and base.id not in current_seen:
                    cached = verdicts.get(base.id)
                    if cached is not None:
                        found.extend(cached)
                    else:
                        stack.append([self.classes[base.id], current_seen | {base.id}, 0, []])
            return returned if returned is not None else []

        for node in self.nodes_of(ast.ClassDef):
            bases = keras_bases(node, frozenset({node.name}))
            if bases:
                loader = DataLoader(node, bases, self._mro(node))
                loader.methods = self._methods(loader.mro)
                loaders.append(loader)
        return loaders

    @functools.cached_property
    def _import_lines(self) -> dict[str, list[int]]:
        lines: dict[str, list[int]] = {}
        for node in self._import_nodes:
            for alias in node.names:
                name = alias.asname or alias.name.split(".")[0]
                lines.setdefault(name, []).append(node.lineno)
        return lines

    def local_base_class(self, base: ast.AST, cls: ast.ClassDef) -> ast.ClassDef | None:
        """The module class a base name refers to when ``cls`` is defined: a local class that is
        not an import, or one that shadows an earlier import of the same name."""
        if not isinstance(base, ast.Name) or base.id not in self.classes:
            return None
        local = self.classes[base.id]
        if base.id not in self.imports:
            return local
        if local.lineno >= cls.lineno:
            return None  # the import is what the name means at this point
        if any(local.lineno < line < cls.lineno for line in self._import_lines.get(base.id, ())):
            return None  # re-imported after the local class
        return local

    def _mro(self, cls: ast.ClassDef) -> list[ast.ClassDef]:
        order: list[ast.ClassDef] = []
        stack = collections.deque([cls])
        seen: set[int] = set()
        while stack:
            current = stack.popleft()
            if id(current) in seen:
                continue
            seen.add(id(current))
            order.append(current)
            for base in current.bases:
                local = self.local_base_class(base, current)
                if local is not None:
                    stack.append(local)
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

    @functools.cached_property
    def _self_attribute_uses(self) -> dict[int, list[SelfAttributeUse]]:
        by_loader: dict[int, list[SelfAttributeUse]] = {}
        for loader in self.data_loaders:
            uses = [use for fn in loader.methods.values() for use in _self_attribute_uses_in(fn)]
            inherited = _helper_guards(loader, uses)
            by_loader[id(loader.node)] = [
                replace(use, guards=use.guards + inherited[use.method.name])
                if inherited.get(use.method.name)
                else use
                for use in uses
            ]
        return by_loader

    def self_attribute_uses(self, loader: DataLoader) -> list[SelfAttributeUse]:
        """Every ``self.<attr>`` in the loader's methods (its own and in-module bases'), classified."""
        return self._self_attribute_uses.get(id(loader.node), [])

    @functools.cached_property
    def loader_class_statements(self) -> set[int]:
        """``id()`` of every statement written directly in the body of a data loader class."""
        return {id(stmt) for loader in self.data_loaders for stmt in loader.node.body}

    def instance_attribute_reads(self, loader: DataLoader) -> dict[str, ast.Attribute]:
        """Attributes read outside the class from an instance of the loader (``ds.calls``)."""
        return self._instance_attribute_reads.get(id(loader), {})

    @functools.cached_property
    def _instance_attribute_reads(self) -> dict[int, dict[str, ast.Attribute]]:
        """{id(loader): {attr: first read}}, for every loader in one pass over the module."""
        by_loader: dict[int, dict[str, ast.Attribute]] = {}
        if not self.data_loaders:
            return by_loader
        for scope, fn in [(self.tree, None)] + [(fn, fn) for fn in self.all_functions]:
            for node in walk_scope(scope):
                if not (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.ctx, ast.Load)
                    and isinstance(node.value, ast.Name)
                ):
                    continue
                if fn is not None and node.value.id == self_name_of(fn):
                    continue
                value, value_scope = self.binding_at_launch(node.value.id, fn)
                if value is None:
                    continue
                loader = self.loader_for_instance(value, value_scope)[0]
                if loader is not None:
                    by_loader.setdefault(id(loader), {}).setdefault(node.attr, node)
        return by_loader

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

    def loader_runs_in_main_thread(self, loader: DataLoader) -> bool:
        """The class fixes its own settings so that Keras starts no worker at all:
        ``super().__init__(workers=1, use_multiprocessing=False)`` or ``workers <= 0``."""
        mp, workers = self.class_worker_settings(loader)
        return workers is not None and (workers <= 0 or (workers == 1 and mp is False))

    # ----------------------------------------------------------------- keras version
    @functools.cached_property
    def keras_version_evidence(self) -> dict[int, ast.AST]:
        """{2 or 3: first node that shows it} from the module's imports and API use."""
        evidence: dict[int, ast.AST] = {}
        version_attrs = {"PyDataset", "src", "ops", "config", "data_utils", "engine"}
        # From the module's index, not a new walk; "first" is first in source order.
        candidates = self._import_nodes + [
            node
            for node in self.nodes_of(ast.Attribute)
            if node.attr in version_attrs or node.attr in KERAS2_ONLY_METHODS
        ]
        candidates.sort(key=lambda node: (node.lineno, node.col_offset))
        for node in candidates:
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Attribute):
                if node.attr in KERAS2_ONLY_METHODS and isinstance(node.ctx, ast.Load):
                    evidence.setdefault(2, node)
                    continue
                if node.attr in version_attrs:
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
        found = list(self._calls_with_function)
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

    def launch_label(self, launch: Launch) -> str:
        func = launch.call.func
        owner = func.value if isinstance(func, ast.Attribute) else None
        owner_text = source_text(owner, unprintable="") if owner is not None else ""
        return f"{owner_text}.{launch.method}(...)" if owner_text else f"{launch.method}(...)"

    # ----------------------------------------------------------------- launch inputs (3xx)
    @functools.cached_property
    def uses_keras(self) -> bool:
        """The module imports keras, tensorflow or tf_keras, so its fit/evaluate/predict are Keras'."""
        return any(target.split(".")[0] in KERAS_IMPORT_ROOTS for target in self.imports.values())

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

    def launch_inputs(self, launch: Launch) -> list[ast.expr]:
        """What a launch iterates with its workers: x (or generator=) and fit's validation_data."""
        inputs = [launch.data] if launch.data is not None else []
        if launch.method in ("fit", "fit_generator"):
            validation = keyword(launch.call, "validation_data")
            if validation is not None:
                inputs.append(validation)
        return inputs

    def launch_parallelism(self, launch: Launch) -> str | None:
        """"processes", "threads" (more than one worker thread), "threads or processes" (more than
        one worker, use_multiprocessing unknown), or None: main thread, one thread, or unknown."""
        call, fn = launch.call, launch.function
        mp = self.use_multiprocessing(launch)
        if mp is True:
            return "processes"
        mp_given = keyword(call, "use_multiprocessing") is not None
        if keyword(call, "workers") is not None:
            workers = self.resolve_int(keyword(call, "workers"), fn)
        elif launch.loader is not None and not mp_given:
            workers = self.loader_worker_settings(launch.loader, launch.loader_call, fn)[1]
        else:
            workers = UNKNOWN if has_star_kwargs(call) else 1
        if workers is UNKNOWN or workers <= 1:
            return None
        if mp is False and (mp_given or launch.loader is not None or not has_star_kwargs(call)):
            return "threads"
        return "threads or processes"

    @functools.cached_property
    def main_guard_values(self) -> dict[str, ast.expr]:
        """Names bound exactly once under ``if __name__ == "__main__":`` and nowhere else at
        module level -> their value (a launch under the guard sees that binding)."""
        counts: dict[str, int] = {}
        values: dict[str, ast.expr] = {}
        for guard in self.main_guards:
            for node in walk_scope(ast.Module(body=guard.body, type_ignores=[])):
                names: list[str] = []
                if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                    names = [node.id]
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    names = [node.name]
                elif isinstance(node, (ast.Import, ast.ImportFrom)):
                    names = [alias.asname or alias.name.split(".")[0] for alias in node.names]
                for name in names:
                    counts[name] = counts.get(name, 0) + 1
                if (
                    isinstance(node, ast.Assign)
                    and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)
                ):
                    values[node.targets[0].id] = node.value
        return {
            name: value
            for name, value in values.items()
            if counts.get(name) == 1 and name not in self.module_bound and name not in self.global_writes
        }

    def binding_at_launch(self, name: str, fn: FunctionNode | None):
        """``binding_of``, plus names bound once under the main guard for module-level code."""
        value, scope = self.binding_of(name, fn)
        if value is None and fn is None:
            value = self.main_guard_values.get(name)
        return value, scope

    @functools.cached_property
    def method_owner(self) -> dict[int, ast.ClassDef]:
        """id(method) -> the class whose body defines it."""
        owners: dict[int, ast.ClassDef] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ClassDef):
                for stmt in node.body:
                    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        owners[id(stmt)] = node
        return owners

    def class_methods(self, cls: ast.ClassDef) -> dict[str, FunctionNode]:
        """Methods of a class defined in the module, including those of its in-module bases."""
        return self._methods(self._mro(cls))

    def definition_of(self, name: str, fn: FunctionNode | None) -> ast.AST | None:
        """The def or class statement a name refers to: a local one bound once in ``fn``, else a
        module-level one bound once; None for imports, parameters and rebound names."""
        if fn is not None and name in self.scope(fn).locals:
            if name in self.scope(fn).params:
                return None
            defs = []
            for node in walk_scope(fn):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    if node.name == name:
                        defs.append(node)
                elif isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load):
                    return None
            return defs[0] if len(defs) == 1 else None
        if name in self.imports or self.module_assign_counts.get(name) != 1 or name in self.global_writes:
            return None
        return self.functions.get(name) or self.classes.get(name)

    def instance_class(self, node: ast.AST, fn: FunctionNode | None) -> ast.ClassDef | None:
        """The module class of ``self`` in a method, or of a name bound once to ``Class(...)``."""
        if not isinstance(node, ast.Name):
            return None
        if fn is not None and node.id == self_name_of(fn) and node.id in self.scope(fn).params:
            return self.method_owner.get(id(fn))
        value, scope = self.binding_at_launch(node.id, fn)
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
            definition = self.definition_of(value.func.id, scope)
            if isinstance(definition, ast.ClassDef):
                return definition
        return None

    def plain_iterator(self, node: ast.AST | None, fn: FunctionNode | None, _depth: int = 0):
        """(description, is_generator) when an expression is a plain Python generator (a generator
        expression, a call of a generator function or method defined in the module) or an
        instance of a module class that defines ``__next__`` and is no data loader; else None."""
        if node is None or _depth > 4:
            return None
        if isinstance(node, ast.GeneratorExp):
            return "a generator expression", True
        if isinstance(node, ast.Name):
            value, scope = self.binding_at_launch(node.id, fn)
            found = self.plain_iterator(value, scope, _depth + 1)
            return (f"{found[0]} (via '{node.id}')", found[1]) if found else None
        if not isinstance(node, ast.Call):
            return None
        func = node.func
        if isinstance(func, ast.Name):
            definition = self.definition_of(func.id, fn)
            if isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if is_generator_function(definition):
                    return f"the generator {func.id}()", True
            elif isinstance(definition, ast.ClassDef):
                if not any(loader.node is definition for loader in self.data_loaders) and (
                    "__next__" in self.class_methods(definition)
                ):
                    return f"a {func.id} object (a plain iterator: its class defines __next__)", False
            return None
        if isinstance(func, ast.Attribute):
            owner = self.instance_class(func.value, fn)
            if owner is not None:
                method = self.class_methods(owner).get(func.attr)
                if method is not None and is_generator_function(method):
                    return f"the generator {source_text(func)}()", True
        return None

    def is_dataset_value(self, node: ast.AST | None, fn: FunctionNode | None, _depth: int = 0) -> bool:
        """A tf.data.Dataset built in the module: ``tf.data.Dataset.*(...)``, a tf.data
        ``*Dataset(...)`` class, Keras' ``*_dataset_from_*`` helpers, and chains of the
        Dataset methods that return a Dataset (``.batch()``, ``.prefetch()``, ``.map()``...)."""
        if node is None or _depth > 8:
            return False
        if isinstance(node, ast.Name):
            value, scope = self.binding_at_launch(node.id, fn)
            return self.is_dataset_value(value, scope, _depth + 1)
        if not isinstance(node, ast.Call):
            return False
        qualname = self.qualname(node.func, fn)
        if qualname is not None:
            return is_dataset_constructor(qualname)
        func = node.func
        return (
            isinstance(func, ast.Attribute)
            and func.attr in DATASET_METHODS
            and self.is_dataset_value(func.value, fn, _depth + 1)
        )

    def is_in_memory_value(self, node: ast.AST | None, fn: FunctionNode | None, _depth: int = 0) -> bool:
        """Arrays built in the module by numpy or pandas, and subscripts / array-preserving
        methods of them (``.values``, ``.astype()``, ``.reshape()``...)."""
        if node is None or _depth > 8:
            return False
        if isinstance(node, ast.Name):
            value, scope = self.binding_at_launch(node.id, fn)
            return self.is_in_memory_value(value, scope, _depth + 1)
        if isinstance(node, ast.Subscript):
            return self.is_in_memory_value(node.value, fn, _depth + 1)
        if isinstance(node, ast.Attribute):
            return node.attr in ARRAY_ATTRIBUTES and self.is_in_memory_value(node.value, fn, _depth + 1)
        if not isinstance(node, ast.Call):
            return False
        qualname = self.qualname(node.func, fn)
        if qualname is not None:
            return is_array_constructor(qualname, node)
        func = node.func
        return (
            isinstance(func, ast.Attribute)
            and func.attr in ARRAY_METHODS
            and self.is_in_memory_value(func.value, fn, _depth + 1)
        )

    def forwards_to_base_init(self, loader: DataLoader, name: str) -> bool:
        """Whether a ``name=`` keyword given to the loader's constructor reaches the Keras base:
        no ``__init__`` in the module, a parameter passed on as ``name=name``, or ``**kwargs``
        passed on whole to ``super().__init__``."""
        init = loader.methods.get("__init__")
        if init is None:
            return True
        args = init.args
        named = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
        star = args.kwarg.arg if args.kwarg else None
        for node in walk_scope(init):
            if not (isinstance(node, ast.Call) and is_super_init(node)):
                continue
            for kw in node.keywords:
                if name in named and kw.arg == name and isinstance(kw.value, ast.Name):
                    if kw.value.id == name:
                        return True
                if name not in named and kw.arg is None and isinstance(kw.value, ast.Name):
                    if kw.value.id == star:
                        return True
        return False

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


def is_super_init(call: ast.Call) -> bool:
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr == "__init__"):
        return False
    value = func.value
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "super":
        return True
    # Base.__init__(self, ...) spelled out
    return isinstance(value, (ast.Name, ast.Attribute))


def source_text(node: ast.AST, limit: int = 40, unprintable: str = "...") -> str:
    """An expression as source for a message: ``ast.unparse`` shortened to ``limit`` characters.
    Never raises: ``unprintable`` when the expression is nested too deeply to print."""
    try:
        text = ast.unparse(node)
    except Exception:  # RecursionError on expressions nested deeper than unparse can go
        return unprintable
    return text if len(text) <= limit else text[: limit - 3] + "..."


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


def _guarded_statements(body, self_name, guards=(), tests=()):
    """Every statement of ``body`` (nested blocks included, nested scopes not) as
    ``(statement, guards, tests)``: the attributes tested by the lazy-initialisation guards
    around it (``if self.x is None:``, ``if not hasattr(self, "x"):``, ``try: self.x`` /
    ``except``, or an earlier ``if k in self.x: return ...`` in the same block) and the tests of
    the if/while statements it is nested in."""
    for stmt in body:
        yield stmt, guards, tests
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(stmt, (ast.If, ast.While)):
            inner = guards + tuple(_guard_attrs(stmt.test, self_name))
            inner_tests = tests + (stmt.test,)
            yield from _guarded_statements(stmt.body, self_name, inner, inner_tests)
            yield from _guarded_statements(stmt.orelse, self_name, inner, inner_tests)
            if isinstance(stmt, ast.If) and not stmt.orelse and _leaves_block(stmt.body):
                guards = inner  # the rest of the block runs only when the test failed
            continue
        if isinstance(stmt, ast.Try) or (hasattr(ast, "TryStar") and isinstance(stmt, ast.TryStar)):
            # try: self.x  except AttributeError: self.x = ...  is a lazy guard too
            inner = guards
            for node in ast.walk(ast.Module(body=stmt.body, type_ignores=[])):
                attr = is_self_attribute(node, self_name)
                if attr:
                    inner = inner + (attr,)
            yield from _guarded_statements(stmt.body, self_name, guards, tests)
            for handler in stmt.handlers:
                yield from _guarded_statements(handler.body, self_name, inner, tests)
            yield from _guarded_statements(stmt.orelse, self_name, guards, tests)
            yield from _guarded_statements(stmt.finalbody, self_name, guards, tests)
            continue
        for child_body in _child_bodies(stmt):
            yield from _guarded_statements(child_body, self_name, guards, tests)


def _leaves_block(body: list[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[-1], (ast.Return, ast.Raise, ast.Continue, ast.Break))


def _own_expressions(stmt: ast.stmt) -> list[ast.AST]:
    """The parts of a statement that it evaluates itself (not its nested statements)."""
    if isinstance(stmt, (ast.If, ast.While)):
        return [stmt.test]
    if isinstance(stmt, (ast.For, ast.AsyncFor)):
        return [stmt.target, stmt.iter]
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return list(stmt.items)
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return []
    if isinstance(stmt, ast.Try) or (hasattr(ast, "TryStar") and isinstance(stmt, ast.TryStar)):
        return [handler.type for handler in stmt.handlers if handler.type is not None]
    if hasattr(ast, "Match") and isinstance(stmt, ast.Match):
        return [stmt.subject]
    return [stmt]


def _assigned_value(stmt: ast.stmt, target: ast.AST) -> ast.expr | None:
    """The value a plain assignment, annotated assignment or ``with ... as`` gives ``target``."""
    if isinstance(stmt, ast.Assign):
        for whole in stmt.targets:
            if whole is target:
                return stmt.value
            if (
                isinstance(whole, (ast.Tuple, ast.List))
                and isinstance(stmt.value, (ast.Tuple, ast.List))
                and len(whole.elts) == len(stmt.value.elts)
            ):
                for element, value in zip(whole.elts, stmt.value.elts):
                    if element is target:
                        return value
    elif isinstance(stmt, ast.AnnAssign) and stmt.target is target:
        return stmt.value
    elif isinstance(stmt, (ast.With, ast.AsyncWith)):
        for item in stmt.items:
            if item.optional_vars is target:
                return item.context_expr
    return None


def _helper_guards(loader: DataLoader, uses: list[SelfAttributeUse]) -> dict[str, tuple[str, ...]]:
    """The attributes tested by the lazy-initialisation guards around every use of each worker
    helper in worker code: ``if self.x is None: self._load_x()`` gives ``_load_x`` the guard
    ``x``. A helper used any other way from worker code (an unguarded call, a bound-method read)
    gets none; ``__getitem__`` is the entry point, never a helper."""
    worker_fns = {id(fn) for fn in loader.worker_methods.values()}
    guards: dict[str, set[str]] = {}
    for use in uses:
        if id(use.method) not in worker_fns or use.attr not in loader.worker_methods:
            continue
        if use.attr == "__getitem__":
            continue
        tested = set(use.guards) if use.use == "call-self" else set()
        guards[use.attr] = tested if use.attr not in guards else guards[use.attr] & tested
    return {name: tuple(sorted(tested)) for name, tested in guards.items() if tested}


def _self_attribute_uses_in(fn: FunctionNode) -> Iterator[SelfAttributeUse]:
    self_name = self_name_of(fn)
    if self_name is None:
        return
    for stmt, guards, tests in _guarded_statements(fn.body, self_name):
        parents: dict[int, ast.AST] = {}
        stack = list(_own_expressions(stmt))
        found: list[ast.Attribute] = []
        while stack:
            node = stack.pop()
            if is_self_attribute(node, self_name):
                found.append(node)
            for child in ast.iter_child_nodes(node):
                if not isinstance(child, ast.Lambda):
                    parents[id(child)] = node
                    stack.append(child)
        for node in sorted(found, key=lambda n: (n.lineno, n.col_offset)):
            use, extra = _classify_self_attribute(node, stmt, parents)
            yield SelfAttributeUse(node.attr, use, node, stmt, fn, guards, tests, **extra)


def _classify_self_attribute(node: ast.Attribute, stmt: ast.stmt, parents: dict[int, ast.AST]):
    if isinstance(node.ctx, ast.Store):
        if isinstance(stmt, ast.AugAssign) and stmt.target is node:
            return "augment", {}
        return "rebind", {"value": _assigned_value(stmt, node)}
    if isinstance(node.ctx, ast.Del):
        return "delete", {}
    top: ast.AST = node
    while isinstance(parents.get(id(top)), ast.Subscript) and parents[id(top)].value is top:
        top = parents[id(top)]
    if top is not node and isinstance(top.ctx, (ast.Store, ast.Del)):
        if isinstance(top.ctx, ast.Del):
            return "item-delete", {"key": top.slice}
        if isinstance(stmt, ast.AugAssign) and stmt.target is top:
            return "item-augment", {"key": top.slice}
        return "item-store", {"key": top.slice}
    parent = parents.get(id(top))
    if isinstance(parent, ast.Attribute) and parent.value is top:
        if isinstance(parent.ctx, (ast.Store, ast.Del)):
            return "attr-store", {}
        grand = parents.get(id(parent))
        if isinstance(grand, ast.Call) and grand.func is parent:
            return "call", {"name": parent.attr}
        return "read", {}
    if isinstance(parent, ast.Call):
        if parent.func is top:
            return ("call-self", {}) if top is node else ("read", {})
        return "argument", {}
    if isinstance(parent, ast.keyword) and isinstance(parents.get(id(parent)), ast.Call):
        return "argument", {}
    if isinstance(parent, ast.Compare) and top in parent.comparators:
        if isinstance(parent.ops[parent.comparators.index(top)], (ast.In, ast.NotIn)):
            return "membership", {}
    return "read", {}


def _self_assignments_in(fn, body, self_name, guard_attrs) -> Iterator[SelfAssignment]:
    for stmt, guards, _tests in _guarded_statements(body, self_name, tuple(guard_attrs)):
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
                    yield SelfAssignment(attr, element_value, stmt, fn, attr in guards)


# ------------------------------------------------------------------- launch inputs (3xx)
# The keyword arguments Keras 2 takes on fit/evaluate/predict and Keras 3 on PyDataset.__init__.
WORKER_ARGUMENTS = frozenset({"workers", "use_multiprocessing", "max_queue_size"})
KERAS_IMPORT_ROOTS = frozenset({"keras", "tensorflow", "tf_keras"})

# tf.data.Dataset methods that return a Dataset (as_numpy_iterator() and friends do not).
DATASET_METHODS = frozenset(
    {
        "apply", "batch", "bucket_by_sequence_length", "cache", "concatenate", "enumerate",
        "filter", "flat_map", "group_by_window", "ignore_errors", "interleave", "map",
        "padded_batch", "prefetch", "ragged_batch", "rebatch", "rejection_resample", "repeat",
        "scan", "shard", "shuffle", "skip", "snapshot", "sparse_batch", "take", "take_while",
        "unbatch", "unique", "window", "with_options", "zip",
    }
)
TF_DATASET_CLASSES = frozenset(
    {
        "tensorflow.data.TFRecordDataset",
        "tensorflow.data.TextLineDataset",
        "tensorflow.data.FixedLengthRecordDataset",
        "tensorflow.data.experimental.CsvDataset",
        "tensorflow.data.experimental.SqlDataset",
        "tensorflow.data.experimental.make_csv_dataset",
        "tensorflow.data.experimental.make_batched_features_dataset",
    }
)
KERAS_DATASET_HELPERS = frozenset(
    {
        "image_dataset_from_directory",
        "text_dataset_from_directory",
        "audio_dataset_from_directory",
        "timeseries_dataset_from_array",
    }
)

# numpy callables that do not return an array (iterators, RNG objects, context managers...).
NUMPY_NON_ARRAYS = frozenset(
    {
        "numpy.nditer", "numpy.ndenumerate", "numpy.ndindex", "numpy.nested_iters",
        "numpy.vectorize", "numpy.frompyfunc", "numpy.errstate", "numpy.printoptions",
        "numpy.dtype", "numpy.finfo", "numpy.iinfo", "numpy.seterr", "numpy.geterr",
        "numpy.random.default_rng", "numpy.random.RandomState", "numpy.random.Generator",
        "numpy.random.SeedSequence", "numpy.random.BitGenerator", "numpy.random.PCG64",
        "numpy.random.PCG64DXSM", "numpy.random.MT19937", "numpy.random.Philox",
        "numpy.random.SFC64",
    }
)
PANDAS_FRAMES = frozenset(
    {
        "pandas.DataFrame", "pandas.Series", "pandas.concat", "pandas.get_dummies",
        "pandas.merge", "pandas.to_numeric", "pandas.array",
    }
)
ARRAY_ATTRIBUTES = frozenset({"values", "T"})
ARRAY_METHODS = frozenset(
    {
        "astype", "reshape", "to_numpy", "copy", "squeeze", "transpose", "flatten", "ravel",
        "drop", "dropna", "fillna",
    }
)


def is_generator_function(fn: FunctionNode) -> bool:
    """A plain ``def`` whose body yields (decorated ones may be context managers or other wrappers)."""
    return (
        isinstance(fn, ast.FunctionDef)
        and not fn.decorator_list
        and any(isinstance(node, (ast.Yield, ast.YieldFrom)) for node in walk_scope(fn))
    )


def is_dataset_constructor(qualname: str) -> bool:
    if qualname.startswith("tensorflow.data.Dataset.") or qualname in TF_DATASET_CLASSES:
        return True
    head, _, last = qualname.rpartition(".")
    return last in KERAS_DATASET_HELPERS and (head + ".").startswith(
        tuple(root + "." for root in KERAS_ROOTS)
    )


def is_array_constructor(qualname: str, call: ast.Call) -> bool:
    if qualname.startswith("numpy."):
        return qualname not in NUMPY_NON_ARRAYS
    if qualname.startswith("pandas.read_"):
        # chunksize= / iterator= make the reader an iterator of frames
        return keyword(call, "chunksize") is None and keyword(call, "iterator") is None
    return qualname in PANDAS_FRAMES
