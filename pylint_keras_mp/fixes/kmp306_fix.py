"""KMP306's fix: call fit/evaluate/predict instead of the removed *_generator method, passing
``generator=`` as ``x=``; worker arguments move to the data loader's constructor as for KMP305
(without that move the call is left alone)."""

from __future__ import annotations

import libcst as cst

from ..facts import WORKER_ARGUMENTS
from ..rules.kmp306_generator_method_removed_in_keras3 import REPLACEMENTS
from . import SAFE, RuleFix
from .worker_arguments import launch_at, move_to_constructor


def fix(ctx, finding):
    launch = launch_at(ctx, finding)
    if launch is None or launch.method not in REPLACEMENTS:
        return None
    if any(kw.arg is None for kw in launch.call.keywords):
        return None
    replacements: dict = {}
    if any(kw.arg in WORKER_ARGUMENTS for kw in launch.call.keywords):
        replacements = move_to_constructor(ctx, launch)
        if not replacements:
            return None
    old = ctx.node_at(
        launch.call,
        cst.Call,
        lambda n: isinstance(n.func, cst.Attribute) and n.func.attr.value == launch.method,
    )
    if old is None:
        return None
    new = replacements.get(old, old)
    new = new.with_changes(
        func=new.func.with_changes(attr=cst.Name(REPLACEMENTS[launch.method])),
        args=[
            arg.with_changes(keyword=cst.Name("x"))
            if arg.keyword is not None and arg.keyword.value == "generator"
            else arg
            for arg in new.args
        ],
    )
    replacements[old] = new
    return ctx.rewrite(replacements)


FIX = RuleFix("KMP306", SAFE, "Call fit/evaluate/predict, which take the same data loader", fix)
