"""Moving worker arguments from a launch to the data loader's constructor (KMP305, KMP306).

Only when the constructor call is certain: the launch's ``x`` argument itself, or a name bound
once in the same scope to it and used only by launches passing the same worker arguments; and
only when the loader hands them to Keras (its ``__init__`` forwards ``**kwargs``, or gets the
KMP501/KMP502 fix in the same edit).
"""

from __future__ import annotations

import ast

import libcst as cst

from ..facts import WORKER_ARGUMENTS, keyword, walk_scope
from ..rules.kmp303_ignored_worker_arguments import forwards_to_base_init
from .codemods import appended, forwarding_replacements, keyword_name, without_arguments


def launch_at(ctx, finding):
    """The launch a finding is reported on."""
    by_start = ctx.memo(
        "launches",
        lambda: {(l.call.lineno, l.call.col_offset): l for l in reversed(ctx.facts.launches.launch_calls)},
    )
    return by_start.get((finding.line, finding.col))


def _scope_nodes(facts, fn):
    return list(walk_scope(fn)) if fn is not None else list(walk_scope(facts.tree))


def _bindings(nodes, name: str) -> list[ast.AST]:
    found = []
    for node in nodes:
        if isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load):
            found.append(node)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            found.append(node)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            if any((a.asname or a.name.split(".")[0]) == name for a in node.names):
                found.append(node)
        elif isinstance(node, ast.arg) and node.arg == name:
            found.append(node)
        elif isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
            found.append(node)
    return found


def _worker_texts(facts, call) -> tuple[str, ...]:
    return tuple(sorted(ast.unparse(kw) for kw in facts.launches.worker_arguments(call)))


def _same_launches_only(facts, launch, name: str, nodes, on_constructor: bool) -> bool:
    """Every read of the loader's name is the x of a launch passing the same worker arguments
    (or none, when the constructor has them already): moving them changes nothing else."""
    wanted = _worker_texts(facts, launch.call)
    launches = {id(l.data): l for l in facts.launches.launch_calls if l.function is launch.function}
    for node in nodes:
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load):
            other = launches.get(id(node))
            if other is None:
                return False
            texts = _worker_texts(facts, other.call)
            if texts != wanted and not (on_constructor and not texts):
                return False
    return True


def _values_ready(keywords, construction: ast.Call, nodes) -> bool:
    """The moved values read only names bound before the constructor call (or not in this scope)."""
    for kw in keywords:
        for name in {n.id for n in ast.walk(kw.value) if isinstance(n, ast.Name)}:
            for binding in _bindings(nodes, name):
                if getattr(binding, "lineno", 0) >= construction.lineno:
                    return False
    return True


def move_to_constructor(ctx, launch) -> dict | None:
    """LibCST replacements moving the launch's worker arguments to the loader's constructor
    (and making the loader forward them), or None when that is not certainly right."""
    facts = ctx.facts
    if launch is None or launch.loader is None or launch.loader_call is None:
        return None
    call, construction, loader = launch.call, launch.loader_call, launch.loader
    if any(kw.arg is None for kw in call.keywords + construction.keywords):
        return None
    keywords = [kw for kw in call.keywords if kw.arg in WORKER_ARGUMENTS]
    if not keywords or not facts.version.is_keras3_loader(loader):
        return None
    nodes = _scope_nodes(facts, launch.function)
    if isinstance(launch.data, ast.Name):
        name = launch.data.id
        bindings = _bindings(nodes, name)
        if len(bindings) != 1 or not any(
            isinstance(n, ast.Assign) and n.value is construction and n.targets == [bindings[0]]
            for n in nodes
        ):
            return None
    elif launch.data is not construction:
        return None
    # Already on the constructor (an earlier launch's fix): only the same value may be dropped.
    to_add = []
    for kw in keywords:
        given = keyword(construction, kw.arg)
        if given is None:
            to_add.append(kw.arg)
        elif ast.dump(given) != ast.dump(kw.value):
            return None
    if isinstance(launch.data, ast.Name):
        if not _same_launches_only(facts, launch, launch.data.id, nodes, not to_add):
            return None
        if not _values_ready(keywords, construction, nodes):
            return None
    replacements = {}
    if not all(forwards_to_base_init(loader, kw.arg) for kw in keywords):
        replacements = forwarding_replacements(ctx, loader)
        if not replacements:
            return None
    old_call = ctx.node_at(
        call, cst.Call, lambda n: isinstance(n.func, cst.Attribute) and n.func.attr.value == launch.method
    )
    old_construction = ctx.node_at(
        construction, cst.Call, lambda n: isinstance(n.func, cst.Name) and n.func.value == loader.name
    )
    if old_call is None or old_construction is None:
        return None
    moved = [arg for arg in old_call.args if keyword_name(arg) in to_add]
    new_construction = appended(old_construction, moved)
    new_call = without_arguments(old_call, lambda arg: keyword_name(arg) in WORKER_ARGUMENTS)
    if launch.data is construction:  # the constructor call sits inside the launch
        new_call = new_call.deep_replace(
            next(a for a in new_call.args if a.value is old_construction).value, new_construction
        )
        replacements[old_call] = new_call
    else:
        replacements[old_call] = new_call
        replacements[old_construction] = new_construction
    return replacements
