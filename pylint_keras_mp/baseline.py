"""A baseline: today's findings recorded by fingerprint, so that only new ones are reported.

``keras-mp-lint --write-baseline FILE`` writes every finding of the run; ``--baseline FILE``
hides the findings whose fingerprint is in the file. The fingerprint is SARIF's
``primaryLocationLineHash`` (output.fingerprinted): the file's path relative to the baseline's
folder, the code and the text of the reported line, plus an occurrence index for identical lines,
and no line number. A finding therefore keeps its identity when lines are added or removed above
it, and comes back when its line changes or when a second identical one appears.
"""

from __future__ import annotations

import json
import os
from typing import Sequence

from .version import __version__
from .output import Diagnostic, fingerprinted

FORMAT_VERSION = 1


class BaselineError(Exception):
    """A baseline file that cannot be read or written."""


def _root(path: str) -> str:
    return os.path.dirname(os.path.abspath(path))


def write_baseline(path: str, diagnostics: Sequence[Diagnostic]) -> int:
    """Record ``diagnostics`` in ``path``; the number recorded."""
    records = [
        {
            "fingerprint": fingerprint,
            "path": location["uri"],
            "code": d.code,
            "message": d.message,
        }
        for d, location, _text, fingerprint in fingerprinted(diagnostics, _root(path))
    ]
    document = {
        "tool": "pylint-keras-mp",
        "tool_version": __version__,
        "format_version": FORMAT_VERSION,
        "findings": records,
    }
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(json.dumps(document, indent=2) + "\n")
    except OSError as exc:
        raise BaselineError(f"cannot write the baseline {path}: {exc.strerror or exc}") from None
    return len(records)


def read_baseline(path: str) -> frozenset[str]:
    """The fingerprints recorded in ``path``."""
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except OSError as exc:
        raise BaselineError(f"cannot read the baseline {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise BaselineError(f"{path}: not a keras-mp-lint baseline ({exc})") from None
    findings = document.get("findings") if isinstance(document, dict) else None
    if not isinstance(findings, list) or not all(
        isinstance(item, dict) and isinstance(item.get("fingerprint"), str) for item in findings
    ):
        raise BaselineError(
            f"{path}: not a keras-mp-lint baseline (expected a 'findings' list of records with "
            "a 'fingerprint'; write one with --write-baseline)"
        )
    return frozenset(item["fingerprint"] for item in findings)


def new_findings(
    path: str, diagnostics: Sequence[Diagnostic]
) -> tuple[list[Diagnostic], int]:
    """The diagnostics that are not in the baseline at ``path``, and how many were."""
    known = read_baseline(path)
    kept = [
        d for d, _location, _text, fingerprint in fingerprinted(diagnostics, _root(path))
        if fingerprint not in known
    ]
    return kept, len(diagnostics) - len(kept)
