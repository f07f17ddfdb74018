"""Nothing of the linted repository is imported: a repository that shadows every runtime
dependency of the linter with files that leave a marker when imported is linted by pylint,
flake8, keras-mp-lint (also as ``python -m``, which puts the working directory on sys.path), the
language server and pylsp (diagnostics, a quick fix and fix all: LibCST at work), and no marker
appears."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixture_support import FIXTURES, ROOT, _bin
from tests.lsp_client import LspClient

# The linter's runtime dependencies and the standard modules it imports lazily. (A module that
# Python or the host imports at start-up, before any plugin loads, such as linecache or bisect
# under ``python -m flake8``, or configparser, which flake8 and pylint read their own
# configuration with, is the host's to protect, not the plugin's.)
SHADOWED = (
    "libcst", "tomllib", "tomli", "pygls", "lsprotocol", "cattrs", "attrs", "nbformat", "yaml",
    "difflib", "hashlib", "jsonschema", "pylsp",
)
LOADERS = (
    FIXTURES / "KMP201" / "bad_lambda_and_closures.py",  # KMP201: a fix made with LibCST
    FIXTURES / "KMP305" / "bad_keras3_fit_arguments.py",
)


def shadowing_repository(root: Path, markers: Path) -> Path:
    """A repository whose own modules are named like the linter's dependencies, each a module
    and a package, each writing a marker file when imported."""
    repo = root / "repo"
    package = repo / "app"
    package.mkdir(parents=True)
    for name in SHADOWED:
        code = f"open({str(markers / name)!r}, 'w').close()\n"
        (repo / f"{name}.py").write_text(code)
        (package / f"{name}.py").write_text(code)
    (package / "__init__.py").write_text("")
    for loader in LOADERS:
        (package / loader.name).write_bytes(loader.read_bytes())
        (repo / loader.name).write_bytes(loader.read_bytes())
    (repo / "pyproject.toml").write_text('[tool.keras-mp-lint]\nkeras-version = "3"\n')
    (repo / "app" / "setup.cfg").write_text("[keras-mp-lint]\nkeras-version = 3\n")
    return repo


COMMANDS = {
    "pylint": [_bin("pylint"), "--load-plugins=pylint_keras_mp", "--disable=all", "--enable=keras-mp", "app", *(l.name for l in LOADERS)],
    "python -m pylint": [sys.executable, "-m", "pylint", "--load-plugins=pylint_keras_mp", "--disable=all", "--enable=keras-mp", "app"],
    "flake8": [_bin("flake8"), "--select=KMP", "."],
    "python -m flake8": [sys.executable, "-m", "flake8", "--select=KMP", "-j", "2", "."],
    "keras-mp-lint": [_bin("keras-mp-lint"), "--format", "sarif", "."],
    "python -m pylint_keras_mp": [sys.executable, "-m", "pylint_keras_mp", "--format", "sarif", "."],
    "keras-mp-lint --diff": [sys.executable, "-m", "pylint_keras_mp", "--diff", "--unsafe-fixes", "."],
}


@pytest.mark.parametrize("front_end", sorted(COMMANDS))
def test_no_module_of_the_linted_repository_is_imported(tmp_path, front_end):
    markers = tmp_path / "markers"
    markers.mkdir()
    repo = shadowing_repository(tmp_path, markers)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        COMMANDS[front_end], capture_output=True, text=True, cwd=repo, env=env, timeout=600
    )
    assert "KMP201" in proc.stdout or "E7201" in proc.stdout or "@@" in proc.stdout, (
        proc.stdout[-2000:], proc.stderr[-2000:]
    )
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert sorted(os.listdir(markers)) == [], proc.stderr[-2000:]


def _initialize(client: LspClient, repo: Path) -> None:
    client.request(
        "initialize",
        {"processId": None, "rootUri": repo.as_uri(), "capabilities": {},
         "workspaceFolders": [{"uri": repo.as_uri(), "name": "repo"}]},
        timeout=120,
    )
    client.notify("initialized", {})


def _open(client: LspClient, path: Path) -> str:
    client.notify("textDocument/didOpen", {"textDocument": {
        "uri": path.as_uri(), "languageId": "python", "version": 1, "text": path.read_text()}})
    return path.as_uri()


def _diagnostics_with(client: LspClient, uri: str, code: str) -> list[dict]:
    params = client.wait_for_notification(
        "textDocument/publishDiagnostics",
        lambda p: p["uri"] == uri and any(d.get("code") == code for d in p["diagnostics"]),
        timeout=120,
    )
    return params["diagnostics"]


@pytest.mark.parametrize("launch", ["keras-mp-lint server", "python -m pylint_keras_mp server"])
def test_the_language_server_imports_nothing_of_the_workspace(tmp_path, launch):
    markers = tmp_path / "markers"
    markers.mkdir()
    repo = shadowing_repository(tmp_path, markers)
    command = (
        [_bin("keras-mp-lint"), "server"] if launch.startswith("keras-mp-lint")
        else [sys.executable, "-m", "pylint_keras_mp", "server"]
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    client = LspClient(command, cwd=str(repo), env=env)
    applied = []
    client.request_handlers["workspace/applyEdit"] = lambda params: applied.append(params) or {"applied": True}
    try:
        _initialize(client, repo)
        for folder in (repo, repo / "app"):  # the second one reads app/setup.cfg (configparser)
            _diagnostics_with(client, _open(client, folder / LOADERS[0].name), "KMP201")
            uri = _open(client, folder / LOADERS[1].name)
            found = [d for d in _diagnostics_with(client, uri, "KMP305") if d["code"] == "KMP305"]
            whole = {"start": {"line": 0, "character": 0}, "end": {"line": 10_000, "character": 0}}
            actions = client.request("textDocument/codeAction", {  # the fixes: LibCST at work
                "textDocument": {"uri": uri}, "range": whole, "context": {"diagnostics": found}})
            assert any("(KMP305)" in a["title"] and "noqa" not in a["title"] for a in actions), actions
        client.request("workspace/executeCommand",
                       {"command": "keras-mp-lint.applyFixAllWorkspace", "arguments": []}, timeout=300)
        assert applied, "fix all in the workspace changed nothing"
        client.request("shutdown")
        client.notify("exit")
        client.process.wait(timeout=60)
    finally:
        client.close()
    assert "Traceback" not in client.stderr(), client.stderr()[-3000:]
    assert sorted(os.listdir(markers)) == [], client.stderr()[-2000:]


# Imported by pylsp itself (parso) from the working directory before a plugin loads.
PYLSP_OWN = ("pylsp", "difflib", "hashlib")


def test_pylsp_with_the_plugin_imports_nothing_of_the_workspace(tmp_path):
    """``python -m pylsp`` from the workspace: the workspace is first on sys.path. Left out: the
    workspace's own ``pylsp.py`` (``-m`` would run it) and ``difflib``/``hashlib``, which pylsp's
    parso imports at start-up, before any plugin is loaded (the host's to protect)."""
    markers = tmp_path / "markers"
    markers.mkdir()
    repo = shadowing_repository(tmp_path, markers)
    for name in PYLSP_OWN:
        (repo / f"{name}.py").unlink()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONWARNINGS", None)
    client = LspClient([sys.executable, "-m", "pylsp"], cwd=str(repo), env=env)
    try:
        _initialize(client, repo)
        quiet = {name: {"enabled": False} for name in ("pycodestyle", "pyflakes", "mccabe", "pylint", "flake8")}
        client.notify("workspace/didChangeConfiguration", {"settings": {"pylsp": {"plugins": {
            **quiet, "keras_mp": {"enabled": True}}}}})
        for path in (repo / LOADERS[0].name, repo / "app" / LOADERS[1].name):
            code = "KMP201" if path.name == LOADERS[0].name else "KMP305"
            found = _diagnostics_with(client, _open(client, path), code)
            assert any(d.get("source") == "keras-mp" for d in found), found
        client.request("shutdown")
    finally:
        client.close()
    assert sorted(os.listdir(markers)) == [], client.stderr()[-2000:]
