"""The class-hierarchy walk: which classes are Keras data loaders, their methods and what runs in
worker processes."""

from __future__ import annotations

import ast
import collections
import functools
import weakref
from dataclasses import dataclass, field

from .bindings import COUNTED_AGAIN
from .follow import too_deep
from .installed_bases import installed_loader_bases
from .keras_api import (
    ENQUEUERS,
    GIVEN_TO_KERAS,
    KERAS_SUBMODULE_HELPERS,
    KERAS_SUBMODULES,
    LAUNCH_METHODS,
    NOT_LOADER_ROOTS,
    PICKLE_HOOKS,
    WORKER_ENTRY,
    import_path_uses_keras,
    imports_keras,
    is_keras_loader_base,
)
from .module import ModuleWalk
from .resolver import Resolver
from .syntax import (
    FunctionNode,
    is_self_attribute,
    keyword,
    self_name_of,
    target_names,
    walk_scope,
)
from .torch_api import TORCH_DATASET_BASES, TORCH_ITERABLE_DATASETS


def methods_of(mro: list[ast.ClassDef]) -> dict[str, FunctionNode]:
    """Method name -> the definition found first along ``mro``."""
    methods: dict[str, FunctionNode] = {}
    for cls in mro:
        for stmt in cls.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                methods.setdefault(stmt.name, stmt)
    return methods


@dataclass
class DataLoader:
    """A Keras data loader class defined in the module."""

    node: ast.ClassDef
    keras_bases: list[str]  # qualified Keras/configured bases reached through the hierarchy
    mro: list[ast.ClassDef]  # the class, then its in-module bases (depth first)
    methods: dict[str, FunctionNode] = field(default_factory=dict)
    worker_methods: dict[str, FunctionNode] = field(default_factory=dict)
    # a weak reference to the module facts that define it (no cycle keeps a tree alive), their
    # file, and its bases in other project modules (facts, class)
    owner_ref: object = field(default=None, repr=False, compare=False)
    path: object = field(default=None, repr=False, compare=False)
    foreign: list = field(default_factory=list, repr=False, compare=False)

    @property
    def owner(self):
        return self.owner_ref() if self.owner_ref is not None else None

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def by_use(self) -> bool:
        """A data loader only by use (its base is unknown): no Keras contract can be checked."""
        return self.keras_bases == [GIVEN_TO_KERAS]

    @property
    def pipeline(self) -> str | None:
        """"torch" for a torch Dataset (a DataLoader runs it), None for a Keras loader."""
        if self.keras_bases and all(base in TORCH_DATASET_BASES for base in self.keras_bases):
            return "torch"
        return None

    @property
    def worker_entry(self) -> str:
        """The method workers call: ``__iter__`` for a torch IterableDataset."""
        if self.pipeline == "torch" and any(base in TORCH_ITERABLE_DATASETS for base in self.keras_bases):
            return "__iter__"
        return WORKER_ENTRY

    @property
    def is_pydataset(self) -> bool:
        return any(base.rpartition(".")[2] == "PyDataset" for base in self.keras_bases)

    @property
    def all_classes(self) -> list[ast.ClassDef]:
        """Its MRO's classes: in-module ones, then those of other project modules."""
        return self.mro + [cls for _owner, cls in self.foreign]

    @property
    def method_names(self) -> set[str]:
        """Methods it has from any class of its MRO that the project defines."""
        return set(self.methods) | set(methods_of([cls for _owner, cls in self.foreign]))

    @property
    def key(self) -> tuple:
        """(file, class name, line): names the class across the project."""
        return (self.path, self.node.name, self.node.lineno)

    @property
    def lineage(self) -> frozenset:
        """The keys of every class of its MRO that the project defines."""
        own = {(self.path, cls.name, cls.lineno) for cls in self.mro}
        return frozenset(own | {(owner.path, cls.name, cls.lineno) for owner, cls in self.foreign})

    @property
    def defines_pickle_hooks(self) -> bool:
        return any(name in PICKLE_HOOKS for name in self.method_names) or any(
            isinstance(stmt, (ast.Assign, ast.AnnAssign))
            and any(
                name in PICKLE_HOOKS
                for t in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target])
                for name in target_names(t)
            )
            for cls in self.all_classes
            for stmt in cls.body
        )


def reachable_methods(methods: dict[str, FunctionNode], entry: str) -> dict[str, FunctionNode]:
    """``entry`` and every method it reaches through ``self.<method>(...)`` (and properties)."""
    if entry not in methods:
        return {}
    reached: dict[str, FunctionNode] = {}
    pending = [entry]
    while pending:
        name = pending.pop()
        if name in reached or name not in methods:
            continue
        fn = methods[name]
        reached[name] = fn
        self_name = self_name_of(fn)
        if self_name is None:
            continue
        for node in walk_scope(fn):
            attr = is_self_attribute(node, self_name)
            if attr and attr in methods and attr not in reached:
                pending.append(attr)
    return reached


class LoaderHierarchy:
    """Data loaders and class hierarchies, on top of the module walk and the resolver."""

    def __init__(self, walk: ModuleWalk, resolver: Resolver) -> None:
        self.walk = walk
        self.resolver = resolver

    @functools.cached_property
    def data_loaders(self) -> list[DataLoader]:
        """The module's data loader classes, in ast.walk's order."""
        loaders = []
        used = self.classes_given_to_keras
        for node in self.walk.nodes_of(ast.ClassDef):
            bases = self.class_keras_bases(node)
            if not bases and id(node) in used:
                bases = [GIVEN_TO_KERAS]
            if bases:
                mro = self.class_mro(node)
                loader = DataLoader(
                    node,
                    bases,
                    mro,
                    methods_of(mro),
                    owner_ref=weakref.ref(self.walk.facts),
                    path=self.walk.path,
                )
                project = self.walk.project
                loader.foreign = project.foreign_mro(self.walk.facts, mro) if project else []
                loader.worker_methods = self._worker_methods(loader)
                loaders.append(loader)
        return loaders

    @functools.cached_property
    def classes_given_to_keras(self) -> set[int]:
        """``id()`` of the module's classes that are data loaders by use: the module (which
        uses Keras) passes an instance to a launch (``model.fit(Gen(...))``, also through a name
        bound once) or to Keras' ``OrderedEnqueuer``, the class defines ``__getitem__`` and
        ``__len__``, and one of its bases is unknown here (reached at run time, or from a package
        that is not installed) while none is known to be something else. Installed packages
        play no part: the use is the proof."""
        if not self.walk.classes or not imports_keras(self.walk.import_paths):
            return set()
        shaped = [
            cls
            for cls in self.walk.classes.values()
            if any(stmt.name == "__getitem__" for cls_ in self.class_mro(cls) for stmt in cls_.body if isinstance(stmt, ast.FunctionDef))
        ]
        if not shaped:
            return set()  # no class could be a loader by use
        found: set[int] = set()
        for call, fn in self.walk.calls_by_function:
            func = call.func
            last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if last in LAUNCH_METHODS and isinstance(func, ast.Attribute):
                data = call.args[0] if call.args else keyword(call, "x")
            elif last in ENQUEUERS and import_path_uses_keras(self.resolver.qualname(func, fn) or ""):
                data = call.args[0] if call.args else keyword(call, "sequence")
            else:
                continue
            value, scope = self.resolver.follow(data, fn, at_launch=True)
            if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)):
                continue
            cls = self.resolver.definition_of(value.func.id, scope)
            if (
                isinstance(cls, ast.ClassDef)
                and self.walk.classes.get(cls.name) is cls
                and self._loader_shaped(cls)
            ):
                found.add(id(cls))
        return found

    def _loader_shaped(self, cls: ast.ClassDef) -> bool:
        """Defines ``__getitem__`` and ``__len__``, and has a base the module cannot tell (none
        known to be a plain class, a container, a torch or grain dataset)."""
        mro = self.class_mro(cls)
        if not {"__getitem__", "__len__"} <= set(methods_of(mro)):
            return False
        unknown = False
        for current in mro:
            for base in current.bases:
                if self.local_base_class(base, current) is not None:
                    continue
                qualname = self.base_qualname(base)
                if qualname is None:
                    unknown = unknown or isinstance(base, (ast.Name, ast.Attribute))
                elif qualname.split(".")[0] in NOT_LOADER_ROOTS or qualname.startswith(".") or (
                    self.walk.project is not None and self._in_project(qualname)
                ):
                    return False  # known to be something else (a project class on no loader base)
                else:
                    unknown = True  # an installed package that could not be read
        return unknown

    @functools.cached_property
    def data_loaders_by_name(self) -> dict[str, DataLoader]:
        return {loader.name: loader for loader in self.data_loaders}

    def owner_of(self, loader: DataLoader):
        """The facts of the module that defines a loader: this one, or another project module."""
        owner = loader.owner
        if owner is None and self.walk.project is not None and loader.path is not None:
            owner = self.walk.project.facts_of(loader.path)
        return owner if owner is not None else self.walk.facts

    def loader_for_class(self, cls: ast.ClassDef) -> DataLoader | None:
        for loader in self.data_loaders:
            if loader.node is cls:
                return loader
        return None

    def _worker_methods(self, loader: DataLoader) -> dict[str, FunctionNode]:
        """The loader's own methods that worker code reaches, also through methods of its
        bases in other project modules (a base's ``__getitem__`` calling ``self.load()``)."""
        if not loader.foreign:
            return reachable_methods(loader.methods, loader.worker_entry)
        merged = dict(loader.methods)
        for _owner, cls in loader.foreign:
            for name, fn in methods_of([cls]).items():
                merged.setdefault(name, fn)
        own = {id(fn) for fn in loader.methods.values()}
        reached = reachable_methods(merged, loader.worker_entry)
        return {name: fn for name, fn in reached.items() if id(fn) in own}

    def class_keras_bases(self, cls: ast.ClassDef, installed_seen: frozenset = frozenset()) -> list[str]:
        """The qualified Keras (or configured) loader bases a class of the module reaches through
        its bases: in-module ones, project classes of other modules, and classes of installed
        packages read from their source (``installed_seen``: the installed classes on the way)."""
        configured = set(self.walk.options.sequence_bases)
        verdicts = self._keras_base_verdicts
        if verdicts.get(cls.name) is not None:
            return verdicts[cls.name]
        # Depth first through in-module bases, with an explicit stack: a hierarchy deeper than
        # the recursion limit is valid Python. Frames are [class, seen, next base, found].
        stack: list[list] = [[cls, frozenset({cls.name}), 0, []]]
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
            qualname = None if local is not None else self.base_qualname(base)
            if qualname and (is_keras_loader_base(qualname) or qualname in configured):
                found.append(qualname)
            elif local is not None and base.id not in current_seen:
                cached = verdicts.get(base.id)
                if cached is not None:
                    found.extend(cached)
                else:
                    stack.append([self.walk.classes[base.id], current_seen | {base.id}, 0, []])
            elif local is None:
                project = self.walk.project
                through = project.keras_bases_of_base(self.walk.facts, base) if project is not None else []
                if not through and qualname and not self._in_project(qualname):
                    through = installed_loader_bases(
                        qualname, self.walk.options, type(self.walk.facts), installed_seen
                    )
                found.extend(through)
        return returned if returned is not None else []

    def _in_project(self, qualname: str) -> bool:
        """A dotted name that leads into the project (relative, or a project module)."""
        if qualname.startswith("."):
            return True
        return self.walk.project is not None and self.walk.path is not None and (
            self.walk.project.project.resolve_name(qualname, self.walk.path) is not None
        )

    def base_qualname(self, base: ast.AST, _depth: int = 0) -> str | None:
        """The dotted name a base class expression means: through the imports, and through
        module-level names and attributes bound to such names (``Base = keras.utils.Sequence``,
        ``utils = keras.utils`` then ``utils.Sequence``, ``get_keras_submodule("utils").Sequence``).
        A name bound more than once counts when every value means the same, fallbacks to
        ``object`` aside (``try: Base = ... except ImportError: Base = object``)."""
        qualname = self.resolver.qualname(base)
        if qualname is not None or too_deep(_depth):
            return qualname
        if isinstance(base, ast.Name):
            walk = self.walk
            if base.id in walk.global_writes or base.id in walk.imports or base.id in walk.classes:
                return None
            sources = [
                source
                for source in self.walk.module_table.sources.get(base.id, ())
                if source is not COUNTED_AGAIN
            ]
            found = set()
            for source in sources:
                if not isinstance(source, ast.expr):
                    return None  # a def, a loop target, an unpacked value...
                meant = self.base_qualname(source, _depth + 1)
                if meant != "builtins.object":
                    found.add(meant)
            return found.pop() if len(found) == 1 else None
        if isinstance(base, ast.Attribute):
            owner = self.base_qualname(base.value, _depth + 1)
            return f"{owner}.{base.attr}" if owner else None
        if isinstance(base, ast.Call) and len(base.args) == 1 and not base.keywords:
            helper = self.resolver.qualname(base.func)
            name = base.args[0].value if isinstance(base.args[0], ast.Constant) else None
            if helper in KERAS_SUBMODULE_HELPERS and name in KERAS_SUBMODULES:
                return f"keras.{name}"
        return None

    @functools.cached_property
    def _imported_loaders(self) -> dict[str | None, bool]:
        return {}

    @functools.cached_property
    def _keras_base_verdicts(self) -> dict[str, list[str] | None]:
        return {}

    @functools.cached_property
    def _import_lines(self) -> dict[str, list[int]]:
        lines: dict[str, list[int]] = {}
        for node in self.walk.import_nodes:
            for alias in node.names:
                name = alias.asname or alias.name.split(".")[0]
                lines.setdefault(name, []).append(node.lineno)
        return lines

    def local_base_class(self, base: ast.AST, cls: ast.ClassDef) -> ast.ClassDef | None:
        """The module class a base name refers to when ``cls`` is defined: a local class that is
        not an import, or one that shadows an earlier import of the same name."""
        if not isinstance(base, ast.Name) or base.id not in self.walk.classes:
            return None
        local = self.walk.classes[base.id]
        if base.id not in self.walk.imports:
            return local
        if local.lineno >= cls.lineno:
            return None  # the import is what the name means at this point
        if any(local.lineno < line < cls.lineno for line in self._import_lines.get(base.id, ())):
            return None  # re-imported after the local class
        return local

    def class_mro(self, cls: ast.ClassDef) -> list[ast.ClassDef]:
        """The class, then its in-module bases, breadth first, each once."""
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

    def class_methods(self, cls: ast.ClassDef) -> dict[str, FunctionNode]:
        """Methods of a class defined in the module, including those of its in-module bases."""
        return methods_of(self.class_mro(cls))

    @functools.cached_property
    def loader_class_statements(self) -> set[int]:
        """``id()`` of every statement written directly in the body of a data loader class."""
        return {id(stmt) for loader in self.data_loaders for stmt in loader.node.body}

    def imported_loader_called(self, call: ast.Call, fn: FunctionNode | None) -> DataLoader | None:
        """The data loader of another project module that a call constructs, through an import."""
        if self.walk.project is None or not isinstance(call.func, (ast.Name, ast.Attribute)):
            return None
        root = call.func
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name) or root.id not in self.walk.imports:
            return None
        if fn is not None and root.id not in self.walk.module_table and root.id in self.walk.scope(fn).locals:
            # imported in the function only (the function's scope is built only then: most calls
            # are of module-level imports)
            if self.resolver.local_import(root.id, fn) is None:
                return None
            qualname = self.resolver.qualname(call.func, fn)
        else:
            qualname = self.resolver.qualname(call.func)  # what the module's import makes of it
        if qualname not in self._imported_loaders:
            self._imported_loaders[qualname] = self.walk.project.names_loader(self.walk.facts, qualname)
        if not self._imported_loaders[qualname]:
            return None
        return self.walk.project.loader_of(self.walk.facts, call.func, fn)
