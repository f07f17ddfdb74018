"""Names a module binds with ``from module import *`` of a project module.

A star import of a project module binds that module's ``__all__`` when it writes one as a
literal, else its public top-level names. Only the names the project index knows (a class or
function bound once, an import bound once) are followed, and only when no other binding of the
importing module, and no other star import, gives the name another meaning. A star import of a
module outside the project, one whose ``__all__`` the analysis cannot read, and one that leads
back to a module being read (a cycle) bind nothing the analysis knows: unknown, and silent.
"""

from __future__ import annotations

import ast
from pathlib import Path

# (index, path) of the modules whose star imports are being read: a star-import cycle stops there
_READING: set[tuple[int, Path]] = set()


def star_import_modules(walk) -> list[str]:
    """The modules a module star-imports, as written (``datasets``, ``.utils``), from its module
    walk (``ModuleWalk``)."""
    found = []
    for node in walk.nodes_of(ast.ImportFrom):
        if any(alias.name == "*" for alias in node.names):
            found.append("." * node.level + (node.module or ""))
    return found


def _exported(walk) -> set[str] | None:
    """``__all__`` of a module (its module walk) when it is one literal list or tuple of strings;
    None when it has none; an empty set when it has one the analysis cannot read (nothing is
    followed then)."""
    if "__all__" not in walk.module_table.counts and "__all__" not in walk.main_guard_bound:
        return None
    value = walk.module_table.single_value("__all__")
    if not isinstance(value, (ast.List, ast.Tuple)):
        return set()
    names = set()
    for element in value.elts:
        if not (isinstance(element, ast.Constant) and isinstance(element.value, str)):
            return set()
        names.add(element.value)
    return names


def star_imported_names(index, walk) -> dict[str, str]:
    """Local name -> dotted target of the names ``walk``'s module (its ``ModuleWalk``, which asks
    while it is built) binds through star imports of
    project modules, for its import table: a class or function of the star-imported module as
    ``module.Name`` (followed into it like any import), an import of it as its own target
    (``torch.utils.data.Dataset``), or as ``module.name`` when that target is relative or another
    project module (a re-export)."""
    importer: Path | None = walk.path
    if importer is None:
        return {}
    own = (id(index), importer)
    if own in _READING:
        return {}
    _READING.add(own)
    try:
        return _names(index, walk, importer)
    finally:
        _READING.discard(own)


def _names(index, walk, importer: Path) -> dict[str, str]:
    bound = set(walk.imports) | set(walk.module_table.counts) | set(walk.main_guard_bound)
    found: dict[str, str] = {}
    conflicting: set[str] = set()
    for module in star_import_modules(walk):
        resolved = index.project.resolve_name(module, importer) if module.strip(".") else None
        if resolved is None or resolved[1]:
            continue  # outside the project, or not a module
        path = resolved[0]
        key = (id(index), path)
        if key in _READING:
            continue  # a star-import cycle
        target_facts = index.facts_of(path)
        names = index.names_of(path) if target_facts is not None else None
        if target_facts is None or names is None:
            continue
        exported = _exported(target_facts.walk)
        prefix = module if module.endswith(".") else module + "."
        for name, (kind, target) in names.items():
            if exported is None and name.startswith("_") or exported is not None and name not in exported:
                continue
            if name in bound:
                continue
            if kind == "import" and target and not target.startswith("."):
                if index.project.resolve_name(target, path) is None:
                    meant = target  # a name of another package: ``torch.utils.data.Dataset``
                else:
                    meant = prefix + name  # a project module's name, as the module re-exports it
            else:
                meant = prefix + name
            if found.setdefault(name, meant) != meant:
                conflicting.add(name)
    for name in conflicting:
        del found[name]
    return found
