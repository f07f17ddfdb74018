"""What fixes that move a lambda to module level need to know about it (plain ``ast``, no LibCST)."""

from __future__ import annotations

import ast


def free_names(lam: ast.Lambda) -> set[str] | None:
    """The names a lambda's body reads from the scope it is made in (they must exist at module
    level for the lambda to move there); None when a default is evaluated where the lambda is
    made (moving it would evaluate the default elsewhere)."""
    args = lam.args
    params = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
    params |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    if any(not isinstance(d, ast.Constant) for d in args.defaults + [d for d in args.kw_defaults if d]):
        return None
    bound_inside = set()
    for node in ast.walk(lam.body):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound_inside.add(node.id)
        elif isinstance(node, ast.arg):
            bound_inside.add(node.arg)
    loaded = {n.id for n in ast.walk(lam.body) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return loaded - params - bound_inside
