"""LibCST building blocks shared by several rules' fixes (commas, keywords, forwarding **kwargs)."""

from __future__ import annotations

import ast

import libcst as cst

from ..facts import walk_scope
from ..rules._common import loader_init, super_init_calls
from ..rules.kmp501_super_init_not_called import missing_path

KERAS_LOADER_ROOTS = ("keras.", "tensorflow.keras.", "tf_keras.")


# --- argument lists -----------------------------------------------------------------------------


def _multiline(comma) -> bool:
    return isinstance(comma, cst.Comma) and isinstance(
        comma.whitespace_after, cst.ParenthesizedWhitespace
    )


def _whitespace(base, first_line, empty_lines):
    """A line break with ``base``'s indentation, after ``first_line`` and ``empty_lines``."""
    return cst.ParenthesizedWhitespace(
        first_line=first_line, empty_lines=empty_lines, indent=base.indent, last_line=base.last_line
    )


def _one_per_line(items: list, opening):
    """For items laid out one per line with a trailing comma: the commas for the old last item
    (keeping the comments after it), between new items, and after the new last item (the
    closing bracket's indentation); None for any other layout. ``opening`` is the whitespace
    after the opening bracket, which has the items' indentation."""
    last = items[-1].comma if items else None
    if not _multiline(last):
        return None
    closing = last.whitespace_after
    if isinstance(opening, cst.ParenthesizedWhitespace):
        inner = opening
    elif len(items) > 1 and _multiline(items[-2].comma):
        inner = items[-2].comma.whitespace_after
    else:
        inner = closing
    plain = cst.TrailingWhitespace()
    return (
        last.with_changes(whitespace_after=_whitespace(inner, closing.first_line, closing.empty_lines)),
        cst.Comma(whitespace_after=_whitespace(inner, plain, [])),
        cst.Comma(whitespace_after=_whitespace(closing, plain, [])),
    )


def _has_comment(comma) -> bool:
    whitespace = getattr(comma, "whitespace_after", None)
    return isinstance(whitespace, cst.ParenthesizedWhitespace) and (
        whitespace.first_line.comment is not None or any(l.comment for l in whitespace.empty_lines)
    )


def appended(call: cst.Call, new_args: list) -> cst.Call:
    """The call with ``new_args`` added at the end, keeping a one-per-line layout (comments stay
    where they are, the trailing comma stays)."""
    items = list(call.args)
    new_items = [arg.with_changes(comma=cst.MaybeSentinel.DEFAULT) for arg in new_args]
    layout = _one_per_line(items, call.whitespace_before_args) if new_items else None
    if layout is not None:
        old_last, middle, final = layout
        items[-1] = items[-1].with_changes(comma=old_last)
        new_items = [item.with_changes(comma=middle) for item in new_items[:-1]] + [
            new_items[-1].with_changes(comma=final)
        ]
    elif items and new_items and isinstance(items[-1].comma, cst.Comma):
        new_items[-1] = new_items[-1].with_changes(comma=items[-1].comma)  # f(a, ) keeps its comma
        items[-1] = items[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return call.with_changes(args=items + new_items)


def without_arguments(call: cst.Call, drop) -> cst.Call:
    """The call without the arguments ``drop(arg)`` selects. When the last one goes, the one left
    last takes over its closing layout (trailing comma or none), keeping its own comments."""
    args = list(call.args)
    kept = [arg for arg in args if not drop(arg)]
    if kept and kept[-1] is not args[-1]:
        own, closing = kept[-1].comma, args[-1].comma
        if _multiline(own) and _multiline(closing):
            comma = own.with_changes(
                whitespace_after=_whitespace(
                    closing.whitespace_after,
                    own.whitespace_after.first_line,
                    list(own.whitespace_after.empty_lines),
                )
            )
        elif _has_comment(own):
            comma = own
        else:
            comma = closing
        kept[-1] = kept[-1].with_changes(comma=comma, whitespace_after_arg=args[-1].whitespace_after_arg)
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


def _added_kwargs_param(params: cst.Parameters, name: str, opening) -> cst.Parameters:
    existing = [*params.posonly_params, *params.params]
    if isinstance(params.star_arg, cst.Param):
        existing.append(params.star_arg)
    existing.extend(params.kwonly_params)
    star = cst.Param(cst.Name(name), star="**")
    layout = _one_per_line(existing, opening)
    if layout is not None:
        old_last, _middle, final = layout
        star = star.with_changes(comma=final)
        params = params.deep_replace(existing[-1], existing[-1].with_changes(comma=old_last))
    return params.with_changes(star_kwarg=star)


def forwarding_replacements(ctx, loader) -> dict | None:
    """LibCST replacements that make the loader's ``__init__`` pass ``**kwargs`` to
    ``super().__init__``, or None when that is not certainly right:

    - no ``super().__init__`` call at all (KMP501): add ``**kwargs`` (unless taken and unused)
      and call ``super().__init__(**kwargs)`` first (after the docstring);
    - one call that drops the ``**kwargs`` the method takes (KMP502): pass them, when the method
      reads them only with ``kwargs.pop(...)`` before that call.
    """
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
            new = new.with_changes(
                params=_added_kwargs_param(old.params, name, old.whitespace_before_params)
            )
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
    return {old_call: appended(old_call, [star_kwargs_arg(kwarg)])}
