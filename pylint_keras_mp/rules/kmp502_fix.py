"""KMP502's fix: pass the ``**kwargs`` that ``__init__`` takes on to ``super().__init__``."""

from __future__ import annotations

from ..fixes import SAFE, RuleFix
from ..fixes.codemods import forwarding_replacements
from ._common import loader_init, super_init_calls


def _loader_at(facts, finding):
    for loader in facts.data_loaders:
        init = loader_init(facts, loader)
        if init is None:
            continue
        if any((c.lineno, c.col_offset) == (finding.line, finding.col) for c in super_init_calls(init)):
            return loader
    return None


def fix(ctx, finding) -> str | None:
    loader = _loader_at(ctx.facts, finding)
    replacements = forwarding_replacements(ctx, loader) if loader is not None else None
    return ctx.rewrite(replacements) if replacements else None


FIX = RuleFix("KMP502", SAFE, "Pass **kwargs on to super().__init__", fix)
