"""KMP301's fix (unsafe): the import-time launch and the module-level statements after it go
under ``if __name__ == "__main__":``.

Unsafe because whatever imports the module no longer runs them. Not offered when a moved
statement defines a function or class (worker processes could not unpickle it), or binds a name
that a function or class of the module reads (that would be KMP102 under spawn/forkserver).
"""

from __future__ import annotations

import ast

import libcst as cst

from ..facts import is_main_guard, walk_scope
from ..fixes import UNSAFE, RuleFix

DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


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


def _indented(line):
    """A comment line moves into the block with it; a blank line stays blank (no indentation)."""
    return line.with_changes(indent=line.comment is not None)


def fix(ctx, finding):
    facts = ctx.facts
    anchor = _anchor(facts, finding)
    if anchor is None:
        return None
    body = facts.tree.body
    index = next(
        (i for i, s in enumerate(body) if s.lineno <= anchor.lineno <= (s.end_lineno or s.lineno)),
        None,
    )
    if index is None or (index and body[index - 1].end_lineno == body[index].lineno):
        return None  # not found, or shares its line with the statement before (a; b)
    moved = body[index:]
    for stmt in moved:
        if isinstance(stmt, DEFINITIONS):
            return None
        if is_main_guard(stmt) and stmt.orelse:
            return None
        if any(isinstance(node, (*DEFINITIONS, ast.Lambda)) for node in ast.walk(stmt)):
            return None  # a function made under the guard cannot be unpickled by a worker
    if _bound(moved) & _read_by_definitions(body[:index]):
        return None
    region = ctx.region(index, len(body))
    statements = list(region.module.body)
    by_line = {s.lineno: s for s in moved}
    if len(statements) != len(moved) or region.line_of(statements[0]) != moved[0].lineno:
        return None
    inner = []
    for stmt in statements:
        original = by_line.get(region.line_of(stmt))
        if isinstance(stmt, cst.If) and original is not None and is_main_guard(original):
            first, *rest = stmt.body.body
            inner.append(first.with_changes(leading_lines=[*stmt.leading_lines, *first.leading_lines]))
            inner.extend(rest)
        else:
            inner.append(stmt)
    head = inner[0]
    inner = [
        stmt.with_changes(leading_lines=[_indented(line) for line in stmt.leading_lines])
        for stmt in inner
    ]
    guard = cst.If(
        test=cst.parse_expression('__name__ == "__main__"'),
        body=cst.IndentedBlock(body=[inner[0].with_changes(leading_lines=[]), *inner[1:]]),
        leading_lines=head.leading_lines,
    )
    return region.rewritten(region.module.with_changes(body=[guard]))


FIX = RuleFix(
    "KMP301",
    UNSAFE,
    'Move the launch and the statements after it under if __name__ == "__main__":',
    fix,
)
