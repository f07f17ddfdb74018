"""Fixing files and notebooks: lint, apply the fixes of one pass, lint again, until nothing
fixable is left (``pylint_keras_mp.fixes.fix_passes``). The command line's ``--fix`` and the
language server's fix-all use it; the fix machinery itself (``pylint_keras_mp.fixes``) runs no
linter."""

from __future__ import annotations

from typing import Callable

from ..config import Options
from ..engine import analyze
from ..fixes import Fix, FixResult, apply_edits, compiles, fix_passes
from .notebooks import fix_notebook

__all__ = ["FixResult", "fix_notebook", "fix_source"]


def fix_source(
    source: str,
    filename: str,
    options: Options,
    unsafe: bool = False,
    keep: Callable[[list, str], list] | None = None,
) -> FixResult:
    """Apply the fixes of the findings ``options`` selects (and ``keep(findings, source)`` keeps:
    the command line leaves suppressed findings alone) until none is left to apply."""
    def rewrite(text: str, chosen: list[Fix], findings: list) -> str | None:
        new = apply_edits(text, [edit for fix in chosen for edit in fix.edits])
        return new if compiles(new) else None

    return fix_passes(source, lambda text: analyze(text, filename, options), rewrite, unsafe, keep)
