"""KMP306 generator-method-removed-in-keras3: fit_generator & co. do not exist in Keras 3."""

from __future__ import annotations

from ..rule import Rule
from ._common import arguments_text, keras3_decided, launch_label

RULE = Rule(
    code="KMP306",
    symbol="generator-method-removed-in-keras3",
    severity="E",
    summary="fit_generator/evaluate_generator/predict_generator called under Keras 3, which removed them",
    template=(
        "{launch} does not exist in Keras 3 (AttributeError: ... object has no attribute "
        "'{method}'){decided}"
    ),
    fix="call {replacement}(...), which takes the same data loader or generator{move}",
    words=("fit_generator", "evaluate_generator", "predict_generator"),
    options=("keras-version",),
    autofix="kmp306_fix",
)

# The Keras 3 method that takes over each removed one (same data loader or generator as x).
REPLACEMENTS = {
    "fit_generator": "fit",
    "evaluate_generator": "evaluate",
    "predict_generator": "predict",
}


def _defined_in_module(facts, method: str) -> bool:
    """A function or method of that name in the module: the call may be the module's own (a
    trainer class, or a Keras model subclass that keeps the old name)."""
    return any(fn.name == method for fn in facts.walk.all_functions)


def _move_clause(facts, launch) -> str:
    """What else the fix needs, so that it does not run into KMP305 or a TypeError."""
    clauses = []
    if launch.argument("generator") is not None:
        clauses.append("pass it as x= instead of generator=")
    worker_args = facts.launches.launch_worker_arguments(launch)
    if worker_args:
        shown = arguments_text(worker_args)
        clauses.append(
            f"give {shown} to the data loader's constructor (Keras 3 rejects them on "
            f"{REPLACEMENTS[launch.method]})"
        )
    return "; " + " and ".join(clauses) if clauses else ""


def check(facts, report) -> None:
    if facts.version.keras_version != 3:
        return
    for launch in facts.launches.launch_calls:
        replacement = REPLACEMENTS.get(launch.method)
        if replacement is None or _defined_in_module(facts, launch.method):
            continue
        report(
            "KMP306",
            launch.call,
            launch=launch_label(launch),
            method=launch.method,
            replacement=replacement,
            move=_move_clause(facts, launch),
            decided=keras3_decided(facts),
        )
