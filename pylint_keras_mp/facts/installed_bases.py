"""Loader bases in installed packages: whether a class an installed package defines derives
from a Keras loader base, read from the package's source (found along ``sys.path``, never
imported) with the same facts as a project module, kept per process."""

from __future__ import annotations

import ast
import os
import re
import warnings

from ..installed import may_be_read, module_source
from ..text import decode_source
from .follow import step

# Installed modules larger than this are not read (a generated or vendored giant is unknown).
INSTALLED_MAX_BYTES = 400_000

# (dotted name, options) -> the Keras loader bases it reaches, kept per process. The answers are
# kept, the modules read for them are not: a test suite's classes derive from absltest's, whose
# tree (4 MB) stayed in a host linter's memory for the rest of its run.
_BASES: dict[tuple, list[str]] = {}


# Words one of which a module that defines a loader class on a Keras base must hold.
_KERAS_WORDS = (b"keras", b"tensorflow", b"Sequence", b"PyDataset")


def installed_loader_bases(
    qualname: str, options, facts_class, _seen: frozenset = frozenset()
) -> list[str]:
    """The Keras loader bases (``keras.utils.Sequence``) that the class an installed package
    names ``qualname`` derives from, read from the package's source; [] when it derives from
    none, or cannot be read (unknown, and silent). ``facts_class`` builds a module's facts
    (``ModuleFacts``, which asks here through its hierarchy: passed in, not imported, so the
    facts import no circle)."""
    key = (qualname, options)
    if key in _BASES:
        return _BASES[key]
    passed = step(_seen, qualname)
    if not may_be_read(qualname) or passed is None:
        return []
    _BASES[key] = []  # a cycle is unknown
    found: list[str] = []
    try:
        found = _read_bases(qualname, options, facts_class, passed)
    except Exception:  # an unreadable, unparsable or hostile source is unknown
        found = []
    _BASES[key] = found
    return found


def _read_bases(qualname: str, options, facts_class, seen: frozenset) -> list[str]:
    module, _, name = qualname.rpartition(".")
    if not module:
        return []
    path = module_source(module)
    if path is None:
        return []
    with open(path, "rb") as handle:
        data = handle.read(INSTALLED_MAX_BYTES + 1)
    if f"class {name}".encode() in data:
        if not any(word in data for word in _KERAS_WORDS):
            return []  # defined here, on bases that name no Keras (nor a loader base): not read
    else:
        # a re-export (``from .generator import Generator``), read from the text alone
        match = re.search(
            rb"^[ \t]*from[ \t]+([.\w]+)[ \t]+import[ \t]+\(?[^\n]*\b" + name.encode() + rb"\b",
            data,
            re.MULTILINE,
        )
        if match is None:
            return []
        target = match[1].decode() + ("" if match[1].endswith(b".") else ".") + name
        if target.startswith("."):
            target = _absolute(module, path, target)
        return installed_loader_bases(target, options, facts_class, seen) if target else []
    facts = _installed_facts(path, options, facts_class)
    if facts is None:
        return []
    cls = facts.walk.classes.get(name)
    if cls is not None and facts.walk.module_table.bound_once(name):
        return facts.hierarchy.class_keras_bases(cls, installed_seen=seen)
    target = facts.walk.imports.get(name)
    if target is not None and facts.walk.module_table.bound_once(name):
        if target.startswith("."):
            target = _absolute(module, path, target)
        return installed_loader_bases(target, options, facts_class, seen) if target else []
    return []


def _absolute(module: str, path: str, target: str) -> str | None:
    """A relative import target of an installed module, made absolute."""
    level = len(target) - len(target.lstrip("."))
    package = module if os.path.basename(path) == "__init__.py" else module.rpartition(".")[0]
    parts = package.split(".")
    if level - 1 >= len(parts):
        return None
    base = ".".join(parts[: len(parts) - (level - 1)])
    rest = target.lstrip(".")
    return f"{base}.{rest}" if rest else base


def _installed_facts(path: str, options, facts_class):
    """The facts of an installed module (no project: its own imports only), for one question
    (its answer is what is kept, in ``_BASES``)."""
    try:
        if os.stat(path).st_size > INSTALLED_MAX_BYTES:
            return None
        with open(path, "rb") as handle:
            source = decode_source(handle.read())
    except OSError:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = ast.parse(source, filename=path)
    return facts_class(tree, source, path, options, kind="installed")
