"""keras-mp-lint's closing words: the one-line summary on stderr and ``--statistics``."""

from __future__ import annotations

from collections import Counter
from typing import Sequence

from .output import Diagnostic
from .registry import rule_of


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_line(
    diagnostics: Sequence[Diagnostic],
    files_checked: int,
    *,
    fixable: int | None = None,
    unsafe: int = 0,
    suppressed: int = 0,
    in_baseline: int = 0,
) -> str:
    """``Found 3 findings (2 fixable) in 2 files`` (the files that have findings), or
    ``No findings in 14 files``. ``fixable`` is left out when None (nothing can fix yet); the
    ``unsafe`` ones among them are said to need --unsafe-fixes;
    findings hidden by comments, per-file ignores or the baseline are counted at the end."""
    hidden = []
    if suppressed:
        hidden.append(f"{suppressed} suppressed")
    if in_baseline:
        hidden.append(f"{in_baseline} in the baseline")
    tail = f" ({', '.join(hidden)})" if hidden else ""
    if not diagnostics:
        return f"No findings in {_plural(files_checked, 'file')}{tail}"
    files = len({d.path for d in diagnostics})
    if fixable is None:
        fixed = ""
    elif unsafe and unsafe == fixable:
        fixed = f" ({fixable} fixable with --unsafe-fixes)"
    elif unsafe:
        fixed = f" ({fixable - unsafe} fixable with --fix, {unsafe} more with --unsafe-fixes)"
    else:
        fixed = f" ({fixable} fixable)"
    return f"Found {_plural(len(diagnostics), 'finding')}{fixed} in {_plural(files, 'file')}{tail}"


def statistics(diagnostics: Sequence[Diagnostic]) -> str:
    """One line per code, most frequent first, like ``flake8 --statistics``:
    ``3     KMP201 sequence-lambda-attribute``."""
    counts = Counter(d.code for d in diagnostics)
    lines = []
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        rule = rule_of(code)
        symbol = rule.symbol if rule else ""
        lines.append(f"{count:<5} {code} {symbol}".rstrip())
    return "".join(line + "\n" for line in lines)
