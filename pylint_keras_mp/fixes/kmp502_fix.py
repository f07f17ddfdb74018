"""KMP502's fix: pass the ``**kwargs`` that ``__init__`` takes on to ``super().__init__``."""

from __future__ import annotations

from ..rules._common import loader_init, super_init_calls
from . import SAFE, RuleFix
from .codemods import forwarding_replacements


def _loader_at(ctx, finding):
    def index():
        found = {}
        for loader in ctx.facts.hierarchy.data_loaders:
            init = loader_init(ctx.facts, loader)
            for call in super_init_calls(init) if init is not None else []:
                found.setdefault((call.lineno, call.col_offset), loader)
        return found

    return ctx.memo("loaders by super().__init__", index).get((finding.line, finding.col))


def fix(ctx, finding):
    loader = _loader_at(ctx, finding)
    replacements = forwarding_replacements(ctx, loader) if loader is not None else None
    return ctx.rewrite(replacements) if replacements else None


FIX = RuleFix("KMP502", SAFE, "Pass **kwargs on to super().__init__", fix)
