"""KMP303's fix: drop the worker arguments Keras ignores where they are passed."""

from __future__ import annotations

import ast

import libcst as cst

from ..facts import WORKER_ARGUMENTS
from . import SAFE, RuleFix
from .codemods import keyword_name, without_arguments


def reported_call(ctx, finding):
    """The call a worker-argument finding is reported on (a launch or a constructor call), with
    its enclosing function."""

    def index():
        found = {}
        for call, fn in ctx.facts.walk.calls_by_function:
            if any(kw.arg in WORKER_ARGUMENTS for kw in call.keywords):
                found.setdefault((call.lineno, call.col_offset), (call, fn))
        return found

    return ctx.memo("worker-argument calls", index).get((finding.line, finding.col), (None, None))


def _passes_on_callers_kwargs(kw: ast.keyword, fn) -> bool:
    """``**kwargs`` of the enclosing function: the caller's arguments, not reported ones."""
    kwarg = fn.args.kwarg if fn is not None else None
    return isinstance(kw.value, ast.Name) and kwarg is not None and kw.value.id == kwarg.arg


def fix(ctx, finding):
    call, fn = reported_call(ctx, finding)
    if call is None:
        return None
    if any(kw.arg is None and not _passes_on_callers_kwargs(kw, fn) for kw in call.keywords):
        return None  # worker settings inside **options cannot be dropped one by one
    old = ctx.node_at(
        call, cst.Call, lambda n: any(keyword_name(a) in WORKER_ARGUMENTS for a in n.args)
    )
    if old is None:
        return None
    new = without_arguments(old, lambda arg: keyword_name(arg) in WORKER_ARGUMENTS)
    return ctx.rewrite({old: new})


FIX = RuleFix("KMP303", SAFE, "Remove the ignored worker arguments", fix)
