"""The lint service: one file's way from bytes to reportable findings, for every front end.

``lint_source(path, data, settings)`` decodes the source once, runs the engine (pre-filter,
facts, rules; fixes only with ``want_fixes``), keeps the selected rules, applies the per-file
ignores and, unless a host linter applies its own, the inline suppression comments. It returns a
``LintResult``: the findings as structured records (message, link and fix are separate fields of
``engine.Finding``) with the lines that were linted, so that output, baseline and SARIF never read
the file again nor parse a message back.

``lint_file`` reads a file first, refusing what is not a regular file the user can read (a
dangling or looping symlink, a FIFO, a device, a file without read permission): those are
``LintResult.skipped`` with the reason, never read and never a finding. ``collect_files`` finds
the files of folders (minus the excludes), ``apply_suppression`` filters findings made elsewhere
(``--fix``'s passes) as ``lint_source`` does. Every front end lints through this module: the
command line, the flake8 and pylint plugins (``lint_for_host``), the language server and the
pylsp plugin (``lint_source`` on the editor's buffer).
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Sequence

from . import suppression
from .config import Options
from .findings import Finding
from .isolation import trusted_imports
from .settings import Settings, UsageError
from .text import decode_source

NOTEBOOK_SUFFIX = ".ipynb"
# Files a folder is searched for: Python modules and Jupyter notebooks (read as JSON).
SOURCE_SUFFIXES = (".py", NOTEBOOK_SUFFIX)


@dataclass
class LintResult:
    """One file's way through the lint service: what is reported, or why it was skipped."""

    path: str  # as shown to the user
    findings: list[Finding] = field(default_factory=list)  # kept ones, sorted
    suppressed: int = 0  # hidden by per-file ignores and suppression comments
    # The lines of the linted text as output counts them (a notebook: its code cells
    # concatenated), so fingerprints and SARIF regions need no second read; kept only when
    # there are findings.
    lines: tuple[str, ...] = ()
    skipped: str | None = None  # why the file was not linted (the user's file), else None

    @property
    def notebook(self) -> bool:
        return self.path.lower().endswith(NOTEBOOK_SUFFIX)


def is_notebook(path: str) -> bool:
    return path.lower().endswith(NOTEBOOK_SUFFIX)


def _text_of(data: bytes | str) -> str | None:
    """The decoded source, or None when Python cannot decode it (the engine reports that)."""
    if isinstance(data, str):
        return data
    try:
        return decode_source(data)
    except (UnicodeDecodeError, LookupError, SyntaxError):
        return None


def _kept(
    findings: Sequence[Finding], path: str, settings: Settings, suppress_text: str | None, notebook: bool
) -> tuple[list[Finding], int]:
    ignored = settings.per_file_ignores.ignored_codes(path)
    kept = [f for f in findings if f.code in settings.select and f.code not in ignored]
    hidden = len(findings) - len(kept)
    if kept and suppress_text:
        key = (lambda f: (f.code, f.line + f.cell_offset)) if notebook else (lambda f: (f.code, f.line))
        kept, count = suppression.without_suppressed(kept, suppress_text, key=key)
        hidden += count
    return kept, hidden


def lint_source(
    path: str,
    data: bytes | str,
    settings: Settings,
    *,
    want_fixes: bool = False,
    suppress: bool = True,
) -> LintResult:
    """Lint ``data`` (bytes as read from disk, or text) as the file ``path``. ``suppress``:
    apply the inline suppression comments (a host linter that applies its own passes False).
    ``want_fixes``: attach the fixes (the command line's --fix, --diff and outputs that show
    them); without it findings carry no fix. Imports made meanwhile come from the linter's own
    path, never from the linted folders (isolation.py)."""
    with trusted_imports():
        return _lint_source(path, data, settings, want_fixes, suppress)


def _lint_source(
    path: str, data: bytes | str, settings: Settings, want_fixes: bool, suppress: bool
) -> LintResult:
    options = settings.options
    if is_notebook(path):
        from .notebook import NotebookError, analyze_notebook, notebook_source, read_notebook

        findings = analyze_notebook(data, path, options)
        try:
            source = notebook_source(read_notebook(data))
            module, lines = source.source, tuple(l for c in source.cells for l in c.lines)
        except (NotebookError, ValueError, TypeError, KeyError):
            module, lines = "", ()
        kept, hidden = _kept(findings, path, settings, module if suppress else None, True)
    else:
        from .engine import analyze  # start-up cost: a run answered from the results cache

        text = _text_of(data)
        findings = analyze(text if text is not None else data, path, options, fixes=want_fixes)
        lines = tuple(text.splitlines(keepends=True)) if text is not None else ()
        kept, hidden = _kept(findings, path, settings, text if suppress else None, False)
    kept = with_applicability(kept, settings) if want_fixes else without_fixes(kept)
    # the lines serve the findings' output: a file without findings keeps none (a run over a
    # large project would otherwise hold the text of every file until the end)
    return LintResult(path, sorted(kept), hidden, lines if kept else ())


def without_fixes(findings: Sequence[Finding]) -> list[Finding]:
    return [replace(f, fix=None) if f.fix is not None else f for f in findings]


def with_applicability(findings: Sequence[Finding], settings: Settings) -> list[Finding]:
    """The findings whose fix's applicability extend-safe-fixes / extend-unsafe-fixes change."""
    from .settings import fix_applicability

    changed = []
    for finding in findings:
        fix = finding.fix
        if fix is not None:
            applicability = fix_applicability(settings, finding.code, fix.applicability)
            if applicability != fix.applicability:
                finding = replace(finding, fix=replace(fix, applicability=applicability))
        changed.append(finding)
    return changed


def unreadable_reason(path: str) -> str | None:
    """Why ``path`` cannot be linted without risk (never reading it to find out): a dangling or
    looping symlink, not a regular file (FIFO, device, socket), no read permission; None when it
    can be read."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return "a broken symbolic link" if os.path.islink(path) else "no such file"
    except OSError as exc:
        import errno

        if exc.errno == errno.ELOOP:
            return "a symbolic link that loops"
        return exc.strerror or str(exc)
    if stat.S_ISDIR(info.st_mode):
        return "a folder"
    if not stat.S_ISREG(info.st_mode):
        kind = (
            "a FIFO" if stat.S_ISFIFO(info.st_mode)
            else "a device" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)
            else "a socket" if stat.S_ISSOCK(info.st_mode)
            else "not a regular file"
        )
        return f"{kind}, not a regular file"
    if not os.access(path, os.R_OK):
        return "permission denied"
    return None


def read_file(path: str) -> tuple[bytes | None, str | None]:
    """(the file's bytes, None), or (None, why it was not read)."""
    reason = unreadable_reason(path)
    if reason is not None:
        return None, reason
    try:
        # O_NONBLOCK: a file swapped for a FIFO between the check and the open cannot block
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        return None, exc.strerror or str(exc)
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None, "not a regular file"
        with os.fdopen(descriptor, "rb") as handle:
            descriptor = -1
            return handle.read(), None
    except OSError as exc:
        return None, exc.strerror or str(exc)
    finally:
        if descriptor >= 0:
            os.close(descriptor)


def _known_silent(path: str, settings: Settings) -> bool:
    """The project scan read this very file already and found no word of the pre-filter in it:
    it is not read again (engine.analyze_python_file's shortcut)."""
    if is_notebook(path):
        return False
    from .engine import _project_index, prefilter_off

    try:
        index = _project_index(path, settings.options)
        return index is not None and not prefilter_off() and index.known_silent(index.path_of(path))
    except Exception:  # the file alone is still worth analysing
        return False


def analyze_file(path: str, options: Options | None = None, fixes: bool = True) -> list[Finding]:
    """The engine's findings for a file, all of them (no select, no suppression): a notebook
    (``.ipynb``) through the notebook reader, any other file as Python (``fixes`` as for
    ``engine.analyze``)."""
    if is_notebook(path):
        # the notebook reader is only imported for a notebook (start-up cost)
        from .notebook import analyze_notebook_file

        return analyze_notebook_file(path, options, fixes)
    with trusted_imports():
        from .engine import analyze_python_file  # start-up cost, as in _lint_source

    return analyze_python_file(path, options, fixes)


def lint_file(path: str, settings: Settings, want_fixes: bool = False) -> LintResult:
    """Read and lint one file; a file that cannot be read safely is skipped with the reason."""
    reason = unreadable_reason(path)
    if reason is not None:
        return LintResult(path, skipped=reason)
    with trusted_imports():
        if _known_silent(path, settings):
            return LintResult(path)
    data, reason = read_file(path)
    if data is None:
        return LintResult(path, skipped=reason)
    return lint_source(path, data, settings, want_fixes=want_fixes)


def lint_for_host(
    source: str | bytes, filename: str, settings: Settings, tree=None
) -> list[Finding]:
    """The findings a host linter (flake8, pylint) reports for a module it lints once: the
    selected rules minus the per-file ignores of the configuration; the host applies its own
    suppression comments. No host applies fixes: they are dropped, but a finding's message still
    says how keras-mp-lint applies its fix, with the applicability the settings give it
    (``extend-safe-fixes``), as keras-mp-lint says it. The host may have put the linted folders
    on ``sys.path``: imports come from the linter's own path meanwhile."""
    with trusted_imports():
        from .engine import analyze_once  # start-up cost, as in _lint_source

        findings = analyze_once(source, filename, settings.options, tree=tree)
    kept, _hidden = _kept(findings, filename, settings, None, False)
    return without_fixes(with_applicability(kept, settings))


def apply_suppression(
    settings: Settings, path: str, findings: Sequence[Finding], source: str | None
) -> tuple[list[Finding], int]:
    """Findings of one file (made by the engine elsewhere: ``--fix``'s passes) minus the rules
    not selected, the per-file ignores and the inline suppression comments, as ``lint_source``
    keeps them; and how many were hidden. ``source``: the text of the file or notebook; read
    from ``path`` when None."""
    notebook = is_notebook(path)
    if source is None:
        data, _reason = read_file(path)
        source = "" if data is None else (_text_of(data) or "")
    text = source
    if notebook and source:
        # the notebook reader sits above the engine; the service picks it for a notebook
        from .notebook import notebook_module_source

        text = notebook_module_source(path, source)
    return _kept(findings, path, settings, text, notebook)


# --- which files ---------------------------------------------------------------------------------


def _posix(path: str) -> str:
    return path.replace(os.sep, "/")


# What makes a glob more than a name: a wildcard, or a path.
_GLOB_CHARS = frozenset("*?[/")


@functools.lru_cache(maxsize=32)
def _exclusion(patterns: tuple[str, ...]) -> tuple[frozenset[str], re.Pattern | None]:
    """The excludes as (names, one pattern for the other globs). A glob that is a plain name
    (``build``, ``.venv``) can only match a path's name: the absolute path holds a ``/``, and so
    does the path relative to the root unless it is the name (or ``.``/``..``, never names)."""
    names, globs = set(), []
    for pattern in patterns:
        glob = pattern.rstrip("/")
        if glob not in ("", ".", "..") and not _GLOB_CHARS.intersection(glob):
            names.add(glob)
        else:
            globs.append(glob)
    # ``fnmatchcase`` of each glob, in one match
    pattern = re.compile("|".join(fnmatch.translate(glob) for glob in globs)) if globs else None
    return frozenset(names), pattern


def is_excluded(path: str, patterns: Sequence[str], root: str) -> bool:
    """Match the name, the path relative to ``root`` and the absolute path against the globs."""
    if not patterns:
        return False
    names, globs = _exclusion(tuple(patterns))
    absolute = os.path.abspath(path)
    name = os.path.basename(absolute)
    return name in names or _glob_excluded(globs, name, absolute, None, root)


def _glob_excluded(
    globs: re.Pattern | None, name: str, absolute: str, relative: str | None, root: str
) -> bool:
    """Whether the globs that are not plain names match the path ``absolute`` named ``name``
    (``relative`` to ``root`` when known, else computed)."""
    if globs is None:
        return False
    candidates = {name, _posix(absolute)}
    if relative is None:
        try:
            relative = os.path.relpath(absolute, root)
        except ValueError:  # another drive on Windows
            pass
    if relative is not None:
        candidates.add(_posix(relative))
    return any(globs.match(candidate) for candidate in candidates)


def excluded_with_parents(path: str, settings: Settings) -> bool:
    """``path`` or one of its folders (below the configuration's folder, or as written) matches
    the settings' excludes."""
    patterns, root = settings.exclude, settings.exclude_root
    absolute = Path(os.path.abspath(path))
    try:
        parts = absolute.relative_to(root).parts
        base = Path(root)
    except ValueError:
        parts = Path(path).parts
        base = Path()
    current = base
    for part in parts:
        current = current / part
        if is_excluded(str(current), patterns, root):
            return True
    return False


def collect_files(
    paths: Sequence[str], settings: Settings, warn: Callable[[str], None] = lambda message: None
) -> list[str]:
    """The files to lint, each once, sorted by path. A folder that cannot be listed is skipped
    with a warning (``warn(message)``); a file that cannot be read is kept here and skipped by
    ``lint_file`` with its reason."""
    root = settings.exclude_root
    names, globs = _exclusion(tuple(settings.exclude))
    inside_root = os.path.join(root, "")
    found: dict[str, str] = {}  # absolute path -> path as shown
    here: list[str] = []  # the working folder, asked once (and never for absolute paths)

    def absolute_path(shown: str) -> str:
        """``os.path.abspath`` of a normalised path."""
        if os.path.isabs(shown):
            return shown
        if not here:
            here.append(os.getcwd())
        return os.path.normpath(os.path.join(here[0], shown))

    def unlistable(error: OSError) -> None:
        warn(f"{error.filename}: skipped: cannot list the folder ({error.strerror or error})")

    for path in paths:
        try:
            is_folder = stat.S_ISDIR(os.stat(path).st_mode)
        except (OSError, ValueError):
            if not os.path.lexists(path):
                raise UsageError(f"{path}: no such file or directory") from None
            is_folder = False
        if settings.force_exclude and excluded_with_parents(path, settings):
            continue
        if not is_folder:
            # a dangling link, a FIFO...: lint_file says why it is skipped
            shown = os.path.normpath(path)
            found.setdefault(absolute_path(shown), shown)
            continue
        for folder, subfolders, files in os.walk(path, onerror=unlistable):
            # the folder's paths once; its entries' are the folder's followed by their names
            prefix = os.path.join(os.path.abspath(folder), "")
            shown_prefix = os.path.normpath(folder)
            shown_prefix = "" if shown_prefix == os.curdir else os.path.join(shown_prefix, "")
            if prefix == inside_root:
                relative: str | None = ""
            elif prefix.startswith(inside_root):
                relative = prefix[len(inside_root) :]
            else:
                relative = None  # computed per entry (a folder above the root, another drive)

            def excluded(name: str) -> bool:
                if name in names:
                    return True
                if globs is None:
                    return False
                return _glob_excluded(
                    globs, name, prefix + name, None if relative is None else relative + name, root
                )

            subfolders[:] = sorted(name for name in subfolders if not excluded(name))
            for name in files:
                if name.endswith(SOURCE_SUFFIXES) and not excluded(name):
                    found.setdefault(prefix + name, shown_prefix + name)
    return sorted(found.values(), key=lambda shown: (_posix(shown), shown))
