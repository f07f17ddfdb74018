"""The project a file belongs to: its root, its source roots, its modules and their imports.

Nothing is imported or executed: files are found on disk, read and parsed with ``ast``, each at
most once per process. Files outside the project (site-packages...) are never read.
"""

from __future__ import annotations

import ast
import functools
import os
import stat
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from ..files import kind_of, read_bytes
from ..text import decode_source
from .gitignore import IgnoreRules
from .source_roots import declared_source_roots

# A folder holding one of these is a project root.
PROJECT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
# Folders never searched for project modules.
SKIPPED_FOLDERS = frozenset(
    {
        ".git", ".hg", ".svn", ".bzr", ".venv", "venv", ".tox", ".nox", ".eggs", "build", "dist",
        "__pycache__", "node_modules", ".mypy_cache", ".pytest_cache", ".ruff_cache",
        "__pypackages__", "site-packages", ".ipynb_checkpoints",
    }
)
# A project with more files than this is scanned no further (what is beyond stays unknown).
MAX_PROJECT_FILES = 20000
# A folder modified this recently (nanoseconds) may be modified again without its modification
# time changing (a coarse file-system clock): its listing is not kept.
RECENT_NS = 2_000_000_000


def find_project_root(path: Path) -> Path:
    """The nearest folder from the file's own folder upward that holds a project marker; the
    file's folder when there is none (a folder of scripts)."""
    root = _marked_folder(path.parent)
    return root if root is not None else path.parent


def _marked_folder(folder: Path) -> Path | None:
    marked = _marked_folder_name(str(folder))
    return None if marked is None else Path(marked)


@functools.lru_cache(maxsize=4096)
def _marked_folder_name(folder: str) -> str | None:
    # strings: a cache of Paths would keep objects for the host linter's garbage collector to
    # walk at every full collection
    if any(os.path.exists(os.path.join(folder, marker)) for marker in PROJECT_MARKERS):
        return folder
    parent = os.path.dirname(folder)
    return None if parent == folder else _marked_folder_name(parent)


@functools.lru_cache(maxsize=4096)
def _real_folder(folder: str) -> str:
    return os.path.realpath(folder)


def real_path(filename: str) -> Path:
    """``Path(filename).resolve()``, with the folder's resolution shared by its files (a run
    lints many files per folder, and resolving walks every component of the path)."""
    return Path(_real_path(filename))


@functools.lru_cache(maxsize=4096)
def _real_path(filename: str) -> str:
    # strings: a cache of Paths would keep thousands of objects for the host linter's garbage
    # collector to walk at every full collection
    folder, name = os.path.split(os.path.abspath(filename))
    real = os.path.join(_real_folder(folder), name)
    if os.path.islink(real):
        real = os.path.realpath(real)
    return real


@dataclass(frozen=True)
class SkippedPath:
    """A file or folder of the project that the scan could not read, and why (a front end
    shows it as a warning)."""

    path: Path
    reason: str


def _reason(error: OSError) -> str:
    return error.strerror or str(error) or type(error).__name__


def _unreadable(path: str) -> str | None:
    """Why a listed file cannot be read as source (found from its ``stat``, never opened), or
    None when it can."""
    try:
        info = os.stat(path)  # follows symlinks: a dangling or looping one fails here
    except OSError as error:
        if os.path.islink(path):
            return f"a broken symbolic link ({_reason(error)})"
        return _reason(error)
    if not stat.S_ISREG(info.st_mode):
        return f"{kind_of(info.st_mode)}, not a source file"
    if not os.access(path, os.R_OK):
        return "Permission denied"
    return None


def _decode(data: bytes) -> str:
    return decode_source(data)


def _stamp(path: Path) -> tuple | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size)


class ParsedFile:
    """One project file, read and parsed once. ``tree`` is None when it cannot be parsed."""

    def __init__(self, path: Path, source: str | None = None, tree: ast.Module | None = None):
        self.path = path
        # "notebook" for a .ipynb file handed in by a front end: a module nothing imports (only
        # *.py files are found by imports and by the project scan)
        self.kind = "notebook" if path.suffix == ".ipynb" else "module"
        self._source = source
        self._tree = tree
        self._parsed = tree is not None
        self.stamp: tuple | None = None  # (mtime, size) of the text read from disk
        # the hash of the text this file last had (kept when the text is forgotten): a new text
        # given for it is an edit when it differs
        self.text_hash: int | None = hash(source) if source is not None else None
        # an editor's buffer (see set_buffer): its text is kept, never replaced by the disk's
        self.pinned = False

    @property
    def source(self) -> str:
        if self._source is None:
            try:
                data, info = read_bytes(self.path)
                self.stamp = (info.st_mtime_ns, info.st_size)
                self._source = _decode(data)
            except (OSError, UnicodeDecodeError, LookupError, SyntaxError):
                self._source = ""
            self.text_hash = hash(self._source)
        return self._source

    def use_read(self, data: bytes, info: os.stat_result) -> None:
        """The text of bytes just read from disk (with their ``stat``): not read again."""
        self.stamp = (info.st_mtime_ns, info.st_size)
        try:
            self._source = _decode(data)
        except (UnicodeDecodeError, LookupError, SyntaxError):
            self._source = ""
        self.text_hash = hash(self._source)

    def forget(self) -> None:
        """Drop the text and tree (read again if a question needs them; a buffer's text stays)."""
        if not self.pinned:
            self._source = None
        self._tree = None
        self._parsed = False

    @property
    def tree(self) -> ast.Module | None:
        if not self._parsed:
            self._parsed = True
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    self._tree = ast.parse(self.source, filename=str(self.path))
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                self._tree = None
        return self._tree


class Project:
    """A project root and its source roots, with its files read and parsed on demand."""

    def __init__(self, root: Path, source_roots: tuple[Path, ...] = (), marked: bool = True):
        self.root = root
        self.marked = marked  # False: a folder of scripts, without a project file
        self.key: tuple | None = None  # its key among the process's projects (project_for)
        roots = [root / r if not r.is_absolute() else r for r in source_roots]
        if not roots and marked:
            # the build configuration's roots (src/ layouts); the source-roots option overrides
            roots = list(declared_source_roots(root))
        self.source_roots = tuple(dict.fromkeys([*(r.resolve() for r in roots), root]))
        self.files: dict[Path, ParsedFile] = {}
        # kept as strings: the garbage collector need not visit them (a Path is two objects)
        self._all_files: list[str] | None = None
        self._resolved: dict[tuple[str, str], tuple[str, tuple[str, ...]] | None] = {}
        self._folder_stamps: dict[str, int] = {}
        # folder -> its entries (see _entries): where imports may lead, listed once
        self._folder_entries: dict[str, tuple[int, dict[str, str | None]]] = {}
        self._root_prefix = os.path.join(str(root), "")
        # what the listing left out because it cannot be read, with the reason
        self.skipped: list[SkippedPath] = []
        # whether the scan keeps its verdicts on unchanged files after it starts afresh: in a
        # process that lints the project again after each edit (the language server's buffers)
        self.keeps_verdicts = bool(_BUFFERS)

    # ------------------------------------------------------------------ files
    def contains(self, path: Path) -> bool:
        text = str(path)
        if not text.startswith(self._root_prefix):
            return False
        return not any(
            part in SKIPPED_FOLDERS for part in text[len(self._root_prefix) :].split(os.sep)[:-1]
        )

    def _entries(self, folder: str) -> dict[str, str | None] | None:
        """A folder's entries: name -> "file", "folder" (symlinks followed) or None (anything
        else). Listed once while the folder's modification time stays the same (one ``stat``
        per question instead of one per candidate module). None for a folder changed in the
        last two seconds (its clock may not show a second change): its files are then looked at
        one by one, never listed again and again (a folder of a thousand modules an editor just
        saved into)."""
        try:
            stamp = os.stat(folder).st_mtime_ns
        except OSError:
            return {}
        known = self._folder_entries.get(folder)
        if known is not None and known[0] == stamp:
            return known[1]
        if time.time_ns() - stamp <= RECENT_NS:
            return None
        entries: dict[str, str | None] = {}
        try:
            with os.scandir(folder) as listing:
                for entry in listing:
                    try:
                        kind = "file" if entry.is_file() else "folder" if entry.is_dir() else None
                    except OSError:
                        kind = None
                    entries[entry.name] = kind
        except OSError:
            return {}
        self._folder_entries[folder] = (stamp, entries)
        return entries

    def _kind(self, path: Path | str) -> str | None:
        """"file", "folder" (symlinks followed) or None."""
        folder, name = os.path.split(str(path))
        entries = self._entries(folder)
        if entries is not None:
            return entries.get(name)
        try:
            info = os.stat(path)
        except (OSError, ValueError):
            return None
        return "file" if stat.S_ISREG(info.st_mode) else "folder" if stat.S_ISDIR(info.st_mode) else None

    def file(self, path: Path) -> ParsedFile | None:
        """The parsed file at ``path`` (absolute, resolved), when it is in the project."""
        parsed = self.files.get(path)
        if parsed is None:
            if not self.contains(path) or self._kind(path) != "file":
                return None
            parsed = self.files[path] = _buffer_or_file(path)
        return parsed

    def _text_in_memory(self, path: Path) -> str | None:
        """The text read before or an editor's buffer; None when only the disk has it."""
        parsed = self.files.get(path)
        if parsed is not None and parsed._source is not None:
            return parsed._source
        return _BUFFERS.get(path)

    def current_text(self, path: Path) -> str | None:
        """A project file's text as questions read it (an editor's buffer, the text read
        before, else the disk's), without keeping it; None when it cannot be read."""
        text = self._text_in_memory(path)
        if text is not None:
            return text
        try:
            return _decode(read_bytes(path)[0])
        except (OSError, UnicodeDecodeError, LookupError, SyntaxError):
            return None

    def text_key(self, path: Path) -> tuple | None:
        """What tells, without reading it, that a file's text (``current_text``) is the one
        seen before: the length and hash of a text in memory, the size and modification time
        of the disk's; None when that cannot be told (a file changed on disk in the last two
        seconds: its clock may not show a second change)."""
        text = self._text_in_memory(path)
        if text is not None:
            return ("text", len(text), hash(text))
        try:
            info = os.stat(path)
        except OSError:
            return None
        if time.time_ns() - info.st_mtime_ns <= RECENT_NS:
            return None
        return ("disk", info.st_size, info.st_mtime_ns)

    def changed_files(self) -> list[Path]:
        """Files read from disk that have changed there since (a long-running process, such as
        an editor's language server, must not answer from an old text)."""
        return [
            path
            for path, parsed in self.files.items()
            if parsed.stamp is not None and _stamp(path) != parsed.stamp
        ]

    def use_source(self, path: Path, source: str) -> None:
        """The linted file's own text (an editor buffer may differ from the disk). A text that
        replaces another one known for the file (``--fix``'s next pass) is kept for later
        questions, never read again from the disk, where the old text still is."""
        current = self.files.get(path)
        if current is None or current._source != source:
            edited = current is not None and (
                current.pinned or (current.text_hash is not None and current.text_hash != hash(source))
            )
            self.files[path] = ParsedFile(path, source)
            self.files[path].pinned = path in _BUFFERS or edited

    def forget_listing(self) -> None:
        self._all_files = None
        self._folder_stamps = {}
        self._folder_entries = {}

    def listing_changed(self) -> bool:
        """A file was added to or removed from a folder listed so far."""
        for folder, stamp in self._folder_stamps.items():
            try:
                if os.stat(folder).st_mtime_ns != stamp:
                    return True
            except OSError:
                return True
        return False

    def all_files(self) -> list[Path]:
        """Every ``*.py`` file of the project, sorted (listed once), minus what the project's
        ``.gitignore`` files exclude; for a folder of scripts without a project file, the files
        of that folder only. What cannot be read (a dangling or looping symlink, a FIFO, a
        device, an unreadable file or folder) is left out without being opened, and listed in
        ``skipped`` with the reason."""
        return [Path(path) for path in self.all_file_names()]

    def all_file_names(self) -> list[str]:
        """``all_files()`` as the strings they are kept as (the results cache compares them)."""
        if self._all_files is None:
            found: list[str] = []
            skipped: list[SkippedPath] = []
            ignore = IgnoreRules()

            def unreadable_folder(error: OSError) -> None:
                skipped.append(SkippedPath(Path(error.filename), _reason(error)))

            for folder, subfolders, names in os.walk(self.root, onerror=unreadable_folder):
                try:
                    self._folder_stamps[folder] = os.stat(folder).st_mtime_ns
                except OSError:
                    pass
                if not self.marked:
                    subfolders[:] = []
                if ".gitignore" in names:
                    ignore.read_folder(folder)
                subfolders[:] = sorted(
                    name
                    for name in subfolders
                    if name not in SKIPPED_FOLDERS
                    and not name.startswith(".")
                    and not ignore.ignored(os.path.join(folder, name), True)
                )
                for name in sorted(names):
                    if name.endswith(".py"):
                        path = os.path.join(folder, name)
                        if ignore.ignored(path, False):
                            continue
                        reason = _unreadable(path)
                        if reason is None:
                            found.append(path)
                        else:
                            skipped.append(SkippedPath(Path(path), reason))
                if len(found) > MAX_PROJECT_FILES:
                    break
            self._all_files = found[:MAX_PROJECT_FILES]
            self.skipped = skipped
        return list(self._all_files)

    # ------------------------------------------------------------------ modules
    def module_name(self, path: Path) -> str | None:
        """The dotted name a file is imported by, from the first source root that holds it."""
        for root in self.source_roots:
            try:
                relative = path.relative_to(root)
            except ValueError:
                continue
            parts = list(relative.with_suffix("").parts)
            if parts and parts[-1] == "__init__":
                parts.pop()
            if parts and all(part.isidentifier() for part in parts):
                return ".".join(parts)
        return None

    def _is_file(self, path: Path) -> bool:
        try:
            return self.file(path) is not None
        except (OSError, ValueError):
            return False

    def _modules_along(self, folder: Path, parts: list[str]) -> list[Path | None]:
        """For each prefix ``parts[:n]`` (n >= 1), the module file it names under ``folder``
        (``a/b.py`` or ``a/b/__init__.py``), or None; stops where the folders stop."""
        found: list[Path | None] = []
        current = str(folder)  # strings until a module is found: most probes find nothing
        for part in parts:
            if not part.isidentifier():
                break
            candidate = None
            module = os.path.join(current, part + ".py")
            package = os.path.join(current, part)
            is_folder = self._kind(package) == "folder"
            if self._kind(module) == "file":
                candidate = Path(module)
                if not self._is_file(candidate):
                    candidate = None
            if candidate is None and is_folder:
                candidate = Path(package, "__init__.py")
                if not self._is_file(candidate):
                    candidate = None
            found.append(candidate)
            if not is_folder:
                break
            current = package
        return found

    def resolve_name(self, qualname: str, importer: Path) -> tuple[Path, list[str]] | None:
        """Split a qualified name seen in ``importer`` into the longest prefix that is a project
        module and the attribute path after it: ``.base.Loader`` -> (data/base.py, ["Loader"]).
        Relative names (leading dots) start from the importer's package; absolute ones from the
        importer's own folder first (as for a script or a notebook), then the source roots."""
        # per folder (where a name leads depends on the importer's folder only), and strings:
        # the garbage collector need not visit them
        key = (qualname, os.path.dirname(str(importer)))
        if key not in self._resolved:
            found = self._resolve_name(qualname, importer)
            # kept as strings (a tuple of strings is not tracked by the garbage collector, a
            # Path and a list are: a host linter's full collections would walk every one)
            self._resolved[key] = None if found is None else (str(found[0]), tuple(found[1]))
        known = self._resolved[key]
        return None if known is None else (Path(known[0]), list(known[1]))

    def _resolve_name(self, qualname: str, importer: Path) -> tuple[Path, list[str]] | None:
        level = len(qualname) - len(qualname.lstrip("."))
        parts = [part for part in qualname[level:].split(".") if part]
        if level:
            folder = importer.parent
            for _ in range(level - 1):
                folder = folder.parent
            if not self.contains(folder / "__init__.py"):
                return None
            modules = self._modules_along(folder, parts)
            for cut in range(len(modules), 0, -1):
                if modules[cut - 1] is not None:
                    return modules[cut - 1], parts[cut:]
            init = folder / "__init__.py"
            return (init, parts) if self._is_file(init) else None
        if not parts:
            return None
        for folder in dict.fromkeys((importer.parent, *self.source_roots)):
            modules = self._modules_along(folder, parts)
            for cut in range(len(modules), 0, -1):
                if modules[cut - 1] is not None:
                    return modules[cut - 1], parts[cut:]
        return None


_PROJECTS: dict[tuple[Path, tuple[str, ...]], Project] = {}
# The texts of the files open in an editor (a language server's buffers), which every question
# about those files reads instead of the disk's: path -> text.
_BUFFERS: dict[Path, str] = {}


def _buffer_or_file(path: Path) -> ParsedFile:
    text = _BUFFERS.get(path)
    parsed = ParsedFile(path, text)
    parsed.pinned = text is not None
    return parsed


def set_buffer(filename: str, text: str | None) -> list[Project]:
    """An editor's buffer of a file (``None``: closed, the disk's text counts again); the
    projects that already hold the file, whose answers may now differ."""
    try:
        path = real_path(filename)
    except (OSError, ValueError):
        return []
    if text is None:
        _BUFFERS.pop(path, None)
    else:
        _BUFFERS[path] = text
    touched = []
    for project in _PROJECTS.values():
        project.keeps_verdicts = True
        if project.contains(path):
            project.files.pop(path, None)  # made again from the buffer or the disk
            touched.append(project)
    return touched
# (absolute file name, source roots) -> its key in _PROJECTS
_KEY_OF_FILE: dict[tuple[str, tuple[str, ...]], tuple[Path, tuple[str, ...]]] = {}


def project_for(path: str, source_roots: tuple[str, ...] = ()) -> Project | None:
    """The project of a file on disk (one ``Project`` per root per process), or None for a file
    that is not on disk (stdin, a name like ``<unknown>``)."""
    try:
        known = _KEY_OF_FILE.get((os.path.abspath(path), tuple(source_roots)))
        if known is not None and known in _PROJECTS:
            return _PROJECTS[known]  # a run asks for every file of a folder, often twice
        if not os.path.isfile(path):
            return None
        file_path = real_path(path)
    except (OSError, ValueError):
        return None
    marked = _marked_folder(file_path.parent)
    root = marked if marked is not None else file_path.parent
    key = (root, tuple(source_roots))
    project = _PROJECTS.get(key)
    if project is None:
        sources = tuple(Path(r) for r in source_roots)
        project = _PROJECTS[key] = Project(root, sources, marked=marked is not None)
        project.key = key
    # the project's own key: one object for all its files, not one tuple (holding a Path) each
    _KEY_OF_FILE[(os.path.abspath(path), key[1])] = project.key
    return project
