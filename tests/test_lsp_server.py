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
from pylint_keras_mp.fixes import fix_source
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
        engine = {f.code: f for f in analyze(SOURCE, str(document))}
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
