"""``flake8 --format=keras-mp-sarif``: flake8's findings as one SARIF 2.1.0 document.

Built by the same code as ``keras-mp-lint --format sarif``. KMP findings carry their rule (id,
index, level, help); other plugins' codes (E501, F401...) are included as results with their code
as ``ruleId`` and level ``warning``.
"""

from __future__ import annotations

import os

from flake8.formatting.base import BaseFormatter

from .output import Diagnostic, format_sarif, split_link
from .registry import RULES_BY_CODE


def diagnostic_from_flake8(error) -> Diagnostic:
    """A flake8 Violation (1-based column, no end position) as a Diagnostic."""
    message, url = split_link(error.text)
    rule = RULES_BY_CODE.get(error.code)
    return Diagnostic(
        path=error.filename,
        line=error.line_number,
        column=max(error.column_number, 1),
        code=error.code,
        message=message,
        url=url,
        severity=rule.level if rule else "warning",
        symbol=rule.symbol if rule else "",
    )


class SarifFormatter(BaseFormatter):
    """Collects every violation and writes the SARIF log when flake8 stops."""

    def after_init(self) -> None:
        self._diagnostics: list[Diagnostic] = []

    def start(self) -> None:
        # BaseFormatter appends to --output-file; a second run would leave two JSON documents.
        if self.filename:
            os.makedirs(os.path.dirname(os.path.abspath(self.filename)), exist_ok=True)
            self.output_fd = open(self.filename, "w", encoding="utf-8")

    def handle(self, error) -> None:
        self._diagnostics.append(diagnostic_from_flake8(error))

    def format(self, error) -> str | None:
        return None

    def show_statistics(self, statistics) -> None:
        """Statistics would break the JSON document."""

    def show_benchmarks(self, benchmarks) -> None:
        """Benchmarks would break the JSON document."""

    def stop(self) -> None:
        docs_url = getattr(self.options, "keras_mp_docs_url", "") or None
        self._write(format_sarif(self._diagnostics, docs_url=docs_url).rstrip("\n"))
        super().stop()
