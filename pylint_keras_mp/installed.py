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
