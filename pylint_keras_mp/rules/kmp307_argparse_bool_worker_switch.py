"""KMP307 argparse-bool-worker-switch: a ``type=bool`` command-line option turns worker processes
on for every value given, ``False`` included."""

from __future__ import annotations

import ast

from ..facts import keyword, source_text
from ..facts.switches import ARGPARSE
from ..rule import Rule
from ._common import launch_label

RULE = Rule(
    code="KMP307",
    symbol="argparse-bool-worker-switch",
    severity="W",
    summary="A type=bool command-line option turns worker processes on for any value, False included",
    template=(
        "option {option} is declared type=bool and reaches the worker processes of {setting} "
        "({read}, line {line}): bool() is True for every non-empty string, so '{option} False' "
        "starts them too"
    ),
    fix=(
        'declare it with action="store_true", or argparse.BooleanOptionalAction when it '
        "defaults to True"
    ),
    words=("use_multiprocessing",),
    options=("keras-version",),
    autofix="kmp307_fix",
)


def option_dest(call: ast.Call) -> str | None:
    """The attribute an ``add_argument(...)`` call sets on the namespace: ``dest=``, else the
    first long option (``--use-multiprocessing`` -> ``use_multiprocessing``), else the first
    short one, else the positional name."""
    dest = keyword(call, "dest")
    if dest is not None:
        return dest.value if isinstance(dest, ast.Constant) and isinstance(dest.value, str) else None
    names = []
    for arg in call.args:
        if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
            return None
        names.append(arg.value)
    if not names:
        return None
    long_names = [name for name in names if name.startswith("--")]
    chosen = long_names[0] if long_names else names[0]
    return chosen.lstrip("-").replace("-", "_") or None


def option_text(call: ast.Call) -> str:
    """How a message names the option: its first long name as written (``--multiprocessing``)."""
    names = [arg.value for arg in call.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
    long_names = [name for name in names if name.startswith("--")]
    return (long_names or names or ["?"])[0]


def bool_options(facts) -> dict[str, list[ast.Call]]:
    """dest -> the ``add_argument(...)`` calls of the module that declare it, when every one of
    them says ``type=bool``; options declared otherwise anywhere in the module are left out."""
    declared: dict[str, list[ast.Call]] = {}
    other: set[str] = set()
    for call, fn in facts.walk.calls_by_function:
        func = call.func
        if not (isinstance(func, ast.Attribute) and func.attr == "add_argument"):
            continue
        dest = option_dest(call)
        if dest is None:
            continue
        kind = keyword(call, "type")
        if kind is not None and facts.resolver.qualname(kind, fn) == "builtins.bool":
            declared.setdefault(dest, []).append(call)
        else:
            other.add(dest)
    return {dest: calls for dest, calls in declared.items() if dest not in other}


def argparse_switches(facts):
    """(option attribute, how a message names the setting it reaches) for every worker setting
    of the module that a command-line option leaves open."""
    for launch in facts.launches.launch_calls:
        settings = facts.launches.launch_settings(launch)
        if settings.kind == "open":
            yield settings.switch, launch_label(launch)
    for call, fn, loader in facts.launches.loader_constructions:
        settings = facts.launches.construction_settings(loader, call, fn)
        if settings.kind == "open":
            yield settings.switch, f"{loader.name}(...)"


def check(facts, report) -> None:
    if "add_argument" not in facts.source or "bool" not in facts.source:
        return
    reached: dict[str, tuple[str, ast.AST]] = {}
    for switch, setting in argparse_switches(facts):
        if switch.kind == ARGPARSE and switch.option:
            reached.setdefault(switch.option, (setting, switch.node))
    if not reached:
        return
    for dest, calls in bool_options(facts).items():
        if dest not in reached:
            continue
        setting, node = reached[dest]
        for call in calls:
            report(
                "KMP307",
                call,
                option=option_text(call),
                setting=setting,
                line=node.lineno,
                read=source_text(node),
            )
