"""Editors: pylsp (python-lsp-server) shows keras-mp findings through its pylint and flake8 plugins.

A real pylsp runs over stdio; the test opens a file with a KMP201 bug and waits for
textDocument/publishDiagnostics with the finding at the engine's position (LSP line = line - 1,
character = the engine's 0-based column).
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

from pylint_keras_mp.engine import analyze
from tests.fixture_support import ROOT
from tests.lsp_client import LspClient

BIN = Path(sys.executable).parent

BAD_SOURCE = """\
import keras


class Frames(keras.utils.PyDataset):
    def __init__(self, x, **kwargs):
        super().__init__(**kwargs)
        self.x = x
        self.post = lambda batch: batch / 255.0

    def __len__(self):
        return len(self.x)

    def __getitem__(self, index):
        return self.post(self.x[index])
"""

QUIET_BUILTINS = {name: {"enabled": False} for name in ("pycodestyle", "pyflakes", "mccabe")}


def expected_start() -> dict:
    (finding,) = analyze(BAD_SOURCE, "loader.py")
    assert finding.code == "KMP201"
    assert BAD_SOURCE.splitlines()[finding.line - 1].strip().startswith("self.post = lambda")
    return {"line": finding.line - 1, "character": finding.col}


def expected_range() -> dict:
    """The whole statement: from `self.post` to the end of the lambda."""
    (finding,) = analyze(BAD_SOURCE, "loader.py")
    line = BAD_SOURCE.splitlines()[finding.end_line - 1]
    assert line[finding.col : finding.end_col] == "self.post = lambda batch: batch / 255.0"
    return {"start": expected_start(), "end": {"line": finding.end_line - 1, "character": finding.end_col}}


def tool(name: str) -> str:
    path = BIN / name
    assert path.exists(), f"{path} is missing: pip install -e '.[test]'"
    return str(path)


def diagnostics_for(
    workspace: Path, plugins: dict, source: str = BAD_SOURCE, codes=("KMP201", "E7201"), command=None
) -> list[dict]:
    """Open loader.py in a fresh pylsp with ``plugins`` settings; the first diagnostics that
    contain a keras-mp finding (or the test fails after the timeout)."""
    document = workspace / "loader.py"
    document.write_text(source, encoding="utf-8")
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("PYTHONWARNINGS", None)
    client = LspClient(command or [tool("pylsp")], cwd=str(workspace), env=env)
    try:
        client.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": workspace.as_uri(),
                "capabilities": {"textDocument": {"publishDiagnostics": {}}},
                "workspaceFolders": [{"uri": workspace.as_uri(), "name": "ws"}],
            },
            timeout=60,
        )
        client.notify("initialized")
        client.notify(
            "workspace/didChangeConfiguration",
            {"settings": {"pylsp": {"plugins": {**QUIET_BUILTINS, **plugins}}}},
        )
        uri = document.as_uri()
        client.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": source}},
        )
        params = client.wait_for_notification(
            "textDocument/publishDiagnostics",
            lambda p: p.get("uri") == uri
            and any(d.get("code") in codes for d in p.get("diagnostics", [])),
            timeout=90,
        )
        return params["diagnostics"]
    finally:
        client.close()


def documented_plugins() -> dict:
    """The pylsp settings that docs/integrations.md shows."""
    text = (ROOT / "docs" / "integrations.md").read_text(encoding="utf-8")
    blocks = [json.loads(block) for block in re.findall(r"```json\n(.*?)```", text, re.DOTALL)]
    (settings,) = [block for block in blocks if "pylsp" in block]
    return settings["pylsp"]["plugins"]


@pytest.mark.parametrize("mode", ["stdin", "saved-file"])
def test_pylsp_pylint_plugin_publishes_the_keras_mp_diagnostic(tmp_path, mode):
    pylint_settings = dict(documented_plugins()["pylint"])
    assert pylint_settings["executable"] == "pylint"  # found on PATH, the environment's pylint
    if mode == "saved-file":  # without executable pylsp runs pylint on the file on disk
        del pylint_settings["executable"]
    diagnostics = diagnostics_for(tmp_path, {"pylint": pylint_settings})
    ours = [d for d in diagnostics if d.get("code") == "E7201"]
    assert len(ours) == 1, diagnostics
    (diagnostic,) = ours
    assert diagnostic["source"] == "pylint"
    assert diagnostic["range"]["start"] == expected_start()
    assert diagnostic["severity"] == 1  # Error
    assert "sequence-lambda-attribute" in diagnostic["message"]
    assert "rules/KMP201.md" in diagnostic["message"]


def test_pylsp_flake8_plugin_publishes_the_keras_mp_diagnostic(tmp_path):
    flake8_settings = {**documented_plugins()["flake8"], "executable": tool("flake8")}
    diagnostics = diagnostics_for(tmp_path, {"flake8": flake8_settings})
    ours = [d for d in diagnostics if d.get("code") == "KMP201"]
    assert len(ours) == 1, diagnostics
    (diagnostic,) = ours
    assert diagnostic["source"] == "flake8"
    assert diagnostic["range"]["start"] == expected_start()
    assert diagnostic["message"].startswith("KMP201 Frames stores a lambda in self.post")
    assert diagnostic["message"].count("(see ") == 1


def test_pylint_reports_the_end_of_the_offending_statement():
    """The pylint front end passes the end line and column to pylint (editors that read them,
    such as VS Code's Pylint extension, underline the whole statement)."""
    import subprocess

    with_end = subprocess.run(
        [tool("pylint"), "--load-plugins=pylint_keras_mp", "--disable=all", "--enable=keras-mp",
         "--persistent=n", "--output-format=json", "--from-stdin", "loader.py"],
        input=BAD_SOURCE, capture_output=True, text=True, timeout=300,
    )
    (message,) = json.loads(with_end.stdout)
    expected = expected_range()
    assert (message["line"] - 1, message["column"]) == tuple(expected["start"].values())
    assert (message["endLine"] - 1, message["endColumn"]) == tuple(expected["end"].values())


def documented_keras_mp_plugin() -> dict:
    return documented_plugins()["keras_mp"]


def test_pylsp_keras_mp_plugin_underlines_the_whole_statement(tmp_path):
    """pylsp's pylint plugin keeps only the start (it underlines the identifier there, `self`);
    the keras_mp pylsp plugin publishes the engine's full range."""
    settings = documented_keras_mp_plugin()
    assert settings["enabled"] is True
    diagnostics = diagnostics_for(tmp_path, {"keras_mp": settings}, codes=("KMP201",))
    (diagnostic,) = [d for d in diagnostics if d.get("source") == "keras-mp"]
    assert diagnostic["code"] == "KMP201"
    assert diagnostic["range"] == expected_range()
    assert diagnostic["severity"] == 1
    assert diagnostic["codeDescription"]["href"].endswith("/KMP201.md")
    assert "sequence-lambda-attribute" in diagnostic["message"]


def test_pylsp_keras_mp_plugin_honours_noqa(tmp_path):
    unsuppressed = BAD_SOURCE.replace("        self.x = x\n", "        self.x = x\n        self.pre = lambda b: b\n")
    # a second, unsuppressed finding proves the plugin ran; the suppressed one is absent
    source = unsuppressed.replace("255.0\n", "255.0  # noqa: KMP201\n", 1)
    diagnostics = diagnostics_for(tmp_path, {"keras_mp": {"enabled": True}}, source, codes=("KMP201",))
    ours = [d for d in diagnostics if d.get("source") == "keras-mp"]
    assert [d["range"]["start"]["line"] for d in ours] == [7], ours


def test_pylsp_keras_mp_plugin_never_imports_the_workspace(tmp_path):
    """``python -m pylsp`` started in the workspace puts it first on sys.path: files named like
    the plugin's run-time dependencies must not be run."""
    from tests.test_lsp_server import shadowing_workspace

    workspace = shadowing_workspace(tmp_path / "ws")
    source = BAD_SOURCE.replace("super().__init__(**kwargs)", "super().__init__()")  # KMP502, fixable
    diagnostics = diagnostics_for(
        workspace, {"keras_mp": {"enabled": True}}, source, codes=("KMP201",),
        command=[sys.executable, "-m", "pylsp"],
    )
    assert {d["code"] for d in diagnostics if d.get("source") == "keras-mp"} >= {"KMP201", "KMP502"}
    assert sorted(p.name for p in workspace.glob("executed-*")) == []


def test_pylsp_keras_mp_plugin_survives_an_invalid_configuration(tmp_path):
    """A pyproject.toml the plugin cannot use: pylsp's log says so and the defaults apply (the
    finding is still shown)."""
    (tmp_path / "pyproject.toml").write_text('[tool.keras-mp-lint]\nkeras-version = "4"\n', encoding="utf-8")
    diagnostics = diagnostics_for(tmp_path, {"keras_mp": {"enabled": True}}, codes=("KMP201",))
    assert [d["code"] for d in diagnostics if d.get("source") == "keras-mp"] == ["KMP201"]
