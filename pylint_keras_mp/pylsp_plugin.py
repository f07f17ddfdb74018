"""A python-lsp-server plugin: keras-mp findings as diagnostics with their whole range.

pylsp's pylint and flake8 plugins drop the end position the linters report (they underline the
identifier at the start, or up to the end of the line), so this plugin lints the editor's buffer
itself, through the lint service as the command line does: keras-mp-lint's configuration,
selection, per-file ignores and suppression comments. Disabled by default; enable it with
``pylsp.plugins.keras_mp.enabled = true`` and optionally pass keras-mp-lint options in
``pylsp.plugins.keras_mp.args``.
"""

from __future__ import annotations

import logging

from pylsp import hookimpl, lsp

from .isolation import preload, trusted_imports

# pylsp may run with the workspace on the import path (``python -m pylsp`` from it): the
# standard modules the linter imports on first use are imported now, from the trusted path, and
# every lint imports from there only (isolation.py), so a workspace file named like one of them
# is never run.
preload()

with trusted_imports():
    from .arguments import build_parser
    from .project_config import ConfigError
    from .service import lint_source
    from .settings import STDIN, Settings, UsageError, load_project_config
    from .text import utf16_column

log = logging.getLogger(__name__)
PLUGIN = "keras_mp"
_SEVERITY = {"error": lsp.DiagnosticSeverity.Error, "fatal": lsp.DiagnosticSeverity.Error}


@hookimpl
def pylsp_settings():
    return {"plugins": {PLUGIN: {"enabled": False, "args": []}}}


def _character(lines: list[str], line: int, column: int) -> int:
    """A 0-based UTF-8 byte column (Python's ast) as LSP's 0-based UTF-16 character."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return utf16_column(text, column + 1) - 1


_PARSER: list = []  # the command line's parser, built once


def _parse(argv: list[str]):
    if not _PARSER:
        _PARSER.append(build_parser())
    return _PARSER[0].parse_args(argv)


@hookimpl
def pylsp_lint(config, workspace, document, is_saved):
    with trusted_imports():
        return _diagnostics(config, document)


def _settings(config, document) -> Settings:
    """The command line's settings: the nearest configuration under the plugin's ``args``."""
    settings = config.plugin_settings(PLUGIN, document_path=document.path)
    argv = [*map(str, settings.get("args") or []), "--stdin-filename", document.path, STDIN]
    try:
        args = _parse(argv)
        return Settings(args, load_project_config(args))
    except (UsageError, ConfigError, SystemExit, ValueError, TypeError, AttributeError) as exc:
        # a configuration that cannot be used: said in pylsp's log, and the defaults apply
        log.warning("keras-mp: configuration error, the defaults are used: %s", exc)
        args = _parse(["--isolated", "--stdin-filename", document.path, STDIN])
        return Settings(args, load_project_config(args))


def _diagnostics(config, document) -> list[dict]:
    source = document.source
    # the command line's way: selection, per-file ignores, suppression comments; no fixes
    kept = lint_source(document.path, source, _settings(config, document)).findings
    lines = source.splitlines()
    diagnostics = []
    for finding in kept:
        end_line = finding.end_line or finding.line
        end_col = finding.end_col
        if end_col is None:  # KMP900: to the end of its line
            end_col = len(lines[end_line - 1].encode("utf-8")) if 0 < end_line <= len(lines) else 0
        diagnostics.append(
            {
                "source": "keras-mp",
                "code": finding.code,
                "codeDescription": {"href": finding.url},
                "message": f"{finding.message} [{finding.rule.symbol}]",
                "severity": _SEVERITY.get(finding.rule.level, lsp.DiagnosticSeverity.Warning),
                "range": {
                    "start": {
                        "line": finding.line - 1,
                        "character": _character(lines, finding.line, finding.col),
                    },
                    "end": {"line": end_line - 1, "character": _character(lines, end_line, end_col)},
                },
            }
        )
    return diagnostics
