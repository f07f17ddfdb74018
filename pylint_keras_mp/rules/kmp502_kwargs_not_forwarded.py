"""KMP502 pydataset-kwargs-not-forwarded: __init__ takes **kwargs, super().__init__ never sees them."""

from __future__ import annotations

import ast

from ..rule import Rule
from ._common import keras3_decided, loader_init, super_init_calls

RULE = Rule(
    code="KMP502",
    symbol="pydataset-kwargs-not-forwarded",
    severity="W",
    summary="Keras 3 data loader accepts **kwargs but does not forward them to super().__init__",
    template=(
        "{loader}.__init__ accepts **{kwargs} but does not pass it to super().__init__(){decided}: "
        "a caller's workers/use_multiprocessing vanish"
    ),
    fix="call super().__init__(**{kwargs})",
    words=("Sequence", "PyDataset"),
    options=("sequence-bases", "keras-version"),
    autofix="kmp502_fix",
)

# Reading single keys leaves the rest of **kwargs (workers=, use_multiprocessing=) unused.
KEYED_ACCESS = frozenset({"get", "pop", "setdefault", "__contains__", "__getitem__"})


def _forwards(call: ast.Call, kwargs: str) -> bool:
    """Any ``**`` argument (the forwarding may be filtered or renamed), or a use of ``kwargs``."""
    if any(kw.arg is None for kw in call.keywords):
        return True
    return any(
        isinstance(node, ast.Name) and node.id == kwargs
        for part in list(call.args) + [kw.value for kw in call.keywords]
        for node in ast.walk(part)
    )


def _used_whole(init, kwargs: str, super_calls) -> bool:
    """``kwargs`` handed on as a whole elsewhere (another call's ``**kwargs``, stored, iterated):
    they were meant for something else, and the analysis cannot tell what."""
    parents: dict[int, ast.AST] = {}
    for node in ast.walk(init):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    for node in ast.walk(init):
        if not (isinstance(node, ast.Name) and node.id == kwargs and isinstance(node.ctx, ast.Load)):
            continue
        parent = parents.get(id(node))
        if isinstance(parent, ast.Attribute) and parent.attr in KEYED_ACCESS:
            continue
        if isinstance(parent, ast.Subscript) and parent.value is node:
            continue
        if isinstance(parent, ast.Compare) and node in parent.comparators:
            continue
        return True
    return False


def check(facts, report) -> None:
    for loader in facts.hierarchy.data_loaders:
        if not facts.version.is_keras3_loader(loader):
            continue
        init = loader_init(facts, loader)
        if init is None or init.args.kwarg is None:
            continue
        kwargs = init.args.kwarg.arg
        calls = super_init_calls(init)
        if not calls or any(_forwards(call, kwargs) for call in calls):
            continue  # no call at all is KMP501's
        if _used_whole(init, kwargs, calls):
            continue
        for call in calls:
            report("KMP502", call, loader=loader.name, kwargs=kwargs, decided=keras3_decided(facts, loader))
