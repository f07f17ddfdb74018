"""KMP307's fix: declare the option as a flag (``type=bool`` becomes ``action="store_true"``, or
``action=argparse.BooleanOptionalAction`` when it defaults to True). Unsafe: the command line
changes (``--multiprocessing False`` becomes an error instead of turning processes on)."""

from __future__ import annotations

import ast

import libcst as cst

from . import UNSAFE, RuleFix
from .codemods import keyword_name

# The add_argument keywords a flag action also accepts; any other (nargs, const, choices,
# metavar...) makes the declaration mean something the fix cannot keep.
FLAG_KEYWORDS = frozenset({"type", "default", "help", "dest", "required"})


def _reported_call(ctx, finding):
    def index():
        found = {}
        for call, fn in ctx.facts.walk.calls_by_function:
            if isinstance(call.func, ast.Attribute) and call.func.attr == "add_argument":
                found.setdefault((call.lineno, call.col_offset), (call, fn))
        return found

    return ctx.memo("add_argument calls", index).get((finding.line, finding.col), (None, None))


def _argparse_name(facts) -> str | None:
    """The name the module imports the argparse module as (``import argparse``)."""
    for name, target in facts.walk.imports.items():
        if target == "argparse":
            return name
    return None


def fix(ctx, finding):
    call, fn = _reported_call(ctx, finding)
    if call is None or any(kw.arg not in FLAG_KEYWORDS for kw in call.keywords):
        return None
    default = next((kw.value for kw in call.keywords if kw.arg == "default"), None)
    value = ctx.facts.resolver.resolve(default, fn) if default is not None else False
    if value is False or value is None:
        action: cst.BaseExpression = cst.SimpleString('"store_true"')
    elif value is True:
        module = _argparse_name(ctx.facts)
        if module is None:
            return None
        action = cst.Attribute(cst.Name(module), cst.Name("BooleanOptionalAction"))
    else:
        return None  # a default that is no literal bool: what the flag should default to is unknown
    old = ctx.node_at(call, cst.Call, lambda n: any(keyword_name(a) == "type" for a in n.args))
    if old is None:
        return None
    args = [
        arg.with_changes(keyword=cst.Name("action"), value=action) if keyword_name(arg) == "type" else arg
        for arg in old.args
    ]
    return ctx.rewrite({old: old.with_changes(args=args)})


FIX = RuleFix(
    "KMP307",
    UNSAFE,
    'Declare the option with action="store_true" (argparse.BooleanOptionalAction when it defaults to True)',
    fix,
)
