"""KMP601's fix (safe): a lambda given to a DataLoader as collate_fn or worker_init_fn becomes a
module-level function, defined just above the top-level statement that holds the DataLoader.

Only for a lambda that reads nothing but its parameters, module-level names bound at import time
and builtins (no local of the enclosing function), with constant defaults. Safe: torch calls the
function exactly as it called the lambda, and nothing else can see it.
"""

from __future__ import annotations

import ast

import libcst as cst

from ..facts import BUILTIN_NAMES
from ..facts.pipelines import argument
from ..facts.torch_api import PICKLED_CALLABLES
from . import SAFE, RuleFix
from .lambdas import free_names


def _lambda_arguments(ctx) -> dict:
    """(line, col) of each lambda argument KMP601 reports -> (argument name, lambda, scope)."""

    def index():
        found = {}
        for torch_loader in ctx.facts.pipelines.torch_loaders_with_workers:
            for name in PICKLED_CALLABLES:
                value = argument(torch_loader.call, name)
                if isinstance(value, ast.Lambda):
                    found.setdefault((value.lineno, value.col_offset), (name, value, torch_loader.function))
        return found

    return ctx.memo("dataloader lambdas", index)



def _new_name(ctx, name, lam) -> str | None:
    """``_collate_fn`` (``_worker_init_fn``), else with the line: one leading underscore only,
    unique among the module's names and the other lambdas this fix moves."""
    facts = ctx.facts
    taken = ctx.memo(
        "taken names",
        lambda: set(facts.walk.module_bound)
        | set(facts.walk.main_guard_bound)
        | BUILTIN_NAMES
        | {n.id for n in ast.walk(facts.tree) if isinstance(n, ast.Name)}
        | {n.name for n in ast.walk(facts.tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))},
    )
    same = sum(1 for other, _lam, _fn in _lambda_arguments(ctx).values() if other == name)
    new = f"_{name}" if same == 1 else f"_{name}_{lam.lineno}"
    return new if new.isidentifier() and new not in taken else None


def fix(ctx, finding):
    facts = ctx.facts
    name, lam, fn = _lambda_arguments(ctx).get((finding.line, finding.col), (None, None, None))
    if lam is None:
        return None
    free = free_names(lam)
    if free is None:
        return None
    local = facts.walk.scope(fn).locals if fn is not None else set()
    for free_name in free:
        if free_name in local or (free_name not in facts.walk.module_bound and free_name not in BUILTIN_NAMES):
            return None
    new_name = _new_name(ctx, name, lam)
    index = ctx.top_level_index(lam)
    if new_name is None or index is None:
        return None
    region = ctx.region(index)
    old_lambda = ctx.node_at(lam, cst.Lambda)
    if old_lambda is None or region is not ctx.region_of(old_lambda):
        return None
    statements = list(region.module.body)
    if len(statements) != 1:
        return None
    code = region.module.code_for_node
    params = code(old_lambda.params)
    result = code(old_lambda.body).strip()
    if "\n" in result:
        result = f"({result})"
    old_statement = statements[0]
    function = cst.parse_statement(f"def {new_name}({params}):\n    return {result}\n")
    function = function.with_changes(leading_lines=old_statement.leading_lines)

    class Swap(cst.CSTTransformer):
        def leave_Lambda(self, original, updated):
            return cst.Name(new_name) if original is old_lambda else updated

    new_statement = old_statement.visit(Swap()).with_changes(
        leading_lines=[cst.EmptyLine(), cst.EmptyLine()]
    )
    return region.rewritten(region.module.with_changes(body=[function, new_statement]))


FIX = RuleFix("KMP601", SAFE, "Turn the lambda into a module-level function", fix)
