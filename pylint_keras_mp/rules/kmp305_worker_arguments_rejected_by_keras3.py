"""KMP305 worker-arguments-rejected-by-keras3: Keras 3 fit/evaluate/predict take no worker arguments."""

from __future__ import annotations

from ..facts import UNKNOWN, Many
from ..rule import Rule
from ._common import arguments_text, keras3_decided, launch_label

RULE = Rule(
    code="KMP305",
    symbol="worker-arguments-rejected-by-keras3",
    severity="E",
    summary="workers/use_multiprocessing/max_queue_size passed to fit/evaluate/predict under Keras 3",
    template="{launch} passes {args}, which Keras 3 rejects ({error}){decided}",
    fix=(
        "drop them, or pass them to the data loader's constructor, which forwards them with "
        "super().__init__(**kwargs)"
    ),
    words=("workers", "use_multiprocessing", "max_queue_size"),
    options=("keras-version",),
    autofix="kmp305_fix",
)

# The *_generator methods do not exist in Keras 3: KMP306 reports those calls.
KERAS3_LAUNCHES = ("fit", "evaluate", "predict")


def _shown_value(facts, node, fn) -> str:
    value = facts.resolver.resolve(node, fn)
    if value is UNKNOWN or isinstance(value, Many) or not isinstance(value, (bool, int, float, str)):
        return "..."
    return repr(value)


def runtime_error(facts, launch, keywords) -> str:
    """The exception Keras 3 raises for this call, as it prints it."""
    if launch.method == "evaluate":
        shown = ", ".join(
            f"{kw.arg!r}: {_shown_value(facts, kw.value, kw.scope)}" for kw in keywords
        )
        return f"ValueError: Arguments not recognized: {{{shown}}}"
    return (
        f"TypeError: ...{launch.method}() got an unexpected keyword argument '{keywords[0].arg}'"
    )


def check(facts, report) -> None:
    if facts.version.keras_version != 3:
        return
    for launch in facts.launches.launch_calls:
        if launch.method not in KERAS3_LAUNCHES or launch.method in facts.launches.user_defined_launch_methods:
            continue
        keywords = facts.launches.launch_worker_arguments(launch)
        if not keywords:
            continue
        report(
            "KMP305",
            launch.call,
            launch=launch_label(launch),
            args=arguments_text(keywords),
            error=runtime_error(facts, launch, keywords),
            decided=keras3_decided(facts),
        )
