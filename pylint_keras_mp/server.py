"""keras-mp-lint server: a language server (LSP over stdio, pygls) for any editor.

Diagnostics are published when a document is opened and on every change, from the editor's
buffer (no save needed). Code actions: each finding's quick fix, "fix all safe fixes in this
file" (also the ``source.fixAll`` kind and the ``keras-mp-lint.applyFixAll`` command), and
"add a ``# noqa: KMPxxx`` comment".

Settings come from the project's ``pyproject.toml``/``setup.cfg`` (as for the command line),
then from the editor (``initializationOptions`` and ``workspace/configuration`` section
``keras-mp-lint``), with the names of the command-line options: ``select``, ``ignore``,
``sequence-bases``, ``keras-version``, ``assume-multiprocessing``... The editor's win.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Sequence
from urllib.parse import unquote, urlparse

try:
    from lsprotocol import types
    from pygls.lsp.server import LanguageServer
except ImportError:  # pragma: no cover - main() says what to install
    types = None
    LanguageServer = object

from . import __version__

NAME = "keras-mp-lint"
SECTION = "keras-mp-lint"
FIX_ALL_COMMAND = "keras-mp-lint.applyFixAll"
FIX_ALL_KIND = "source.fixAll.keras-mp-lint"
# Option names the editor may set besides the analysis options (config.OPTION_SPECS).
EDITOR_KEYS = ("select", "ignore")


# --- settings -------------------------------------------------------------------------------------


def _editor_settings(raw: object) -> dict:
    """``{"keras-mp-lint": {...}}``, ``{"settings": {...}}`` or the options themselves."""
    if not isinstance(raw, dict):
        return {}
    for key in (SECTION, "settings"):
        if isinstance(raw.get(key), dict):
            return raw[key]
    return raw


def _as_flags(settings: dict) -> list[str]:
    from .config import OPTION_SPECS

    known = {spec.name for spec in OPTION_SPECS} | set(EDITOR_KEYS)
    flags = []
    for key, value in settings.items():
        name = key.replace("_", "-")
        if name not in known or value is None:
            continue
        if isinstance(value, bool):
            value = "yes" if value else "no"
        elif isinstance(value, (list, tuple)):
            value = ",".join(str(item) for item in value)
        flags.append(f"--{name}={value}")
    return flags


def options_for(path: str | None, editor: dict):
    """The Options for a document: its project's configuration, then the editor's settings,
    layered exactly as the command line layers its flags over the configuration files."""
    from .cli import Settings, UsageError, build_parser
    from .project_config import ConfigError, ProjectConfig, discover

    args = build_parser().parse_args(_as_flags(editor))
    try:
        config = discover(Path(path).parent) if path else ProjectConfig(None, {})
    except ConfigError:
        config = ProjectConfig(None, {})
    try:
        return Settings(args, config).options
    except UsageError:
        return Settings(build_parser().parse_args([]), ProjectConfig(None, {})).options


# --- positions --------------------------------------------------------------------------------------


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _position(lines: Sequence[str], line: int, byte_col: int):
    """ast's (1-based line, UTF-8 byte column) -> an LSP position (UTF-16 code units)."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    prefix = text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore")
    return types.Position(line=max(line - 1, 0), character=_utf16(prefix))


def _line_position(lines: Sequence[str], line: int):
    """The start of the 1-based ``line``; past the last line, the end of the document."""
    if line - 1 < len(lines):
        return types.Position(line=line - 1, character=0)
    last = lines[-1] if lines else ""
    if last.endswith(("\n", "\r")):
        return types.Position(line=len(lines), character=0)
    return types.Position(line=max(len(lines) - 1, 0), character=_utf16(last))


def _text_edits(lines: Sequence[str], fix) -> list:
    return [
        types.TextEdit(
            range=types.Range(
                start=_line_position(lines, edit.start_line), end=_line_position(lines, edit.end_line)
            ),
            new_text=edit.content,
        )
        for edit in fix.edits
    ]


# --- the server -------------------------------------------------------------------------------------


def _path_of(uri: str) -> str | None:
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    path = unquote(parsed.path)
    if os.name == "nt" and path.startswith("/"):
        path = path[1:]
    return path


class KerasMPServer(LanguageServer):
    def __init__(self):
        super().__init__(NAME, __version__)
        self.editor_settings: dict = {}
        self.findings: dict[str, tuple[str, list]] = {}  # uri -> (source, findings)

    def options(self, uri: str):
        return options_for(_path_of(uri), self.editor_settings)

    def analyse(self, uri: str) -> tuple[str, list]:
        from .engine import analyze

        document = self.workspace.get_text_document(uri)
        source = document.source
        cached = self.findings.get(uri)
        if cached is not None and cached[0] == source:
            return cached
        findings = analyze(source, _path_of(uri) or uri, self.options(uri))
        self.findings[uri] = (source, findings)
        return source, findings

    def publish(self, uri: str) -> None:
        source, findings = self.analyse(uri)
        lines = source.splitlines(keepends=True)
        document = self.workspace.get_text_document(uri)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=uri,
                version=document.version,
                diagnostics=[self.diagnostic(lines, f) for f in findings],
            )
        )

    @staticmethod
    def diagnostic(lines, finding):
        end_line = finding.end_line or finding.line
        end_col = finding.end_col if finding.end_col is not None else finding.col
        severity = (
            types.DiagnosticSeverity.Warning
            if finding.rule.level == "warning"
            else types.DiagnosticSeverity.Error
        )
        return types.Diagnostic(
            range=types.Range(
                start=_position(lines, finding.line, finding.col),
                end=_position(lines, end_line, end_col),
            ),
            message=finding.message,
            severity=severity,
            code=finding.code,
            code_description=types.CodeDescription(href=finding.url) if finding.url else None,
            source=NAME,
            data={"fixable": finding.fix.applicability if finding.fix else None},
        )

    def fix_all(self, uri: str):
        """A workspace edit applying every safe fix of the document, or None."""
        from .fixing import fix_source

        source, _ = self.analyse(uri)
        result = fix_source(source, _path_of(uri) or uri, self.options(uri), unsafe=False)
        if result.source == source:
            return None
        lines = source.splitlines(keepends=True)
        whole = types.Range(
            start=types.Position(line=0, character=0), end=_line_position(lines, len(lines) + 1)
        )
        return types.WorkspaceEdit(changes={uri: [types.TextEdit(range=whole, new_text=result.source)]})


def _overlaps(a, b) -> bool:
    key = lambda p: (p.line, p.character)  # noqa: E731
    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def _noqa_edit(lines: Sequence[str], finding):
    """Append ``# noqa: CODE`` to the reported line (or add the code to its noqa list)."""
    import re

    index = finding.line - 1
    text = lines[index] if index < len(lines) else ""
    body = text.rstrip("\r\n")
    existing = re.search(r"#\s*noqa:\s*([A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)", body)
    if existing:
        start, end = existing.span(1)
        new_body = f"{body[:end]}, {finding.code}{body[end:]}"
    else:
        new_body = f"{body}  # noqa: {finding.code}"
    return types.TextEdit(
        range=types.Range(
            start=types.Position(line=index, character=0),
            end=types.Position(line=index, character=_utf16(body)),
        ),
        new_text=new_body,
    )


def build_server() -> KerasMPServer:
    server = KerasMPServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: KerasMPServer, params: types.InitializeParams):
        ls.editor_settings = _editor_settings(params.initialization_options)

    @server.feature(types.INITIALIZED)
    def initialized(ls: KerasMPServer, params):
        capabilities = ls.client_capabilities.workspace
        if capabilities is not None and capabilities.configuration:
            def received(result):
                if result and isinstance(result[0], dict):
                    ls.editor_settings = {**ls.editor_settings, **_editor_settings(result[0])}
                    ls.findings.clear()
                    for uri in list(ls.workspace.text_documents):
                        ls.publish(uri)

            ls.workspace_configuration(
                types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)]),
                callback=received,
            )

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def changed_configuration(ls: KerasMPServer, params: types.DidChangeConfigurationParams):
        settings = _editor_settings(params.settings)
        if settings:
            ls.editor_settings = settings
            ls.findings.clear()
            for uri in list(ls.workspace.text_documents):
                ls.publish(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: KerasMPServer, params: types.DidOpenTextDocumentParams):
        ls.publish(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: KerasMPServer, params: types.DidChangeTextDocumentParams):
        ls.publish(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: KerasMPServer, params: types.DidCloseTextDocumentParams):
        uri = params.text_document.uri
        ls.findings.pop(uri, None)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND],
            resolve_provider=False,
        ),
    )
    def code_action(ls: KerasMPServer, params: types.CodeActionParams):
        uri = params.text_document.uri
        source, findings = ls.analyse(uri)
        lines = source.splitlines(keepends=True)
        only = params.context.only or []
        wants = lambda kind: not only or any(kind.startswith(str(o)) for o in only)  # noqa: E731
        actions = []
        if wants(types.CodeActionKind.QuickFix):
            for finding in findings:
                diagnostic = ls.diagnostic(lines, finding)
                if not _overlaps(diagnostic.range, params.range):
                    continue
                if finding.fix is not None:
                    unsafe = " (unsafe)" if finding.fix.applicability != "safe" else ""
                    actions.append(
                        types.CodeAction(
                            title=f"{finding.fix.message} ({finding.code}){unsafe}",
                            kind=types.CodeActionKind.QuickFix,
                            diagnostics=[diagnostic],
                            is_preferred=not unsafe,
                            edit=types.WorkspaceEdit(changes={uri: _text_edits(lines, finding.fix)}),
                        )
                    )
                actions.append(
                    types.CodeAction(
                        title=f"Add `# noqa: {finding.code}` to this line",
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[diagnostic],
                        edit=types.WorkspaceEdit(changes={uri: [_noqa_edit(lines, finding)]}),
                    )
                )
        if any(f.fix is not None and f.fix.applicability == "safe" for f in findings) and (
            wants(FIX_ALL_KIND) or wants(types.CodeActionKind.QuickFix)
        ):
            actions.append(
                types.CodeAction(
                    title="Fix all safe keras-mp-lint fixes in this file",
                    kind=FIX_ALL_KIND,
                    command=types.Command(
                        title="Fix all safe keras-mp-lint fixes", command=FIX_ALL_COMMAND, arguments=[uri]
                    ),
                )
            )
        return actions

    @server.command(FIX_ALL_COMMAND)
    async def apply_fix_all(ls: KerasMPServer, *arguments):
        uri = arguments[0]
        if isinstance(uri, list):  # some clients pass the argument list as one value
            uri = uri[0]
        edit = ls.fix_all(uri)
        if edit is None:
            return {"applied": False}
        result = await ls.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(edit=edit, label="keras-mp-lint: fix all")
        )
        return {"applied": bool(result and result.applied)}

    return server


def main(argv: Sequence[str] = ()) -> int:
    if types is None:
        print(
            f"{NAME} server needs pygls: pip install 'pylint-keras-mp[lsp]'",
            file=sys.stderr,
        )
        return 2
    if list(argv) not in ([], ["--stdio"]):
        print(f"usage: {NAME} server [--stdio]   (LSP over stdin/stdout)", file=sys.stderr)
        return 2
    build_server().start_io()
    return 0
