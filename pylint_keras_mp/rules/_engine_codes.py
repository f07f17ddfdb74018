"""The codes the engine itself reports, not a rule's check: a failure of the linter (KMP900) and
a file Python cannot parse or decode (KMP901)."""

from __future__ import annotations

from ..rule import Rule

INTERNAL_ERROR = Rule(
    code="KMP900",
    symbol="internal-error",
    severity="F",
    summary="The linter could not analyse this file (reported once; the run goes on)",
    template="keras-mp could not analyse this file: {reason}",
    fix="please report it with the file that triggers it",
)

UNPARSABLE_SOURCE = Rule(
    code="KMP901",
    symbol="unparsable-source",
    severity="E",
    summary="Python cannot parse or decode this file, so it was not checked (keras-mp-lint only)",
    template="Python cannot parse {what} ({error}), so keras-mp did not check it",
    fix="fix the error and lint again",
)

ENGINE_RULES = (INTERNAL_ERROR, UNPARSABLE_SOURCE)
