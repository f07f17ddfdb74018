"""KMP602's fix (unsafe): an ``IterableDataset.__iter__`` that does not shard by worker keeps
only the items of its own worker.

The original body moves, unchanged, into a nested function; ``__iter__`` then asks torch which
worker it runs in and yields every ``info.num_workers``-th item from position ``info.id``
(every item when it runs in the main process)::

    def __iter__(self):
        def _unsharded():
            <the original body>

        info = torch.utils.data.get_worker_info()
        for position, item in enumerate(_unsharded()):
            if info is None or position % info.num_workers == info.id:
                yield item

This is right whether the original body is a generator or returns an iterable. Unsafe because
each worker still reads every item (only the ones it yields change) and the order of the items
across workers changes. Not offered when the body cannot move into a nested function unchanged:
``super()`` or ``__class__`` (no class cell there), a multi-line string (its text would be
re-indented), tabs, a body on the ``def`` line, decorators, parameters besides ``self``, a class
that defines ``__next__``, names the new code binds used by the body, or no name bound to torch's
``get_worker_info`` (``import torch`` or an import of ``torch.utils.data`` or of the function).
"""

from __future__ import annotations

import ast
import textwrap

from . import UNSAFE, Edit, Rewrite, RuleFix

NEW_NAMES = frozenset({"_unsharded", "info", "position", "item"})
WORKER_INFO = "torch.utils.data.get_worker_info"


def _worker_info_call(facts, method) -> str | None:
    """An expression that calls ``torch.utils.data.get_worker_info`` with the module's imports,
    none of whose names ``__iter__`` rebinds."""
    local = facts.walk.scope(method).locals
    for name, qualname in sorted(facts.walk.imports.items()):
        if name in local or name in facts.walk.global_writes:
            continue
        if qualname == WORKER_INFO:
            return f"{name}()"
        if WORKER_INFO.startswith(qualname + "."):
            return f"{name}{WORKER_INFO[len(qualname):]}()"
    return None


def _movable(ctx, loader, method) -> bool:
    body = method.body
    if method.decorator_list or isinstance(method, ast.AsyncFunctionDef) or "__next__" in loader.methods:
        return False
    args = method.args
    if (
        len(args.args) != 1
        or args.posonlyargs
        or args.vararg
        or args.kwonlyargs
        or args.kwarg
        or body[0].lineno == method.lineno
    ):
        return False
    head = body[0]
    if isinstance(head, ast.Expr) and isinstance(head.value, ast.Constant) and isinstance(head.value.value, str):
        body = body[1:]  # the docstring stays where it is
    for node in (n for stmt in body for n in ast.walk(stmt)):
        if isinstance(node, ast.Name) and (node.id in NEW_NAMES or node.id in ("super", "__class__")):
            return False
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name in NEW_NAMES:
            return False
        if isinstance(node, (ast.Constant, ast.JoinedStr)) and node.lineno != node.end_lineno:
            return False
    last = ctx.lines[method.end_lineno - 1] if method.end_lineno <= len(ctx.lines) else ""
    rest = last[ctx.char_column(method.end_lineno, method.end_col_offset):].strip()
    return rest == "" or rest.startswith("#")


def fix(ctx, finding):
    facts = ctx.facts
    found = None
    for loader in facts.hierarchy.data_loaders:
        method = loader.methods.get("__iter__")
        if method is not None and (method.lineno, method.col_offset) == (finding.line, finding.col):
            found = loader, method
    if found is None:
        return None
    loader, method = found
    if not _movable(ctx, loader, method):
        return None
    call = _worker_info_call(facts, method)
    if call is None:
        return None
    body = method.body
    head = body[0]
    is_docstring = isinstance(head, ast.Expr) and isinstance(head.value, ast.Constant)
    docstring = head if is_docstring and isinstance(head.value.value, str) else None
    moved = body[1:] if docstring is not None else body
    if not moved:
        return None
    first = moved[0].lineno
    # comments between the docstring (or the def) and the first statement move with the body
    start = (docstring.end_lineno + 1) if docstring is not None else method.body[0].lineno
    start = min(start, first)
    while start < first and ctx.lines[start - 1].strip() == "":
        start += 1
    end = method.end_lineno
    lines = ctx.lines[start - 1 : end]
    text = "".join(lines)
    if "\t" in text:
        return None
    indent = ctx.lines[first - 1][: len(ctx.lines[first - 1]) - len(ctx.lines[first - 1].lstrip())]
    newline = ctx.newline
    stripped = [line.rstrip("\r\n") for line in lines]
    inner = [(f"    {line}" if line.strip() else "") for line in stripped]
    new = [
        f"{indent}def _unsharded():",
        *inner,
        "",
        f"{indent}info = {call}",
        f"{indent}for position, item in enumerate(_unsharded()):",
        f"{indent}    if info is None or position % info.num_workers == info.id:",
        f"{indent}        yield item",
    ]
    content = newline.join(new) + newline
    header = "".join(ctx.lines[method.lineno - 1 : start - 1])
    region = textwrap.dedent(header + content)
    return Rewrite((Edit(start, end + 1, content),), (region,))


FIX = RuleFix("KMP602", UNSAFE, "Keep only this worker's items in __iter__ (get_worker_info)", fix)
