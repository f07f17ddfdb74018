"""KMP201's fix (unsafe): a lambda stored on self becomes a module-level function.

Only for a lambda that reads nothing but its parameters, module-level names bound at import time
and builtins (no ``self``, no local of the method), in a loader class defined at module level.
Unsafe because the attribute now holds a named function: code that compares or replaces it sees
a different object.
"""

from __future__ import annotations

import ast
import io
import tokenize

from ..facts import BUILTIN_NAMES
from ..rules._attributes import stored_attributes
from . import UNSAFE, Edit, Rewrite, RuleFix
from .lambdas import free_names


def _lambda_assignments(ctx) -> dict:
    """(line, col) of each ``self.<attr> = lambda ...`` finding -> (loader, assignment)."""

    def index():
        found = {}
        for loader in ctx.facts.hierarchy.data_loaders:
            for assignment in stored_attributes(ctx.facts, loader):
                if isinstance(assignment.value, ast.Lambda):
                    node = assignment.node
                    found.setdefault((node.lineno, node.col_offset), (loader, assignment))
        return found

    return ctx.memo("lambda assignments", index)



def _new_name(ctx, loader, assignment) -> str | None:
    """``_<attr>``, else ``_<Class>_<attr>``, else with the line: unique among every name the
    module binds and every lambda this rule can fix in the same pass."""
    facts = ctx.facts
    taken = ctx.memo(
        "taken names",
        lambda: set(facts.walk.module_bound)
        | set(facts.walk.main_guard_bound)
        | BUILTIN_NAMES
        | {n.id for n in ast.walk(facts.tree) if isinstance(n, ast.Name)},
    )
    def count():
        by_attr: dict = {}
        for owner, other in _lambda_assignments(ctx).values():
            for key in (other.attr, (id(owner), other.attr)):
                by_attr[key] = by_attr.get(key, 0) + 1
        return by_attr

    counts = ctx.memo("lambda attributes counted", count)
    attr = assignment.attr
    same_attr, same_class = counts[attr], counts[(id(loader), attr)]
    # one leading underscore only: inside the class body a name that starts with two is
    # mangled (``__post`` reads ``_Frames__post``), which the module-level function is not
    stem, owner = attr.lstrip("_") or "function", loader.name.lstrip("_") or "loader"
    if same_attr == 1:
        name = f"_{stem}"
    elif same_class == 1:
        name = f"_{owner}_{stem}"
    else:
        name = f"_{owner}_{stem}_{assignment.node.lineno}"
    if not name.isidentifier() or name.startswith("__") or name in taken:
        return None
    return name


def _lambda_parts(ctx, lam: ast.Lambda) -> tuple[str, str] | None:
    """The parameters and the body of a lambda as written (comments and layout kept), read from
    the source text: the first ``:`` outside brackets and strings after ``lambda`` ends the
    parameters."""
    text = ctx.segment(lam)
    if text is None or not text.startswith("lambda"):
        return None
    depth = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(text[len("lambda") :]).readline):
            if token.type == tokenize.OP and token.string in "([{":
                depth += 1
            elif token.type == tokenize.OP and token.string in ")]}":
                depth -= 1
            elif token.type == tokenize.OP and token.string == ":" and depth == 0:
                lines = text[len("lambda") :].splitlines(keepends=True)
                row, col = token.start
                offset = sum(len(line) for line in lines[: row - 1]) + col
                rest = text[len("lambda") :]
                return rest[:offset].strip(), rest[offset + 1 :].strip()
    except (tokenize.TokenError, SyntaxError):
        return None
    return None


def fix(ctx, finding):
    """Text edits only: the function inserted above the class, the lambda replaced by its name
    (each fix costs what its lambda costs, not what its class costs)."""
    facts = ctx.facts
    loader, assignment = _lambda_assignments(ctx).get((finding.line, finding.col), (None, None))
    if loader is None:
        return None
    index = ctx.top_level_index(loader.node)
    if index is None or facts.tree.body[index] is not loader.node:
        return None  # a class inside a function or a block: no module level to move to
    if index and (facts.tree.body[index - 1].end_lineno or 0) >= _class_first_line(loader.node):
        return None  # shares its line with the statement before (a; class ...)
    lam = assignment.value
    free = free_names(lam)
    if free is None:
        return None
    local = facts.walk.scope(assignment.method).locals
    for name in free:
        if name in local or (name not in facts.walk.module_bound and name not in BUILTIN_NAMES):
            return None
    name = _new_name(ctx, loader, assignment)
    parts = _lambda_parts(ctx, lam) if name is not None else None
    if parts is None:
        return None
    params, result = parts
    if "\n" in result:
        result = f"({result})"
    function = f"def {name}({params}):\n    return {result}\n"
    newline = ctx.newline
    function = function.replace("\n", newline)
    first = _class_first_line(loader.node)
    replaced = ctx.replace_segment(lam, name)
    if replaced is None:
        return None
    return Rewrite(
        (Edit(first, first, function + newline + newline), replaced),
        (function,),
    )


def _class_first_line(node: ast.ClassDef) -> int:
    return min([node.lineno, *(d.lineno for d in node.decorator_list)])


FIX = RuleFix("KMP201", UNSAFE, "Turn the lambda into a module-level function", fix)
