"""KMP301's fix (unsafe): the import-time launch and the module-level statements after it go
under ``if __name__ == "__main__":``.

Definitions and imports among those statements stay at module level, before the guard. Unsafe
because whatever imports the module no longer runs the rest. Not offered when a moved statement
makes a function or lambda (worker processes could not unpickle it), or binds a name that a
function or class of the module reads (that would be KMP102 under spawn/forkserver).
"""

from __future__ import annotations

import ast

import libcst as cst

from ..facts import is_main_guard, walk_scope
from . import UNSAFE, RuleFix

DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
STAYING = (*DEFINITIONS, ast.Import, ast.ImportFrom)


def _anchor(facts, finding) -> ast.AST | None:
    """The module-level code that starts the launch: the call itself, or the call of the function
    that reaches it."""
    for launch in facts.multiprocessing_launches:
        if (launch.call.lineno, launch.call.col_offset) != (finding.line, finding.col):
            continue
        if launch.function is None:
            return launch.call
        return facts.import_time_functions.get(launch.function.name)
    return None


def _bound(stmts) -> set[str]:
    names: set[str] = set()
    for stmt in stmts:
        for node in [stmt, *walk_scope(stmt)]:
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                names.add(node.id)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((a.asname or a.name.split(".")[0]) for a in node.names)
            elif isinstance(node, DEFINITIONS):
                names.add(node.name)
    return names


def _read_by_definitions(stmts) -> set[str]:
    """Names read inside the functions, classes and lambdas of these statements."""
    names: set[str] = set()
    for stmt in stmts:
        for node in ast.walk(stmt):
            if isinstance(node, (*DEFINITIONS, ast.Lambda)):
                names.update(n.id for n in ast.walk(node) if isinstance(n, ast.Name))
    return names


def _inside_block(lines):
    """Comment lines move into the block with their statement; blank lines stay blank (not
    indented), at most one in a row."""
    kept = []
    for line in lines:
        if line.comment is None and kept and kept[-1].comment is None:
            continue
        kept.append(line.with_changes(indent=line.comment is not None))
    return kept


def fix(ctx, finding):
    facts = ctx.facts
    anchor = _anchor(facts, finding)
    if anchor is None:
        return None
    body = facts.tree.body
    index = ctx.top_level_index(anchor)
    if index is None or (index and body[index - 1].end_lineno == body[index].lineno):
        return None  # not found, or shares its line with the statement before (a; b)
    rest = body[index:]
    if isinstance(rest[0], STAYING):
        return None
    # Definitions and imports after the launch stay at module level (before the guard, so they
    # exist when the run needs them); everything else after it belongs to the run.
    staying = [stmt for stmt in rest if isinstance(stmt, STAYING)]
    moved = [stmt for stmt in rest if not isinstance(stmt, STAYING)]
    for stmt in moved:
        if is_main_guard(stmt) and stmt.orelse:
            return None
        if any(isinstance(node, (*DEFINITIONS, ast.Lambda)) for node in ast.walk(stmt)):
            return None  # a function made under the guard cannot be unpickled by a worker
    bound = _bound(moved)
    # A name bound only under the guard must not be read by the module's functions and classes
    # (KMP102 in the workers), nor be needed when a staying definition is made, nor rebind one.
    if bound & _read_by_definitions(body[:index] + staying) or bound & _bound(staying):
        return None
    region = ctx.region(index, len(body), with_lines_above=True)
    statements = list(region.module.body)
    by_line = {stmt.lineno: stmt for stmt in rest}
    originals = [by_line.get(region.line_of(stmt)) for stmt in statements]
    if len(statements) != len(rest) or any(o is None for o in originals):
        return None
    kept, inner = [], []
    for stmt, original in zip(statements, originals):
        if isinstance(original, STAYING):
            kept.append(stmt)
        elif isinstance(stmt, cst.If) and is_main_guard(original):
            first, *others = stmt.body.body
            inner.append(first.with_changes(leading_lines=[*stmt.leading_lines, *first.leading_lines]))
            inner.extend(others)
        else:
            inner.append(stmt)
    above = [*region.module.header, *inner[0].leading_lines]
    if kept:  # after a definition now: two blank lines, as between top-level definitions
        blank = next((i for i, line in enumerate(above) if line.comment is not None), len(above))
        above = [cst.EmptyLine()] * max(2 - blank, 0) + above
    inner = [
        stmt.with_changes(leading_lines=_inside_block(stmt.leading_lines)) for stmt in inner
    ]
    guard = cst.If(
        test=cst.parse_expression('__name__ == "__main__"'),
        body=cst.IndentedBlock(body=[inner[0].with_changes(leading_lines=[]), *inner[1:]]),
        leading_lines=above,
    )
    return region.rewritten(region.module.with_changes(header=[], body=[*kept, guard]))


FIX = RuleFix(
    "KMP301",
    UNSAFE,
    'Move the launch and the statements after it under if __name__ == "__main__":',
    fix,
)
