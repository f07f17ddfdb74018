"""KMP501's fix: ``super().__init__(**kwargs)`` first in ``__init__``, adding ``**kwargs``."""

from __future__ import annotations

from ..fixes import SAFE, RuleFix
from ..fixes.codemods import forwarding_replacements
from ._common import loader_init


def _loader_at(facts, finding):
    for loader in facts.data_loaders:
        init = loader_init(facts, loader)
        if init is not None and (init.lineno, init.col_offset) == (finding.line, finding.col):
            return loader
    return None


def fix(ctx, finding) -> str | None:
    loader = _loader_at(ctx.facts, finding)
    replacements = forwarding_replacements(ctx, loader) if loader is not None else None
    return ctx.rewrite(replacements) if replacements else None


FIX = RuleFix("KMP501", SAFE, "Call super().__init__(**kwargs) at the top of __init__", fix)
