"""KMP305's fix: move the worker arguments from fit/evaluate/predict to the loader's constructor
(see pylint_keras_mp.fixes.worker_arguments for when it applies)."""

from __future__ import annotations

from . import SAFE, RuleFix
from .worker_arguments import launch_at, move_to_constructor


def fix(ctx, finding):
    replacements = move_to_constructor(ctx, launch_at(ctx, finding))
    return ctx.rewrite(replacements) if replacements else None


FIX = RuleFix("KMP305", SAFE, "Move the worker arguments to the data loader's constructor", fix)
