"""A pylint reporter writing SARIF 2.1.0, from the same code as ``keras-mp-lint --format sarif``.

    pylint --load-plugins=pylint_keras_mp \
        --output-format=pylint_keras_mp.pylint_reporter.SarifReporter src/

keras-mp messages use their KMP code as ``ruleId`` (so results match the other front ends);
pylint's own messages use their message id and map error/fatal -> error, warning -> warning,
anything else -> note.
"""

from __future__ import annotations

from pylint.reporters.base_reporter import BaseReporter

from .output import Diagnostic, format_sarif, split_link
from .registry import RULES_BY_MSGID


def diagnostic_from_pylint(message) -> Diagnostic:
    """A pylint Message (0-based columns) as a Diagnostic."""
    rule = RULES_BY_MSGID.get(message.msg_id)
    text, url = split_link(message.msg or "")
    return Diagnostic(
        path=message.path,
        line=message.line or 1,
        column=(message.column or 0) + 1,
        code=rule.code if rule else message.msg_id,
        message=text,
        end_line=message.end_line,
        end_column=None if message.end_column is None else message.end_column + 1,
        url=url,
        severity=rule.level if rule else message.category,
        symbol=message.symbol,
    )


class SarifReporter(BaseReporter):
    name = "keras-mp-sarif"
    extension = "sarif"

    def display_messages(self, layout) -> None:
        docs_url = getattr(getattr(self.linter, "config", None), "keras_mp_docs_url", "") or None
        diagnostics = [diagnostic_from_pylint(message) for message in self.messages]
        self.out.write(format_sarif(diagnostics, docs_url=docs_url))

    def display_reports(self, layout) -> None:
        """Reports would break the JSON document."""

    def _display(self, layout) -> None:
        """Nothing besides the SARIF document."""
