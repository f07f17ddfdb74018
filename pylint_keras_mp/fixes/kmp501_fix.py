"""KMP501's fix: ``super().__init__(**kwargs)`` first in ``__init__``, adding ``**kwargs``."""

from __future__ import annotations

from ..rules._common import loader_init
from . import SAFE, RuleFix
from .codemods import forwarding_replacements


def _loader_at(ctx, finding):
    def index():
        found = {}
        for loader in ctx.facts.hierarchy.data_loaders:
            init = loader_init(ctx.facts, loader)
            if init is not None:
                found.setdefault((init.lineno, init.col_offset), loader)
        return found

    return ctx.memo("loaders by __init__", index).get((finding.line, finding.col))


def fix(ctx, finding):
    loader = _loader_at(ctx, finding)
    replacements = forwarding_replacements(ctx, loader) if loader is not None else None
    return ctx.rewrite(replacements) if replacements else None


FIX = RuleFix("KMP501", SAFE, "Call super().__init__(**kwargs) at the top of __init__", fix)
