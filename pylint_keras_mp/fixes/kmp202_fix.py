"""KMP202's fix (unsafe): a file, HDF5 file, LMDB environment or lock made in a loader's
``__init__`` is made again in each worker process, when the loader is unpickled there.

The arguments of the call are stored on self (they are evaluated once, where they were), the
handle is made from them as before, and the class gets a ``__getstate__`` that leaves the
handles out of the pickled state and a ``__setstate__`` that makes them again from the stored
arguments::

    def __init__(self, path):
        self._f_args = (path, "rb")
        self.f = open(*self._f_args)

    def __getstate__(self):
        state = self.__dict__.copy()
        state["f"] = None  # an open file cannot be pickled: each worker process opens its own
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.f = open(*self._f_args)

The parent process behaves as before. Unsafe because a worker's handle is not the parent's: a
file is opened again at position 0 (what the parent read or sought is not where the worker
starts), and a lock is one per worker (it no longer excludes the other processes, which have
their own copy of what it guards). Every handle of the class that qualifies is fixed at once, so
that they share one ``__getstate__``/``__setstate__``.

Offered only for what is certainly made again the same way: ``open``/``io.open``/``gzip.open``/
``bz2.open``/``lzma.open`` in a read mode (a literal mode without ``w``, ``a``, ``x`` or ``+``, or
the default), ``h5py.File`` with the literal mode ``"r"``, ``lmdb.open`` with
``readonly=True``, and ``threading.Lock()``/``threading.RLock()``; written as one plain
``self.<attr> = call(...)`` statement directly in the body of the class's own ``__init__``; with
arguments the fix can keep (no ``*``/``**``, no lambda, generator, local function or class, no
value the rule knows cannot be pickled, no comment inside the call); in a class of a module
(not a notebook) whose bases are all Keras or torch loader bases or classes of the same module,
none of which defines ``__getstate__``, ``__setstate__``, ``__reduce__``, ``__reduce_ex__`` or
``__slots__`` and none of whose bases of the module has an ``__init__`` of its own (its handles
would be another class's pickling); an attribute nothing else assigns or deletes (in the class,
its bases and subclasses of the module, or through anything but ``self``).
"""

from __future__ import annotations

import ast
import io
import textwrap
import tokenize
from dataclasses import dataclass

from ..facts import BUILTIN_NAMES
from ..facts.hierarchy import methods_of
from ..facts.keras_api import PICKLE_HOOKS, is_keras_loader_base
from ..rules._attributes import stored_attributes
from ..rules.kmp202_unpicklable_attribute import describe_unpicklable
from ..unpicklable import UNPICKLABLE_CONSTRUCTORS
from . import UNSAFE, Edit, Rewrite, RuleFix, apply_edits

# What is made again, by qualified name: files (and the position of their mode argument), an
# HDF5 file and an LMDB environment opened to read only, locks made without arguments.
FILES = {
    "builtins.open": 1,
    "io.open": 1,
    "gzip.open": 1,
    "bz2.open": 1,
    "lzma.open": 1,
}
HDF5 = "h5py.File"
LMDB = "lmdb.open"
LOCKS = frozenset({"threading.Lock", "threading.RLock"})
WRITING = ("w", "a", "x", "+")
HOOKS = PICKLE_HOOKS | {"__setstate__", "__slots__"}
# what may appear in an argument kept on self: a value the fix cannot keep or read otherwise
NOT_KEPT = (
    ast.Lambda,
    ast.GeneratorExp,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.NamedExpr,
    ast.Await,
    ast.Yield,
    ast.YieldFrom,
    ast.Starred,
)


@dataclass(frozen=True)
class Handle:
    stmt: ast.Assign
    attr: str
    call: ast.Call
    what: str  # how the rule names it: "an open file", "a lock"...


def _literal_string(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _argument(call: ast.Call, position: int, name: str):
    """The argument passed at ``position`` or as ``name``; ``False`` when it is not passed."""
    if len(call.args) > position:
        return call.args[position]
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return False


def _made_again_the_same(qualname: str, call: ast.Call) -> bool:
    """Whether making the handle again in a worker opens the same thing the same way."""
    if qualname in LOCKS:
        return not call.args and not call.keywords
    if not call.args:
        return False
    if isinstance(call.args[0], ast.Constant) and not isinstance(call.args[0].value, (str, bytes)):
        return False  # a file descriptor: another process's numbers
    if qualname in FILES:
        mode = _argument(call, FILES[qualname], "mode")
        if mode is False:
            return True  # the default mode reads
        text = _literal_string(mode)
        return text is not None and not any(flag in text for flag in WRITING)
    if qualname == HDF5:
        return _literal_string(_argument(call, 1, "mode")) == "r"
    if qualname == LMDB:
        readonly = _argument(call, len(call.args), "readonly")
        return len(call.args) == 1 and isinstance(readonly, ast.Constant) and readonly.value is True
    return False


def _keepable(facts, loader, init, call: ast.Call, self_name: str) -> bool:
    """Whether each argument can be stored on self and pickled with it."""
    if any(keyword.arg is None for keyword in call.keywords):
        return False
    local = facts.walk.scope(init).locals
    local_definitions = {
        node.name
        for node in ast.walk(init)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node is not init
    }
    values = [*call.args, *(keyword.value for keyword in call.keywords)]
    for value in values:
        parents = {id(child): node for node in ast.walk(value) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(value):
            if isinstance(node, NOT_KEPT):
                return False
            if isinstance(node, ast.Name) and node.id in local_definitions:
                return False
            if isinstance(node, ast.Name) and node.id == self_name:
                parent = parents.get(id(node))
                # self.<attribute>: the value read; self itself or one of its methods: no
                if not isinstance(parent, ast.Attribute) or parent.attr in loader.method_names:
                    return False
        if describe_unpicklable(facts, loader, init, value, UNPICKLABLE_CONSTRUCTORS):
            return False
    root = call.func
    while isinstance(root, ast.Attribute):
        root = root.value
    if (
        not isinstance(root, ast.Name)
        or root.id in local
        or root.id in facts.walk.global_writes
        or root.id in facts.walk.main_guard_bound  # not bound where a spawn worker imports
    ):
        return False  # __setstate__ must find the same callable under the same name
    return root.id in facts.walk.imports or (root.id in BUILTIN_NAMES and root.id not in facts.walk.module_bound)


def _comment_free(ctx, node) -> bool:
    text = ctx.segment(node)
    if text is None:
        return False
    try:
        return not any(
            token.type == tokenize.COMMENT
            for token in tokenize.generate_tokens(io.StringIO(text).readline)
        )
    except (tokenize.TokenError, SyntaxError):
        return False


def _own_line(ctx, stmt) -> bool:
    """The statement alone on its lines (no ``a; b``), a comment after it at most."""
    first = ctx.lines[stmt.lineno - 1]
    last = ctx.lines[stmt.end_lineno - 1]
    before = first[: ctx.char_column(stmt.lineno, stmt.col_offset)]
    after = last[ctx.char_column(stmt.end_lineno, stmt.end_col_offset) :].strip()
    return before.strip() == "" and "\t" not in before and (after == "" or after.startswith("#"))


def _bases_known(facts, loader) -> bool:
    """Every class of the loader's MRO is of this module, with only Keras/torch loader bases
    besides: nothing unseen can define how it is pickled."""
    if loader.foreign:
        return False
    if any("__init__" in methods_of([base]) for base in loader.mro[1:]):
        return False  # a base's __init__ may make handles of its own, which its pickling is for
    for cls in loader.mro:
        if cls.keywords:
            return False
        for base in cls.bases:
            if facts.hierarchy.local_base_class(base, cls) is not None:
                continue
            qualname = facts.hierarchy.base_qualname(base)
            if not qualname or not (is_keras_loader_base(qualname) or qualname == "builtins.object"):
                return False
    return True


def _defines_hooks(loader) -> bool:
    if loader.defines_pickle_hooks or HOOKS & loader.method_names:
        return True
    for cls in loader.all_classes:
        for stmt in cls.body:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [getattr(stmt, "target", None)]
            if any(isinstance(t, ast.Name) and t.id in HOOKS for t in targets):
                return True
    return False


def _attribute_writes(facts) -> dict[str, list[tuple[ast.Attribute, ast.ClassDef | None]]]:
    """Every ``<x>.<attr> = ...`` / ``del <x>.<attr>`` target of the module by attribute, with
    the class when it is ``self.<attr>`` in one of the class's methods."""
    found: dict[str, list] = {}
    in_methods: dict[int, ast.ClassDef] = {}
    for cls in ast.walk(facts.tree):
        if not isinstance(cls, ast.ClassDef):
            continue
        for method in cls.body:
            if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)) or not method.args.args:
                continue
            self_name = method.args.args[0].arg
            for node in ast.walk(method):
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == self_name:
                    in_methods[id(node)] = cls
    for node in ast.walk(facts.tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del)):
            found.setdefault(node.attr, []).append((node, in_methods.get(id(node))))
    return found


def _written_elsewhere(ctx, loader, target: ast.Attribute, writes) -> bool:
    """Whether anything but ``target`` may assign or delete the loader's attribute: outside a
    method of an unrelated class of the module. The writes are indexed once per module by
    attribute and class, and each class's MRO is computed once (a module of many loaders
    writing the same attribute stays linear)."""
    by_class = ctx.memo("kmp202 writes by class", lambda: _writes_by_class(writes))
    subclasses = ctx.memo("kmp202 subclasses", lambda: _subclasses(ctx.facts, writes))
    found = by_class.get(target.attr, {})
    if any(node is not target for node in found.get(None, ())):
        return True  # outside any method
    related = {id(c) for c in loader.mro} | subclasses.get(id(loader.node), set())
    return any(
        node is not target for key in related for node in found.get(key, ())
    )


def _writes_by_class(writes) -> dict[str, dict[int | None, list[ast.AST]]]:
    indexed: dict[str, dict[int | None, list[ast.AST]]] = {}
    for attr, items in writes.items():
        for node, cls in items:
            indexed.setdefault(attr, {}).setdefault(id(cls) if cls is not None else None, []).append(node)
    return indexed


def _subclasses(facts, writes) -> dict[int, set[int]]:
    """For each class of the module, the classes (among those that write attributes) whose MRO
    holds it."""
    classes = {id(cls): cls for items in writes.values() for _node, cls in items if cls is not None}
    found: dict[int, set[int]] = {}
    for key, cls in classes.items():
        for base in facts.hierarchy.class_mro(cls):
            found.setdefault(id(base), set()).add(key)
    return found


def handles(ctx, loader) -> list[Handle] | None:
    """The handles of the class the fix makes again in each worker, in source order; None when
    the class cannot get the fix."""
    facts = ctx.facts
    init = next(
        (s for s in loader.node.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None
    )
    if init is None or facts.is_notebook or _defines_hooks(loader) or not _bases_known(facts, loader):
        return None
    if init is not loader.methods.get("__init__") or init.decorator_list or not init.args.args:
        return None
    self_name = init.args.args[0].arg
    writes = ctx.memo("kmp202 writes", lambda: _attribute_writes(facts))
    found = []
    chosen: set[str] = set()
    for assignment in stored_attributes(facts, loader):
        stmt = assignment.node
        if assignment.method is not init or not any(stmt is s for s in init.body):
            continue
        if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
            continue
        target, call = stmt.targets[0], stmt.value
        if not (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id == self_name
            and isinstance(call, ast.Call)
        ):
            continue
        attr = target.attr
        if (attr.startswith("__") and not attr.endswith("__")) or not attr.strip("_"):
            continue  # mangled (the state's key is not the name written), or no name to build on
        qualname = facts.resolver.qualname(call.func, init)
        if qualname not in UNPICKLABLE_CONSTRUCTORS or not _made_again_the_same(qualname, call):
            continue
        if _written_elsewhere(ctx, loader, target, writes):
            continue
        if not (_own_line(ctx, stmt) and _comment_free(ctx, call)):
            continue
        if not _keepable(facts, loader, init, call, self_name):
            continue
        handle = Handle(stmt, attr, call, UNPICKLABLE_CONSTRUCTORS[qualname])
        added = [name for name in _names(handle) if name is not None]
        if any(name in _taken(ctx) or name in chosen for name in added):
            continue  # the names the fix would add are used already
        chosen.update(added)
        found.append(handle)
    return found


def _names(handle: Handle) -> tuple[str | None, str | None]:
    """The attributes that keep the positional and the keyword arguments, when there are."""
    stem = handle.attr.lstrip("_")
    args = f"_{stem}_args" if handle.call.args else None
    kwargs = f"_{stem}_kwargs" if handle.call.keywords else None
    return args, kwargs


def _taken(ctx) -> set[str]:
    facts = ctx.facts

    def build():
        names = set()
        for node in ast.walk(facts.tree):
            if isinstance(node, ast.Attribute):
                names.add(node.attr)
            elif isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
        return names

    return ctx.memo("kmp202 taken names", build)


def _remade(ctx, handle: Handle, self_name: str, args, kwargs) -> str:
    """``<callable>(*self._x_args, **self._x_kwargs)``, the callable as written."""
    func = ctx.segment(handle.call.func)
    spread = []
    if args:
        spread.append(f"*{self_name}.{args}")
    if kwargs:
        spread.append(f"**{self_name}.{kwargs}")
    return f"{func}({', '.join(spread)})"


def _reason(what: str) -> str:
    verb = "makes" if what == "a lock" else "opens"
    return f"{what} cannot be pickled: each worker {verb} its own"


def rewrite(ctx, loader, found: list[Handle]) -> Rewrite | None:
    init = loader.methods["__init__"]
    self_name = init.args.args[0].arg
    newline = ctx.newline
    edits = []
    remade = []
    for handle in found:
        args, kwargs = _names(handle)
        first = ctx.lines[handle.stmt.lineno - 1]
        indent = first[: len(first) - len(first.lstrip())]
        parts = [ctx.segment(a) for a in handle.call.args]
        named = [(k.arg, ctx.segment(k.value)) for k in handle.call.keywords]
        if None in parts or any(text is None for _name, text in named):
            return None
        lines = []
        if args:
            tuple_text = f"({parts[0]},)" if len(parts) == 1 else f"({', '.join(parts)})"
            lines.append(f"{indent}{self_name}.{args} = {tuple_text}")
        if kwargs:
            dict_text = ", ".join(f'"{name}": {text}' for name, text in named)
            lines.append(f"{indent}{self_name}.{kwargs} = {{{dict_text}}}")
        call_text = _remade(ctx, handle, self_name, args, kwargs)
        target = ctx.segment(handle.stmt.targets[0])
        last = ctx.lines[handle.stmt.end_lineno - 1]
        tail = last[ctx.char_column(handle.stmt.end_lineno, handle.stmt.end_col_offset) :].rstrip("\r\n")
        lines.append(f"{indent}{target} = {call_text}{tail}")
        edits.append(
            Edit(handle.stmt.lineno, handle.stmt.end_lineno + 1, newline.join(lines) + newline)
        )
        remade.append((handle, _remade(ctx, handle, "self", args, kwargs)))
    def_line = ctx.lines[init.lineno - 1]
    outer = def_line[: len(def_line) - len(def_line.lstrip())]
    if "\t" in outer:
        return None
    inner = outer + "    "
    methods = [
        "",
        f"{outer}def __getstate__(self):",
        f"{inner}state = self.__dict__.copy()",
        *(f'{inner}state["{h.attr}"] = None  # {_reason(h.what)}' for h in found),
        f"{inner}return state",
        "",
        f"{outer}def __setstate__(self, state):",
        f"{inner}self.__dict__.update(state)",
        *(f"{inner}self.{h.attr} = {text}" for h, text in remade),
    ]
    after = init.end_lineno + 1
    if after <= len(ctx.lines) and ctx.lines[after - 1].strip():
        methods.append("")  # a blank line before what follows __init__ directly
    edits.append(Edit(after, after, newline.join(methods) + newline))
    # the class, rewritten, is what must compile
    first = min([loader.node.lineno, *(d.lineno for d in loader.node.decorator_list)])
    last = loader.node.end_lineno
    shifted = [Edit(e.start_line - first + 1, e.end_line - first + 1, e.content) for e in edits]
    region = apply_edits("".join(ctx.lines[first - 1 : last]), shifted)
    return Rewrite(tuple(sorted(edits, key=lambda e: e.start_line)), (textwrap.dedent(region),))


def fix(ctx, finding):
    facts = ctx.facts
    by_line = ctx.memo("kmp202 loaders by line", lambda: _loaders_by_line(facts))
    for loader in by_line.get(finding.line, ()):
        node = loader.node
        found = ctx.memo(f"kmp202 handles {id(node)}", lambda loader=loader: handles(ctx, loader))
        if not found:
            continue
        if any((h.stmt.lineno, h.stmt.col_offset) == (finding.line, finding.col) for h in found):
            return ctx.memo(f"kmp202 rewrite {id(node)}", lambda loader=loader: rewrite(ctx, loader, found))
    return None


def _loaders_by_line(facts) -> dict[int, list]:
    """The loaders whose class holds each line that one of its statements starts on."""
    found: dict[int, list] = {}
    for loader in facts.hierarchy.data_loaders:
        for stmt in ast.walk(loader.node):
            if isinstance(stmt, ast.stmt):
                entries = found.setdefault(stmt.lineno, [])
                if not any(entry is loader for entry in entries):
                    entries.append(loader)
    return found


FIX = RuleFix(
    "KMP202",
    UNSAFE,
    "Make the handle again in each worker process (__getstate__/__setstate__)",
    fix,
)
