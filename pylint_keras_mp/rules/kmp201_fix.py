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
from ..fixes import UNSAFE, RuleFix
from ._attributes import stored_attributes


def _assignment_at(facts, finding):
    for loader in facts.data_loaders:
        for assignment in stored_attributes(facts, loader):
            node = assignment.node
            if (node.lineno, node.col_offset) == (finding.line, finding.col):
                if isinstance(assignment.value, ast.Lambda):
                    return loader, assignment
    return None, None


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


def _new_name(facts, loader, attr: str) -> str | None:
    taken = set(facts.module_bound) | set(facts.main_guard_bound) | BUILTIN_NAMES
    taken |= {n.id for n in ast.walk(facts.tree) if isinstance(n, ast.Name)}
    for name in (f"_{attr}", f"_{loader.name}_{attr}"):
        if name.isidentifier() and name not in taken:
            return name
    return None


def fix(ctx, finding) -> str | None:
    facts = ctx.facts
    loader, assignment = _assignment_at(facts, finding)
    if loader is None or loader.node not in facts.tree.body:
        return None
    lam = assignment.value
    free = _free_names(lam)
    if free is None:
        return None
    local = facts.scope(assignment.method).locals
    for name in free:
        if name in local or (name not in facts.module_bound and name not in BUILTIN_NAMES):
            return None
    name = _new_name(facts, loader, assignment.attr)
    if name is None:
        return None
    old_lambda = ctx.node_at(lam, cst.Lambda)
    old_class = ctx.node_at(loader.node, cst.ClassDef)
    if old_lambda is None or old_class is None:
        return None
    code = ctx.module.code_for_node
    params = code(old_lambda.params)
    result = code(old_lambda.body).strip()
    if "\n" in result:
        result = f"({result})"
    function = cst.parse_statement(f"def {name}({params}):\n    return {result}\n")
    function = function.with_changes(leading_lines=old_class.leading_lines)
    two_blank = [cst.EmptyLine(), cst.EmptyLine()]
    statements = list(ctx.module.body)
    index = next((i for i, s in enumerate(statements) if s is old_class), None)
    if index is None:
        return None
    import libcst

    class Swap(libcst.CSTTransformer):
        def leave_Lambda(self, original, updated):
            return cst.Name(name) if original is old_lambda else updated

    new_class = old_class.visit(Swap()).with_changes(leading_lines=two_blank)
    statements[index : index + 1] = [function, new_class]
    return ctx.module.with_changes(body=statements).code


FIX = RuleFix(
    "KMP201", UNSAFE, "Turn the lambda into a module-level function", fix, isolated=True
)
