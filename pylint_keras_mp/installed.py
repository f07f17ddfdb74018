"""Installed distributions' metadata (their version, the project's documentation URL), found as
``importlib.metadata`` finds it, without its import cost (it brings ``email``, ``zipfile``,
``socket``... into every run that reports a finding or reads the installed Keras version).

The common layout is read directly: the first ``sys.path`` folder that holds a ``*.dist-info`` or
``*.egg-info`` entry for the name holds exactly one, a folder with a ``METADATA`` (or
``PKG-INFO``) file. Anything else (a zip on the path, several candidates, an egg, a custom finder that knows
distributions) is left to ``importlib.metadata`` itself, so the answer is always the same.
"""

from __future__ import annotations

import os
import re
import sys
from importlib.machinery import PathFinder

_SEPARATORS = re.compile(r"[-_.]+")


class _Unsure(Exception):
    """The layout is not the plain one: ask importlib.metadata."""


def _normalise(name: str) -> str:
    # importlib.metadata's Prepared.normalize
    return _SEPARATORS.sub("-", name).lower().replace("-", "_")


def _headers(path: str) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    last: list[str] | None = None
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\r\n")
            if not line:
                break  # the body (the long description) follows
            if line[0] in " \t" and last:
                last[-1] += " " + line.strip()  # a folded header
                continue
            name, colon, value = line.partition(":")
            if not colon:
                raise _Unsure(path)
            last = headers.setdefault(name.strip().lower(), [])
            last.append(value.strip())
    return headers


def _direct(distribution: str) -> dict[str, list[str]] | None:
    for finder in sys.meta_path:
        if finder is not PathFinder and hasattr(finder, "find_distributions"):
            raise _Unsure(finder)  # another source of distributions
    wanted = _normalise(distribution)
    for entry in sys.path:
        folder = entry or "."
        if folder.lower().endswith(".egg"):
            raise _Unsure(folder)  # an egg folder's EGG-INFO counts too
        if not os.path.isdir(folder):
            if os.path.exists(folder):
                raise _Unsure(folder)  # a zip file on the path
            continue
        found = []
        for name in os.listdir(folder):
            lower = name.lower()
            if lower.endswith((".dist-info", ".egg-info")):
                base = lower.rpartition(".")[0].partition("-")[0]
                if _normalise(base) == wanted:
                    found.append(name)
        if not found:
            continue
        if len(found) != 1:
            raise _Unsure(found)
        # importlib.metadata reads METADATA, else PKG-INFO (an .egg-info folder)
        for name in ("METADATA", "PKG-INFO"):
            metadata = os.path.join(folder, found[0], name)
            if os.path.isfile(metadata):
                return _headers(metadata)
        raise _Unsure(found)
    return None


def metadata(distribution: str) -> dict[str, list[str]] | None:
    """The headers of an installed distribution's metadata (lower-case names -> values), None
    when it is not installed."""
    try:
        return _direct(distribution)
    except (_Unsure, OSError, UnicodeDecodeError):
        pass
    try:  # start-up cost: importlib.metadata brings email, zipfile... (see above)
        from importlib.metadata import PackageNotFoundError
        from importlib.metadata import metadata as read
    except ImportError:  # pragma: no cover
        return None
    try:
        message = read(distribution)
    except PackageNotFoundError:
        return None
    headers: dict[str, list[str]] = {}
    for name, value in message.items():
        headers.setdefault(name.lower(), []).append(value)
    return headers


def version(distribution: str) -> str | None:
    """The installed version of a distribution, None when it is not installed."""
    found = metadata(distribution)
    return (found.get("version") or [None])[0] if found is not None else None


# ---------------------------------------------------------------------------------------------
# Installed packages' source files, found as the path finder finds them (never imported): the
# facts read them to learn whether a base class is a loader (facts/installed_bases.py).

# Top-level packages whose classes are never Keras data loaders (or are Keras itself, whose
# bases are known by name): never read.
NOT_READ = frozenset(
    {"keras", "tensorflow", "tf_keras", "torch", "numpy", "jax", "pandas", "scipy", "sklearn",
     "collections", "typing", "abc", "builtins", "grain", "six", "enum"}
)


def module_source(dotted: str) -> str | None:
    """The ``.py`` file an installed module's import would run, found as the path finder looks
    for it along ``sys.path`` (a package's ``__init__.py``, or ``name.py``); nothing is imported.
    None for extension modules, zips, namespace packages and anything not found."""
    parts = dotted.split(".")
    if not all(part.isidentifier() for part in parts):
        return None
    for entry in sys.path:
        folder = entry or "."
        if not os.path.isdir(folder):
            continue
        found = _source_in(folder, parts)
        if found is not None:
            return found if found else None
    return None


def _source_in(folder: str, parts: list[str]) -> str | None:
    """The source of ``parts`` under one path entry; "" when the top-level name is there but
    is no plain source (the path finder would stop there too); None when it is not there."""
    head = os.path.join(folder, parts[0])
    if os.path.isfile(os.path.join(head, "__init__.py")):
        current = head
    elif os.path.isfile(head + ".py"):
        return head + ".py" if len(parts) == 1 else ""
    elif os.path.isdir(head) or parts[0] in _listing(folder):
        return ""  # a namespace package, an extension module...: not read
    else:
        return None
    for part in parts[1:]:
        if os.path.isfile(os.path.join(current, part, "__init__.py")):
            current = os.path.join(current, part)
        elif os.path.isfile(os.path.join(current, part + ".py")):
            return os.path.join(current, part + ".py") if part == parts[-1] else ""
        else:
            return ""
    return os.path.join(current, "__init__.py")


_LISTINGS: dict[str, frozenset] = {}


def _listing(folder: str) -> frozenset:
    """The module names a path entry's files give (``name.cpython-311-x86_64-linux-gnu.so``
    gives ``name``)."""
    if folder not in _LISTINGS:
        try:
            _LISTINGS[folder] = frozenset(name.partition(".")[0] for name in os.listdir(folder))
        except OSError:
            _LISTINGS[folder] = frozenset()
    return _LISTINGS[folder]


def may_be_read(dotted: str) -> bool:
    """A dotted name whose package may hold a Keras loader class: not Keras itself, not the
    standard library, not a package known to hold none."""
    top = dotted.split(".")[0]
    return top not in NOT_READ and top not in sys.stdlib_module_names
