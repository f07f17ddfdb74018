"""Cross-module questions, answered from the module summaries (``ModuleFacts``) of project files.

Each project file gets one ``ModuleFacts``, built when a question first needs it and shared by
every later question, so no module is parsed or walked twice. Names are followed through
imports and re-exports to the class or function they mean; whatever cannot be followed (outside
the project, unparsable, ambiguous, a cycle) is unknown, and unknown is silent.
"""

from __future__ import annotations

import ast
import functools
import os
import re
from pathlib import Path

from ..config import Options
from .model import Project, project_for

# How many re-exports a name is followed through.
REEXPORT_LIMIT = 8


def silent(default):
    """A cross-module question whose answer cannot be found (an unreadable or hostile file, a
    name too long for the file system...) is unknown, and unknown is silent."""

    def wrap(method):
        @functools.wraps(method)
        def guarded(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except Exception:
                return default() if callable(default) else default

        return guarded

    return wrap


class ProjectIndex:
    """One project, seen with one set of options."""

    def __init__(self, project: Project, options: Options):
        self.project = project
        self.options = options
        self._facts: dict[Path, object] = {}
        self._keras_bases: dict[tuple[Path, str], list[str]] = {}
        self._visiting: set[tuple[Path, str]] = set()
        self._configured: dict[tuple[Path, str], str] | None = None
        self._loader_modules: list | None = None
        self._worker_helpers: dict[Path, list] | None = None
        self._fed_with_processes: list | None = None

    def path_of(self, filename: str) -> Path:
        return Path(os.path.abspath(filename)).resolve()

    # ------------------------------------------------------------------ module summaries
    @silent(None)
    def facts_of(self, path: Path):
        """The summary of a project file; None when it is not in the project or cannot be parsed."""
        if path in self._facts:
            return self._facts[path]
        parsed = self.project.file(path)
        facts = None
        if parsed is not None and parsed.tree is not None:
            from ..facts import ModuleFacts

            facts = ModuleFacts(parsed.tree, parsed.source, str(path), self.options, project=self, path=path)
        self._facts[path] = facts
        return facts

    def linted(self, path: Path, source: str, tree: ast.Module):
        """The summary of the file being linted, from the text the front end gave."""
        from ..facts import ModuleFacts

        known = self._facts.get(path)
        if known is not None and known.tree is tree:
            return known
        if known is not None and known.source == source:
            return known
        if known is not None:
            self._reset()  # the file changed since it was summarised: answers may differ
        self.project.use_source(path, source, tree)
        facts = ModuleFacts(tree, source, str(path), self.options, project=self, path=path)
        self._facts[path] = facts
        return facts

    def _reset(self) -> None:
        self._facts.clear()
        self._keras_bases.clear()
        self._loader_modules = None
        self._worker_helpers = None
        self._fed_with_processes = None
        self._configured = None

    # ------------------------------------------------------------------ names
    @silent(None)
    def definition(self, facts, qualname: str | None):
        """(summary, def or class node) a qualified name seen in ``facts`` refers to, following
        re-exports; None when it is not a project definition or cannot be told."""
        if facts is None or facts.path is None:
            return None
        return self._definition(facts.path, qualname)

    def _definition(self, importer: Path, qualname: str | None):
        seen: set[tuple[Path, str]] = set()
        for _ in range(REEXPORT_LIMIT):
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
            target = self.facts_of(path)
            if target is None:
                return None
            node = target.definition_of(name, None)
            if node is not None:
                return target, node
            if name in target.imports and target.module_table.bound_once(name):
                importer, qualname = path, target.imports[name]  # a re-export
                continue
            return None
        return None

    @silent(None)
    def class_of(self, facts, node: ast.AST, fn=None):
        """(summary, ClassDef) of a project class an expression names through an import."""
        if isinstance(node, ast.Name) and (fn is not None and node.id in facts.scope(fn).locals):
            return None
        if isinstance(node, ast.Name) and node.id not in facts.imports:
            return None
        found = self.definition(facts, facts.qualname(node, fn))
        return found if found is not None and isinstance(found[1], ast.ClassDef) else None

    @silent(None)
    def function_of(self, facts, node: ast.AST, fn=None):
        """(summary, FunctionDef) of a project module-level function an expression names
        through an import."""
        if isinstance(node, ast.Name) and (fn is not None and node.id in facts.scope(fn).locals):
            return None
        if isinstance(node, ast.Name) and node.id not in facts.imports:
            return None
        found = self.definition(facts, facts.qualname(node, fn))
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
        found = self.class_of(facts, base)
        if found is None:
            return []
        return self.class_keras_bases(*found)

    def class_keras_bases(self, facts, cls: ast.ClassDef) -> list[str]:
        key = (facts.path, cls.name)
        configured = self.configured_classes.get(key)
        if configured is not None:
            return [configured]
        if key in self._keras_bases:
            return self._keras_bases[key]
        if key in self._visiting:
            return []  # an import cycle: unknown
        self._visiting.add(key)
        try:
            bases = facts.class_keras_bases(cls)
        finally:
            self._visiting.discard(key)
        self._keras_bases[key] = bases
        return bases

    @silent(None)
    def loader_of(self, facts, node: ast.AST, fn=None):
        """The data loader (of another project module) a class expression names."""
        found = self.class_of(facts, node, fn)
        if found is None:
            return None
        owner, cls = found
        return owner.loader_for_class(cls)

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
                if owner.local_base_class(base, cls) is not None:
                    continue
                found = self.class_of(owner, base)
                if found is None:
                    continue
                key = (found[0].path, found[1].name)
                if key in seen or id(found[1]) in local_ids:
                    continue
                seen.add(key)
                for member in found[0].class_mro(found[1]):
                    member_key = (found[0].path, member.name)
                    if member is not found[1] and member_key in seen:
                        continue
                    seen.add(member_key)
                    order.append((found[0], member))
                    pending.append((found[0], member))
        return order

    # ------------------------------------------------------------------ the whole project
    def loader_modules(self) -> list:
        """Summaries of every project module that defines or uses a data loader: the modules
        that mention a trigger word, then those that mention a loader class found so far."""
        if self._loader_modules is not None:
            return self._loader_modules
        from ..engine import trigger_words

        self._loader_modules = []
        try:
            files = self.project.all_files()
        except Exception:
            files = []
        words = set(trigger_words(self.options))
        scanned: set[Path] = set()
        while words:
            pattern = re.compile("|".join(re.escape(word) for word in sorted(words)))
            names: set[str] = set()
            for path in files:
                if path in scanned:
                    continue
                facts = self._scan(path, pattern)
                if facts is None:
                    continue
                scanned.add(path)
                self._loader_modules.append(facts)
                names.update(self._loader_names(facts))
            words = names - words
        return self._loader_modules

    @silent(None)
    def _scan(self, path: Path, pattern: re.Pattern):
        parsed = self.project.file(path)
        if parsed is None or not pattern.search(parsed.source):
            return None
        return self.facts_of(path)

    @silent(set)
    def _loader_names(self, facts) -> set[str]:
        return {loader.name for loader in facts.data_loaders}

    @silent(True)
    def might_matter(self, path: Path) -> bool:
        """Whether a file that mentions no trigger word can still have findings: it defines or
        constructs a project loader, or worker code elsewhere calls its functions."""
        modules = self.loader_modules()
        if any(facts.path == path for facts in modules):
            return True
        return path in self.worker_helpers()

    def worker_helpers(self) -> dict[Path, list]:
        """Module-level functions worker code of a project loader calls (directly or through
        other such functions), by file: [(function, loader, entry method)]."""
        if self._worker_helpers is None:
            found: dict[Path, list] = {}
            for facts in self.loader_modules():
                for owner, fn, loader, entry in self._helpers_of(facts):
                    found.setdefault(owner.path, []).append((fn, loader, entry))
            self._worker_helpers = found
        return self._worker_helpers

    @silent(list)
    def _helpers_of(self, facts) -> list:
        return [
            (owner, fn, loader, entry)
            for loader in facts.data_loaders
            for owner, fn, entry in facts.helpers_reached(loader)
        ]

    @silent(list)
    def loaders_fed_with_processes(self) -> list:
        """Data loaders (of any module) that a project module shows running in worker processes."""
        if self._fed_with_processes is None:
            found: dict[int, object] = {}
            for facts in self.loader_modules():
                for loader in self._started_with_processes(facts):
                    found.setdefault(id(loader), loader)
            self._fed_with_processes = list(found.values())
        return self._fed_with_processes

    @silent(list)
    def _started_with_processes(self, facts) -> list:
        return facts.loaders_started_with_processes()


_INDEXES: dict[tuple[int, Options], ProjectIndex] = {}


def index_for(path: str, options: Options) -> ProjectIndex | None:
    """The project index of a file on disk (one per project and options per process)."""
    project = project_for(path, options.source_roots)
    if project is None:
        return None
    key = (id(project), options)
    index = _INDEXES.get(key)
    if index is None:
        index = _INDEXES[key] = ProjectIndex(project, options)
    return index
