"""LibCST building blocks shared by several rules' fixes (commas, keywords, forwarding **kwargs)."""

from __future__ import annotations

import ast

import libcst as cst

from ..facts import walk_scope

KERAS_LOADER_ROOTS = ("keras.", "tensorflow.keras.", "tf_keras.")


# --- argument lists -----------------------------------------------------------------------------


def _multiline(comma) -> bool:
    return isinstance(comma, cst.Comma) and isinstance(
        comma.whitespace_after, cst.ParenthesizedWhitespace
    )


def appended(items: list, new_items: list) -> list:
    """``items + new_items`` for call arguments or parameters, keeping a one-per-line layout with
    its trailing comma."""
    items = list(items)
    new_items = [item.with_changes(comma=cst.MaybeSentinel.DEFAULT) for item in new_items]
    if not items or not new_items:
        return items + new_items
    last = items[-1]
    if _multiline(last.comma):
        between = items[-2].comma if len(items) > 1 and _multiline(items[-2].comma) else last.comma
        items[-1] = last.with_changes(comma=between)
        new_items = [item.with_changes(comma=between) for item in new_items[:-1]] + [
            new_items[-1].with_changes(comma=last.comma)
        ]
    return items + new_items


def without_arguments(call: cst.Call, drop) -> cst.Call:
    """The call without the arguments ``drop(arg)`` selects; the last one left takes over the
    comma (or its absence) of the original last argument."""
    args = list(call.args)
    kept = [arg for arg in args if not drop(arg)]
    if kept and kept[-1] is not args[-1]:
        kept[-1] = kept[-1].with_changes(comma=args[-1].comma)
    return call.with_changes(args=kept)


def keyword_name(arg: cst.Arg) -> str | None:
    return arg.keyword.value if arg.keyword is not None else None


def star_kwargs_arg(name: str) -> cst.Arg:
    return cst.Arg(value=cst.Name(name), star="**")


# --- names ----------------------------------------------------------------------------------------


def names_loaded(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def uses_of(fn: ast.AST, name: str) -> list[ast.Name]:
    return [n for n in ast.walk(fn) if isinstance(n, ast.Name) and n.id == name]


# --- a data loader's __init__ forwarding **kwargs to super().__init__ (KMP501, KMP502, KMP305) ----


def direct_keras_loader(loader) -> bool:
    """The class's only base is Keras's own PyDataset/Sequence, whose ``__init__`` takes exactly
    the worker settings: a mixin or an in-module base could take other arguments."""
    node = loader.node
    return (
        len(node.bases) == 1
        and not node.keywords
        and len(loader.mro) == 1
        and len(loader.keras_bases) == 1
        and loader.keras_bases[0].startswith(KERAS_LOADER_ROOTS)
    )


def _is_docstring(stmt) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _added_kwargs_param(params: cst.Parameters, name: str) -> cst.Parameters:
    existing = [*params.posonly_params, *params.params]
    if isinstance(params.star_arg, cst.Param):
        existing.append(params.star_arg)
    existing.extend(params.kwonly_params)
    star = cst.Param(cst.Name(name), star="**")
    if not existing:
        return params.with_changes(star_kwarg=star)
    last = existing[-1]
    if _multiline(last.comma):
        between = existing[-2].comma if len(existing) > 1 and _multiline(existing[-2].comma) else last.comma
        star = star.with_changes(comma=last.comma)
        changed = last.with_changes(comma=between)
        params = params.deep_replace(last, changed)
    return params.with_changes(star_kwarg=star)


def forwarding_replacements(ctx, loader) -> dict | None:
    """LibCST replacements that make the loader's ``__init__`` pass ``**kwargs`` to
    ``super().__init__``, or None when that is not certainly right:

    - no ``super().__init__`` call at all (KMP501): add ``**kwargs`` (unless taken and unused)
      and call ``super().__init__(**kwargs)`` first (after the docstring);
    - one call that drops the ``**kwargs`` the method takes (KMP502): pass them, when the method
      reads them only with ``kwargs.pop(...)`` before that call.
    """
    from ..rules._common import loader_init, super_init_calls
    from ..rules.kmp501_super_init_not_called import missing_path

    facts = ctx.facts
    init = loader_init(facts, loader)
    if init is None or not direct_keras_loader(loader) or init.decorator_list:
        return None
    old = ctx.node_at(init, cst.FunctionDef)
    if old is None or not isinstance(old.body, cst.IndentedBlock):
        return None
    kwarg = init.args.kwarg.arg if init.args.kwarg else None
    calls = super_init_calls(init)
    if not calls:
        if missing_path(loader, init) != "":
            return None  # a helper method calls it: not a plain omission
        name = kwarg or "kwargs"
        if uses_of(init, name):
            return None  # **kwargs already read, or "kwargs" means something else here
        if kwarg is None and name in {a.arg for a in ast.walk(init.args) if isinstance(a, ast.arg)}:
            return None
        body = list(old.body.body)
        at = 1 if body and _is_docstring(body[0]) else 0
        body.insert(at, cst.parse_statement(f"super().__init__(**{name})\n"))
        new = old.with_changes(body=old.body.with_changes(body=body))
        if kwarg is None:
            new = new.with_changes(params=_added_kwargs_param(old.params, name))
        return {old: new}
    if kwarg is None or len(calls) != 1:
        return None
    (call,) = calls
    if any(kw.arg is None for kw in call.keywords) or call.args and any(
        isinstance(a, ast.Starred) for a in call.args
    ):
        return None
    if not isinstance(call.func.value, ast.Call):  # Base.__init__(self, ...) spelled out
        return None
    for use in uses_of(init, kwarg):
        # kwargs.pop("key") before the call leaves exactly what is meant for the base
        parent = next(
            (p for p in walk_scope(init) if isinstance(p, ast.Attribute) and p.value is use), None
        )
        if parent is None or parent.attr != "pop" or use.lineno >= call.lineno:
            return None
    old_call = ctx.node_at(
        call,
        cst.Call,
        lambda n: isinstance(n.func, cst.Attribute) and n.func.attr.value == "__init__",
    )
    if old_call is None:
        return None
    return {old_call: old_call.with_changes(args=appended(old_call.args, [star_kwargs_arg(kwarg)]))}
