"""keras-mp-lint server: a real LSP exchange over stdio with the language server.

initialize (with settings) -> didOpen -> diagnostics from the buffer -> didChange (no save) ->
new diagnostics -> codeAction (quick fix, noqa, fix all) -> quick fix applied -> executeCommand
fix all -> workspace/applyEdit applied by the client -> diagnostics cleared.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pylint_keras_mp.engine import analyze
from pylint_keras_mp.fixing import fix_source
from pylint_keras_mp.config import Options
from tests.lsp_client import LspClient

BIN = Path(sys.executable).parent

SOURCE = """\
import keras
import numpy as np


class Batches(keras.utils.PyDataset):
    def __init__(self, x):
        self.x = x

    def __len__(self):
        return len(self.x)

    def __getitem__(self, index):
        return self.x[index : index + 1], self.x[index : index + 1]


class Shuffled(keras.utils.PyDataset):
    def __init__(self, x, threads=8, **kwargs):
        super().__init__(**kwargs)
        self.workers = threads
        self.x = x

    def __len__(self):
        return 1

    def __getitem__(self, index):
        return self.x[np.random.randint(len(self.x)) % self.workers]


def train(x):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4)])
    data = Batches(x)
    model.fit(data, workers=2, use_multiprocessing=True)
    model.predict(Shuffled(x, workers=2, use_multiprocessing=True))
"""

PYPROJECT = '[tool.keras-mp-lint]\nignore = ["KMP402"]\n'


def apply_text_edits(text: str, edits: list[dict]) -> str:
    """Apply LSP text edits (UTF-16 positions; these documents are ASCII) to ``text``."""
    lines = text.splitlines(keepends=True)

    def offset(position: dict) -> int:
        line, character = position["line"], position["character"]
        return sum(len(item) for item in lines[:line]) + character

    for edit in sorted(edits, key=lambda e: offset(e["range"]["start"]), reverse=True):
        start, end = offset(edit["range"]["start"]), offset(edit["range"]["end"])
        text = text[:start] + edit["newText"] + text[end:]
    return text


@pytest.fixture
def workspace(tmp_path):
    (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    return tmp_path


def start(workspace: Path, initialization_options=None, capabilities=None) -> LspClient:
    server = BIN / "keras-mp-lint"
    assert server.exists(), f"{server} is missing: pip install -e '.[test]'"
    client = LspClient([str(server), "server"], cwd=str(workspace))
    client.request(
        "initialize",
        {
            "processId": None,
            "rootUri": workspace.as_uri(),
            "capabilities": capabilities or {},
            "initializationOptions": initialization_options,
        },
        timeout=60,
    )
    client.notify("initialized", {})
    return client


def test_the_source_has_what_the_settings_filter():
    assert sorted(f.code for f in analyze(SOURCE, "train.py")) == ["KMP305", "KMP402", "KMP501", "KMP503"]


def codes(params: dict) -> list[str]:
    return sorted(d["code"] for d in params["diagnostics"])


def test_diagnostics_quick_fixes_and_fix_all_over_stdio(workspace):
    document = workspace / "train.py"
    document.write_text("", encoding="utf-8")  # the buffer is what counts, not the file
    uri = document.as_uri()
    client = start(workspace, {"keras-mp-lint": {"ignore": ["KMP503"]}})
    try:
        client.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": SOURCE}},
        )
        opened = client.wait_for_notification(
            "textDocument/publishDiagnostics", lambda p: p["uri"] == uri, timeout=60
        )
        # KMP402 ignored by pyproject.toml, KMP503 by the editor's settings
        assert codes(opened) == ["KMP305", "KMP501"], opened
        engine = {f.code: f for f in analyze(SOURCE, str(document), fixes=False)}
        (kmp501,) = [d for d in opened["diagnostics"] if d["code"] == "KMP501"]
        assert kmp501["range"]["start"] == {
            "line": engine["KMP501"].line - 1,
            "character": engine["KMP501"].col,
        }
        assert kmp501["message"] == engine["KMP501"].message
        assert kmp501["source"] == "keras-mp-lint" and kmp501["severity"] == 2

        # A change in the buffer, unsaved: its diagnostics come at once.
        changed = SOURCE.replace("        super().__init__(**kwargs)\n", "        super().__init__()\n")
        assert changed != SOURCE
        client.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": changed}]},
        )
        after_change = client.wait_for_notification(
            "textDocument/publishDiagnostics",
            lambda p: p["uri"] == uri and p.get("version") == 2,
            timeout=60,
        )
        assert codes(after_change) == ["KMP305", "KMP501", "KMP502"], after_change

        # Quick fix and noqa for the KMP502 diagnostic.
        (kmp502,) = [d for d in after_change["diagnostics"] if d["code"] == "KMP502"]
        actions = client.request(
            "textDocument/codeAction",
            {
                "textDocument": {"uri": uri},
                "range": kmp502["range"],
                "context": {"diagnostics": [kmp502]},
            },
        )
        titles = [a["title"] for a in actions]
        quick = [a for a in actions if a["title"].endswith("(KMP502)")]
        noqa = [a for a in actions if a["title"] == "Add `# noqa: KMP502` to this line"]
        assert quick and noqa and any(a["kind"] == "source.fixAll.keras-mp-lint" for a in actions), titles
        noqa_text = apply_text_edits(changed, noqa[0]["edit"]["changes"][uri])
        assert "        super().__init__()  # noqa: KMP502\n" in noqa_text
        fixed = apply_text_edits(changed, quick[0]["edit"]["changes"][uri])
        assert "super().__init__(**kwargs)" in fixed and fixed.count("super().__init__()") == 0
        client.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": fixed}]},
        )
        after_quick_fix = client.wait_for_notification(
            "textDocument/publishDiagnostics",
            lambda p: p["uri"] == uri and p.get("version") == 3,
            timeout=60,
        )
        assert codes(after_quick_fix) == ["KMP305", "KMP501"]

        # Fix all: the command asks the client to apply a workspace edit.
        applied: list[dict] = []

        def apply_edit(params):
            applied.append(params)
            return {"applied": True}

        client.request_handlers["workspace/applyEdit"] = apply_edit
        result = client.request(
            "workspace/executeCommand",
            {"command": "keras-mp-lint.applyFixAll", "arguments": [uri]},
            timeout=60,
        )
        assert result["applied"] is True and len(applied) == 1
        all_fixed = apply_text_edits(fixed, applied[0]["edit"]["changes"][uri])
        assert all_fixed == fix_source(fixed, str(document), Options()).source
        client.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": 4}, "contentChanges": [{"text": all_fixed}]},
        )
        cleared = client.wait_for_notification(
            "textDocument/publishDiagnostics",
            lambda p: p["uri"] == uri and p.get("version") == 4,
            timeout=60,
        )
        assert cleared["diagnostics"] == [], cleared
        assert document.read_text(encoding="utf-8") == ""  # nothing was written to disk
    finally:
        client.close()


def test_workspace_configuration_settings_apply(workspace):
    document = workspace / "train.py"
    uri = document.as_uri()
    client = None
    try:
        server = BIN / "keras-mp-lint"
        client = LspClient([str(server), "server"], cwd=str(workspace))
        asked: list[dict] = []

        def configuration(params):
            asked.append(params)
            return [{"select": ["KMP5"], "keras-version": "3"}]

        client.request_handlers["workspace/configuration"] = configuration
        client.request(
            "initialize",
            {"processId": None, "rootUri": workspace.as_uri(), "capabilities": {"workspace": {"configuration": True}}},
            timeout=60,
        )
        client.notify("initialized", {})
        client.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": SOURCE}},
        )
        diagnostics = client.wait_for_notification(
            "textDocument/publishDiagnostics",
            lambda p: p["uri"] == uri and codes(p) == ["KMP501", "KMP503"],
            timeout=60,
        )
        assert asked and asked[0]["items"][0]["section"] == "keras-mp-lint"
        assert codes(diagnostics) == ["KMP501", "KMP503"]
        # Changed settings apply to the open documents at once.
        client.notify(
            "workspace/didChangeConfiguration",
            {"settings": {"keras-mp-lint": {"select": ["KMP503"], "keras-version": "3"}}},
        )
        client.wait_for_notification(
            "textDocument/publishDiagnostics",
            lambda p: p["uri"] == uri and codes(p) == ["KMP503"],
            timeout=60,
        )
        client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
        client.wait_for_notification(
            "textDocument/publishDiagnostics",
            lambda p: p["uri"] == uri and p["diagnostics"] == [],
            timeout=60,
        )
    finally:
        if client is not None:
            client.close()


def test_positions_are_utf16_code_units():
    from pylint_keras_mp.server import KerasMPServer

    source = SOURCE + '\n\nclass Later(keras.utils.PyDataset):\n    def __init__(self):\n        s = "😀"; self.f = lambda i: i\n'
    (finding,) = [f for f in analyze(source, "x.py") if f.code == "KMP201"]
    line = source.splitlines()[finding.line - 1]
    assert line.encode("utf-8")[: finding.col].decode("utf-8") == '        s = "😀"; '
    diagnostic = KerasMPServer.diagnostic(source.splitlines(keepends=True), finding)
    # the emoji is 4 bytes in UTF-8 and 2 code units in UTF-16
    assert diagnostic.range.start.character == finding.col - 2


# --- the same linter as the command line -------------------------------------------------------------

import json
import os
import shutil
import subprocess
import time


def open_document(client: LspClient, path: Path, text: str | None = None, version: int = 1) -> str:
    uri = path.as_uri()
    text = path.read_text(encoding="utf-8") if text is None else text
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "python", "version": version, "text": text}},
    )
    return uri


def published(client: LspClient, uri: str, condition=lambda p: True, timeout: float = 60) -> dict:
    return client.wait_for_notification(
        "textDocument/publishDiagnostics", lambda p: p["uri"] == uri and condition(p), timeout
    )


def cli_codes(path: Path, cwd: Path) -> list[str]:
    """The codes ``keras-mp-lint`` reports for ``path`` (JSON output)."""
    result = subprocess.run(
        [str(BIN / "keras-mp-lint"), "--format", "json", "--quiet", str(path)],
        capture_output=True, text=True, cwd=cwd, timeout=300,
    )
    assert result.returncode in (0, 1), result.stderr
    return sorted(item["code"] for item in json.loads(result.stdout or "[]"))


SUPPRESSED = SOURCE.replace(
    "        super().__init__(**kwargs)\n", "        super().__init__()  # noqa: KMP502\n"
).replace(
    "    model.fit(data, workers=2, use_multiprocessing=True)\n",
    "    model.fit(data, workers=2, use_multiprocessing=True)  # pylint: disable=keras-mp\n",
)


def test_suppression_comments_hide_findings_as_in_the_command_line(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    document = tmp_path / "train.py"
    document.write_text(SUPPRESSED, encoding="utf-8")
    assert "KMP502" in {f.code for f in analyze(SUPPRESSED, str(document))}  # the engine finds it
    client = start(tmp_path)
    try:
        uri = open_document(client, document)
        diagnostics = published(client, uri)
        assert codes(diagnostics) == cli_codes(document, tmp_path)
        assert "KMP502" not in codes(diagnostics) and codes(diagnostics), diagnostics
    finally:
        client.close()


def test_fix_all_fixes_what_the_command_line_fixes(tmp_path):
    """source.fixAll of a document and the workspace command leave suppressed findings alone
    and give the text `keras-mp-lint --fix` writes."""
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    suppressed_fixable = SOURCE.replace(
        "        super().__init__(**kwargs)\n", "        super().__init__()  # noqa: KMP502\n"
    ).replace("class Batches(keras.utils.PyDataset):\n    def __init__(self, x):\n        self.x = x\n",
              "class Batches(keras.utils.PyDataset):\n    def __init__(self, x):\n        self.x = x  # noqa\n")
    (workspace / "train.py").write_text(suppressed_fixable, encoding="utf-8")
    (workspace / "other.py").write_text(SOURCE, encoding="utf-8")
    expected = tmp_path / "expected"
    shutil.copytree(workspace, expected)
    subprocess.run([str(BIN / "keras-mp-lint"), "--fix", "--quiet", "."], cwd=expected, timeout=300,
                   capture_output=True)
    assert (expected / "train.py").read_text(encoding="utf-8") != suppressed_fixable  # something to fix
    client = start(workspace)
    applied: list[dict] = []
    client.request_handlers["workspace/applyEdit"] = lambda p: applied.append(p) or {"applied": True}
    try:
        uri = open_document(client, workspace / "train.py")
        published(client, uri)
        (action,) = client.request(
            "textDocument/codeAction",
            {"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
             "context": {"diagnostics": [], "only": ["source.fixAll"]}},
        )
        assert action["kind"] == "source.fixAll"
        fixed = apply_text_edits(suppressed_fixable, action["edit"]["changes"][uri])
        assert fixed == (expected / "train.py").read_text(encoding="utf-8")
        assert "super().__init__()  # noqa: KMP502" in fixed  # the suppressed finding stays
        result = client.request(
            "workspace/executeCommand", {"command": "keras-mp-lint.applyFixAllWorkspace", "arguments": []},
            timeout=120,
        )
        assert result["applied"] is True and len(applied) == 1
        changes = applied[0]["edit"]["changes"]
        for name in ("train.py", "other.py"):
            original = (workspace / name).read_text(encoding="utf-8")
            file_uri = (workspace / name).as_uri()
            after = apply_text_edits(original, changes[file_uri]) if file_uri in changes else original
            assert after == (expected / name).read_text(encoding="utf-8"), name
    finally:
        client.close()


def test_fix_all_follows_extend_safe_fixes_as_the_command_line_does(tmp_path):
    """KMP201's fix is unsafe: fix all leaves it, until the configuration's extend-safe-fixes
    makes it safe (as for `keras-mp-lint --fix`)."""
    from tests.test_lsp import BAD_SOURCE

    results = {}
    for name, config in (("plain", ""), ("extended", 'extend-safe-fixes = ["KMP201"]\n')):
        workspace = tmp_path / name
        workspace.mkdir()
        (workspace / "pyproject.toml").write_text(f"[tool.keras-mp-lint]\n{config}", encoding="utf-8")
        (workspace / "loader.py").write_text(BAD_SOURCE, encoding="utf-8")
        expected = tmp_path / f"{name}-cli"
        shutil.copytree(workspace, expected)
        subprocess.run([str(BIN / "keras-mp-lint"), "--fix", "--quiet", "."], cwd=expected, timeout=300,
                       capture_output=True)
        client = start(workspace)
        try:
            uri = open_document(client, workspace / "loader.py")
            published(client, uri)
            actions = client.request(
                "textDocument/codeAction",
                {"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                 "context": {"diagnostics": [], "only": ["source.fixAll"]}},
            )
        finally:
            client.close()
        fixed = apply_text_edits(BAD_SOURCE, actions[0]["edit"]["changes"][uri]) if actions else BAD_SOURCE
        assert fixed == (expected / "loader.py").read_text(encoding="utf-8"), name
        results[name] = fixed
    assert results["plain"] == BAD_SOURCE and results["extended"] != BAD_SOURCE


def test_settings_per_workspace_folder_and_reload_without_restart(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):
        folder.mkdir()
        (folder / "train.py").write_text(SOURCE, encoding="utf-8")
    (first / "pyproject.toml").write_text('[tool.keras-mp-lint]\nselect = ["KMP501"]\n', encoding="utf-8")
    (second / "pyproject.toml").write_text('[tool.keras-mp-lint]\nselect = ["KMP305"]\n', encoding="utf-8")
    client = LspClient([str(BIN / "keras-mp-lint"), "server"], cwd=str(tmp_path))
    registered: list[dict] = []
    client.request_handlers["client/registerCapability"] = lambda p: registered.append(p)
    try:
        client.request(
            "initialize",
            {"processId": None, "rootUri": None,
             "workspaceFolders": [{"uri": f.as_uri(), "name": f.name} for f in (first, second)],
             "capabilities": {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": True}}}},
            timeout=60,
        )
        client.notify("initialized", {})
        one = open_document(client, first / "train.py")
        two = open_document(client, second / "train.py")
        assert codes(published(client, one)) == ["KMP501"] == cli_codes(first / "train.py", first)
        assert codes(published(client, two)) == ["KMP305"] == cli_codes(second / "train.py", second)
        client.wait_for(lambda m: m.get("method") == "client/registerCapability", 30)
        watched = [w["globPattern"] for r in registered[0]["registrations"] for w in r["registerOptions"]["watchers"]]
        assert "**/pyproject.toml" in watched and "**/setup.cfg" in watched
        # the configuration changes on disk: the server reads it again, no restart
        (second / "pyproject.toml").write_text('[tool.keras-mp-lint]\nselect = ["KMP503"]\n', encoding="utf-8")
        client.notify("workspace/didChangeWatchedFiles",
                      {"changes": [{"uri": (second / "pyproject.toml").as_uri(), "type": 2}]})
        assert codes(published(client, two)) == ["KMP503"] == cli_codes(second / "train.py", second)
    finally:
        client.close()


# --- a server that survives its user -------------------------------------------------------------------


def no_traceback(client: LspClient) -> None:
    time.sleep(0.2)  # the stderr reader thread catches up
    assert "Traceback" not in client.stderr(), client.stderr()


def test_invalid_editor_settings_are_a_warning_and_defaults(tmp_path):
    document = tmp_path / "train.py"
    document.write_text(SOURCE, encoding="utf-8")
    client = start(tmp_path, {"keras-mp-lint": {"keras-version": "4"}})
    try:
        uri = open_document(client, document)
        warning = client.wait_for_notification("window/showMessage", lambda p: "keras-version" in p["message"], 60)
        assert warning["type"] == 2  # Warning
        assert codes(published(client, uri)) == sorted(f.code for f in analyze(SOURCE, str(document)))
        no_traceback(client)
        assert client.request("shutdown") is None
    finally:
        client.close()


@pytest.mark.parametrize(
    "pyproject",
    ["[tool.keras-mp-lint\nselect = 1\n", '[tool.keras-mp-lint]\nkeras-version = "4"\n', "tool = 1\n",
     '[tool.keras-mp-lint]\nselect = ["KMP999"]\n'],
    ids=["toml-syntax", "bad-value", "tool-not-a-table", "unknown-code"],
)
def test_invalid_pyproject_is_a_warning_and_defaults(tmp_path, pyproject):
    (tmp_path / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    document = tmp_path / "train.py"
    document.write_text(SOURCE, encoding="utf-8")
    client = start(tmp_path)
    try:
        uri = open_document(client, document)
        warning = client.wait_for_notification("window/showMessage", lambda p: True, 60)
        assert warning["type"] == 2 and "pyproject.toml" in warning["message"] or "KMP999" in warning["message"], warning
        diagnostics = published(client, uri)
        assert codes(diagnostics) == sorted({f.code for f in analyze(SOURCE, "elsewhere.py")})
        no_traceback(client)
    finally:
        client.close()


def alive(client: LspClient, workspace: Path, name: str = "alive.py") -> None:
    """The server still answers: a document's diagnostics arrive."""
    document = workspace / name
    document.write_text(SOURCE, encoding="utf-8")
    uri = open_document(client, document)
    assert "KMP501" in codes(published(client, uri))


def test_protocol_errors_over_stdio(tmp_path):
    client = start(tmp_path)
    try:
        client.send_raw(b'{"jsonrpc": "2.0", "id": 7, "method": ')  # malformed JSON
        error = client.wait_for(lambda m: "error" in m and m.get("id") is None, 30)
        assert error["error"]["code"] == -32700
        alive(client, tmp_path, "a.py")
        # invalid params: a position that is not a position
        response = client.request_raw("textDocument/hover", {"textDocument": {"uri": 3}, "position": "x"})
        assert response["error"]["code"] == -32602, response
        response = client.request_raw("textDocument/codeAction", {"textDocument": {}})
        assert response["error"]["code"] == -32602, response
        # a JSON value that is no message
        client.send_raw(b"[1, 2]")
        error = client.wait_for(lambda m: "error" in m and m.get("id") is None, 30)
        assert error["error"]["code"] == -32600
        alive(client, tmp_path, "b.py")
        no_traceback(client)
        assert client.request("shutdown") is None
        response = client.request_raw("textDocument/hover", {
            "textDocument": {"uri": (tmp_path / "b.py").as_uri()}, "position": {"line": 0, "character": 0}})
        assert response["error"]["code"] == -32600, response
        client.notify("exit")
        assert client.process.wait(timeout=30) == 0
        no_traceback(client)
    finally:
        client.close()


def test_exit_without_shutdown_is_status_1(tmp_path):
    client = start(tmp_path)
    try:
        alive(client, tmp_path)
        client.notify("exit")
        assert client.process.wait(timeout=30) == 1
        no_traceback(client)
    finally:
        client.close()


def test_a_failing_handler_leaves_the_server_alive(tmp_path):
    """A command given nonsense fails inside the handler: an answer, a line in the log, no
    traceback, and the server goes on."""
    client = start(tmp_path)
    try:
        result = client.request("workspace/executeCommand",
                                {"command": "keras-mp-lint.applyFixAll", "arguments": [{"not": "a uri"}]})
        assert result == {"applied": False}
        hover = client.request("textDocument/hover", {"textDocument": {"uri": "untitled:nothing"},
                                                      "position": {"line": 99, "character": 3}})
        assert hover is None
        alive(client, tmp_path)
        no_traceback(client)
    finally:
        client.close()


# --- cross-file refresh ---------------------------------------------------------------------------------

IMAGES = """\
import keras
import numpy as np


class ImageLoader(keras.utils.PyDataset):
    def __init__(self, paths, **kwargs):
        super().__init__(**kwargs)
        self.paths = paths

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, index):
        noise = np.random.normal(size=3)
        return noise, noise
"""

TRAIN = """\
import keras

from data.images import ImageLoader


def main():
    model = keras.Sequential([keras.layers.Dense(1)])
    model.fit(ImageLoader(["a"], workers=4, use_multiprocessing=True), epochs=3)


if __name__ == "__main__":
    main()
"""


def small_project(root: Path) -> Path:
    (root / "data").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    (root / "data" / "__init__.py").write_text("", encoding="utf-8")
    (root / "data" / "images.py").write_text(IMAGES, encoding="utf-8")
    (root / "train.py").write_text(TRAIN, encoding="utf-8")
    return root


def test_a_change_in_one_file_refreshes_the_open_files_it_affects(tmp_path):
    root = small_project(tmp_path / "a project")  # URIs with %20: the client's spelling is kept
    assert cli_codes(root / "data" / "images.py", root) == ["KMP402"]
    client = start(root)
    try:
        images = open_document(client, root / "data" / "images.py")
        first = published(client, images)
        assert codes(first) == ["KMP402"]
        # the launch that makes the loader run in worker processes, in train.py
        (related,) = first["diagnostics"][0]["relatedInformation"]
        launch = TRAIN.splitlines().index('    model.fit(ImageLoader(["a"], workers=4, use_multiprocessing=True), epochs=3)')
        assert related["location"]["uri"] == (root / "train.py").resolve().as_uri()
        assert related["location"]["range"]["start"] == {"line": launch, "character": 4}
        assert "ImageLoader runs in worker processes" in related["message"]
        train = open_document(client, root / "train.py")
        published(client, train)
        # the launch loses its workers in the editor, unsaved: images.py is not edited
        without = TRAIN.replace(", workers=4, use_multiprocessing=True", "")
        sent = time.monotonic()
        client.notify("textDocument/didChange", {"textDocument": {"uri": train, "version": 2},
                                                 "contentChanges": [{"text": without}]})
        assert published(client, images)["diagnostics"] == []
        print(f"images.py refreshed {1000 * (time.monotonic() - sent):.0f} ms after the change")
        # and back
        client.notify("textDocument/didChange", {"textDocument": {"uri": train, "version": 3},
                                                 "contentChanges": [{"text": TRAIN}]})
        assert codes(published(client, images)) == ["KMP402"]
        # closing the edited buffer: the file on disk counts again
        client.notify("textDocument/didChange", {"textDocument": {"uri": train, "version": 4},
                                                 "contentChanges": [{"text": without}]})
        assert published(client, images)["diagnostics"] == []
        client.notify("textDocument/didClose", {"textDocument": {"uri": train}})
        assert codes(published(client, images)) == ["KMP402"]
    finally:
        client.close()


# --- editor features ----------------------------------------------------------------------------------


def test_hover_on_a_noqa_code_and_on_a_finding(tmp_path):
    from pylint_keras_mp.registry import RULES_BY_CODE

    document = tmp_path / "train.py"
    text = SUPPRESSED
    document.write_text(text, encoding="utf-8")
    client = start(tmp_path)
    try:
        uri = open_document(client, document)
        diagnostics = published(client, uri)["diagnostics"]
        lines = text.splitlines()
        (line,) = [i for i, t in enumerate(lines) if "# noqa: KMP502" in t]
        character = lines[line].index("KMP502") + 2
        hover = client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                      "position": {"line": line, "character": character}})
        rule = RULES_BY_CODE["KMP502"]
        assert rule.summary in hover["contents"]["value"] and "**Fix:**" in hover["contents"]["value"]
        assert hover["range"]["start"] == {"line": line, "character": lines[line].index("KMP502")}
        # on the finding's range
        (kmp501,) = [d for d in diagnostics if d["code"] == "KMP501"]
        hover = client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                      "position": kmp501["range"]["start"]})
        value = hover["contents"]["value"]
        assert RULES_BY_CODE["KMP501"].summary in value and kmp501["message"] in value
        # elsewhere: nothing
        assert client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                     "position": {"line": 0, "character": 0}}) is None
    finally:
        client.close()


def notebook_params(uri: str, cells: list[tuple[str, str]]) -> dict:
    return {
        "notebookDocument": {
            "uri": uri, "notebookType": "jupyter-notebook", "version": 1,
            "cells": [{"kind": 2 if kind == "code" else 1, "document": f"{uri}#cell{i}"}
                      for i, (kind, _) in enumerate(cells)],
        },
        "cellTextDocuments": [
            {"uri": f"{uri}#cell{i}", "languageId": "python" if kind == "code" else "markdown",
             "version": 1, "text": text}
            for i, (kind, text) in enumerate(cells)
        ],
    }


def test_notebook_documents_get_diagnostics_per_cell(tmp_path):
    from pylint_keras_mp.notebook import analyze_notebook

    cells = [
        ("markdown", "# Training"),
        ("code", "import keras\nimport numpy as np\n"),
        ("code", (
            "class Frames(keras.utils.PyDataset):\n    def __init__(self, x, **kwargs):\n"
            "        super().__init__(**kwargs)\n        self.x = x\n        self.post = lambda b: b\n\n"
            "    def __len__(self):\n        return 1\n\n    def __getitem__(self, i):\n"
            "        return self.post(self.x[i])\n"
        )),
        ("code", "model = keras.Sequential([])\nmodel.fit(Frames([1]), workers=2, use_multiprocessing=True)  # noqa: KMP503\n"),
    ]
    notebook = tmp_path / "train.ipynb"
    document = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": kind, "metadata": {}, "source": text, **({"outputs": [], "execution_count": None} if kind == "code" else {})}
        for kind, text in cells]}
    notebook.write_text(json.dumps(document), encoding="utf-8")
    expected = analyze_notebook(notebook.read_text(encoding="utf-8"), str(notebook))
    assert {f.cell for f in expected} >= {3, 4}
    client = start(tmp_path, capabilities={"notebookDocument": {"synchronization": {}}})
    uri = notebook.as_uri()
    try:
        client.notify("notebookDocument/didOpen", notebook_params(uri, cells))
        per_cell = {}
        for i in (1, 2, 3):
            per_cell[i] = published(client, f"{uri}#cell{i}")
        assert codes(per_cell[2]) == ["KMP201"]
        kmp201 = per_cell[2]["diagnostics"][0]
        assert kmp201["range"]["start"]["line"] == 4  # the line in the cell
        assert cli_codes(notebook, tmp_path) == sorted(c for p in per_cell.values() for c in codes(p))
        # a cell edited: its diagnostics follow
        client.notify("notebookDocument/didChange", {
            "notebookDocument": {"uri": uri, "version": 2},
            "change": {"cells": {"textContent": [{
                "document": {"uri": f"{uri}#cell2", "version": 2},
                "changes": [{"text": cells[2][1].replace("lambda b: b", "None")}]}]}},
        })
        assert published(client, f"{uri}#cell2")["diagnostics"] == []
        client.notify("notebookDocument/didClose", {"notebookDocument": {"uri": uri},
                                                    "cellTextDocuments": [{"uri": f"{uri}#cell{i}"} for i in range(4)]})
        published(client, f"{uri}#cell3", lambda p: p["diagnostics"] == [])
    finally:
        client.close()


def test_keystrokes_coalesce(tmp_path):
    """30 changes sent at once are analysed once or twice, not 30 times, and the last text wins."""
    document = tmp_path / "train.py"
    body = SOURCE + "".join(f"\ndef f{i}(x):\n    return x + {i}\n" for i in range(700))
    document.write_text(body, encoding="utf-8")
    client = start(tmp_path)
    try:
        uri = open_document(client, document, body)
        published(client, uri)
        text = body
        for version in range(2, 32):
            text = text + "#"
            client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                     "contentChanges": [{"text": text}]})
        last = published(client, uri, lambda p: p.get("version") == 31, timeout=120)
        assert codes(last) == sorted(f.code for f in analyze(SOURCE, "t.py"))
        earlier = [m for m in client._pending if m.get("method") == "textDocument/publishDiagnostics"]
        assert len(earlier) < 5, [m["params"].get("version") for m in earlier]
    finally:
        client.close()


# --- the linted workspace is never imported -----------------------------------------------------------

# What the server and the linter import at run time, named by files of the workspace that leave
# a marker when they are executed.
SHADOWED = ("libcst", "tomllib", "tomli", "pygls", "lsprotocol", "cattrs", "attrs", "nbformat", "yaml")


def shadowing_workspace(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name in SHADOWED:
        (root / f"{name}.py").write_text(
            f"open({str(root / ('executed-' + name))!r}, 'w').close()\n", encoding="utf-8"
        )
    (root / "pyproject.toml").write_text('[tool.keras-mp-lint]\nignore = ["KMP503"]\n', encoding="utf-8")
    return root


@pytest.mark.parametrize("launch", ["console-script", "python-m"])
def test_the_server_never_imports_the_workspace(tmp_path, launch):
    workspace = shadowing_workspace(tmp_path / "ws")
    document = workspace / "train.py"
    document.write_text(SOURCE, encoding="utf-8")
    command = (
        [str(BIN / "keras-mp-lint"), "server"]
        if launch == "console-script"
        else [sys.executable, "-m", "pylint_keras_mp", "server"]
    )
    env = dict(os.environ)
    if launch == "python-m":  # the package from this checkout, the workspace first on sys.path
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parent.parent), env.get("PYTHONPATH")]))
    client = LspClient(command, cwd=str(workspace), env=env)
    try:
        client.request("initialize", {"processId": None, "rootUri": workspace.as_uri(), "capabilities": {}}, timeout=60)
        client.notify("initialized", {})
        uri = open_document(client, document)
        diagnostics = published(client, uri)
        assert "KMP503" not in codes(diagnostics) and "KMP501" in codes(diagnostics)  # config read
        (kmp501,) = [d for d in diagnostics["diagnostics"] if d["code"] == "KMP501"]
        actions = client.request("textDocument/codeAction", {  # fixes: LibCST at work
            "textDocument": {"uri": uri}, "range": kmp501["range"], "context": {"diagnostics": [kmp501]}})
        assert any(a["title"].endswith("(KMP501)") for a in actions), actions
        client.request("shutdown")
    finally:
        client.close()
    assert sorted(p.name for p in workspace.glob("executed-*")) == []
