"""KMP301's fix (unsafe): the import-time launch and the module-level statements after it go
under ``if __name__ == "__main__":``.

Definitions and imports among those statements stay at module level, before the guard. Unsafe
because whatever imports the module no longer runs the rest. Not offered when a moved statement
makes a function or lambda (worker processes could not unpickle it), or binds a name that a
function or class of the module reads (that would be KMP102 under spawn/forkserver).
"""

from __future__ import annotations

import ast
import io
import tokenize

from ..facts import is_main_guard, walk_scope
from . import UNSAFE, Edit, Rewrite, RuleFix, diff_edits

DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
STAYING = (*DEFINITIONS, ast.Import, ast.ImportFrom)


def _anchor(facts, finding) -> ast.AST | None:
    """The module-level code that starts the launch: the call itself, or the call of the function
    that reaches it."""
    for launch in facts.launches.multiprocessing_launches:
        if (launch.call.lineno, launch.call.col_offset) != (finding.line, finding.col):
            continue
        if launch.function is None:
            return launch.call
        return facts.walk.import_time_functions.get(launch.function.name)
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


def _first_line(stmt: ast.stmt) -> int:
    return min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", []) or [])])


def _statement_starts(text: str) -> set[int] | None:
    """The lines of ``text`` (1-based) on which a token starts after a line break that ends a
    line of code: the lines that take the guard's indentation. A line inside a multi-line
    string, or continued by a backslash, keeps its text as it is (its characters are the
    string's, or the indentation does not matter). None when the text does not tokenize."""
    starts = {1}
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type in (tokenize.NEWLINE, tokenize.NL):
                starts.add(token.end[0] + 1)
    except (tokenize.TokenError, SyntaxError):
        return None
    return starts


def _blank(line: str) -> bool:
    return not line.strip()


def _inside_block(lines: list[str], indent: str) -> list[str]:
    """Comment lines move into the block with their statement; blank lines stay blank (not
    indented), at most one in a row."""
    kept: list[str] = []
    for line in lines:
        if _blank(line) and kept and _blank(kept[-1]):
            continue
        kept.append(line if _blank(line) else indent + line)
    return kept


def fix(ctx, finding):
    """Text edits computed from the statements' lines (no LibCST: the moved code can be the
    whole script, and each line costs only its indentation)."""
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
        if is_main_guard(stmt) and (stmt.orelse or stmt.body[0].lineno == stmt.lineno):
            return None  # an else branch, or a body on the guard's own line
        if any(isinstance(node, (*DEFINITIONS, ast.Lambda)) for node in ast.walk(stmt)):
            return None  # a function made under the guard cannot be unpickled by a worker
    bound = _bound(moved)
    # A name bound only under the guard must not be read by the module's functions and classes
    # (KMP102 in the workers), nor be needed when a staying definition is made, nor rebind one.
    if bound & _read_by_definitions(body[:index] + staying) or bound & _bound(staying):
        return None
    for before, after in zip(rest, rest[1:]):
        if (before.end_lineno or before.lineno) >= _first_line(after):
            return None  # statements sharing a line (a; b)
    lines = ctx.lines
    first = (body[index - 1].end_lineno or 0) + 1 if index else 1
    last = rest[-1].end_lineno or rest[-1].lineno
    starts = _statement_starts("".join(lines[first - 1 : last]))
    if starts is None:
        return None
    newline, indent = ctx.newline, "    "

    def leading(position: int) -> list[str]:
        """The blank and comment lines between a statement of ``rest`` and the one before."""
        stmt = rest[position]
        top = (rest[position - 1].end_lineno or 0) + 1 if position else first
        return lines[top - 1 : _first_line(stmt) - 1]

    def own(stmt, drop: str = "") -> list[str]:
        """The statement's lines, indented for the guard (``drop``: the indentation of the
        block they come from)."""
        out = []
        for number in range(_first_line(stmt), (stmt.end_lineno or stmt.lineno) + 1):
            line = lines[number - 1]
            if number - first + 1 in starts and not _blank(line):
                line = indent + line[len(drop) :] if line.startswith(drop) else indent + line
            out.append(line)
        return out

    kept: list[str] = []
    inner: list[list[str]] = []  # per moved statement: its leading lines, then its own lines
    for position, stmt in enumerate(rest):
        if isinstance(stmt, STAYING):
            kept.extend(leading(position) + lines[_first_line(stmt) - 1 : stmt.end_lineno])
        elif is_main_guard(stmt):
            # an old guard: its body joins the new one, its own line goes
            inner_first = stmt.body[0]
            drop = lines[inner_first.lineno - 1][: inner_first.col_offset]
            above = leading(position)
            between = lines[stmt.lineno : _first_line(inner_first) - 1]
            between = [line[len(drop) :] if line.startswith(drop) else line for line in between]
            inner.append([*above, *between, "\0", *own(inner_first, drop)])
            for previous, child in zip(stmt.body, stmt.body[1:]):
                gap = lines[(previous.end_lineno or 0) : _first_line(child) - 1]
                gap = [line[len(drop) :] if line.startswith(drop) else line for line in gap]
                inner.append([*gap, "\0", *own(child, drop)])
        else:
            inner.append([*leading(position), "\0", *own(stmt)])
    # the first moved statement's comments and blank lines stay above the guard
    head = inner[0]
    split = head.index("\0")
    above = head[:split]
    if kept:  # after a definition now: two blank lines, as between top-level definitions
        blank = next((i for i, line in enumerate(above) if not _blank(line)), len(above))
        above = [newline] * max(2 - blank, 0) + above
    block: list[str] = head[split + 1 :]
    for chunk in inner[1:]:
        split = chunk.index("\0")
        block.extend(_inside_block(chunk[:split], indent))
        block.extend(chunk[split + 1 :])
    guard = f'if __name__ == "__main__":{newline}'
    if block and not block[-1].endswith(("\n", "\r")):
        block[-1] += newline
    new_text = "".join([*kept, *above, guard, *block])
    old_text = "".join(lines[first - 1 : last])
    if not old_text.endswith(("\n", "\r")) and new_text.endswith(newline):
        new_text = new_text[: -len(newline)]  # the file had no final line break
    edits = tuple(
        Edit(e.start_line + first - 1, e.end_line + first - 1, e.content)
        for e in diff_edits(old_text, new_text)
    )
    return Rewrite(edits, (new_text,))


FIX = RuleFix(
    "KMP301",
    UNSAFE,
    'Move the launch and the statements after it under if __name__ == "__main__":',
    fix,
)
