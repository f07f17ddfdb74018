"""Automatic fixes: one LibCST codemod per rule, declared beside the rule, applied here.

A rule's fix lives in ``rules/kmpNNN_fix.py`` as a ``RuleFix``: its code, its applicability
(``safe``: the program behaves as intended afterwards; ``unsafe``: it may change behaviour a
reader relies on, e.g. code that only ran on import) and a function that returns the whole
module rewritten for one finding, or None when the fix is not certainly right. LibCST keeps the
formatting and comments of everything it does not touch; the edits are the changed lines.

The engine attaches a ``Fix`` to every finding that has one (``attach_fixes``), which is what the
message suffix, the JSON/SARIF output and the language server show; ``fix_source`` applies them
until nothing fixable is left.
"""

from __future__ import annotations

import ast
import difflib
import functools
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Options
    from ..engine import Finding

SAFE, UNSAFE = "safe", "unsafe"
APPLICABILITIES = (SAFE, UNSAFE)
MAX_PASSES = 50  # a fix can enable another (KMP501 then KMP305); isolated fixes take one each

# Appended to the message of a finding that has a fix, in every front end.
FIXABLE_SUFFIX = {
    SAFE: " (fixable with keras-mp-lint --fix)",
    UNSAFE: " (fixable with keras-mp-lint --fix --unsafe-fixes)",
}


@dataclass(frozen=True)
class Edit:
    """Replace the whole lines ``start_line`` .. ``end_line - 1`` (1-based) with ``content``;
    ``start_line == end_line`` inserts before ``start_line``."""

    start_line: int
    end_line: int
    content: str

    def to_json(self) -> dict:
        return {
            "content": self.content,
            "location": {"row": self.start_line, "column": 1},
            "end_location": {"row": self.end_line, "column": 1},
        }


@dataclass(frozen=True)
class Fix:
    code: str
    applicability: str
    message: str
    edits: tuple[Edit, ...]
    isolated: bool = False

    def to_json(self) -> dict:
        return {
            "applicability": self.applicability,
            "message": self.message,
            "edits": [edit.to_json() for edit in self.edits],
        }

    def overlaps(self, other: Fix) -> bool:
        return any(
            a.start_line <= b.end_line and b.start_line <= a.end_line
            for a in self.edits
            for b in other.edits
        )


@dataclass(frozen=True)
class RuleFix:
    """Declared by a rule's fix module: ``FIX = RuleFix("KMP501", SAFE, "...", fix)``."""

    code: str
    applicability: str
    message: str
    fix: Callable[["FixContext", "Finding"], str | None]
    # One per pass: its edits are right for the module as it was (a new module-level name, the
    # rest of the module under a guard), not together with another fix of the same rule.
    isolated: bool = False


def allowed(applicability: str, unsafe: bool) -> bool:
    return applicability == SAFE or unsafe


# --- lines and edits ----------------------------------------------------------------------------

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def split_lines(text: str) -> list[str]:
    """Lines with their ends, split where Python splits them (not at form feeds)."""
    return _LINE.findall(text)


def diff_edits(old: str, new: str) -> tuple[Edit, ...]:
    a, b = split_lines(old), split_lines(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return tuple(
        Edit(i1 + 1, i2 + 1, "".join(b[j1:j2]))
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


class FixContext:
    """One module, parsed once by LibCST (lazily: only when a finding has a fix to compute)."""

    def __init__(self, source: str, tree: ast.Module, facts):
        self.source = source
        self.tree = tree
        self.facts = facts
        self.lines = split_lines(source)

    @functools.cached_property
    def _wrapper(self):
        import libcst
        from libcst.metadata import MetadataWrapper

        return MetadataWrapper(libcst.parse_module(self.source), unsafe_skip_copy=True)

    @property
    def module(self):
        return self._wrapper.module

    @functools.cached_property
    def positions(self):
        from libcst.metadata import PositionProvider

        return self._wrapper.resolve(PositionProvider)

    @functools.cached_property
    def _by_start(self) -> dict[tuple[int, int], list]:
        found: dict[tuple[int, int], list] = {}
        for node, where in self.positions.items():
            found.setdefault((where.start.line, where.start.column), []).append(node)
        return found

    def char_column(self, line: int, col: int) -> int:
        """ast's UTF-8 byte offset -> LibCST's character column."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return len(text.encode("utf-8")[:col].decode("utf-8", errors="ignore"))

    def nodes_at(self, node: ast.AST, kind, where: Callable[[object], bool] | None = None) -> list:
        """The LibCST nodes of type ``kind`` that start where the ast ``node`` starts."""
        line, col = node.lineno, node.col_offset
        key = (line, self.char_column(line, col))
        return [
            n for n in self._by_start.get(key, []) if isinstance(n, kind) and (where is None or where(n))
        ]

    def node_at(self, node: ast.AST, kind, where=None):
        found = self.nodes_at(node, kind, where)
        return found[0] if len(found) == 1 else None

    def rewrite(self, replacements: dict) -> str:
        """The module with LibCST nodes replaced (by identity); a value of ``None`` removes."""
        import libcst

        by_id = {id(old): new for old, new in replacements.items()}

        class Replace(libcst.CSTTransformer):
            def on_leave(self, original, updated):
                if id(original) in by_id:
                    new = by_id[id(original)]
                    return libcst.RemoveFromParent() if new is None else new
                return updated

        return self.module.visit(Replace()).code


@functools.lru_cache(maxsize=1)
def rule_fixes() -> dict[str, RuleFix]:
    from ..rules import rule_fixes as declared

    return {fix.code: fix for fix in declared()}


# Kept in step with rules.rule_fixes() by a test; checked before LibCST is imported.
FIXABLE_CODES = frozenset({"KMP201", "KMP301", "KMP303", "KMP305", "KMP306", "KMP501", "KMP502"})


def compiles(source: str) -> bool:
    try:
        compile(source, "<fixed>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def attach_fixes(findings: list[Finding], source: str, tree: ast.Module, facts) -> list[Finding]:
    """The findings, those with a certainly right fix carrying it (and saying so)."""
    if not any(f.code in FIXABLE_CODES for f in findings):
        return findings
    try:
        fixes = rule_fixes()
    except ImportError:  # LibCST missing from a broken install: report without fixes
        return findings
    context = FixContext(source, tree, facts)
    result = []
    for finding in findings:
        declared = fixes.get(finding.code)
        fixed = None
        if declared is not None:
            try:
                fixed = declared.fix(context, finding)
            except Exception:  # a fix that cannot be computed is no fix; the finding stays
                fixed = None
        if fixed is None or fixed == source or not compiles(fixed):
            result.append(finding)
            continue
        fix = Fix(
            finding.code,
            declared.applicability,
            declared.message,
            diff_edits(source, fixed),
            declared.isolated,
        )
        result.append(
            replace(
                finding,
                message=finding.message + FIXABLE_SUFFIX[declared.applicability],
                fix=fix,
            )
        )
    return result


# --- applying ------------------------------------------------------------------------------------


@dataclass
class FixResult:
    source: str
    fixed: list[Finding]  # what was fixed, as found before each pass


def select_fixes(findings: Sequence[Finding], unsafe: bool) -> list[Fix]:
    """Fixes of one pass: allowed, in order, none touching another's lines."""
    chosen: list[Fix] = []
    for finding in findings:
        fix = finding.fix
        if fix is None or not allowed(fix.applicability, unsafe):
            continue
        if any(fix.overlaps(other) for other in chosen):
            continue
        if fix.isolated and any(other.code == fix.code for other in chosen):
            continue  # the next pass fixes it on the rewritten module
        chosen.append(fix)
    return chosen


def fix_source(source: str, filename: str, options: Options, unsafe: bool = False) -> FixResult:
    """Apply the fixes of the findings ``options`` selects until none is left to apply."""
    from ..engine import analyze

    seen = {source}
    fixed: list[Finding] = []
    for _ in range(MAX_PASSES):
        findings = analyze(source, filename, options)
        chosen = select_fixes(findings, unsafe)
        if not chosen:
            break
        new = apply_edits(source, [edit for fix in chosen for edit in fix.edits])
        if new in seen or not compiles(new):
            break
        fixed.extend(f for f in findings if f.fix in chosen)
        seen.add(new)
        source = new
    return FixResult(source, fixed)
