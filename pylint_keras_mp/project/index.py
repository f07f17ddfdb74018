"""Cross-module questions, answered from the facts (``ModuleFacts``) of project files and from
small summaries of them.

A project file's facts are built when a question first needs them and shared by every later
question; the most recently used are kept (with their trees), and what the whole-project
questions need from each module (its top-level names, its loaders, the helpers their worker code
reaches, the loaders it runs in processes) is kept as a summary after its tree is dropped. In a
project of a few dozen modules each file is parsed once per process. Names are followed through
imports and re-exports to the class or function they mean; whatever cannot be followed (outside
the project, unparsable, ambiguous, a cycle) is unknown, and unknown is silent.
"""

from __future__ import annotations

import ast
import collections
import functools
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Options
from ..facts import ModuleFacts
from ..facts.follow import FOLLOW_DEPTH
from ..facts.installed_bases import installed_loader_bases
from ..facts.keras_api import LOADER_BASE_NAMES, import_path_uses_keras, is_keras_loader_base
from ..faults import USER_PROBLEMS, contain
from ..files import read_bytes
from ..installed import may_be_read
from ..keras_components import KERAS_COMPONENTS
from ..prefilter import names_needed_words
from ..text import decode_source, names_a_word, names_code_word
from ..text import normalised as _normalised
from .keras_version import project_keras_version
from .model import Project, project_for, real_path, set_buffer
from .star_imports import star_imported_names

# How many modules' facts (with their trees) are kept at a time at least, and how much of their
# source text (in characters) beyond those (see ``keep_facts``).
FACTS_KEPT = 8
FACTS_KEPT_CHARS = 0
# What the command line keeps: within a run fewer modules are parsed again (Keras' source as one
# project: 159 parses of 131 modules, 218 with the eight alone), for at most about 30 MB (a tree
# and its facts cost about 30 bytes of memory per character of source; a 20,000-file project
# peaks at 190 MB with it, 170 MB with half of it).
COMMAND_LINE_KEPT_CHARS = 1_000_000
# What every front end keeps while the project scan runs: its rounds and its second step ask
# about the same modules again and again (Keras' source under flake8: 144 parses with the eight
# alone, 98 with this). The host linters' plugins drop them after the file that ran the scan
# (``release``); a language server keeps the default few afterwards.
SCAN_KEPT_CHARS = COMMAND_LINE_KEPT_CHARS
# How often files already read are checked for changes on disk.
RECHECK_SECONDS = 2.0
# How many modules the project scan summarises at most (in file order); a project with more
# candidate modules than this leaves the rest unknown, and unknown is silent.
MAX_SCANNED_MODULES = 500


def silent(default):
    """A cross-module question whose answer cannot be found because of the user's files (an
    unreadable, undecodable or unparsable file, a name too long for the file system, code
    nested too deeply) is unknown, and unknown is silent. Any other exception is a bug of the
    linter: contained as well, but recorded for a KMP900 (raised under the strict switch)."""

    def wrap(method):
        @functools.wraps(method)
        def guarded(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except USER_PROBLEMS:
                pass
            except Exception as exc:
                contain(f"project analysis ({method.__name__})", exc)
            return default() if callable(default) else default

        return guarded

    return wrap


IMPORT_STATEMENT = re.compile(
    r"^[ \t]*(?:from[ \t]+([.\w]+)[ \t]+import\b|import[ \t]+([\w. \t,]+))", re.MULTILINE
)
IMPORT_LINE = re.compile(r"^[ \t]*(?:from|import)[ \t].*$", re.MULTILINE)
IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
# ``from . import x``, ``from .. import x``: names of the importer's own packages
RELATIVE_PACKAGE_IMPORT = re.compile(r"^[ \t]*from[ \t]+\.+[ \t]+import\b")


def _mentions(text: str | bytes, needs: list[tuple[frozenset, ...]]) -> bool:
    """Whether a module's text holds, for one of ``needs``, a word of each of its word sets where
    it may be an identifier of the code (a whole word, not prose: see ``names_code_word``). The
    text is NFKC-normalised first, as the parser normalises identifiers (``ＰｙＤａｔａｓｅｔ``
    names PyDataset)."""
    if isinstance(text, bytes):
        contains = text.__contains__
        if text.isascii() and not any(
            all(any(map(contains, _encoded(wanted))) for wanted in need) for need in needs
        ):
            return False  # cheap refusal, before decoding (ASCII: nothing to normalise)
        try:
            text = decode_source(text)
        except (UnicodeDecodeError, LookupError, SyntaxError):
            return False
    text = _normalised(text)
    for need in needs:
        # cheap refusal first: a word of each set occurs at all
        if all(any(word in text for word in wanted) for wanted in need) and all(
            names_code_word(text, wanted) for wanted in need
        ):
            return True
    return False


@functools.lru_cache(maxsize=64)
def _encoded(words: frozenset[str]) -> tuple[bytes, ...]:
    """The words as UTF-8 bytes, for the tests on files' bytes (each file is tested against the
    same few word sets)."""
    return tuple(word.encode() for word in words)


_KERAS_BYTES = tuple(component.encode() for component in KERAS_COMPONENTS)


def _names_keras(data: bytes) -> bool:
    """Whether the bytes hold a Keras component as written (a text that only spells it with
    other characters gets no verdict: it is read again, which is always right)."""
    return any(map(data.__contains__, _KERAS_BYTES))


def _module_stem(path: Path) -> str:
    """The last part of the name a module is imported by (a package's, for ``__init__.py``)."""
    return path.parent.name if path.stem == "__init__" else path.stem


def _imported_names(source: str) -> list[str]:
    """The module names of a source's import statements, read from its text (``from x import``,
    ``import x.y as z, w``); parenthesised and continued lines are not needed for that."""
    names = []
    for match in IMPORT_STATEMENT.finditer(source):
        if match[1]:
            names.append(match[1])
        else:
            for item in match[2].split(","):
                name = item.split(" as ")[0].strip()
                if name:
                    names.append(name.split()[0])
    return names


# ``from module import names`` where it starts a line (after indentation): the pattern starts
# with the literal word, which the regular expression engine searches for quickly, and the line
# start is checked for the few matches (an anchored multi-line pattern is tried at every
# position: three times slower over Keras' source). No part of it matches a line break, so a
# refused match never hides the next line's.
FROM_IMPORT = re.compile(r"from[ \t]+([\w.]+)[ \t]+import[ \t]+\(?([\w, \t]+)")


def _from_imports(source: str) -> list[tuple[str, list[str]]]:
    """(module, names) of the ``from module import names`` statements, read from the text (the
    first line of a parenthesised list is enough for a pre-filter)."""
    found = []
    for match in FROM_IMPORT.finditer(source):
        start = match.start()
        if source[source.rfind("\n", 0, start) + 1 : start].strip(" \t"):
            continue  # not where a line starts: ``xfrom a import B``, ``# from a import B``
        names = [item.split(" as ")[0].strip() for item in match[2].split(",")]
        found.append((match[1], [name for name in names if name.isidentifier()]))
    return found


def _top_level_names(facts) -> dict[str, tuple[str, str | None]]:
    names: dict[str, tuple[str, str | None]] = {}
    for name in facts.walk.module_table.counts:
        if name in facts.walk.imports:
            if facts.walk.module_table.bound_once(name):
                names[name] = ("import", facts.walk.imports[name])
            continue
        node = facts.resolver.definition_of(name, None)
        if node is not None:
            names[name] = ("class" if isinstance(node, ast.ClassDef) else "function", None)
        elif _may_alias_keras(facts, name):
            # an alias of Keras (a loader base or a module on the way to one) re-exports it:
            # ``Base = keras.utils.Sequence``, ``utils = keras.utils``,
            # ``get_keras_submodule("utils").Sequence``
            meant = facts.hierarchy.base_qualname(ast.Name(id=name, ctx=ast.Load()))
            if meant is not None and import_path_uses_keras(meant):
                names[name] = ("import", meant)
    return names


def _may_alias_keras(facts, name: str) -> bool:
    """A module-level name assigned an attribute (``keras.utils``, ``helper("utils").Sequence``)."""
    return any(isinstance(source, ast.Attribute) for source in facts.walk.module_table.sources.get(name, ()))


def _import_root(facts, node: ast.AST) -> ast.Name | None:
    """The root name of ``name`` or ``name.attr...`` when the module imports it."""
    root = node
    while isinstance(root, ast.Attribute):
        root = root.value
    return root if isinstance(root, ast.Name) and root.id in facts.walk.imports else None


@dataclass
class ModuleSummary:
    """What the whole-project questions need from one module, kept after its tree is gone."""

    # its loader classes, and its functions that return an instance of a project loader
    loader_names: set[str] = field(default_factory=set)
    # functions and methods its loaders' worker code reaches:
    # (file, function name, line, loader key, how the message names the path to it)
    helpers: list[tuple] = field(default_factory=list)
    # lineages run in worker processes, with the line and column of the launch (or construction)
    # and the open switch's condition (None: processes for certain)
    started: list[tuple[frozenset, int, int, str | None]] = field(default_factory=list)
    # top-level names that re-export a Keras or configured loader base (``compat.Sequence``)
    reexported_bases: set[str] = field(default_factory=set)
    # project objects its constructions give a loader to hold: (loader key, attribute, class
    # (file, name, line)) for ``Generator(visual_effect=VisualEffect())`` stored on self
    held_arguments: list[tuple] = field(default_factory=list)
    # the launch part (helpers, started, held_arguments) is filled: see ProjectIndex._scan_files
    complete: bool = False


class ProjectIndex:
    """One project, seen with one set of options."""

    def __init__(self, project: Project, options: Options):
        self.project = project
        self.options = options
        self._facts: dict[Path, object] = {}
        self._keras_bases: dict[tuple[Path, str], list[str]] = {}
        self._visiting: set[tuple[Path, str]] = set()
        self._configured: dict[tuple[Path, str], str] | None = None
        self._summaries: dict[Path, ModuleSummary] | None = None
        self._imported_stems: set[str] | None = None
        self._loaders_known = True  # no scan under way (see scan)
        # facts of summarised modules whose launch part is still to read (see _hold)
        self._held: dict[Path, object] = {}
        self.checked = time.monotonic()
        self._worker_helpers: dict[Path, list] | None = None
        self._fed_with_processes: list | None = None
        self._definitions: dict[tuple[Path, str | None], object] = {}
        self._names: dict[Path, dict | None] = {}
        self._loader_words: frozenset[str] | None = None
        # files the scan read that name no word of the pre-filter -> (size, mtime) of that text
        self._wordless: dict[str, tuple[int, int]] = {}  # strings: see Project._resolved
        self._words_checked: set[str] = set()  # strings: the collector need not visit them
        # file -> ((size, mtime) of the text read, the scan's word sets it does not mention),
        # kept when the index starts afresh (for a process that lints the same project again
        # and again: a language server)
        self._unmentioned: dict[str, tuple[tuple[int, int], set]] = {}
        # (question, file) -> ((length, hash) of the text, verdict): see _remembered
        self._verdicts: dict[tuple[str, str], tuple[tuple[int, int], bool]] = {}
        # summaries of modules a change cannot have affected, for the next scan (see _reset)
        self._kept_summaries: dict[Path, ModuleSummary] = {}
        # file -> (text_key, the words of its import lines), for _unaffected
        self._import_words: dict[Path, tuple[tuple, set[str]]] = {}

    def path_of(self, filename: str) -> Path:
        return real_path(filename)

    # ------------------------------------------------------------------ module summaries
    @silent(None)
    def facts_of(self, path: Path):
        """The facts of a project file; None when it is not in the project or cannot be parsed.
        The most recently used are kept (a tree costs memory, and the garbage collector's time
        grows with every tree kept alive)."""
        if path in self._facts:
            if (id(self), path) in _RECENT:
                _RECENT.move_to_end((id(self), path))
            return self._facts[path]
        if self._current is not None and self._current.path == path:
            return self._current
        if path in self._held:
            facts = self._held[path]
            self._remember(path, facts)
            return facts
        parsed = self.project.file(path)
        facts = None
        if parsed is not None and parsed.tree is not None:
            facts = ModuleFacts(parsed.tree, parsed.source, str(path), self.options, project=self, path=path)
        self._remember(path, facts)
        return facts

    def names_of(self, path: Path) -> dict[str, tuple[str, str | None]] | None:
        """What a module's top-level names are, kept after its facts are dropped: name ->
        ("class" | "function", None) for a def or class bound once, ("import", target) for an
        import bound once (a re-export); None when the module cannot be read."""
        if path not in self._names:
            facts = self.facts_of(path)
            self._names[path] = _top_level_names(facts) if facts is not None else None
        return self._names[path]

    @silent(dict)
    def star_imported_names(self, walk) -> dict[str, str]:
        """The names ``walk``'s module binds with ``from module import *`` of project modules
        (``star_imports.py``), for its import table."""
        return star_imported_names(self, walk)

    def _remember(self, path: Path, facts) -> None:
        """Keep a module's facts among the process's most recently used (every project's)."""
        self._facts[path] = facts
        _RECENT[(id(self), path)] = self
        _RECENT.move_to_end((id(self), path))
        global _KEPT_CHARS
        _KEPT_CHARS += len(facts.source) if facts is not None else 0
        _evict_over_budget()

    def summary(self, path: Path, source: str):
        """The facts already made of a file, when they were made from this very text."""
        known = self._facts.get(path)
        if known is None and self._current is not None and self._current.path == path:
            known = self._current
        return known if known is not None and known.source == source else None

    @property
    def _current(self):
        """The facts of the file being linted, when it belongs to this project."""
        current = _LINTED[0]
        return current if current is not None and current.project is self else None

    def linted(self, path: Path, source: str, tree: ast.Module, kind: str = "module"):
        """The facts of the file being linted, from the text the front end gave. They are kept
        until the next file is linted (not among the modules kept for other questions, so that a
        run over many files holds one tree at a time, as without a project)."""
        known = self.summary(path, source)
        if known is not None and known.kind == kind:
            return known
        if path in self._facts or (self._current is not None and self._current.path == path):
            # the file changed since it was summarised: answers about it (and about the
            # modules that may reach it) may differ; --fix's passes and an editor's edits
            self._reset(changed=[path])
        self.project.use_source(path, source)
        facts = ModuleFacts(tree, source, str(path), self.options, kind=kind, project=self, path=path)
        _LINTED[0] = facts  # one linted file at a time in the whole process
        return facts

    def _reset(self, changed: list[Path] | None = None) -> None:
        """Answer afresh. ``changed``: only these files' texts changed (not the listing): the
        scan's summaries of the modules that cannot reach them are kept for the next scan
        (``_unaffected``), and so are the top-level names of the other modules (a module's
        own)."""
        kept: dict[Path, ModuleSummary] = {}
        names: dict = {}
        if changed is not None:
            if self._summaries or self._kept_summaries:
                unaffected = self._unaffected(set(changed))
                kept = {p: s for p, s in (self._summaries or {}).items() if p in unaffected}
                kept.update((p, s) for p, s in self._kept_summaries.items() if p in unaffected)
            names = {p: found for p, found in self._names.items() if p not in changed}
        self._keras_version = None
        if self._current is not None:
            _LINTED[0] = None
        _forget_kept(self)
        self._facts.clear()
        self._held.clear()
        self._keras_bases.clear()
        self._summaries = None
        self._imported_stems = None
        self._worker_helpers = None
        self._fed_with_processes = None
        self._configured = None
        self._definitions.clear()
        self._names = names
        self._loader_words = None
        self._wordless.clear()
        self._words_checked.clear()
        self._kept_summaries = kept

    def _import_line_words(self, path: Path, keep: bool = True) -> set[str] | None:
        """The words of a module's import lines (``from .utils import f``: ``utils``, ``f``), and
        the names of its packages when it imports from its own package (``from . import x``
        reaches the package's ``__init__``); None when it cannot be read. ``keep``: kept while
        the text is the same (``text_key``), so that a scan after an edit reads only the changed
        files (a run that reads them once keeps nothing: one set per file of a large tree)."""
        key = self.project.text_key(path)
        known = self._import_words.get(path)
        if key is not None and known is not None and known[0] == key:
            return known[1]
        text = self.project.current_text(path)
        if text is None:
            return None
        lines = IMPORT_LINE.findall(text)
        found = set(IDENTIFIER.findall(" ".join(lines)))
        if any(RELATIVE_PACKAGE_IMPORT.match(line) for line in lines):
            folder = path.parent
            while (folder / "__init__.py").exists() and self.project.contains(folder / "__init__.py"):
                found.add(folder.name)
                folder = folder.parent
        if keep and key is not None:
            self._import_words[path] = (key, found)
        return found

    def _unaffected(self, changed: set[Path]) -> set[Path]:
        """The project modules whose summaries cannot depend on the ``changed`` files: a module
        reaches another only through its imports (re-exports, helpers and held objects follow
        import statements, module by module), so a module is affected when an import statement
        of it names the module name of a changed or affected module (any part of it: ``utils``
        for ``from .utils import f``), or when it imports from its own package (``from . import
        x``) and that package's ``__init__`` is affected. Read from the text of the import
        lines, which over-approximates; a module that cannot be read is affected."""
        words = {path: self._import_line_words(path) for path in self.project.all_files()}
        affected_stems = {_module_stem(path) for path in changed}
        affected = set(changed)
        grew = True
        while grew:
            grew = False
            for path, found in words.items():
                if path in affected:
                    continue
                if found is None or found & affected_stems:
                    affected.add(path)
                    affected_stems.add(_module_stem(path))
                    grew = True
        return {path for path in words if path not in affected}

    # ------------------------------------------------------------------ Keras version
    def keras_version_of_project(self) -> tuple[int, str] | None:
        """(2 or 3, what decided it) for the modules that show no version of their own: the
        project's declared dependencies, else Keras-version evidence in its modules (all that
        show one agree); None when neither says."""
        if getattr(self, "_keras_version", None) is None:
            self._keras_version = (project_keras_version(self),)
        return self._keras_version[0]

    # ------------------------------------------------------------------ names
    def _where(self, importer: Path, qualname: str | None):
        """(file, name, "class" or "function") a qualified name seen in ``importer`` refers to,
        remembered without keeping the module's facts."""
        key = (str(importer), qualname)  # strings: the garbage collector need not visit them
        if key not in self._definitions:
            self._definitions[key] = self._follow_definition(importer, qualname)
        return self._definitions[key]

    def _definition(self, importer: Path, qualname: str | None, kind: str | None = None):
        where = self._where(importer, qualname)
        if where is None or (kind is not None and where[2] != kind):
            return None
        facts = self.facts_of(where[0])
        node = facts.resolver.definition_of(where[1], None) if facts is not None else None
        return (facts, node) if node is not None else None

    def _follow_definition(self, importer: Path, qualname: str | None):
        seen: set[tuple[Path, str]] = set()
        for _ in range(FOLLOW_DEPTH):
            if not qualname:
                return None
            found = self.project.resolve_name(qualname, importer)
            if found is None:
                return None
            path, rest = found
            if len(rest) != 1:
                return None  # a module, or an attribute of a class
            name = rest[0]
            if (path, name) in seen:
                return None
            seen.add((path, name))
            names = self.names_of(path)
            kind, target = (names or {}).get(name, (None, None))
            if kind in ("class", "function"):
                return path, name, kind
            if kind == "import":
                importer, qualname = path, target  # a re-export
                continue
            return None
        return None

    @silent(None)
    def imported_definition(self, facts, node: ast.AST, fn=None, kind: str | None = None):
        """(summary, def or class) that ``name`` or ``name.attr...`` names through an import of
        the module that ``fn`` does not shadow (its scope is read only for project names);
        ``kind``: "class" or "function" only."""
        root = _import_root(facts, node)
        if root is None or facts.path is None:
            return None
        local = fn is not None and root.id in facts.walk.scope(fn).locals
        if local and (root.id in facts.walk.module_table or facts.resolver.local_import(root.id, fn) is None):
            return None  # a local that shadows the module's import
        found = self._definition(facts.path, facts.resolver.qualname(node, fn if local else None), kind)
        return found

    def class_of(self, facts, node: ast.AST, fn=None):
        """(summary, ClassDef) of a project class an expression names through an import."""
        return self.imported_definition(facts, node, fn, "class")

    def function_of(self, facts, node: ast.AST, fn=None):
        """(summary, FunctionDef) of a project module-level function an expression names
        through an import."""
        found = self.imported_definition(facts, node, fn, "function")
        if found is None or not isinstance(found[1], (ast.FunctionDef, ast.AsyncFunctionDef)):
            return None
        return found

    # ------------------------------------------------------------------ class hierarchy
    @property
    def configured_classes(self) -> dict[tuple[Path, str], str]:
        """``sequence-bases`` entries that are project classes: (file, class) -> the entry, so
        that any import spelling of the class (relative, aliased, re-exported) is recognised."""
        if self._configured is None:
            self._configured = {}
            anchor = self.project.root / "__init__.py"
            for entry in self.options.sequence_bases:
                found = self._definition(anchor, entry)
                if found is not None and isinstance(found[1], ast.ClassDef):
                    self._configured[(found[0].path, found[1].name)] = entry
        return self._configured

    @silent(list)
    def keras_bases_of_base(self, facts, base: ast.AST) -> list[str]:
        """The Keras (or configured) loader bases a base class expression reaches through
        project classes in other modules (or through a configured project class)."""
        if _import_root(facts, base) is not None and facts.path is not None:
            # a class whose bases are known already: its module need not be read again
            where = self._where(facts.path, facts.resolver.qualname(base))
            known = self._known_keras_bases(where[:2]) if where is not None and where[2] == "class" else None
            if known is not None:
                return known
        found = self.class_of(facts, base)
        if found is None:
            base_name = self.reexported_base(facts.path, facts.resolver.qualname(base))
            return [base_name] if base_name is not None and _import_root(facts, base) else []
        return self.class_keras_bases(*found)

    @silent(None)
    def reexported_base(self, importer: Path | None, qualname: str | None) -> str | None:
        """The Keras or configured loader base outside the project that a name seen in
        ``importer`` means through re-exports in project modules (``from .compat import
        Sequence`` where ``compat.py`` does ``from keras.utils import Sequence``); None when the
        name does not lead through a project module to such a base."""
        if importer is None or not qualname:
            return None
        return self._base_behind(importer, qualname, through_project=False)

    def _base_behind(self, importer: Path, qualname: str, through_project: bool) -> str | None:
        seen: set[tuple[Path, str]] = set()
        for _ in range(FOLLOW_DEPTH):
            found = self.project.resolve_name(qualname, importer)
            if found is None:
                if not through_project or qualname.startswith("."):
                    return None
                if is_keras_loader_base(qualname) or qualname in self.options.sequence_bases:
                    return qualname
                return None
            path, rest = found
            if not rest or (path, rest[0]) in seen:
                return None
            seen.add((path, rest[0]))
            kind, target = (self.names_of(path) or {}).get(rest[0], (None, None))
            if kind != "import":
                return None
            through_project = True
            # ``compat.utils.Sequence`` where compat binds ``utils`` to a module outside
            importer, qualname = path, ".".join([target, *rest[1:]])
        return None

    def _known_keras_bases(self, key: tuple[Path, str]) -> list[str] | None:
        """The Keras (or configured) loader bases of the project class (file, name), when known
        without reading its module: a configured class, or one whose bases were read before."""
        configured = self.configured_classes.get(key)
        if configured is not None:
            return [configured]
        return self._keras_bases.get(key)

    def class_keras_bases(self, facts, cls: ast.ClassDef) -> list[str]:
        key = (facts.path, cls.name)
        known = self._known_keras_bases(key)
        if known is not None:
            return known
        if key in self._visiting:
            return []  # an import cycle: unknown
        self._visiting.add(key)
        try:
            bases = facts.hierarchy.class_keras_bases(cls)
        finally:
            self._visiting.discard(key)
        self._keras_bases[key] = bases
        return bases

    @silent(False)
    def names_loader(self, facts, qualname: str | None) -> bool:
        """Whether a qualified name seen in ``facts`` is a data loader class of the project."""
        if facts.path is None or not qualname:
            return False
        found = self.project.resolve_name(qualname, facts.path)
        if found is None:
            return False
        if self._loaders_known and found[0] not in self.scan():
            return False  # a module that mentions no loader base or loader class defines none
        where = self._where(facts.path, qualname)
        if where is None or where[2] != "class" or self._keras_bases.get(where[:2]) == []:
            return False
        found = self._definition(facts.path, qualname, "class")
        return found is not None and bool(self.class_keras_bases(*found))

    @silent(None)
    def loader_of(self, facts, node: ast.AST, fn=None):
        """The data loader (of another project module) a class expression names."""
        root = _import_root(facts, node)
        if root is None or facts.path is None:
            return None
        local = fn is not None and root.id not in facts.walk.module_table and root.id in facts.walk.scope(fn).locals
        where = self._where(facts.path, facts.resolver.qualname(node, fn if local else None))
        if where is None or where[2] != "class" or self._keras_bases.get(where[:2]) == []:
            return None  # no project class, or one known to be no loader: no facts needed
        found = self.class_of(facts, node, fn)
        if found is None:
            return None
        owner, cls = found
        if not self.class_keras_bases(owner, cls):
            return None
        return owner.hierarchy.loader_for_class(cls)

    @silent(list)
    def foreign_mro(self, facts, classes: list[ast.ClassDef]) -> list[tuple[object, ast.ClassDef]]:
        """The project classes in other modules that ``classes`` (one module's part of an MRO)
        derive from, transitively, each once: (summary, ClassDef)."""
        order: list[tuple[object, ast.ClassDef]] = []
        seen: set[tuple[Path, str]] = set()
        pending = [(facts, cls) for cls in classes]
        local_ids = {id(cls) for cls in classes}
        while pending:
            owner, cls = pending.pop(0)
            for base in cls.bases:
                if owner.hierarchy.local_base_class(base, cls) is not None:
                    continue
                found = self.class_of(owner, base)
                if found is None:
                    continue
                key = (found[0].path, found[1].name)
                if key in seen or id(found[1]) in local_ids:
                    continue
                seen.add(key)
                for member in found[0].hierarchy.class_mro(found[1]):
                    member_key = (found[0].path, member.name)
                    if member is not found[1] and member_key in seen:
                        continue
                    seen.add(member_key)
                    order.append((found[0], member))
                    pending.append((found[0], member))
        return order

    # ------------------------------------------------------------------ the whole project
    def loader_words(self) -> tuple[str, ...]:
        """The last names of the loader bases: Keras' and the configured ones (a re-export of
        one of them is followed to its base)."""
        configured = (base.rpartition(".")[2] for base in self.options.sequence_bases)
        return tuple(sorted(set(LOADER_BASE_NAMES) | set(configured)))

    def scan(self) -> dict[Path, ModuleSummary]:
        """The summary of every project module that defines or uses a data loader: the modules
        that mention a loader base, then those that mention a loader class found so far (a
        subclass, a construction or a launch names its class). Only the summaries stay in
        memory, not the modules' trees."""
        if self._summaries is not None:
            return self._summaries
        self._summaries = {}
        self._loaders_known = False
        global FACTS_KEPT_CHARS
        kept_chars = FACTS_KEPT_CHARS
        FACTS_KEPT_CHARS = max(kept_chars, SCAN_KEPT_CHARS)
        try:
            self._scan_files()
            # Every loader class of the project is known now (the modules that define or re-export
            # one are the summarised ones): the launches of each module are read only now, so a
            # call of a name that leads to no summarised module is not followed (most calls of a
            # module: ``ops.stack(...)``, ``layers.Dense(...)``).
            self._loaders_known = True
            for path, summary in list(self._summaries.items()):
                if not summary.complete:
                    self._complete(path, summary)
        finally:
            FACTS_KEPT_CHARS = kept_chars
            _evict_over_budget()
            self._loaders_known = True
            self._held.clear()
            self._forget_untouched_files()
        return self._summaries

    def _forget_untouched_files(self) -> None:
        """Drop the project's records of the files the scan only looked at (nothing read, kept
        or parsed): a large project would otherwise keep one object per file, which the host
        linter's garbage collector walks at every full collection for the rest of the run."""
        self.project.files = {
            path: parsed
            for path, parsed in self.project.files.items()
            if parsed._source is not None or parsed._parsed or parsed.stamp is not None
        }  # a new dict: a dict keeps its size when entries are deleted
        self._words_checked = set()  # only the scan's rounds ask; a new scan starts afresh

    def _scan_files(self) -> None:
        try:
            files = self.project.all_files()
        except USER_PROBLEMS:
            files = []
        except Exception as exc:
            contain("project scan (listing the files)", exc)
            files = []
        # A module defines a loader on a Keras base only when it names Keras (its base is
        # imported from a path with a Keras component) and the base; on a configured base when
        # it names that base; on a project loader when it names that loader's class.
        needs = [(frozenset(KERAS_COMPONENTS), frozenset(LOADER_BASE_NAMES))]
        # torch datasets, and the DataLoaders that run them
        needs.append((frozenset({"torch"}), frozenset({"Dataset", "IterableDataset", "DataLoader"})))
        configured = {base.rpartition(".")[2] for base in self.options.sequence_bases}
        if configured:
            needs.append((frozenset(configured),))
        known: set[str] = set()
        first = True  # bases: every word they need is a word of the pre-filter
        known_reexports: set[tuple[str, str]] = set()
        while needs:
            names: set[str] = set()
            reexports: set[tuple[str, str]] = set()
            for path in files:
                if path in self._summaries:
                    continue
                if len(self._summaries) >= MAX_SCANNED_MODULES:
                    return  # the rest of the project stays unknown
                summary = self._summarise(path, needs, first)
                if summary is not None:
                    self._summaries[path] = summary
                    names.update(summary.loader_names)
                    stem = _module_stem(path)
                    reexports.update((stem, name) for name in summary.reexported_bases)
            names -= known
            known |= names
            reexports -= known_reexports
            known_reexports |= reexports
            # next: the modules that name a loader class found so far, or a re-exported base
            # together with the module re-exporting it
            needs = [(frozenset(names),)] if names else []
            needs += [(frozenset({stem}), frozenset({name})) for stem, name in sorted(reexports)]
            first = False

    @silent(None)
    def _summarise(
        self, path: Path, needs: list[tuple[frozenset, ...]], first: bool = False
    ) -> ModuleSummary | None:
        kept = self._kept_summaries.pop(path, None)
        if kept is not None:
            return kept  # summarised before a change that cannot reach it
        parsed = self.project.file(path)
        if parsed is None:
            return None
        if parsed._source is None:
            # most files of a project are not candidates: look at their bytes, without keeping
            # them (a file unchanged on disk that did not mention these words before is not
            # read again: a long-running process scans again after every edit)
            key = tuple(needs)
            known = self._unmentioned.get(str(path))
            if known is not None and key in known[1]:
                try:
                    info = os.stat(path)
                except OSError:
                    return None
                if (info.st_size, info.st_mtime_ns) == known[0]:
                    return None
            try:
                data, stamp = read_bytes(path)  # a regular file only: never a FIFO or device
            except OSError:
                return None
            if str(path) not in self._words_checked:
                # a verdict for the files that mention Keras (the others cost the scan only the
                # search for Keras, as before: a checkout may hold many more files than a run
                # lints)
                self._words_checked.add(str(path))
                if _names_keras(data) and not self._names_needed_words(path, data):
                    self._wordless[str(path)] = (stamp.st_size, stamp.st_mtime_ns)
            installed = first and _names_keras(data) and self._imports_installed_loader_bytes(path, data)
            if first and str(path) in self._wordless and not installed:
                return None  # names no base: the pre-filter's words hold them all
            if not installed and not _mentions(data, needs):
                if self.project.keeps_verdicts:
                    verdict = (stamp.st_size, stamp.st_mtime_ns)
                    if known is None or known[0] != verdict:
                        known = self._unmentioned[str(path)] = (verdict, set())
                    known[1].add(key)
                return None
            parsed.use_read(data, stamp)  # a candidate: its facts are built from these bytes
        elif not _mentions(parsed.source, needs) and not (
            first and self._imports_installed_loader(path, parsed.source)
        ):
            return None
        facts = self.facts_of(path)
        if facts is None:
            return None
        summary = ModuleSummary()
        for loader in facts.hierarchy.data_loaders:
            summary.loader_names.add(loader.name)
        for name in facts.returns.loader_factories():
            summary.loader_names.add(name)  # a module that calls it may launch the loader
        base_words = self.loader_words()
        for name, (kind, target) in (self.names_of(path) or {}).items():
            if kind == "import" and target and target.rpartition(".")[2] in base_words:
                if self._base_behind(path, target, through_project=True) is not None:
                    summary.reexported_bases.add(name)
        self._hold(path, facts)
        return summary

    def _hold(self, path: Path, facts) -> None:
        """Keep a summarised module's facts until its launch part is read (``_complete``), as
        many as the process keeps facts of (``keep_facts``): the modules followed meanwhile would
        push them out of the most recently used, and each would be parsed again."""
        held_chars = sum(len(held.source) for held in self._held.values())
        if len(self._held) < FACTS_KEPT or held_chars + len(facts.source) <= FACTS_KEPT_CHARS:
            self._held[path] = facts

    @silent(None)
    def _complete(self, path: Path, summary: ModuleSummary) -> None:
        """The launch part of a module's summary, once every loader class of the project is
        known: the helpers its loaders' worker code reaches, the loaders it runs in worker
        processes, what its constructions give a loader to hold."""
        summary.complete = True
        facts = self.facts_of(path)
        self._held.pop(path, None)
        if facts is None:
            return
        parsed = self.project.file(path)
        for loader in facts.hierarchy.data_loaders:
            for owner, fn, label in facts.worker_code.helpers_reached(loader):
                summary.helpers.append((owner.path, fn.name, fn.lineno, loader.key, label))
        for loader, node, settings in facts.launches.loaders_started_with_processes():
            condition = settings.condition
            if condition is not None:
                try:
                    where = path.relative_to(self.project.root).as_posix()
                except ValueError:
                    where = path.name
                line = getattr(settings.switch.node, "lineno", None)
                if settings.switch.via or line is None:
                    condition += f" in {where}"
                else:
                    condition += f" in {where} (line {line})"
            summary.started.append((loader.lineage, node.lineno, node.col_offset, condition))
        if facts.launches.loader_constructions:
            summary.held_arguments = facts.constructors.held_arguments()
        if parsed is not None:
            parsed.forget()  # the summary is what other questions need; the tree can go

    def _names_needed_words(self, path: Path, data: bytes) -> bool:
        """Whether a file's bytes name a word of the engine's pre-filter (True when they cannot
        be decoded: no verdict then)."""
        try:
            text = _normalised(decode_source(data))
        except (UnicodeDecodeError, LookupError, SyntaxError):
            return True
        return self.needed_words(path, text)

    def _remembered(self, question: str, path: Path, text: str, answer, last: bool) -> bool:
        """A verdict about a module's (normalised) text, asked once per text: the scan asks
        the engine's pre-filter questions first, and the engine asks them again of the same
        file. One verdict per question and file is kept, with the text's length and hash, until
        the ``last`` question (the engine's) takes it: a large project's run does not hold one
        per file to its end."""
        key = (question, str(path))
        stamp = (len(text), hash(text))
        known = self._verdicts.pop(key, None) if last else self._verdicts.get(key)
        if known is not None and known[0] == stamp:
            return known[1]
        verdict = answer()
        if not last:
            self._verdicts[key] = (stamp, verdict)
        return verdict

    def needed_words(self, path: Path, text: str, last: bool = False) -> bool:
        """``prefilter.names_needed_words`` of a module's normalised text, remembered until the
        ``last`` question."""
        return self._remembered(
            "words", path, text, lambda: names_needed_words(text, self.options), last
        )

    @silent(False)
    def known_silent(self, path: Path) -> bool:
        """Whether the file on disk cannot hold a finding, known without reading it again: the
        scan read this very file (same size and modification time) and found no word of the
        pre-filter in it, and the project gives it no part (no loader class to name, no worker
        helper in it)."""
        self.scan()  # needed by the first file that names no word anyway
        stamp = self._wordless.get(str(path))
        if stamp is None or path in self.worker_helpers() or self._project_loader_names():
            return False
        info = os.stat(path)
        return (info.st_size, info.st_mtime_ns) == stamp

    def _project_loader_names(self) -> frozenset[str]:
        """The names of the project's loader classes and configured bases defined in it."""
        if self._loader_words is None:
            names: set[str] = {name for _, name in self.configured_classes}
            for summary in self.scan().values():
                names |= summary.loader_names
            self._loader_words = frozenset(names)
        return self._loader_words

    @silent(True)
    def takes_part(self, path: Path, text: str) -> bool:
        """Whether a module can take part in the project's loaders, told from its text and its
        path: it names a loader class of the project (a subclass, a construction or a launch
        names its class) or a configured base defined in the project, it defines a function or
        class whose code worker code runs, or it imports a loader class of an installed
        package."""
        if path in self.worker_helpers():
            return True
        names = self._project_loader_names()
        if names and names_a_word(text, names):
            return True
        return self._imports_installed_loader(path, text, last=True)

    def _imports_installed_loader_bytes(self, path: Path, data: bytes) -> bool:
        """``_imports_installed_loader`` for a file's bytes (a module subclassing a loader of an
        installed Keras library names Keras: ``from keras_retinanet... import Generator``)."""
        try:
            return self._imports_installed_loader(path, decode_source(data))
        except (UnicodeDecodeError, LookupError, SyntaxError):
            return False

    def _imports_installed_loader(self, path: Path, text: str, last: bool = False) -> bool:
        return self._remembered(
            "installed", path, text, lambda: self._imports_installed_loader_now(path, text), last
        )

    def _imports_installed_loader_now(self, path: Path, text: str) -> bool:
        """Whether the text imports, from an installed package, a class that derives from a
        Keras loader base (read from the package's source, never imported): ``from
        keras_retinanet.preprocessing.generator import Generator``. Only class-like names (an
        upper-case initial) of modules outside the project are looked up."""
        for module, names in _from_imports(text):
            names = [name for name in names if name[:1].isupper()]
            if not names or module.startswith(".") or not may_be_read(module):
                continue
            if self.project.resolve_name(module, path) is not None:
                continue
            for name in names:
                if installed_loader_bases(f"{module}.{name}", self.options, ModuleFacts):
                    return True
        return False

    @silent(True)
    def might_matter(self, path: Path, source: str) -> bool:
        """Whether a file that mentions no trigger word can still have findings, told from text
        alone (nothing is parsed): it imports a project module (it may subclass, build or launch
        a project loader), or the modules that mention a loader base import it, directly or
        through other project modules (its functions may run in worker processes). In a project
        where no module defines or uses a data loader, none can."""
        if self._imports_installed_loader(path, source, last=True):
            return True
        if not self.scan():
            return False
        for name in _imported_names(source):
            if name.startswith(".") or self.project.resolve_name(name, path) is not None:
                return True
        stem = _module_stem(path)
        return stem in self.imported_stems()

    def imported_stems(self) -> set[str]:
        """The names in the import statements of the modules that define or use a data loader
        (the scan), and of the project modules those names reach, repeatedly: a superset of the
        modules whose functions worker code can call. Read from text, nothing more is parsed."""
        if self._imported_stems is None:
            loader_modules = set(self.scan())
            if not loader_modules:
                self._imported_stems = set()
                return self._imported_stems
            texts: dict[str, list[set[str]]] = {}
            stems: set[str] = set()
            for path in self.project.all_files():
                names = self._import_line_words(path, keep=False)
                if names is None:
                    continue
                texts.setdefault(_module_stem(path), []).append(names)
                if path in loader_modules:
                    stems |= names
            pending = list(stems)
            while pending:
                stem = pending.pop()
                for names in texts.get(stem, ()):
                    for name in names - stems:
                        stems.add(name)
                        pending.append(name)
            self._imported_stems = stems
        return self._imported_stems

    def worker_helpers(self) -> dict[Path, list]:
        """Functions and methods worker code of a project loader runs (module-level functions it
        calls, methods of objects it holds, transitively), by file: [(function name, line,
        loader key, label)]."""
        if self._worker_helpers is None:
            found: dict[Path, list] = {}
            known: set[tuple] = set()
            for summary in self.scan().values():
                for path, name, line, loader, entry in summary.helpers:
                    found.setdefault(path, []).append((name, line, loader, entry))
                    known.add((path, name, line, loader))
            for path, name, line, loader, entry in self._helpers_of_held_arguments():
                if (path, name, line, loader) not in known:
                    known.add((path, name, line, loader))
                    found.setdefault(path, []).append((name, line, loader, entry))
            self._worker_helpers = found
        return self._worker_helpers

    def _helpers_of_held_arguments(self) -> list[tuple]:
        """What worker code reaches through the project objects constructions give a loader to
        hold (``self.visual_effect = visual_effect``, constructed with ``VisualEffect()``):
        [(file, function name, line, loader key, label)]."""
        by_loader: dict[tuple, dict[str, tuple]] = {}
        for summary in self.scan().values():
            for key, attr, where in summary.held_arguments:
                by_loader.setdefault(key, {}).setdefault(attr, where)
        found = []
        for key, held in by_loader.items():
            loader = self.loader_by_key(key)
            owner = self.facts_of(key[0]) if loader is not None else None
            if owner is None:
                continue
            classes = {attr: owner.returns.class_at(where) for attr, where in held.items()}
            classes = {attr: target for attr, target in classes.items() if target is not None}
            for fn_owner, fn, label in owner.worker_code.helpers_reached(loader, classes):
                found.append((fn_owner.path, fn.name, fn.lineno, key, label))
        return found

    def loaders_fed_with_processes(self) -> list[frozenset]:
        """The lineage (class keys) of every loader a project module runs in worker processes."""
        if self._fed_with_processes is None:
            self._fed_with_processes = [
                lineage for summary in self.scan().values() for lineage, *_ in summary.started
            ]
        return self._fed_with_processes

    def process_launch_of(self, key) -> tuple[Path, int, int, str | None] | None:
        """Where a project module runs the loader ``key`` (or a subclass) in worker processes:
        (file, line, column, condition) of the first launch or construction that does it for
        certain (condition None), else of the first behind an open switch (its condition); None
        when none does."""
        opened = None
        for path, summary in self.scan().items():
            for lineage, line, col, condition in summary.started:
                if key in lineage:
                    if condition is None:
                        return (path, line, col, None)
                    if opened is None:
                        opened = (path, line, col, condition)
        return opened

    @silent(None)
    def loader_by_key(self, key):
        """The data loader (path, class name, line) names, from its module's facts."""
        path, name, line = key
        facts = self.facts_of(path)
        if facts is None:
            return None
        for loader in facts.hierarchy.data_loaders:
            if loader.name == name and loader.node.lineno == line:
                return loader
        return None


# The facts of the file linted last (kept until the next one, or until ``release``), whatever
# its project.
_LINTED: list = [None]
# (index, file) of the facts kept, oldest first, for every project of the process.
_RECENT: collections.OrderedDict[tuple[int, Path], ProjectIndex] = collections.OrderedDict()
# the characters of source of the facts kept in _RECENT
_KEPT_CHARS = 0


def _kept_chars(facts) -> int:
    return len(facts.source) if facts is not None else 0


def _evict_over_budget() -> None:
    """Drop the least recently used facts beyond what the process keeps (``keep_facts``)."""
    global _KEPT_CHARS
    while len(_RECENT) > FACTS_KEPT and _KEPT_CHARS > FACTS_KEPT_CHARS:
        (_, evicted), index = _RECENT.popitem(last=False)
        _KEPT_CHARS -= _kept_chars(index._facts.get(evicted))
        index._facts.pop(evicted, None)
        parsed = index.project.files.get(evicted)
        if parsed is not None:
            parsed.forget()


def _forget_kept(index: ProjectIndex) -> None:
    """Take an index's facts out of the most recently used (it starts afresh)."""
    global _KEPT_CHARS
    for key in [key for key, owner in _RECENT.items() if owner is index]:
        del _RECENT[key]
        _KEPT_CHARS -= _kept_chars(index._facts.get(key[1]))
_INDEXES: dict[tuple[int, Options], ProjectIndex] = {}


def keep_facts(chars: int) -> None:
    """Keep the facts of other modules up to ``chars`` characters of their source (beyond the
    ``FACTS_KEPT`` most recent ones). The command line keeps many, so that each module is parsed
    once per run; the host linters' plugins keep the default few, as their peak memory is the
    host's (each file's trees are dropped after it anyway: ``release``)."""
    global FACTS_KEPT_CHARS
    FACTS_KEPT_CHARS = chars


def release() -> None:
    """Drop every tree kept for later questions: the facts of the file linted last (and its
    text) and of the modules kept among the most recently used, in every project. What stays is
    what the project questions keep without trees (summaries, names, where names lead). A front
    end that lints each file once (flake8, pylint) calls this after each file, so that a run
    over many files holds no tree of its own between files; other modules are then parsed again
    when a later file asks about them."""
    current = _LINTED[0]
    _LINTED[0] = None
    if current is not None:
        parsed = current.project.project.files.get(current.path)
        if parsed is not None:
            parsed.forget()  # read from disk again if a later question needs it
    global _KEPT_CHARS
    _KEPT_CHARS = 0
    while _RECENT:
        (_, path), index = _RECENT.popitem(last=False)
        index._facts.pop(path, None)
        parsed = index.project.files.get(path)
        if parsed is not None:
            parsed.forget()


def buffer_changed(filename: str, text: str | None, reset: bool = True) -> None:
    """An editor's buffer of ``filename`` changed (``None``: it was closed): the indexes of the
    projects holding the file answer afresh (unless ``reset`` is false: the text is the one they
    read before), reading the buffer instead of the disk."""
    touched = {id(project) for project in set_buffer(filename, text)}
    if reset:
        changed = [real_path(filename)]
        for index in _INDEXES.values():
            if id(index.project) in touched:
                index._reset(changed=changed)


def index_for(path: str, options: Options) -> ProjectIndex | None:
    """The project index of a file on disk (one per project and options per process). Every few
    seconds the files read so far are checked for changes on disk; a change starts the index
    afresh."""
    project = project_for(path, options.source_roots)
    if project is None:
        return None
    key = (id(project), options)
    index = _INDEXES.get(key)
    if index is None:
        index = _INDEXES[key] = ProjectIndex(project, options)
    now = time.monotonic()
    if now - index.checked > RECHECK_SECONDS:
        index.checked = now
        changed = project.changed_files()
        listing_changed = project.listing_changed()
        if changed or listing_changed:
            for changed_path in changed:
                project.files.pop(changed_path, None)
            if listing_changed:
                project.forget_listing()
                project._resolved.clear()  # a new module can change where a name leads
                index._reset()
            else:
                index._reset(changed=changed)
    return index
