"""Lint results kept on disk between runs of ``keras-mp-lint``, as Ruff keeps ``.ruff_cache``.

A file's findings depend on more than the file: on the other modules of its project (a loader
defined in one module, run in worker processes by another), on the project's build files (the
Keras it declares, its source roots, its ``.gitignore``), on the settings, on the installed
packages (the installed Keras decides the version of a project that declares none; loader bases
of installed packages are read from their source) and on the linter itself. So a result is used
again only when all of these are unchanged:

- the linter: its version and the stamps (size, modification time) of its own modules;
- the environment: the Python that runs it and the stamps of the folders of its ``sys.path``
  (installing, upgrading or removing a package changes its ``site-packages`` folder);
- the settings that change a result (the analysis options, the selected rules, per-file
  ignores, fix applicability), which name the cache file;
- the file itself: same stamp, or else the same content (its hash);
- its project: the content hash of every module the project questions may read (every
  ``*.py`` file of the project, as the project scan lists them, so a ``.gitignore`` change
  counts too) and the stamps of the build files beside the project root and its source roots.

Any change in a project's modules makes the results of that project's files computed afresh:
a finding in one file can depend on any other module, and the dependencies between files are not
recorded. What stays cheap is telling that nothing changed: a module whose stamp is the one
recorded is not read again, only ``stat``-ed.

The cache is a folder (default ``.keras_mp_lint_cache`` beside the configuration file, else in
the current folder; ``cache-dir`` or ``KERAS_MP_LINT_CACHE_DIR`` move it, ``--no-cache`` or
``KERAS_MP_LINT_NO_CACHE=1`` turn it off) that ignores itself for git (its own ``.gitignore``)
and is tagged for backup tools (``CACHEDIR.TAG``). Entries are JSON (never pickle: a cache folder may come with a checkout),
written to a temporary file and renamed into place, so that runs at the same time (pre-commit's
parallel batches, ``--watch``) never read half a file; each run merges the entries of the others
that are still valid before writing. An entry that cannot be read or does not have the expected
shape is ignored, never an error.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Iterable

from . import registry
from .files import read_bytes
from .findings import Edit, Finding, Fix, Related
from .rule import Rule
from .project.model import PROJECT_MARKERS, RECENT_NS, SKIPPED_FOLDERS, project_for
from .service import LintResult
from .settings import CACHE_ENV, NO_CACHE_ENV
from .version import __version__

# The layout of an entry; a cache written with another layout is ignored.
FORMAT = 1
_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by keras-mp-lint.\n"
    "# For information about cache directory tags, see: https://bford.info/cachedir/\n"
)


try:  # hashlib's BLAKE2 without hashlib, which loads OpenSSL (start-up cost: 2.5 ms a run)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover (a Python built without it)
    from hashlib import blake2b


def _digest(*parts: object) -> str:
    hasher = blake2b(digest_size=16)
    for part in parts:
        hasher.update(str(part).encode("utf-8", "surrogatepass"))
        hasher.update(b"\0")
    return hasher.hexdigest()


def _content_hash(data: bytes) -> str:
    return blake2b(data, digest_size=16).hexdigest()


def _canonical(value: object) -> object:
    """A value as text that does not depend on the process (set order does, with hash
    randomisation)."""
    if is_dataclass(value) and not isinstance(value, type):
        return [type(value).__name__, [[f.name, _canonical(getattr(value, f.name))] for f in fields(value)]]
    if isinstance(value, (set, frozenset)):
        return sorted(repr(_canonical(item)) for item in value)
    if isinstance(value, (list, tuple)):
        return [_canonical(item) for item in value]
    if isinstance(value, dict):
        return sorted([repr(_canonical(k)), _canonical(v)] for k, v in value.items())
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return [type(value).__name__, _canonical(vars(value))]
    return repr(value)


def settings_key(settings, want_fixes: bool) -> str:
    """What of the settings changes a file's result (not where it goes or how it looks)."""
    return _digest(
        _canonical(settings.options),
        sorted(settings.select),
        _canonical(settings.per_file_ignores),
        sorted(settings.extend_safe_fixes),
        sorted(settings.extend_unsafe_fixes),
        want_fixes,
        # the linter's own switches (strict mode, the pre-filter's) may change what is reported
        sorted((k, v) for k, v in os.environ.items() if k.startswith("KERAS_MP_LINT_") and k not in (CACHE_ENV, NO_CACHE_ENV)),
    )


def _stamp(info: os.stat_result) -> list[int]:
    return [info.st_size, info.st_mtime_ns]


def linter_fingerprint() -> str:
    """The linter's version and the stamps of its modules (an edited checkout is another
    linter)."""
    package = Path(__file__).resolve().parent
    stamps = []
    for folder, subfolders, names in os.walk(package):
        subfolders[:] = sorted(name for name in subfolders if name != "__pycache__")
        for name in sorted(names):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                try:
                    stamps.append((os.path.relpath(path, package), *_stamp(os.stat(path))))
                except OSError:
                    continue
    return _digest(__version__, FORMAT, stamps)


def environment_fingerprint() -> str:
    """The Python that runs the linter and the folders it finds installed packages in."""
    entries = []
    here = os.getcwd()
    for entry in sys.path:
        if entry in ("", here):
            continue  # ``python -m`` puts the current folder first: the project, hashed apart
        try:
            entries.append((entry, os.stat(entry or ".").st_mtime_ns))
        except OSError:
            entries.append((entry, None))
    return _digest(sys.version, sys.executable, entries)


def _build_file_stamps(project) -> list:
    """The stamps of the files beside the project root and its source roots (pyproject.toml,
    setup.cfg, setup.py, requirements files, ...) and of a ``requirements/`` folder's files."""
    stamps = []
    for folder in dict.fromkeys((project.root, *project.source_roots)):
        for candidate in (folder, folder / "requirements"):
            try:
                entries = sorted(os.scandir(candidate), key=lambda entry: entry.name)
            except OSError:
                continue
            for entry in entries:
                if entry.name.endswith(".py") or entry.name in SKIPPED_FOLDERS:
                    continue  # modules are hashed; a cache folder changes on every run
                try:
                    if entry.is_file():
                        stamps.append((entry.path, *_stamp(entry.stat())))
                except OSError:
                    continue
    return stamps


# A file modified within RECENT_NS of the run may be modified again within the granularity of its
# file system's clock with the same size: its stamp is not trusted next time, its content is
# hashed again (git's "racy" files). The project layer's folder listings use the same bound.


class ResultCache:
    """The results of one settings key, one file per project, each read when the run first
    lints a file of that project and written at the end of the run."""

    def __init__(self, folder: Path, settings, want_fixes: bool):
        self.folder = folder
        self.settings_key = settings_key(settings, want_fixes)
        self.source_roots = tuple(settings.options.source_roots)
        self.linter = linter_fingerprint()
        self.environment = environment_fingerprint()
        self.started = time.time_ns()
        self._cwd = os.getcwd()  # the run's working folder: the linted paths are relative to it
        self.shards: dict[str, _Shard] = {}  # project root -> its entries
        self._roots: dict[str, str | None] = {}  # folder -> its project's root
        self._marked_roots: list[str] = []  # the roots found that hold a project marker
        self.hits = 0

    def _shard_of(self, path: str) -> _Shard | None:
        folder = os.path.dirname(path)
        if folder in self._roots:
            root = self._roots[folder]
        else:
            root = self._marked_root_above(folder)
            if root is None:
                project = project_for(path, self.source_roots)
                root = None if project is None else str(project.root)
                if root is not None and root not in self.shards:
                    name = f"{_digest(self.settings_key, root)}.json"
                    self.shards[root] = _Shard(self, self.folder / __version__ / name, project)
                    if project.marked:
                        self._marked_roots.append(root)
            self._roots[folder] = root
        return self.shards.get(root) if root is not None else None

    def _marked_root_above(self, folder: str) -> str | None:
        """The root ``project_for`` gives the files of ``folder`` (an absolute path), found
        without it when the folder is below a project root found already: no folder from it up
        to that root is a symbolic link or holds a project marker (the nearest marker decides).
        None when that does not tell."""
        for root in self._marked_roots:
            if not folder.startswith(root) or folder[len(root) : len(root) + 1] != os.sep:
                continue
            current = folder
            while current != root:
                known = self._roots.get(current)
                if known is not None:
                    return known if known == root else None
                inside = current + os.sep
                if os.path.islink(current) or any(
                    os.path.exists(inside + marker) for marker in PROJECT_MARKERS
                ):
                    return None
                current = os.path.dirname(current)
            return root
        return None

    def _trusted(self, info: os.stat_result) -> list[int] | None:
        """A file's stamp, or None when it is too recent to be trusted next time."""
        return self._trusted_stamp(_stamp(info))

    def _trusted_stamp(self, stamp: list[int]) -> list[int] | None:
        return None if self.started - stamp[1] < RECENT_NS else stamp

    def _key(self, path: str) -> str:
        """``os.path.abspath(path)``, without asking the working folder for each file."""
        return os.path.normpath(os.path.join(self._cwd, path))

    def get(self, path: str) -> LintResult | None:
        """The result recorded for ``path`` when nothing it depends on changed."""
        key = self._key(path)
        try:
            shard = self._shard_of(key)
            entry = shard.stored_files.get(key) if shard is not None and shard.valid else None
            if not isinstance(entry, dict):
                return None
            stamp = entry.get("stamp")
            module = shard.modules.get(key)
            if module is not None:
                # a module of the project: stamped and hashed (if its stamp changed) just now
                current, digest = module
                if entry.get("hash") != digest:
                    return None
                if stamp is None or stamp != current:
                    entry = {**entry, "stamp": self._trusted_stamp(current)}
                    shard.changed = True
            else:
                info = os.stat(key)
                if stamp is None or stamp != _stamp(info):
                    data = read_bytes(Path(key))[0]
                    if entry.get("hash") != _content_hash(data):
                        return None
                    entry = {**entry, "stamp": self._trusted(info)}
                    shard.changed = True
            result = _result_from_json(path, entry["result"])
        except (OSError, KeyError, TypeError, ValueError):
            return None
        shard.files[key] = entry
        self.hits += 1
        return result

    def put(self, path: str, result: LintResult) -> None:
        """Record a file's result (a file skipped for being unreadable is not recorded)."""
        if result.skipped is not None:
            return
        key = self._key(path)
        try:
            shard = self._shard_of(key)
            if shard is None:
                return
            data, info = read_bytes(Path(key))
        except OSError:
            return
        # the lines are what output shows around a finding: kept for files with findings only
        lines = result.lines if result.findings else ()
        shard.files[key] = {
            "stamp": self._trusted(info),
            "hash": _content_hash(data),
            "result": _result_to_json(result, lines),
        }
        for finding in result.findings:
            if finding.code not in shard.rules:
                shard.rules[finding.code] = _rule_to_json(finding.rule)
        shard.changed = True

    def save(self) -> None:
        """Write each project's entries (failing to write the cache is not an error)."""
        for shard in self.shards.values():
            if shard.changed:
                try:
                    shard.save()
                except (OSError, ValueError, TypeError):
                    pass


class _Shard:
    """One project's entries: its fingerprint, the content hashes of its modules, and the
    results of its files."""

    def __init__(self, cache: ResultCache, file: Path, project):
        self.cache = cache
        self.file = file
        stored = self._read()
        self.hashes: dict[str, list] = {}  # module -> [size, mtime, content hash], this run's
        # module -> (its stamp, its content hash), as this run found them
        self.modules: dict[str, tuple[list[int], str]] = {}
        self.fingerprint = self._fingerprint(project, stored.get("hashes", {}))
        # the stored results count only when nothing they depend on changed
        self.valid = (
            stored.get("linter") == cache.linter
            and stored.get("environment") == cache.environment
            and stored.get("fingerprint") == self.fingerprint
        )
        self.stored_files: dict = stored.get("files", {}) if self.valid else {}
        # the declarations of the rules the results report (code -> fields), for showing them
        # without importing the rules
        self.rules: dict[str, dict] = _valid_rules(stored.get("rules")) if self.valid else {}
        registry.remember(_rule_from_json(data) for data in self.rules.values())
        self.files: dict[str, dict] = {}  # this run's entries
        # whether this run learnt anything the stored file lacks (else it is not written)
        self.changed = not self.valid or stored.get("hashes") != self.hashes

    def _read(self) -> dict:
        try:
            with open(self.file, "rb") as handle:
                stored = json.load(handle)
        except (OSError, ValueError, UnicodeDecodeError):
            return {}
        if not isinstance(stored, dict) or stored.get("format") != FORMAT:
            return {}
        if not all(isinstance(stored.get(key, {}), dict) for key in ("files", "hashes")):
            return {}
        return stored

    def _fingerprint(self, project, known_hashes: dict) -> str:
        """The content hashes of the project's modules and the stamps of its build files; a
        module whose stamp is the one recorded with its hash is not read."""
        modules = []
        for key in project.all_file_names():
            try:
                info = os.stat(key)
                known = known_hashes.get(key)
                if isinstance(known, list) and len(known) == 3 and known[:2] == _stamp(info):
                    digest = known[2]
                else:
                    digest = _content_hash(read_bytes(Path(key))[0])
            except OSError:
                modules.append((key, None))
                continue
            self.modules[key] = (_stamp(info), digest)
            stamp = self.cache._trusted(info)
            if stamp is not None:
                self.hashes[key] = [*stamp, digest]
            modules.append((key, digest))
        skipped = sorted(str(skipped.path) for skipped in project.skipped)
        return _digest(str(project.root), modules, skipped, _build_file_stamps(project))

    def save(self) -> None:
        """Write the entries, with those another run wrote meanwhile for the same state of the
        project, through a temporary file renamed into place."""
        self._prepare_folder()
        stored = self._read()
        files = {}
        rules = self.rules
        if (
            stored.get("linter") == self.cache.linter
            and stored.get("environment") == self.cache.environment
            and stored.get("fingerprint") == self.fingerprint
        ):
            files = {k: v for k, v in stored.get("files", {}).items() if isinstance(v, dict)}
            rules = {**_valid_rules(stored.get("rules")), **self.rules}
        files.update(self.files)
        document = {
            "format": FORMAT,
            "linter": self.cache.linter,
            "environment": self.cache.environment,
            "fingerprint": self.fingerprint,
            "hashes": self.hashes,
            "rules": rules,
            "files": files,
        }
        self.file.parent.mkdir(parents=True, exist_ok=True)
        import tempfile  # start-up cost: a run answered from the cache writes nothing

        handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=self.file.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(document, out, separators=(",", ":"))
            os.replace(temporary, self.file)
        except BaseException:
            try:
                os.unlink(temporary)
            except OSError:
                pass
            raise

    def _prepare_folder(self) -> None:
        """The cache folder with its ``.gitignore`` and ``CACHEDIR.TAG``."""
        folder = self.cache.folder
        if (folder / ".gitignore").is_file():
            return
        folder.mkdir(parents=True, exist_ok=True)
        (folder / ".gitignore").write_text("# Created by keras-mp-lint automatically.\n*\n")
        (folder / "CACHEDIR.TAG").write_text(_CACHEDIR_TAG)


# --- results as JSON ------------------------------------------------------------------------------


def _result_to_json(result: LintResult, lines: Iterable[str]) -> dict:
    return {
        "findings": [_finding_to_json(finding) for finding in result.findings],
        "suppressed": result.suppressed,
        "lines": list(lines),
    }


def _finding_to_json(finding: Finding) -> dict:
    data = {f.name: getattr(finding, f.name) for f in fields(finding) if f.name not in ("fix", "related")}
    fix = finding.fix
    if fix is not None:
        data["fix"] = [
            fix.code,
            fix.applicability,
            fix.message,
            [[edit.start_line, edit.end_line, edit.content] for edit in fix.edits],
        ]
    data["related"] = [[item.line, item.col, item.message, item.path] for item in finding.related]
    return data


def _result_from_json(path: str, data: dict) -> LintResult:
    findings = []
    for item in data["findings"]:
        item = dict(item)
        fix = item.pop("fix", None)
        if fix is not None:
            code, applicability, message, edits = fix
            fix = Fix(code, applicability, message, tuple(Edit(*edit) for edit in edits))
        related = tuple(Related(*entry) for entry in item.pop("related", []))
        findings.append(Finding(**item, fix=fix, related=related))
    suppressed = int(data["suppressed"])
    lines = tuple(str(line) for line in data["lines"])
    return LintResult(path, findings, suppressed, lines)


# --- rule declarations as JSON --------------------------------------------------------------------


def _rule_to_json(rule: Rule) -> dict:
    return {f.name: getattr(rule, f.name) for f in fields(rule)}


def _tuples(value: object) -> object:
    """JSON's lists as the tuples a declaration holds."""
    return tuple(_tuples(item) for item in value) if isinstance(value, list) else value


def _rule_from_json(data: dict) -> Rule:
    return Rule(**{name: _tuples(value) for name, value in data.items()})


def _valid_rules(stored: object) -> dict[str, dict]:
    """The stored declarations that make a ``Rule`` of their code (others are left out)."""
    if not isinstance(stored, dict):
        return {}
    valid = {}
    for code, data in stored.items():
        try:
            if isinstance(data, dict) and _rule_from_json(data).code == code:
                valid[code] = data
        except TypeError:
            continue
    return valid
