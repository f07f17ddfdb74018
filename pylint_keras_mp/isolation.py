"""Imports the linted code cannot hijack.

pylint puts the folders it lints on ``sys.path`` (and ``python -m flake8`` or ``python -m
pylint_keras_mp`` start with the working directory on it), while the linter imports some of its
dependencies lazily: LibCST for fixes, ``tomllib``/``tomli`` and ``configparser`` for
configuration files, ``tokenize`` for suppression comments. A repository that holds its own
``libcst.py`` would then have that file imported and run. So:

- ``TRUSTED_PATH`` is ``sys.path`` as it was when this package was first imported, without the
  working directory (``""``, ``"."`` or its absolute path): where the linter's dependencies were
  installed, before any host added the linted folders.
- ``trusted_imports()`` puts ``TRUSTED_PATH`` in place of ``sys.path`` while the linter works
  (every lint of the lint service runs inside it), so any import made then resolves from there.
- ``preload()`` imports the standard-library modules the linter imports lazily, from the
  trusted path, when a plugin is loaded: they are then in ``sys.modules`` for good.

The language server and the pylsp plugin wrap their analysis in ``trusted_imports()`` too.
Submodules of a package already imported (``libcst._parser``...) are found through the package's
own ``__path__`` and need nothing.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import threading


def _without_working_directory(path: list[str]) -> tuple[str, ...]:
    try:
        here = os.path.realpath(os.getcwd())
    except OSError:  # the working directory was removed
        here = None
    trusted = []
    for entry in path:
        if entry in ("", "."):
            continue
        try:
            if here is not None and os.path.realpath(entry) == here:
                continue
        except (OSError, ValueError):
            continue
        trusted.append(entry)
    return tuple(trusted)


TRUSTED_PATH: tuple[str, ...] = _without_working_directory(list(sys.path))

# Imported lazily somewhere in the package; preloaded by the plugins from the trusted path.
LAZY_STANDARD_MODULES = (
    "bisect",
    "configparser",
    "copy",
    "dataclasses",
    "difflib",
    "errno",
    "gc",
    "io",
    "linecache",
    "string",
    "tokenize",
    "tomllib" if sys.version_info >= (3, 11) else "tomli",
    "traceback",
)
# importlib.metadata (with email, zipfile, csv: about 10 MB) is left out: only a fallback of
# installed.py and the command line use it, inside trusted_imports(), and the plugins' memory
# budget is 10% of the host's. So is hashlib (OpenSSL: about 4 MB): only the command line's SARIF
# output and results cache use it, inside trusted_imports().

_lock = threading.RLock()
_depth = 0
_saved: list[str] | None = None


@contextlib.contextmanager
def trusted_imports():
    """Within the block, ``sys.path`` is ``TRUSTED_PATH`` (re-entrant; restored after)."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = sys.path[:]
            sys.path[:] = list(TRUSTED_PATH)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                sys.path[:] = _saved
                _saved = None


def import_trusted(name: str):
    """``importlib.import_module(name)`` from the trusted path."""
    with trusted_imports():
        return importlib.import_module(name)


def preload() -> None:
    """Import the lazily imported standard modules now, from the trusted path (a module absent
    from this Python, such as tomli where tomllib exists, is left out)."""
    with trusted_imports():
        for name in LAZY_STANDARD_MODULES:
            if name in sys.modules:
                continue
            try:
                importlib.import_module(name)
            except ImportError:
                pass
