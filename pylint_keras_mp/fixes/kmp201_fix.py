"""KMP201's fix (unsafe): a lambda stored on self becomes a module-level function.

Only for a lambda that reads nothing but its parameters, module-level names bound at import time
and builtins (no ``self``, no local of the method), in a loader class defined at module level.
Unsafe because the attribute now holds a named function: code that compares or replaces it sees
a different object.
"""

from __future__ import annotations

import ast

import libcst as cst

from ..facts import BUILTIN_NAMES
from ..rules._attributes import stored_attributes
from . import UNSAFE, RuleFix


def _lambda_assignments(ctx) -> dict:
    """(line, col) of each ``self.<attr> = lambda ...`` finding -> (loader, assignment)."""

    def index():
        found = {}
        for loader in ctx.facts.data_loaders:
            for assignment in stored_attributes(ctx.facts, loader):
                if isinstance(assignment.value, ast.Lambda):
                    node = assignment.node
                    found.setdefault((node.lineno, node.col_offset), (loader, assignment))
        return found

    return ctx.memo("lambda assignments", index)


def _free_names(lam: ast.Lambda) -> set[str] | None:
    args = lam.args
    params = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
    params |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    if any(not isinstance(d, ast.Constant) for d in args.defaults + [d for d in args.kw_defaults if d]):
        return None  # defaults are evaluated where the lambda is made
    bound_inside = set()
    for node in ast.walk(lam.body):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound_inside.add(node.id)
        elif isinstance(node, ast.arg):
            bound_inside.add(node.arg)
    loaded = {n.id for n in ast.walk(lam.body) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return loaded - params - bound_inside


def _new_name(ctx, loader, assignment) -> str | None:
    """``_<attr>``, else ``_<Class>_<attr>``, else with the line: unique among every name the
    module binds and every lambda this rule can fix in the same pass."""
    facts = ctx.facts
    taken = ctx.memo(
        "taken names",
        lambda: set(facts.module_bound)
        | set(facts.main_guard_bound)
        | BUILTIN_NAMES
        | {n.id for n in ast.walk(facts.tree) if isinstance(n, ast.Name)},
    )
    assignments = list(_lambda_assignments(ctx).values())
    attr = assignment.attr
    same_attr = sum(1 for _, a in assignments if a.attr == attr)
    same_class = sum(1 for l, a in assignments if a.attr == attr and l is loader)
    if same_attr == 1:
        name = f"_{attr}"
    elif same_class == 1:
        name = f"_{loader.name}_{attr}"
    else:
        name = f"_{loader.name}_{attr}_{assignment.node.lineno}"
    return name if name.isidentifier() and name not in taken else None


def fix(ctx, finding):
    facts = ctx.facts
    loader, assignment = _lambda_assignments(ctx).get((finding.line, finding.col), (None, None))
    if loader is None:
        return None
    index = ctx.top_level_index(loader.node)
    if index is None or facts.tree.body[index] is not loader.node:
        return None  # a class inside a function or a block: no module level to move to
    lam = assignment.value
    free = _free_names(lam)
    if free is None:
        return None
    local = facts.scope(assignment.method).locals
    for name in free:
        if name in local or (name not in facts.module_bound and name not in BUILTIN_NAMES):
            return None
    name = _new_name(ctx, loader, assignment)
    if name is None:
        return None
    old_lambda = ctx.node_at(lam, cst.Lambda)
    old_class = ctx.node_at(loader.node, cst.ClassDef)
    if old_lambda is None or old_class is None:
        return None
    region = ctx.region_of(old_class)
    code = region.module.code_for_node
    params = code(old_lambda.params)
    result = code(old_lambda.body).strip()
    if "\n" in result:
        result = f"({result})"
    function = cst.parse_statement(f"def {name}({params}):\n    return {result}\n")
    function = function.with_changes(leading_lines=old_class.leading_lines)
    two_blank = [cst.EmptyLine(), cst.EmptyLine()]
    statements = list(region.module.body)
    index = next((i for i, s in enumerate(statements) if s is old_class), None)
    if index is None:
        return None
    class Swap(cst.CSTTransformer):
        def leave_Lambda(self, original, updated):
            return cst.Name(name) if original is old_lambda else updated

    new_class = old_class.visit(Swap()).with_changes(leading_lines=two_blank)
    statements[index : index + 1] = [function, new_class]
    return region.rewritten(region.module.with_changes(body=statements))


FIX = RuleFix("KMP201", UNSAFE, "Turn the lambda into a module-level function", fix)
