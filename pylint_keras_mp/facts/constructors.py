"""Construction sites: which arguments of a data loader's constructor end up stored on ``self``,
directly or through the ``super().__init__(...)`` calls that pass them on (by keyword, by
position or in ``**kwargs``), in this module or in a base of another project module."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from .follow import too_deep
from .hierarchy import DataLoader, LoaderHierarchy
from .launches import Launches
from .module import ModuleWalk
from .resolver import Resolver
from .returns import INSTANCE, ReturnSummaries
from .self_state import self_assignments_in
from .syntax import is_super_init, self_name_of, walk_scope


@dataclass
class ArgumentMap:
    """What one ``__init__`` stores on self from each of its parameters."""

    stored: dict[str, set[str]] = field(default_factory=dict)  # parameter -> attributes
    positional: list[str] = field(default_factory=list)  # positional parameters after self
    defaults: dict[str, ast.expr] = field(default_factory=dict)  # parameter -> its default
    forwarded: "ArgumentMap | None" = None  # the next __init__, when **kwargs is passed on whole

    def by_keyword(self, name: str) -> set[str]:
        if name in self.stored:
            return self.stored[name]
        if self.forwarded is not None:
            return self.forwarded.by_keyword(name)
        return set()

    def by_position(self, index: int) -> set[str]:
        if index < len(self.positional):
            return self.stored.get(self.positional[index], set())
        return set()


def _is_super_call(call: ast.Call) -> bool:
    """``super().__init__(...)`` (self implied), not ``Base.__init__(self, ...)``."""
    value = call.func.value
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "super"


def argument_map(chain: list, index: int = 0, depth: int = 0) -> ArgumentMap:
    """The ``ArgumentMap`` of ``chain[index]``, an (owner facts, ``__init__``) pair, following
    its ``super().__init__`` calls down the rest of ``chain``."""
    if index >= len(chain) or too_deep(depth):
        return ArgumentMap()
    owner, init = chain[index]
    args = init.args
    positional = [a.arg for a in args.posonlyargs + args.args][1:]
    params = positional + [a.arg for a in args.kwonlyargs]
    defaults: dict[str, ast.expr] = {}
    if args.defaults:
        defaults.update(zip(positional[len(positional) - len(args.defaults) :], args.defaults))
    defaults.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
    kwargs = args.kwarg.arg if args.kwarg else None
    counts = owner.walk.scope(init).table.counts
    usable = {name for name in params if not counts.get(name)}  # never rebound in the body
    stored: dict[str, set[str]] = {name: set() for name in params}
    self_name = self_name_of(init)
    if self_name is not None:
        for assignment in self_assignments_in(init, init.body, self_name, ()):
            value = assignment.value
            if isinstance(value, ast.Name) and value.id in usable:
                stored[value.id].add(assignment.attr)
    following: ArgumentMap | None = None
    forwards_kwargs = False
    for node in walk_scope(init):
        if not (isinstance(node, ast.Call) and is_super_init(node)):
            continue
        if following is None:
            following = argument_map(chain, index + 1, depth + 1)
        offset = 0 if _is_super_call(node) else 1  # Base.__init__(self, ...) passes self first
        for position, arg in enumerate(node.args):
            if isinstance(arg, ast.Starred):
                break
            if position >= offset and isinstance(arg, ast.Name) and arg.id in usable:
                stored[arg.id] |= following.by_position(position - offset)
        for kw in node.keywords:
            if kw.arg is None:
                whole = isinstance(kw.value, ast.Name) and kw.value.id == kwargs
                forwards_kwargs = forwards_kwargs or whole
            elif isinstance(kw.value, ast.Name) and kw.value.id in usable:
                stored[kw.value.id] |= following.by_keyword(kw.arg)
    return ArgumentMap(stored, positional, defaults, following if forwards_kwargs else None)


class Constructors:
    """Construction sites, on top of the resolver, the hierarchy, return summaries and launches."""

    def __init__(
        self,
        walk: ModuleWalk,
        resolver: Resolver,
        hierarchy: LoaderHierarchy,
        returns: ReturnSummaries,
        launches: Launches,
    ) -> None:
        self.walk = walk
        self.resolver = resolver
        self.hierarchy = hierarchy
        self.returns = returns
        self.launches = launches

    def stored_arguments(self, loader: DataLoader) -> ArgumentMap:
        """What constructing the loader stores on self from each argument."""
        cache = self.__dict__.setdefault("_argument_maps", {})
        if id(loader) not in cache:
            cache[id(loader)] = argument_map(list(self.launches.init_chain(loader)))
        return cache[id(loader)]

    def construction_arguments(self):
        """(loader, attribute, argument, enclosing function, how it is passed) for every
        argument of a loader construction in this module that the constructor stores on self."""
        for call, fn, loader in self.launches.loader_constructions:
            owner = self.hierarchy.owner_of(loader)
            arguments = owner.constructors.stored_arguments(loader)
            for position, arg in enumerate(call.args):
                if isinstance(arg, ast.Starred):
                    break
                for attr in sorted(arguments.by_position(position)):
                    yield loader, attr, arg, fn, f"argument {position + 1}"
            for kw in call.keywords:
                if kw.arg is not None:
                    for attr in sorted(arguments.by_keyword(kw.arg)):
                        yield loader, attr, kw.value, fn, f"{kw.arg}="

    def held_arguments(self) -> list[tuple]:
        """(loader key, attribute, class (file, name, line)) for the instances of project classes
        (no data loaders) that constructions of this module pass to a loader's constructor, which
        stores them on self."""
        found = []
        for loader, attr, value, fn, _passed in self.construction_arguments():
            value, scope = self.resolver.follow(value, fn, at_launch=True)
            returned = self.returns.value_returned(value, scope) if value is not None else None
            if returned is None or returned.kind != INSTANCE:
                continue
            target = self.returns.class_at(returned.where)
            if target is not None and target[0].hierarchy.loader_for_class(target[1]) is None:
                found.append((loader.key, attr, returned.where))
        return found
