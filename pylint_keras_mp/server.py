"""keras-mp-lint server: a language server (LSP over stdio, pygls) for any editor.

It is the command line's linter, in the editor: the same configuration (the nearest
``[tool.keras-mp-lint]`` of ``pyproject.toml`` or ``[keras-mp-lint]`` of ``setup.cfg``, read
once per folder and again when the editor reports that the file changed), the same selection,
per-file ignores and suppression comments (``# noqa``, ``# pylint: disable``), the same fixes.

- Diagnostics are published when a document is opened and after changes (coalesced: a burst of
  keystrokes is one analysis), from the editor's buffer (no save needed). A change in one file
  refreshes the open files whose findings it changes (the project layer reads the open buffers
  instead of the disk). Notebook documents (LSP 3.17) get diagnostics per cell.
- Code actions: each finding's quick fix, "add ``# noqa: KMPxxx``", and fix all
  (``source.fixAll``; the commands ``keras-mp-lint.applyFixAll`` for a document and
  ``keras-mp-lint.applyFixAllWorkspace`` for every file of the workspace, as ``--fix`` does).
- Hover on a finding and on a code of a ``# noqa`` comment: the rule's summary and fix.

Editor settings (``initializationOptions``, ``workspace/configuration`` per workspace folder and
``workspace/didChangeConfiguration``, section ``keras-mp-lint``) use the names of the
configuration file and layer over it as command-line options do. A setting or a configuration
file that cannot be used is a warning (``window/showMessage``) and its defaults, never a dead
server.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence
from urllib.parse import unquote, urlparse

from .isolation import TRUSTED_PATH, preload, trusted_imports
from .text import utf16_column
from .version import __version__

NAME = "keras-mp-lint"
SECTION = "keras-mp-lint"
FIX_ALL_COMMAND = "keras-mp-lint.applyFixAll"
FIX_ALL_WORKSPACE_COMMAND = "keras-mp-lint.applyFixAllWorkspace"
FIX_ALL_KIND = "source.fixAll.keras-mp-lint"
# Seconds a change waits for the next one before the analysis starts (keystrokes coalesce).
DEBOUNCE_SECONDS = 0.05
# The files whose change changes the configuration.
CONFIG_FILES = ("pyproject.toml", "setup.cfg", ".keras-mp-lint.toml")
# Modules imported only when first needed (a fix, a configuration file): imported at start-up,
# from the trusted path (isolation.py), before anything could resolve them through the workspace.
LAZY_DEPENDENCIES = ("libcst",)

log = logging.getLogger("pylint_keras_mp.server")
# The engine and the project layer keep state for the process: one analysis at a time.
ENGINE = threading.RLock()


def isolate_imports() -> None:
    """The server never imports the linted code: ``python -m`` puts the folder it was started in
    (usually the workspace) on ``sys.path``; the server's process keeps the linter's trusted path
    only (isolation.py), and the dependencies imported on first use are imported now."""
    import importlib

    sys.path[:] = list(TRUSTED_PATH)
    preload()
    with trusted_imports():
        for name in LAZY_DEPENDENCIES:
            try:
                importlib.import_module(name)
            except ImportError:  # optional: LibCST for fixes
                pass


# --- settings -------------------------------------------------------------------------------------


def _editor_settings(raw: object) -> dict:
    """``{"keras-mp-lint": {...}}``, ``{"settings": {...}}`` or the options themselves."""
    if not isinstance(raw, dict):
        return {}
    for key in (SECTION, "settings"):
        if isinstance(raw.get(key), dict):
            return _editor_settings(raw[key]) if key == "settings" else raw[key]
    return raw


def _known_keys() -> set[str]:
    from .config import OPTION_SPECS
    from .settings import RUN_CONFIG_KEYS

    return (set(RUN_CONFIG_KEYS) - {"extend"}) | {spec.name for spec in OPTION_SPECS}


def editor_mapping(settings: dict) -> tuple[dict, list[str]]:
    """The editor's settings as ``Settings.from_mapping`` takes them (the configuration file's
    names; lists of codes as lists), and the keys that name no option."""
    known = _known_keys()
    mapping, unknown = {}, []
    for key, value in settings.items():
        name = str(key).strip().replace("_", "-")
        if value is None:
            continue
        if name not in known:
            unknown.append(str(key))
            continue
        if isinstance(value, tuple):
            value = list(value)
        mapping[name] = value
    return mapping, unknown


def options_for(path: str | None, editor: dict):
    """The Options for a document: its project's configuration, then the editor's settings,
    layered as the command line layers its flags over the configuration files (defaults for
    what cannot be used)."""
    return SettingsStore(lambda message: None).settings_for(path, editor).options


class SettingsStore:
    """``Settings`` per configuration file and editor settings, built once (by
    ``Settings.from_mapping``) and kept until the configuration changes; configuration
    discovered once per folder."""

    def __init__(self, warn: Callable[[str], None]):
        self.warn = warn
        self._configs: dict[str, object] = {}  # folder -> ProjectConfig
        self._settings: dict[tuple, object] = {}

    def clear(self) -> None:
        self._configs.clear()
        self._settings.clear()

    def config_for(self, folder: str):
        from .project_config import ConfigError, ProjectConfig, discover

        config = self._configs.get(folder)
        if config is None:
            try:
                with trusted_imports():  # tomllib, configparser
                    config = discover(Path(folder))
            except ConfigError as exc:
                self.warn(f"{exc}; its settings are not used (defaults instead)")
                config = ProjectConfig(None, {})
            except Exception as exc:  # a file of a shape the reader does not expect
                self.warn(f"cannot read the configuration for {folder} (pyproject.toml or "
                          f"setup.cfg): {type(exc).__name__}: {exc}; defaults instead")
                config = ProjectConfig(None, {})
            self._configs[folder] = config
        return config

    def settings_for(self, path: str | None, editor: dict):
        from .project_config import ProjectConfig
        from .settings import Settings, UsageError

        folder = os.path.dirname(os.path.abspath(path)) if path else os.getcwd()
        config = self.config_for(folder)
        key = (str(config.path), json.dumps(editor, sort_keys=True, default=str))
        settings = self._settings.get(key)
        if settings is not None:
            return settings
        mapping, unknown = editor_mapping(editor)
        if unknown:
            self.warn(f"unknown setting(s) {', '.join(sorted(unknown))} in the editor's "
                      f"{SECTION} settings; ignored")
        empty = ProjectConfig(None, {})
        candidates = [(mapping, config), ({}, config), (mapping, empty), ({}, empty)]
        failure = None
        for candidate_mapping, candidate_config in candidates:
            try:
                settings = Settings.from_mapping(candidate_mapping, candidate_config)
                break
            except (UsageError, ValueError, TypeError) as exc:
                failure = failure or str(exc).removeprefix("--")
        if failure is not None:
            self.warn(f"invalid setting: {failure}; the defaults are used for it")
        self._settings[key] = settings
        return settings


# --- positions --------------------------------------------------------------------------------------


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _position(lines: Sequence[str], line: int, byte_col: int):
    """ast's (1-based line, UTF-8 byte column) -> an LSP position (UTF-16 code units)."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    byte_col = max(0, min(byte_col, len(text.encode("utf-8"))))
    return types.Position(line=max(line - 1, 0), character=utf16_column(text, byte_col + 1) - 1)


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


def _whole_document(text: str):
    lines = text.splitlines(keepends=True)
    return types.Range(
        start=types.Position(line=0, character=0), end=_line_position(lines, len(lines) + 1)
    )


def _overlaps(a, b) -> bool:
    key = lambda p: (p.line, p.character)  # noqa: E731
    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def _contains(range_, position) -> bool:
    key = lambda p: (p.line, p.character)  # noqa: E731
    return key(range_.start) <= key(position) <= key(range_.end)


def _path_of(uri: str) -> str | None:
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    path = unquote(parsed.path)
    if os.name == "nt" and path.startswith("/"):
        path = path[1:]
    return path


# --- rules in the editor ------------------------------------------------------------------------------


def rule_markdown(code: str, finding=None) -> str | None:
    """A hover: the rule's summary and fix (and the finding's message when there is one)."""
    from .registry import RULES_BY_CODE

    rule = RULES_BY_CODE.get(code)
    if rule is None:
        return None
    fix = rule.generic_fix
    parts = [
        f"**{rule.code}** `{rule.symbol}` ({rule.level}, pylint `{rule.msgid}`)",
        f"{rule.summary}.",
        f"**Fix:** {fix[:1].upper()}{fix[1:]}.",
    ]
    if finding is not None:
        parts.insert(1, finding.message)
        url = finding.url
    else:
        url = rule.url()
    parts.append(f"[{rule.code} documentation]({url})")
    return "\n\n".join(parts)


_NOQA = re.compile(r"#\s*noqa\s*:\s*(?P<codes>[A-Za-z]+[0-9]+(?:[,\s]+[A-Za-z]+[0-9]+)*)", re.IGNORECASE)
_CODE = re.compile(r"[A-Za-z]+[0-9]+")


def noqa_code_at(line_text: str, character: int) -> tuple[str, int, int] | None:
    """The code of a ``# noqa: ...`` comment under the UTF-16 ``character`` of the line: (code,
    start, end) in UTF-16 units."""
    for match in _NOQA.finditer(line_text):
        base = match.start("codes")
        for code in _CODE.finditer(match.group("codes")):
            start = _utf16(line_text[: base + code.start()])
            end = _utf16(line_text[: base + code.end()])
            if start <= character <= end:
                return code.group().upper(), start, end
    return None


def _noqa_edit(lines: Sequence[str], line: int, code: str):
    """Append ``# noqa: CODE`` to the 1-based ``line`` (or add the code to its noqa list)."""
    index = line - 1
    text = lines[index] if index < len(lines) else ""
    body = text.rstrip("\r\n")
    existing = re.search(r"#\s*noqa:\s*([A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)", body)
    if existing:
        start, end = existing.span(1)
        new_body = f"{body[:end]}, {code}{body[end:]}"
    else:
        new_body = f"{body}  # noqa: {code}"
    return types.TextEdit(
        range=types.Range(
            start=types.Position(line=index, character=0),
            end=types.Position(line=index, character=_utf16(body)),
        ),
        new_text=new_body,
    )


# --- what the server keeps of a lint -------------------------------------------------------------------


@dataclass
class Part:
    """A document the client shows diagnostics for: a Python file, or one notebook cell."""

    uri: str
    lines: list[str]
    findings: list = field(default_factory=list)
    version: int | None = None


@dataclass
class Linted:
    target: str  # the document's URI, or the notebook's
    path: str
    text: str  # what was analysed: the Python source, or the notebook's JSON
    settings: object
    findings: list  # kept (not suppressed), in the analysed text's coordinates
    parts: dict[str, Part]  # uri -> the findings shown in it
    moved: bool = False  # the text other files are analysed with changed
    notebook: bool = False  # a notebook: no quick fixes (its fixes would be mapped to cells)
    _fixed: dict | None = None

    def with_fixes(self, findings: list) -> list:
        """``findings`` (of this lint) with their fixes, computed once per lint (the lint
        service, asked for the fixes, on the same text)."""
        if self.notebook:
            return findings
        if self._fixed is None:
            from .service import lint_source

            with ENGINE:
                found = lint_source(self.path, self.text, self.settings, want_fixes=True).findings
            # a finding with a fix says so at the end of its message
            self._fixed = {
                (f.line, f.col, f.code, f.message.split(" (fixable")[0]): f for f in found
            }
        return [self._fixed.get((f.line, f.col, f.code, f.message), f) for f in findings]

    def key(self) -> tuple:
        return tuple((uri, tuple(part.findings)) for uri, part in sorted(self.parts.items()))


def _notebook_json(cells: list[tuple[str, str | None]]) -> str:
    """An nbformat 4 document of (kind, source) cells: "code" or "markdown"."""
    return json.dumps(
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {},
            "cells": [
                {"cell_type": kind, "metadata": {}, "source": source or "", **(
                    {"outputs": [], "execution_count": None} if kind == "code" else {}
                )}
                for kind, source in cells
            ],
        }
    )


# --- the server -------------------------------------------------------------------------------------


# pygls and lsprotocol (and what they import) from the environment, never from the current
# folder, which ``python -m`` puts first on sys.path and which is usually the workspace.
with trusted_imports():
    try:
        from lsprotocol import types
        from pygls.exceptions import JsonRpcException
        from pygls.lsp.server import LanguageServer
        from pygls.protocol import LanguageServerProtocol
    except ImportError:  # pragma: no cover - main() says what to install
        types = None
        LanguageServer = LanguageServerProtocol = object
        JsonRpcException = Exception


class _Answered(Exception):
    """A message the protocol layer has already answered (or reported): nothing more to do."""


class Protocol(LanguageServerProtocol):
    """pygls' protocol, with JSON-RPC's errors where pygls drops a message: invalid params
    (-32602), a request after ``shutdown`` (-32600)."""

    def structure_message(self, data):
        try:
            return super().structure_message(data)
        except Exception as exc:
            if isinstance(data, dict) and "method" in data and "id" in data:
                invalid = "ClassValidationError" in type(exc.__cause__).__name__
                self._send_data(
                    {
                        "jsonrpc": "2.0",
                        "id": data["id"],
                        "error": {
                            "code": -32602 if invalid else -32600,
                            "message": f"invalid params for {data['method']}"
                            if invalid
                            else f"invalid request {data['method']}",
                        },
                    }
                )
            else:
                log.warning("ignored a message that does not match the protocol: %s",
                            str(data.get("method", "")) if isinstance(data, dict) else "")
            raise _Answered() from None

    def handle_message(self, message):
        if not hasattr(message, "jsonrpc"):
            if isinstance(message, dict) and "id" in message:
                self._send_data({"jsonrpc": "2.0", "id": message.get("id"),
                                 "error": {"code": -32600, "message": "invalid request"}})
                raise _Answered()
            raise _Invalid()
        if (
            self._shutdown
            and getattr(message, "method", None) not in (None, types.EXIT)
            and hasattr(message, "id")
        ):
            self._send_data({"jsonrpc": "2.0", "id": message.id, "error": {
                "code": -32600, "message": "the server is shut down: only exit is accepted"}})
            return
        return super().handle_message(message)


class _Invalid(Exception):
    """A JSON value that is no JSON-RPC message."""


class KerasMPServer(LanguageServer):
    def __init__(self):
        super().__init__(
            NAME,
            __version__,
            protocol_cls=Protocol,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            notebook_document_sync=types.NotebookDocumentSyncOptions(
                notebook_selector=[
                    types.NotebookDocumentFilterWithCells(
                        notebook="*", cells=[types.NotebookCellLanguage(language="python")]
                    )
                ]
            ),
        )
        self.editor_settings: dict = {}  # initializationOptions and didChangeConfiguration
        self.folder_settings: dict[str, dict] = {}  # workspace folder path -> its settings
        self.store = SettingsStore(self.warn)
        self.linted: dict[str, Linted] = {}  # target uri -> the last lint
        self._pending: dict[str, object] = {}  # target uri -> asyncio handle
        self._buffers: dict[str, str] = {}  # path -> buffer text the project layer reads
        self._warned: set[str] = set()
        self._client_uri: dict[str, str] = {}  # unquoted URI -> the client's
        self._engine_thread = None  # the thread changes are analysed on
        self._loop = None  # the event loop and its thread: messages are sent from there only
        self._loop_thread: int | None = None

    # -- messages to the user -------------------------------------------------------------------

    def warn(self, message: str) -> None:
        """A warning shown once (until the configuration changes)."""
        if message in self._warned:
            return
        self._warned.add(message)
        log.warning("%s", message)
        self.send_soon(
            lambda: self.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Warning, message=f"{NAME}: {message}")
            )
        )

    def send_soon(self, send: Callable[[], object]) -> None:
        """Send a message from the event loop's thread (at once when called there)."""

        def run():
            try:
                send()
            except Exception:  # no transport (yet, or any more)
                pass

        if self._loop is None or threading.get_ident() == self._loop_thread:
            run()
        else:
            self._loop.call_soon_threadsafe(run)

    def report_server_error(self, error: Exception, source) -> None:
        """pygls' report of an error: JSON-RPC's answer for a message that cannot be read; one
        line in the log for the rest (handled errors leave no traceback)."""
        if isinstance(error, _Answered):
            return
        if isinstance(error, (json.JSONDecodeError, UnicodeDecodeError)):
            self.protocol._send_data(
                {"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": f"parse error: {error}"}}
            )
            return
        if isinstance(error, _Invalid):
            self.protocol._send_data(
                {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "invalid request"}}
            )
            return
        log.error("%s: %s", type(error).__name__, error)

    def failed(self, what: str, exc: BaseException) -> None:
        """A handler that failed: logged in one line for the client, never a dead server."""
        message = f"{what} failed: {type(exc).__name__}: {exc}"
        log.error("%s", message)
        self.send_soon(
            lambda: self.window_log_message(
                types.LogMessageParams(type=types.MessageType.Error, message=message)
            )
        )

    # -- settings -------------------------------------------------------------------------------

    def editor_for(self, path: str | None) -> dict:
        settings = dict(self.editor_settings)
        if path:
            folders = [f for f in self.folder_settings if path.startswith(f.rstrip(os.sep) + os.sep)]
            if folders:
                settings.update(self.folder_settings[max(folders, key=len)])
        return settings

    def settings_for(self, path: str | None):
        return self.store.settings_for(path, self.editor_for(path))

    def options(self, uri: str):
        return self.settings_for(_path_of(uri)).options

    def configuration_changed(self) -> None:
        self.store.clear()
        self._warned.clear()
        self.relint_all()

    # -- documents ------------------------------------------------------------------------------

    def targets(self) -> list[str]:
        """The open documents that are linted: Python files and notebooks (not their cells)."""
        workspace = self.workspace
        cells = set(workspace._cell_in_notebook) if hasattr(workspace, "_cell_in_notebook") else set()
        documents = [
            uri
            for uri, document in workspace.text_documents.items()
            if uri not in cells and (document.language_id in (None, "python") or uri.endswith(".py"))
        ]
        # pygls keeps documents by their unquoted URI; the client's own spelling is published
        return [self._client_uri.get(uri, uri) for uri in documents + list(workspace.notebook_documents)]

    def is_target(self, uri: str) -> bool:
        return unquote(uri) in {unquote(target) for target in self.targets()}

    def opened(self, uri: str) -> None:
        self._client_uri[unquote(uri)] = uri

    def target_of(self, uri: str) -> str:
        notebook = self.workspace.get_notebook_document(cell_uri=uri)
        return notebook.uri if notebook is not None else uri

    def lint(self, target: str) -> Linted:
        """Lint the document as it is now (any thread: the versions are read before the texts,
        so that a lint overtaken by a change is recognised, see ``is_current``)."""
        with ENGINE:
            return self._lint(target)

    def _lint(self, target: str) -> Linted:
        from .service import excluded_with_parents, lint_source

        path = _path_of(target)
        settings = self.settings_for(path)
        notebook = self.workspace.get_notebook_document(notebook_uri=target)
        shown = path or target
        if notebook is not None:
            moved = False
            cells, kinds, seen = [], [], {}
            for cell in list(notebook.cells):
                document = self.workspace.get_text_document(cell.document)
                version = document.version
                seen[cell.document] = (version, document.source)
                code = cell.kind == types.NotebookCellKind.Code
                kinds.append(("code", seen[cell.document][1]) if code else ("markdown", ""))
                cells.append(cell.document)
            text = _notebook_json(kinds)
            if not shown.lower().endswith(".ipynb"):
                shown += ".ipynb"
        else:
            document = self.workspace.get_text_document(target)
            version = document.version
            text = document.source
            moved = path is not None and self.use_buffer(path, text)
        if path is not None and excluded_with_parents(path, settings):
            kept = []
        else:
            # the command line's way (selection, per-file ignores, suppression comments); fixes
            # are computed when a code action asks for them (Linted.with_fixes)
            kept = lint_source(shown, text, settings).findings
        parts: dict[str, Part] = {}
        if notebook is not None:
            for uri, (cell_version, cell_text) in seen.items():
                parts[uri] = Part(uri, cell_text.splitlines(keepends=True), [], cell_version)
            code_cells = [uri for uri, (kind, _) in zip(cells, kinds) if kind == "code"]
            for finding in kept:
                uri = cells[finding.cell - 1] if finding.cell and finding.cell <= len(cells) else (
                    code_cells[0] if code_cells else None
                )
                if uri is not None:
                    parts[uri].findings.append(finding)
        else:
            parts[target] = Part(target, text.splitlines(keepends=True), list(kept), version)
        return Linted(target, shown, text, settings, kept, parts, moved, notebook is not None)

    def use_buffer(self, path: str, text: str | None) -> bool:
        """Tell the project layer an open buffer's text (None: closed); whether the text other
        files are analysed with changed."""
        before = self._buffers.get(path)
        if text == before:
            return False
        from .project import buffer_changed

        if text is None:
            self._buffers.pop(path, None)
        else:
            self._buffers[path] = text
        moved = True
        if before is None or text is None:  # opened or closed: the disk's text was counted
            moved = (before if text is None else text) != _disk_text(path)
        buffer_changed(path, text, reset=moved)
        return moved

    def publish(self, linted: Linted, previous: Linted | None = None) -> None:
        for uri, part in linted.parts.items():
            old = previous.parts.get(uri) if previous is not None else None
            if old is not None and old.findings == part.findings and old.lines == part.lines:
                continue
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(
                    uri=uri,
                    version=part.version,
                    diagnostics=[self.part_diagnostic(linted, part, f) for f in part.findings],
                )
            )
        if previous is not None:
            for uri in set(previous.parts) - set(linted.parts):
                self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def refresh(self, target: str) -> Linted:
        """Lint ``target`` and publish its diagnostics."""
        self._cancel(target)
        previous = self.linted.get(target)
        linted = self.lint(target)
        self.linted[target] = linted
        self.publish(linted, previous)
        return linted

    def relint(self, target: str) -> None:
        previous = self.linted.get(target)
        try:
            linted = self.lint(target)
        except Exception as exc:
            self.failed(f"linting {target}", exc)
            return
        self.linted[target] = linted
        if previous is None or previous.key() != linted.key():
            self.publish(linted, previous)

    def relint_all(self) -> None:
        for target in self.targets():
            self.relint(target)

    def changed(self, target: str) -> None:
        """A change in ``target``: analysed once the changes stop for DEBOUNCE_SECONDS, on the
        engine's thread (the server keeps reading changes meanwhile, and a lint overtaken by a
        change is dropped: the change's own lint follows)."""
        import asyncio

        self._cancel(target)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.refresh_with_dependents(target)
            return
        self._pending[target] = loop.call_later(DEBOUNCE_SECONDS, self._start_background, target)

    def _start_background(self, target: str) -> None:
        import asyncio
        from concurrent.futures import ThreadPoolExecutor

        self._pending.pop(target, None)
        if self._engine_thread is None:
            self._engine_thread = ThreadPoolExecutor(1, thread_name_prefix="keras-mp-lint")
        future = asyncio.get_running_loop().run_in_executor(
            self._engine_thread, self._background, target, self.targets()
        )
        future.add_done_callback(self._background_done)

    def _background(self, target: str, targets: list[str]) -> list[Linted]:
        results = [self.lint(target)]
        if results[0].moved:
            # the project changed: the other open files whose findings change are refreshed
            for other in targets:
                if other != target:
                    try:
                        results.append(self.lint(other))
                    except Exception as exc:
                        self.failed(f"linting {other}", exc)
        return results

    def _background_done(self, future) -> None:
        try:
            results = future.result()
        except Exception as exc:
            self.failed("linting", exc)
            return
        for linted in results:
            if self.is_current(linted):  # else a newer change's lint is on its way
                previous = self.linted.get(linted.target)
                self.linted[linted.target] = linted
                self.publish(linted, previous)

    def is_current(self, linted: Linted) -> bool:
        """Whether every document of a lint still has the version that was linted."""
        documents = self.workspace.text_documents
        for uri, part in linted.parts.items():
            document = documents.get(unquote(uri))
            if document is None or document.version != part.version:
                return False
        return True

    def refresh_with_dependents(self, target: str) -> None:
        self._pending.pop(target, None)
        try:
            if self.refresh(target).moved:
                # the project changed: the other open files whose findings change are refreshed
                for other in self.targets():
                    if other != target:
                        self.relint(other)
        except Exception as exc:
            self.failed(f"linting {target}", exc)

    def _cancel(self, target: str) -> None:
        handle = self._pending.pop(target, None)
        if handle is not None:
            handle.cancel()

    def closed(self, target: str, uris: Sequence[str]) -> None:
        self._client_uri.pop(unquote(target), None)
        self._cancel(target)
        self.linted.pop(target, None)
        for uri in uris:
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        path = _path_of(target)
        with ENGINE:
            moved = path is not None and path in self._buffers and self.use_buffer(path, None)
        if moved:
            self.relint_all()

    def current(self, target: str) -> Linted:
        """The lint of the document as it is now (a pending change is analysed at once)."""
        linted = self.linted.get(target)
        if target in self._pending or linted is None or not self.is_current(linted):
            self.refresh_with_dependents(target)
            linted = self.linted[target]
        return linted

    # -- diagnostics ----------------------------------------------------------------------------

    def part_diagnostic(self, linted: Linted, part: Part, finding):
        if part.uri == linted.target:  # a Python document (not a notebook's cell)
            return self.diagnostic(part.lines, finding, part.uri, linted.path)
        return self.diagnostic(part.lines, finding)

    @staticmethod
    def diagnostic(lines, finding, uri: str | None = None, path: str | None = None):
        """The LSP diagnostic of a finding in a document of ``lines`` (``uri``/``path``: the
        document's, for the related places in it; a notebook cell has none)."""
        end_line = finding.end_line or finding.line
        end_col = finding.end_col
        if end_col is None:  # KMP900/KMP901: to the end of its line
            end_col = len(lines[end_line - 1].rstrip("\r\n").encode("utf-8")) if 0 < end_line <= len(lines) else 0
        severity = (
            types.DiagnosticSeverity.Warning
            if finding.rule.level == "warning"
            else types.DiagnosticSeverity.Error
        )
        related = []
        for where in getattr(finding, "related", None) or ():
            same = where.path is None or (
                path is not None and os.path.realpath(where.path) == os.path.realpath(path)
            )
            if same:
                if uri is None:
                    continue
                start = _position(lines, where.line, where.col)
                where_uri = uri
            else:
                if not os.path.isabs(where.path):
                    continue
                where_uri = Path(where.path).as_uri()
                start = types.Position(line=max(where.line - 1, 0), character=max(where.col, 0))
            related.append(
                types.DiagnosticRelatedInformation(
                    location=types.Location(uri=where_uri, range=types.Range(start=start, end=start)),
                    message=where.message,
                )
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
            related_information=related or None,
            data={"fixable": finding.fix.applicability if finding.fix else None},
        )

    # -- fixes ----------------------------------------------------------------------------------

    def fixed_text(self, path: str, text: str, notebook: bool = False) -> str | None:
        """The text with every safe fix of its unsuppressed findings applied, as ``--fix``
        gives it; None when nothing changes."""
        from .fixing import fix_source
        from .service import apply_suppression, excluded_with_parents, with_applicability

        settings = self.settings_for(path)
        if excluded_with_parents(path, settings):
            return None

        def keep(found, source):
            # what the command line's --fix keeps: selected, not suppressed, applicability as set
            return with_applicability(apply_suppression(settings, path, found, source)[0], settings)

        with ENGINE, trusted_imports():  # LibCST, imported on the first fix
            if notebook:
                from .fixing.notebooks import fix_notebook, keeps_layout

                if not keeps_layout(text):
                    return None
                result = fix_notebook(text, path, settings.options, unsafe=False, keep=keep)
            else:
                result = fix_source(text, path, settings.options, unsafe=False, keep=keep)
        return result.source if result.fixed and result.source != text else None

    def fix_all(self, uri: str):
        """A workspace edit applying every safe fix of a Python document, or None."""
        if self.workspace.get_notebook_document(notebook_uri=uri) is not None:
            return None
        document = self.workspace.get_text_document(uri)
        text = document.source
        path = _path_of(uri) or uri
        fixed = self.fixed_text(path, text)
        if fixed is None:
            return None
        return types.WorkspaceEdit(
            changes={uri: [types.TextEdit(range=_whole_document(text), new_text=fixed)]}
        )

    def fix_workspace(self):
        """A workspace edit with the safe fixes of every file of the workspace folders, as
        ``keras-mp-lint --fix FOLDER`` makes them (open documents from their buffers)."""
        from .fixing.command import _read, _read_notebook
        from .service import collect_files
        from .settings import UsageError

        folders = [_path_of(f.uri) for f in self.workspace.folders.values()]
        if not folders and self.workspace.root_path:
            folders = [self.workspace.root_path]
        changes: dict[str, list] = {}
        open_documents = {
            os.path.realpath(_path_of(uri)): uri
            for uri in self.workspace.text_documents
            if _path_of(uri)
        }
        for folder in filter(None, folders):
            try:
                files = collect_files([folder], self.settings_for(os.path.join(folder, "x.py")))
            except UsageError as exc:
                self.warn(str(exc))
                continue
            for path in files:
                notebook = path.lower().endswith(".ipynb")
                uri = open_documents.get(os.path.realpath(path))
                if uri is not None and not notebook:
                    text = self.workspace.get_text_document(uri).source
                else:
                    read = _read_notebook(path) if notebook else _read(path)
                    if read is None:
                        continue
                    text, uri = read[0], Path(path).resolve().as_uri()
                fixed = self.fixed_text(path, text, notebook)
                if fixed is not None:
                    changes[uri] = [types.TextEdit(range=_whole_document(text), new_text=fixed)]
        return types.WorkspaceEdit(changes=changes) if changes else None

    # -- what is under the cursor ---------------------------------------------------------------

    def findings_at(self, uri: str, range_, fixes: bool = False) -> tuple[Part | None, list]:
        """The part of a document and its findings that overlap ``range_`` (``fixes``: with
        their fixes)."""
        linted = self.current(self.target_of(uri))
        part = linted.parts.get(uri)
        if part is None:
            return None, []
        found = [f for f in part.findings if _overlaps(self.diagnostic(part.lines, f).range, range_)]
        return part, linted.with_fixes(found) if fixes and found else found


def _disk_text(path: str) -> str | None:
    from .engine import decode_source

    try:
        with open(path, "rb") as handle:
            return decode_source(handle.read())
    except (OSError, UnicodeDecodeError, LookupError, SyntaxError):
        return None


def guarded(what: str, fallback=None):
    """A handler that never takes the server down: a failure is logged in one line (window/
    logMessage) and the request gets ``fallback``."""

    def wrap(handler):
        import functools

        @functools.wraps(handler)
        def run(ls: KerasMPServer, *args):
            try:
                return handler(ls, *args)
            except Exception as exc:
                ls.failed(what, exc)
                return fallback() if callable(fallback) else fallback

        return run

    return wrap


def build_server() -> KerasMPServer:
    server = KerasMPServer()

    @server.feature(types.INITIALIZE)
    @guarded("initialize")
    def initialize(ls: KerasMPServer, params: types.InitializeParams):
        import asyncio

        ls._loop, ls._loop_thread = asyncio.get_running_loop(), threading.get_ident()
        ls.editor_settings = _editor_settings(params.initialization_options)

    @server.feature(types.INITIALIZED)
    @guarded("initialized")
    def initialized(ls: KerasMPServer, params):
        capabilities = ls.client_capabilities.workspace
        if capabilities is not None and capabilities.did_change_watched_files is not None and (
            capabilities.did_change_watched_files.dynamic_registration
        ):
            patterns = [f"**/{name}" for name in CONFIG_FILES] + ["**/*.py"]
            ls.client_register_capability(
                types.RegistrationParams(
                    registrations=[
                        types.Registration(
                            id="keras-mp-lint-watched-files",
                            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                            register_options=types.DidChangeWatchedFilesRegistrationOptions(
                                watchers=[types.FileSystemWatcher(glob_pattern=p) for p in patterns]
                            ),
                        )
                    ]
                )
            )
        pull_configuration(ls)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    @guarded("workspace/didChangeConfiguration")
    def changed_configuration(ls: KerasMPServer, params: types.DidChangeConfigurationParams):
        settings = _editor_settings(params.settings)
        if settings:
            ls.editor_settings = settings
        ls.configuration_changed()
        pull_configuration(ls)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    @guarded("workspace/didChangeWatchedFiles")
    def changed_files(ls: KerasMPServer, params: types.DidChangeWatchedFilesParams):
        from .project import buffer_changed

        configuration = False
        for change in params.changes:
            path = _path_of(change.uri)
            if path is None:
                continue
            if os.path.basename(path) in CONFIG_FILES:
                configuration = True
            elif path.endswith(".py") and path not in ls._buffers:
                buffer_changed(path, None)  # the project reads the disk's new text
        if configuration:
            ls.configuration_changed()
        else:
            ls.relint_all()

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    @guarded("workspace/didChangeWorkspaceFolders")
    def changed_folders(ls: KerasMPServer, params):
        for removed in params.event.removed:
            ls.folder_settings.pop(_path_of(removed.uri) or "", None)
        pull_configuration(ls)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    @guarded("textDocument/didOpen")
    def did_open(ls: KerasMPServer, params: types.DidOpenTextDocumentParams):
        uri = params.text_document.uri
        ls.opened(uri)
        if ls.is_target(uri):
            ls.refresh_with_dependents(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    @guarded("textDocument/didChange")
    def did_change(ls: KerasMPServer, params: types.DidChangeTextDocumentParams):
        uri = params.text_document.uri
        if ls.is_target(uri):
            ls.changed(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    @guarded("textDocument/didClose")
    def did_close(ls: KerasMPServer, params: types.DidCloseTextDocumentParams):
        ls.closed(params.text_document.uri, [params.text_document.uri])

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    @guarded("notebookDocument/didOpen")
    def notebook_opened(ls: KerasMPServer, params: types.DidOpenNotebookDocumentParams):
        ls.opened(params.notebook_document.uri)
        ls.refresh(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    @guarded("notebookDocument/didChange")
    def notebook_changed(ls: KerasMPServer, params: types.DidChangeNotebookDocumentParams):
        ls.changed(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    @guarded("notebookDocument/didSave")
    def notebook_saved(ls: KerasMPServer, params: types.DidSaveNotebookDocumentParams):
        ls.refresh(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    @guarded("notebookDocument/didClose")
    def notebook_closed(ls: KerasMPServer, params: types.DidCloseNotebookDocumentParams):
        ls.closed(params.notebook_document.uri, [cell.uri for cell in params.cell_text_documents])

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    @guarded("textDocument/hover")
    def hover(ls: KerasMPServer, params: types.HoverParams):
        uri, position = params.text_document.uri, params.position
        document = ls.workspace.get_text_document(uri)
        lines = document.source.splitlines()
        line = lines[position.line] if position.line < len(lines) else ""
        noqa = noqa_code_at(line, position.character)
        if noqa is not None:
            code, start, end = noqa
            text = rule_markdown(code)
            if text is None:
                return None
            return types.Hover(
                contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
                range=types.Range(
                    start=types.Position(line=position.line, character=start),
                    end=types.Position(line=position.line, character=end),
                ),
            )
        _, found = ls.findings_at(uri, types.Range(start=position, end=position))
        texts = [t for t in (rule_markdown(f.code, f) for f in found) if t]
        if not texts:
            return None
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(texts))
        )

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[
                types.CodeActionKind.QuickFix,
                types.CodeActionKind.SourceFixAll,
                FIX_ALL_KIND,
            ],
            resolve_provider=False,
        ),
    )
    @guarded("textDocument/codeAction", fallback=list)
    def code_action(ls: KerasMPServer, params: types.CodeActionParams):
        uri = params.text_document.uri
        only = [str(kind) for kind in params.context.only or []]
        quick = not only or any(types.CodeActionKind.QuickFix.startswith(o) for o in only)
        part, found = ls.findings_at(uri, params.range, fixes=quick)

        def wants(kind: str) -> bool:
            return not only or any(kind == o or kind.startswith(o + ".") for o in only)

        actions = []
        if part is not None and wants(types.CodeActionKind.QuickFix):
            notebook = ls.workspace.get_notebook_document(cell_uri=uri) is not None
            for finding in found:
                diagnostic = ls.diagnostic(part.lines, finding)
                if finding.fix is not None and not notebook:
                    unsafe = " (unsafe)" if finding.fix.applicability != "safe" else ""
                    actions.append(
                        types.CodeAction(
                            title=f"{finding.fix.message} ({finding.code}){unsafe}",
                            kind=types.CodeActionKind.QuickFix,
                            diagnostics=[diagnostic],
                            is_preferred=not unsafe,
                            edit=types.WorkspaceEdit(changes={uri: _text_edits(part.lines, finding.fix)}),
                        )
                    )
                actions.append(
                    types.CodeAction(
                        title=f"Add `# noqa: {finding.code}` to this line",
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[diagnostic],
                        edit=types.WorkspaceEdit(changes={uri: [_noqa_edit(part.lines, finding.line, finding.code)]}),
                    )
                )
        fix_all_kinds = [types.CodeActionKind.SourceFixAll, FIX_ALL_KIND]
        asked = [kind for kind in fix_all_kinds if only and wants(kind)]
        offered = not only and any(
            f.fix is not None and f.fix.applicability == "safe" for f in found
        )
        title = "Fix all safe keras-mp-lint fixes in this file"
        if asked:  # asked for (on save, or from the menu): the edit itself
            edit = ls.fix_all(uri)
            if edit is not None:
                actions.append(types.CodeAction(title=title, kind=asked[0], edit=edit))
        elif offered:  # offered beside the quick fixes: computed only when chosen
            actions.append(
                types.CodeAction(
                    title=title,
                    kind=FIX_ALL_KIND,
                    command=types.Command(title=title, command=FIX_ALL_COMMAND, arguments=[uri]),
                )
            )
        return actions

    @server.command(FIX_ALL_COMMAND)
    async def apply_fix_all(ls: KerasMPServer, *arguments):
        try:
            uri = arguments[0]
            if isinstance(uri, list):  # some clients pass the argument list as one value
                uri = uri[0]
            edit = ls.fix_all(uri)
        except Exception as exc:
            ls.failed(FIX_ALL_COMMAND, exc)
            return {"applied": False}
        return await _apply(ls, edit, "keras-mp-lint: fix all")

    @server.command(FIX_ALL_WORKSPACE_COMMAND)
    async def apply_fix_all_workspace(ls: KerasMPServer, *arguments):
        try:
            edit = ls.fix_workspace()
        except Exception as exc:
            ls.failed(FIX_ALL_WORKSPACE_COMMAND, exc)
            return {"applied": False}
        return await _apply(ls, edit, "keras-mp-lint: fix all in the workspace")

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: KerasMPServer, *args):
        for target in list(ls._pending):
            ls._cancel(target)

    return server


async def _apply(ls: KerasMPServer, edit, label: str) -> dict:
    if edit is None:
        return {"applied": False}
    result = await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(edit=edit, label=label))
    return {"applied": bool(result and result.applied), "files": len(edit.changes or {})}


def pull_configuration(ls: KerasMPServer) -> None:
    """Ask the client for the settings of each workspace folder (and its global ones)."""
    capabilities = ls.client_capabilities.workspace
    if capabilities is None or not capabilities.configuration:
        return
    folders = [f.uri for f in ls.workspace.folders.values()]
    items = [types.ConfigurationItem(section=SECTION)] + [
        types.ConfigurationItem(scope_uri=uri, section=SECTION) for uri in folders
    ]

    def received(result):
        try:
            if not isinstance(result, (list, tuple)) or not result:
                return
            first = result[0]
            if isinstance(first, dict):
                ls.editor_settings = {**ls.editor_settings, **_editor_settings(first)}
            for uri, value in zip(folders, result[1:]):
                if isinstance(value, dict) and _path_of(uri):
                    ls.folder_settings[_path_of(uri)] = _editor_settings(value)
            ls.configuration_changed()
        except Exception as exc:
            ls.failed("workspace/configuration", exc)

    ls.workspace_configuration(types.ConfigurationParams(items=items), callback=received)


class _OneLine(logging.Formatter):
    """A log record in one line, without the traceback of a handled error."""

    def format(self, record: logging.LogRecord) -> str:
        return f"{NAME}: {record.levelname.lower()}: {' '.join(record.getMessage().split())}"


def _quiet_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine())
    handler.setLevel(logging.WARNING)
    for name in ("pygls", "pylint_keras_mp.server", "asyncio", "concurrent.futures"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.propagate = False
        logger.setLevel(logging.WARNING)
    # pygls logs every message it cannot handle with its traceback; the client gets the error
    logging.getLogger("pygls.protocol.json_rpc").setLevel(logging.CRITICAL)
    logging.getLogger("pygls.io_").setLevel(logging.CRITICAL)
    logging.getLogger("pygls.server").setLevel(logging.CRITICAL)


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
    isolate_imports()
    _quiet_logging()
    server = build_server()
    server.start_io()
    # LSP: exit after shutdown is 0, exit (or the end of the input) without it is 1; at once,
    # without waiting for an analysis still running on the engine's thread
    status = 0 if server.protocol._shutdown else 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed by exit
            pass
    os._exit(status)
