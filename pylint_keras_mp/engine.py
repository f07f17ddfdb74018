"""Run the rules over one module: the single entry point every front end calls."""

from __future__ import annotations

import ast
import gc
import os
import sys
import warnings

from . import rules
from .config import Options
from .facts import ModuleFacts
from .faults import USER_PROBLEMS, collecting, contain, describe, strict
from .files import read_bytes, unreadable_reason
from .findings import Finding, Related
from .fixes import attach_fixes
from .keras_components import KERAS_COMPONENTS
from .prefilter import _NEEDED_PROBES, _NEEDED_WORDS, names_needed_words  # noqa: F401 (re-exported)
from .project import index_for
from .registry import RULES_BY_CODE
from .text import decode_source, names_a_word, names_code_word  # noqa: F401 (re-exported)
from .text import normalised as _normalised

# A module that mentions none of these cannot contain anything the rules look for: every
# component that makes an import a Keras import, and use_multiprocessing.
_TRIGGER_WORDS = KERAS_COMPONENTS + ("use_multiprocessing", "torch", "grain")


class Reporter:
    """Collects findings for one module; rules call ``report(code, node, **fields)``.

    One finding per hazard: a statement that a rule reports for several data loaders is one
    finding. A rule names the loader in the ``loader`` field (and the method, or the path to a
    helper, in ``method``). A statement in the body of a class of the loader's hierarchy (a
    worker method or ``__init__`` that subclasses inherit, a mixin's method) is named after that
    class, the one that defines it; findings whose messages then differ only in the loader and
    method they name (a helper or held object several loaders reach) are one, the first
    reported."""

    def __init__(self, options: Options, loader_note=None, defining_class=None):
        self.options = options
        # (code, fields) -> a clause naming the pipeline that runs the finding's loader ("" for
        # none), or None when the finding does not hold where the program runs
        self.loader_note = loader_note
        # (loader name, node) -> the class of the loader's hierarchy whose body holds the node
        self.defining_class = defining_class
        self.findings: list[Finding] = []
        # one finding per node and message: a rule may reach the same node twice, and distinct
        # findings may share a position (``self.f, self.lock = open(a), threading.Lock()``)
        self._seen: set[tuple] = set()
        # the same, whatever loader and method the message names
        self._hazards: set[tuple] = set()

    def __call__(self, code: str, node: ast.AST, **fields: object) -> None:
        rule = RULES_BY_CODE[code]
        # (line, column, message, file or None) of the other places the finding is about
        related = tuple(Related(*place) for place in fields.pop("related", None) or ())
        line = getattr(node, "lineno", 1) or 1
        col = getattr(node, "col_offset", 0) or 0
        end_line = getattr(node, "end_lineno", None)
        end_col = getattr(node, "end_col_offset", None)
        note = self.loader_note(code, fields) if self.loader_note else ""
        if note is None:
            return  # a pickling hazard the program's start method and targets rule out
        loader = fields.get("loader")
        if isinstance(loader, str) and self.defining_class is not None:
            defining = self.defining_class(loader, node)
            if defining is not None and defining != loader:
                fields = {**fields, "loader": defining}
        message = rule.format(fields, note)
        key = (code, line, col, end_line, end_col, message)
        if key in self._seen:
            return
        self._seen.add(key)
        if isinstance(loader, str):
            neutral = rule.format({**fields, "loader": "", "method": ""})
            hazard = (code, line, col, end_line, end_col, neutral)
            if hazard in self._hazards:
                return
            self._hazards.add(hazard)
        self.findings.append(
            Finding(
                line=line,
                col=col,
                code=code,
                message=message,
                end_line=end_line,
                end_col=end_col,
                url=rule.url(self.options.docs_url),
                related=related,
            )
        )


def defining_classes(facts):
    """``(loader name, node) -> name``: the innermost class of the module's data loader's
    hierarchy (the loader, its in-module bases and mixins) whose body holds the node; None for
    a node outside them (a helper function, a held object's method) or an unknown loader."""

    def defining_class(name: str, node: ast.AST) -> str | None:
        loader = facts.hierarchy.data_loaders_by_name.get(name)
        line = getattr(node, "lineno", None)
        if loader is None or line is None:
            return None
        holding = [cls for cls in loader.mro if cls.lineno <= line <= (cls.end_lineno or cls.lineno)]
        return max(holding, key=lambda cls: cls.lineno).name if holding else None

    return defining_class


# Set (to anything but "" or "0") to analyse every module that passes might_apply, as if the
# narrow pre-filter did not exist: the tests compare both ways.
NO_PREFILTER = "KERAS_MP_LINT_NO_PREFILTER"


def prefilter_off() -> bool:
    return os.environ.get(NO_PREFILTER, "") not in ("", "0")


def trigger_words(options: Options) -> tuple[str, ...]:
    extra = tuple(base.rpartition(".")[2] for base in options.sequence_bases)
    return _TRIGGER_WORDS + extra


def might_apply(source: str, options: Options) -> bool:
    """Cheap text pre-filter: skip modules that never mention Keras or a configured base."""
    words = trigger_words(options)
    if any(word in source for word in words):
        return True
    # The parser NFKC-normalises identifiers: ``import ｋｅｒａｓ`` imports keras.
    text = _normalised(source)
    return text is not source and any(word in text for word in words)


def may_hold_findings(source: str, options: Options, index=None, path=None) -> bool:
    """The narrow pre-filter, from the text alone: whether a module can hold any finding. Every
    rule needs a data loader (a Keras or configured base, or a loader class of the project,
    which every subclass, construction or launch of it names), a launch with worker arguments
    (or, with assume-multiprocessing, a ``**mapping``), a Keras 2 generator method, or a
    module-level function that the project's worker code calls. Words count as whole
    identifiers, after NFKC normalisation as the parser does."""
    text = _normalised(source)
    if index is not None and path is not None:
        if index.needed_words(path, text, last=True):  # the project scan may have asked already
            return True
    elif names_needed_words(text, options):
        return True
    return index is not None and index.takes_part(path, text)


def internal_error(reason: str, options: Options, line: int = 1) -> Finding:
    rule = RULES_BY_CODE["KMP900"]
    reason = " ".join(str(reason).split())[:200] or "unknown error"
    return Finding(line, 0, "KMP900", rule.format({"reason": reason}), url=rule.url(options.docs_url))


def unparsable_source(
    exc: SyntaxError | ValueError, options: Options, what: str = "this file"
) -> Finding:
    """KMP901 for a file Python itself cannot parse or decode: the parser's message, at the
    position flake8 gives its E999 (the error's line, and its 1-based offset as the column).
    ``what`` names what could not be parsed (a notebook's cell)."""
    rule = RULES_BY_CODE["KMP901"]
    parser_message = exc.msg if isinstance(exc, SyntaxError) else str(exc)
    error = " ".join(f"{type(exc).__name__}: {parser_message}".split())[:200]
    line = getattr(exc, "lineno", None) or 1
    offset = getattr(exc, "offset", None) or 0
    message = rule.format({"what": what, "error": error})
    return Finding(max(line, 1), max(offset, 0), "KMP901", message, url=rule.url(options.docs_url))


def _parser_error(data: bytes) -> SyntaxError | ValueError | None:
    """The error CPython's own parser gives for source bytes it cannot decode (it reads the BOM
    and the coding cookie itself), or None if it can after all."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(data)
    except (SyntaxError, ValueError) as exc:
        return exc
    except (RecursionError, MemoryError):  # not a decoding problem
        return None
    return None


def _project_index(filename: str, options: Options):
    """The index of the project the file belongs to; None for text that is not a file on disk,
    or when the project cannot be set up (the module is then analysed alone)."""
    try:
        return index_for(filename, options)
    except USER_PROBLEMS:
        return None
    except Exception as exc:
        contain("project setup", exc)
        return None


def analyze(
    source: str | bytes,
    filename: str = "<unknown>",
    options: Options | None = None,
    tree: ast.Module | None = None,
    kind: str = "module",
    fixes: bool = True,
) -> list[Finding]:
    """Findings for one module, sorted by position, with the rest of its project as context
    (findings are reported for this module only). Never raises: a file Python cannot parse or
    decode is KMP901, a failure of the linter itself KMP900.

    ``kind`` is "module" for a file Python imports, "notebook" for a notebook's code cells
    (see notebook.py), which spawn workers never import. ``fixes``: attach each finding's fix
    (``Finding.fix``, and the "fixable" suffix of its message); ``fixes=False`` computes none and
    imports no LibCST (an editor asks for them only when the user looks for one)."""
    return _analyze(source, filename, options or Options(), tree, kind, fixes=fixes)


def unreadable_project_paths(filename: str, options: Options | None = None) -> list:
    """The files and folders of the file's project that its scan left out because they cannot
    be read (``project.model.SkippedPath``: the path and the reason, for a front end to show
    as a warning): dangling or looping symlinks, FIFOs, devices, unreadable files or folders."""
    index = _project_index(filename, options or Options())
    if index is None:
        return []
    try:
        index.project.all_files()
    except USER_PROBLEMS:
        return []
    return list(index.project.skipped)


def _analyze(
    source: str | bytes,
    filename: str,
    options: Options,
    tree: ast.Module | None = None,
    kind: str = "module",
    located: tuple | None = None,
    fixes: bool = True,
) -> list[Finding]:
    """``analyze``; ``located``: the file's (project index, resolved path) when already known.
    A bug contained on the way (in the project layer, a rule, a fix) adds one KMP900."""
    with collecting() as contained:
        findings = _analyze_contained(source, filename, options, tree, kind, located, fixes)
    if contained and not any(f.code in ("KMP900", "KMP901") for f in findings):
        findings = sorted([*findings, internal_error(contained[0], options)])
    return findings


def _analyze_contained(
    source: str | bytes,
    filename: str,
    options: Options,
    tree: ast.Module | None,
    kind: str,
    located: tuple | None,
    fixes: bool,
) -> list[Finding]:
    try:
        if isinstance(source, bytes):
            try:
                source = decode_source(source)
            except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
                # the user's file, not the linter: report what Python itself says about it
                return [unparsable_source(_undecodable(source, exc), options)]
        if located is None:
            index = _project_index(filename, options)
            located = (index, index.path_of(filename) if index is not None else None)
        index, path = located
        # Where no finding is possible the module is not even compiled: a syntax error in it is
        # left to the tools that report syntax errors (KMP901 only where a finding could be).
        possible = may_hold_findings(source, options, index, path)
        if not possible and not prefilter_off():
            return []
        if not might_apply(source, options):
            # the project may still show that this module holds or uses a loader
            if index is None or not index.might_matter(path, source):
                return []
        facts = index.summary(path, source) if index is not None else None
        if facts is None or facts.kind != kind:
            if tree is None:
                try:
                    with warnings.catch_warnings():
                        # SyntaxWarning/DeprecationWarning (invalid escapes...) belong to the host
                        # linter
                        warnings.simplefilter("ignore")
                        tree = ast.parse(source, filename=filename)
                except (SyntaxError, ValueError) as exc:  # ValueError: null bytes, before 3.12
                    return [unparsable_source(exc, options)] if possible else []
                except (RecursionError, MemoryError) as exc:
                    # nested deeper than CPython's parser goes: the interpreter rejects the file
                    error = SyntaxError(f"{type(exc).__name__}: {_NESTED_TOO_DEEPLY_FOR_PYTHON}")
                    return [unparsable_source(error, options)] if possible else []
            facts = _module_facts(tree, source, filename, options, index, kind)
        return _run_rules(facts, options, fixes)
    except MemoryError:  # the linter's own walk of a module CPython accepts
        if strict():
            raise
        return [internal_error("out of memory, nested too deeply", options)]
    except Exception as exc:  # the host linter must never see an exception from us
        if strict():
            raise
        return [internal_error(describe(exc), options)]


_NESTED_TOO_DEEPLY_FOR_PYTHON = "the code is nested more deeply than the interpreter accepts"


def unreadable_file(exc: OSError, options: Options) -> Finding:
    """KMP901 for a file that cannot be read (unreadable, a dangling or looping symlink, a FIFO
    or a device): the user's problem, said as such."""
    rule = RULES_BY_CODE["KMP901"]
    error = " ".join(f"cannot read it: {unreadable_reason(exc)}".split())[:200]
    message = rule.format({"what": "this file", "error": error})
    return Finding(1, 0, "KMP901", message, url=rule.url(options.docs_url))


def _undecodable(data: bytes, exc: Exception) -> SyntaxError | ValueError:
    """What the interpreter says about source bytes it cannot decode. ``compile`` of bytes
    lets invalid UTF-8 pass in a comment, which running the file does not: then the error is
    worded as the interpreter words it for a file."""
    error = _parser_error(data)
    if error is not None:
        return error
    position = getattr(exc, "start", 0) or 0
    line = data.count(b"\n", 0, position) + 1
    byte = data[position : position + 1]
    error = SyntaxError(
        f"Non-UTF-8 code starting with {byte!r:.7} on line {line}, but no encoding declared"
        if isinstance(exc, UnicodeDecodeError)
        else describe(exc)
    )
    error.lineno, error.offset = line, 0
    return error


def _module_facts(
    tree: ast.Module, source: str, filename: str, options: Options, index, kind: str = "module"
):
    """The module's facts: within its project when there is one (shared with the questions other
    modules ask about it), else alone."""
    if index is not None:
        try:
            return index.linted(index.path_of(filename), source, tree, kind)
        except USER_PROBLEMS:
            pass  # the module alone is still worth analysing
        except Exception as exc:
            contain("project analysis (this module's facts)", exc)
    return ModuleFacts(tree, source, filename, options, kind=kind)


def _run_rules(facts, options: Options, fixes: bool = True) -> list[Finding]:
    checks = [
        (codes, check)
        for codes, check in rules.RULE_CHECKS
        if options.select is None or any(code in options.select for code in codes)
    ]
    if not checks:
        return []
    reporter = Reporter(options, facts.pipelines.loader_note, defining_classes(facts))
    failure: str | None = None
    for codes, check in checks:
        # One rule's failure must not cost the other rules' findings; it is reported once.
        try:
            check(facts, reporter)
        except Exception as exc:
            if strict():
                raise
            failure = failure or f"{'/'.join(codes)} failed: {describe(exc)}"
    findings = reporter.findings
    if options.select is not None:
        findings = [f for f in findings if f.code in options.select]
    if findings and fixes:  # a notebook's fixes are mapped to its cells by notebook.analyze_notebook
        findings = attach_fixes(findings, facts.source, facts.tree, facts)
    if failure:
        findings.append(internal_error(failure, options))
    return sorted(findings)


def analyze_python_file(
    path: str, options: Options | None = None, fixes: bool = True
) -> list[Finding]:
    """Findings for a Python file (``fixes`` as for ``analyze``). A notebook is the notebook
    reader's, which sits above the engine: ``service.analyze_file`` picks the reader by the
    file's kind."""
    options = options or Options()
    with collecting() as contained:
        try:
            index = _project_index(path, options)
            located = (index, index.path_of(path) if index is not None else None)
        except USER_PROBLEMS:  # the file alone is still worth analysing
            located = (None, None)
        except Exception as exc:
            contain("project setup", exc)
            located = (None, None)
        # the project scan may have read this very file already and found no word of the
        # pre-filter in it: then it is not read again
        if (
            not contained
            and located[0] is not None
            and not prefilter_off()
            and located[0].known_silent(located[1])
        ):
            return []
        try:
            data, _ = read_bytes(path)
        except OSError as exc:
            return [unreadable_file(exc, options)]
        return _analyze(data, path, options, located=located, fixes=fixes)


def analyze_once(
    source: str | bytes,
    filename: str,
    options: Options,
    tree: ast.Module | None = None,
    fixes: bool = True,
) -> list[Finding]:
    """``analyze`` for a host linter (flake8, pylint) that lints each file once, inside the
    host's process: the host's cyclic garbage collector is paused while the engine runs
    (reference counting frees the engine's trees and facts; a collection triggered by the
    engine's allocations would only walk the host's objects and ours again), and no tree of ours
    outlives the call."""
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        return analyze(source, filename, options, tree=tree, fixes=fixes)
    finally:
        release_trees()
        if paused:
            gc.enable()


def release_trees() -> None:
    """Drop every syntax tree the project layer keeps for later calls of ``analyze`` (the
    linted file's and other project modules'); the project's small summaries stay. A front end
    that lints each file once calls this after each file: a tree kept alive costs memory, and
    the host's garbage collector walks it again and again."""
    project_index = sys.modules.get("pylint_keras_mp.project.index")
    if project_index is not None:
        try:
            project_index.release()
        except Exception as exc:  # the host linter must never see an exception from us
            if strict():
                raise
            del exc
