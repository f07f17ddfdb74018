"""Automatic fixes: one LibCST codemod per rule, named by the rule's declaration (``autofix``).

A rule's fix lives in ``fixes/kmpNNN_fix.py`` as a ``RuleFix``: its code, its applicability
(``safe``: the program behaves as intended afterwards; ``unsafe``: it may change behaviour a
reader relies on, e.g. code that only ran on import) and a function that returns the
``Rewrite`` of one finding, or None when the fix is not certainly right. The fix rewrites the
top-level statements involved, each parsed by LibCST on its own (a fix costs what its statement
costs, not what the module costs), which keeps the formatting and comments of everything it does
not touch; the edits are the changed lines.

The engine attaches a ``Fix`` to every finding that has one (``attach_fixes``), which is what the
message suffix, the JSON/SARIF output and the language server show; ``fix_passes`` applies them
until nothing fixable is left (``pylint_keras_mp.fixing`` runs it with the linter, which this
package never imports).
"""

from __future__ import annotations

import ast
import bisect
import difflib
import functools
import importlib
import re
import sys
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable, Sequence

from ..faults import contain
# the data types live apart (a run answered from the results cache needs them, not the fixes)
from ..findings import (  # noqa: F401 (re-exported)
    APPLICABILITIES,
    FIXABLE_SUFFIX,
    SAFE,
    UNSAFE,
    Edit,
    Fix,
    _overlap,
)
from ..rules import FIXABLE_CODES, RULE_MODULES

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import Finding

MAX_PASSES = 10  # a fix can enable another (KMP501 then KMP305); more passes mean a loop
# LibCST regions parsed per module and pass (a fix that rewrites a statement with LibCST costs
# a parse of that statement, ~10 ms): the first findings in source order carry their fix,
# --fix reaches the rest in its further passes. Fixes written as text edits (KMP201, KMP301)
# cost what their lines cost and are not counted.
MAX_REGIONS_PER_MODULE = 100


@dataclass(frozen=True)
class RuleFix:
    """Declared by a rule's fix module: ``FIX = RuleFix("KMP501", SAFE, "...", fix)``."""

    code: str
    applicability: str
    message: str
    fix: Callable[["FixContext", "Finding"], "Rewrite | None"]


def allowed(applicability: str, unsafe: bool) -> bool:
    return applicability == SAFE or unsafe


# --- lines and edits ----------------------------------------------------------------------------

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def split_lines(text: str) -> list[str]:
    """Lines with their ends, split where Python splits them (not at form feeds)."""
    return _LINE.findall(text)


def diff_edits(old: str, new: str) -> tuple[Edit, ...]:
    a, b = split_lines(old), split_lines(new)
    # the unchanged lines at both ends first: a fix changes a few lines of a long region, and
    # the matcher's cost grows faster than the lines it compares
    head = 0
    while head < len(a) and head < len(b) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < len(a) - head and tail < len(b) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    matcher = difflib.SequenceMatcher(
        None, a[head : len(a) - tail], b[head : len(b) - tail], autojunk=False
    )
    middle = b[head : len(b) - tail]
    return tuple(
        Edit(head + i1 + 1, head + i2 + 1, "".join(middle[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    )


def apply_edits(source: str, edits: Sequence[Edit]) -> str:
    lines = split_lines(source)
    for edit in sorted(edits, key=lambda e: (e.start_line, e.end_line), reverse=True):
        lines[edit.start_line - 1 : edit.end_line - 1] = split_lines(edit.content)
    return "".join(lines)


def unified_diff(old: str, new: str, path: str) -> str:
    return "".join(
        line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n"
        for line in difflib.unified_diff(
            split_lines(old), split_lines(new), fromfile=path, tofile=path
        )
    )


# --- the context a rule's fix works in ------------------------------------------------------------


@dataclass(frozen=True)
class Rewrite:
    """What a rule's fix returns: the edits, and the rewritten regions (each must compile)."""

    edits: tuple[Edit, ...]
    regions: tuple[str, ...]


def _first_line(stmt: ast.stmt) -> int:
    decorators = getattr(stmt, "decorator_list", None) or []
    return min([stmt.lineno, *(d.lineno for d in decorators)])


class Region:
    """Top-level statements (whole lines ``first``..``last``) parsed by LibCST on their own, so
    that a fix costs what its statement costs, not what the module costs."""

    def __init__(self, lines: list[str], first: int, last: int):
        # start-up cost: LibCST is imported when a finding may have a fix
        import libcst
        from libcst.metadata import MetadataWrapper

        self.first, self.last = first, last
        self.text = "".join(lines[first - 1 : last])
        self._wrapper = MetadataWrapper(libcst.parse_module(self.text), unsafe_skip_copy=True)
        self.module = self._wrapper.module

    @functools.cached_property
    def positions(self):
        from libcst.metadata import PositionProvider  # start-up cost (see Region)

        return self._wrapper.resolve(PositionProvider)

    @functools.cached_property
    def by_start(self) -> dict[tuple[int, int], list]:
        found: dict[tuple[int, int], list] = {}
        for node, where in self.positions.items():
            found.setdefault((where.start.line + self.first - 1, where.start.column), []).append(node)
        return found

    def line_of(self, node) -> int:
        """The module line where a node of this region starts."""
        return self.positions[node].start.line + self.first - 1

    def rewritten(self, new_module) -> Rewrite:
        new_text = new_module.code
        edits = tuple(
            Edit(e.start_line + self.first - 1, e.end_line + self.first - 1, e.content)
            for e in diff_edits(self.text, new_text)
        )
        return Rewrite(edits, (new_text,))


class FixContext:
    """One module: its ``ast`` facts, and LibCST regions parsed on demand."""

    def __init__(self, source: str, tree: ast.Module, facts):
        self.source = source
        self.tree = tree
        self.facts = facts
        self.lines = split_lines(source)
        self._regions: dict[tuple[int, int], Region] = {}
        self._owner: dict[int, Region] = {}  # id(LibCST node) -> its region
        self._memo: dict[str, object] = {}

    @property
    def parsed_regions(self) -> dict:
        """The LibCST regions parsed so far (what the per-module budget counts)."""
        return self._regions

    def memo(self, key: str, build: Callable[[], object]):
        """A per-module index a fix builds once (e.g. findings' nodes by position)."""
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]

    def char_column(self, line: int, col: int) -> int:
        """ast's UTF-8 byte offset -> LibCST's character column."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return len(text.encode("utf-8")[:col].decode("utf-8", errors="ignore"))

    @functools.cached_property
    def newline(self) -> str:
        """The module's line ending (of its first line), for text that fixes insert."""
        first = self.lines[0] if self.lines else "\n"
        return "\r\n" if first.endswith("\r\n") else "\r" if first.endswith("\r") else "\n"

    def segment(self, node: ast.AST) -> str | None:
        """The source text of an ast node (its exact span)."""
        end_line, end_col = getattr(node, "end_lineno", None), getattr(node, "end_col_offset", None)
        if end_line is None or end_col is None or end_line > len(self.lines):
            return None
        start = self.char_column(node.lineno, node.col_offset)
        end = self.char_column(end_line, end_col)
        if node.lineno == end_line:
            return self.lines[node.lineno - 1][start:end]
        middle = self.lines[node.lineno : end_line - 1]
        return "".join(
            [self.lines[node.lineno - 1][start:], *middle, self.lines[end_line - 1][:end]]
        )

    def replace_segment(self, node: ast.AST, text: str) -> Edit | None:
        """The edit that writes ``text`` in place of the node's span (whole lines, as edits
        are)."""
        end_line, end_col = getattr(node, "end_lineno", None), getattr(node, "end_col_offset", None)
        if end_line is None or end_col is None or end_line > len(self.lines):
            return None
        before = self.lines[node.lineno - 1][: self.char_column(node.lineno, node.col_offset)]
        after = self.lines[end_line - 1][self.char_column(end_line, end_col) :]
        return Edit(node.lineno, end_line + 1, before + text + after)

    def _statement_range(self, start: int, stop: int) -> tuple[int, int]:
        """Whole lines of the top-level statements ``start`` .. ``stop - 1``, grown to the
        statements that share those lines (``a = 1; b = 2``)."""
        body = self.tree.body
        first = _first_line(body[start])
        last = body[stop - 1].end_lineno or body[stop - 1].lineno
        while start > 0 and (body[start - 1].end_lineno or 0) >= first:
            start -= 1
            first = min(first, _first_line(body[start]))
        while stop < len(body) and _first_line(body[stop]) <= last:
            last = max(last, body[stop].end_lineno or last)
            stop += 1
        return first, last

    @functools.cached_property
    def _starts(self) -> list[int]:
        return [_first_line(stmt) for stmt in self.tree.body]

    def top_level_index(self, node: ast.AST) -> int | None:
        index = bisect.bisect_right(self._starts, node.lineno) - 1
        if index < 0:
            return None
        stmt = self.tree.body[index]
        return index if node.lineno <= (stmt.end_lineno or stmt.lineno) else None

    def region(self, start: int, stop: int | None = None, with_lines_above: bool = False) -> Region:
        """The region of top-level statements ``start`` .. ``stop - 1`` (default: one); with the
        comment and blank lines above them (the region module's ``header``) if asked."""
        key = self._statement_range(start, start + 1 if stop is None else stop)
        if with_lines_above and start > 0:
            key = (min(key[0], (self.tree.body[start - 1].end_lineno or key[0]) + 1), key[1])
        if key not in self._regions:
            self._regions[key] = Region(self.lines, *key)
        return self._regions[key]

    def nodes_at(self, node: ast.AST, kind, where: Callable[[object], bool] | None = None) -> list:
        """The LibCST nodes of type ``kind`` that start where the ast ``node`` starts."""
        index = self.top_level_index(node)
        if index is None:
            return []
        region = self.region(index)
        key = (node.lineno, self.char_column(node.lineno, node.col_offset))
        found = [
            n for n in region.by_start.get(key, []) if isinstance(n, kind) and (where is None or where(n))
        ]
        for n in found:
            self._owner[id(n)] = region
        return found

    def node_at(self, node: ast.AST, kind, where=None):
        found = self.nodes_at(node, kind, where)
        return found[0] if len(found) == 1 else None

    def region_of(self, cst_node) -> Region:
        return self._owner[id(cst_node)]

    def rewrite(self, replacements: dict) -> Rewrite:
        """Replace LibCST nodes found with ``node_at`` (by identity; ``None`` removes)."""
        import libcst  # start-up cost (see Region)

        by_region: dict[int, tuple[Region, dict]] = {}
        for old, new in replacements.items():
            region = self.region_of(old)
            by_region.setdefault(id(region), (region, {}))[1][id(old)] = new
        edits: list[Edit] = []
        regions: list[str] = []
        for region, by_id in by_region.values():

            class Replace(libcst.CSTTransformer):
                def on_leave(self, original, updated, by_id=by_id):
                    if id(original) in by_id:
                        new = by_id[id(original)]
                        return libcst.RemoveFromParent() if new is None else new
                    return updated

            result = region.rewritten(region.module.visit(Replace()))
            edits.extend(result.edits)
            regions.extend(result.regions)
        return Rewrite(tuple(sorted(edits, key=lambda e: e.start_line)), tuple(regions))


def rule_fix(code: str) -> RuleFix | None:
    """The automatic fix of one code: ``FIX`` of the module of this package its rule names as its
    ``autofix`` (None when the rule has none). Imported on demand, one code at a time (start-up
    cost: most fixes import LibCST, and a run whose findings only need the others does not)."""
    return _rule_fix(code) if code in FIXABLE_CODES else None


@functools.lru_cache(maxsize=None)
def _rule_fix(code: str) -> RuleFix:
    module = next(module for module in RULE_MODULES if module.RULE.code == code)
    fix = importlib.import_module(f"{__name__}.{module.RULE.autofix}").FIX
    if fix.code != code:
        raise ImportError(f"{module.RULE.autofix} fixes {fix.code}, not {code}")
    return fix


def rule_fixes() -> dict[str, RuleFix]:
    """The automatic fixes by code (every fix module imported)."""
    return {code: rule_fix(code) for code in sorted(FIXABLE_CODES)}


# FIXABLE_CODES: the codes whose rule declares a fix (``Rule.autofix``), checked before LibCST
# is imported.


def compiles(source: str) -> bool:
    try:
        compile(source, "<fixed>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def _unfixable() -> tuple[type[BaseException], ...]:
    # LibCST cannot parse a statement that Python can (newer syntax), or the statement is
    # nested deeper than LibCST's recursion goes. A fix that does not use LibCST cannot raise its
    # error: LibCST is not imported for it (start-up cost).
    libcst = sys.modules.get("libcst")
    if libcst is None:
        return (RecursionError, MemoryError)
    return (libcst.ParserSyntaxError, RecursionError, MemoryError)


def attach_fixes(findings: list[Finding], source: str, tree: ast.Module, facts) -> list[Finding]:
    """The findings, those with a certainly right fix carrying it (and saying so)."""
    if not any(f.code in FIXABLE_CODES for f in findings):
        return findings
    context = FixContext(source, tree, facts)
    result = []
    for finding in sorted(findings):
        try:
            declared = rule_fix(finding.code)
        except ImportError:  # LibCST missing from a broken install: report without fixes
            declared = None
        rewrite = None
        if declared is not None and len(context.parsed_regions) < MAX_REGIONS_PER_MODULE:
            try:
                rewrite = declared.fix(context, finding)
            except _unfixable():  # a fix that cannot be computed is no fix; the finding stays
                rewrite = None
            except Exception as exc:  # a bug of the fix: the finding stays, and a KMP900 says it
                contain(f"{finding.code} fix", exc)
                rewrite = None
        if rewrite is None or not rewrite.edits or not all(map(compiles, rewrite.regions)):
            result.append(finding)
            continue
        fix = Fix(finding.code, declared.applicability, declared.message, rewrite.edits)
        result.append(replace(finding, fix=fix))  # the Finding's message then says it is fixable
    return result


# --- applying ------------------------------------------------------------------------------------


@dataclass
class FixResult:
    source: str
    fixed: list[Finding]  # what was fixed, as found before each pass


def select_fixes(findings: Sequence[Finding], unsafe: bool) -> list[Fix]:
    """Fixes of one pass: allowed, in order, none touching another's lines."""
    chosen: list[Fix] = []
    # the lines the chosen fixes replace and the lines they insert before (what ``overlaps``
    # compares, kept as sets: the cost is the lines touched, not fixes times fixes)
    replaced: set[int] = set()
    inserted: set[int] = set()
    for finding in findings:
        fix = finding.fix
        if fix is None or not allowed(fix.applicability, unsafe):
            continue
        if any(_touches(edit, replaced, inserted) for edit in fix.edits):
            continue  # the next pass fixes it on the rewritten module
        chosen.append(fix)
        for edit in fix.edits:
            if edit.start_line == edit.end_line:
                inserted.add(edit.start_line)
            else:
                replaced.update(range(edit.start_line, edit.end_line + 1))
    return chosen


def _touches(edit: Edit, replaced: set[int], inserted: set[int]) -> bool:
    """Whether an edit overlaps (as ``_overlap`` says) one of the chosen edits."""
    if edit.start_line == edit.end_line:
        return edit.start_line in replaced
    lines = range(edit.start_line, edit.end_line + 1)
    return any(line in replaced or line in inserted for line in lines)


def fix_passes(
    text: str,
    findings_of: Callable[[str], list],
    rewrite: Callable[[str, list[Fix], list], "str | None"],
    unsafe: bool = False,
    keep: Callable[[list, str], list] | None = None,
) -> FixResult:
    """Apply fixes pass after pass until none is left: ``findings_of(text)`` lints, ``keep``
    drops the findings not to fix, and ``rewrite(text, fixes, findings)`` gives the text with
    the chosen fixes applied, or None when it must not be written (then, or when a pass gives a
    text seen before, the passes stop)."""
    seen = {text}
    fixed: list[Finding] = []
    for _ in range(MAX_PASSES):
        findings = findings_of(text)
        if keep is not None:
            findings = keep(findings, text)
        chosen = select_fixes(findings, unsafe)
        if not chosen:
            break
        new = rewrite(text, chosen, findings)
        if new is None or new in seen:
            break
        chosen_ids = {id(fix) for fix in chosen}
        fixed.extend(f for f in findings if id(f.fix) in chosen_ids)
        seen.add(new)
        text = new
    return FixResult(text, fixed)
