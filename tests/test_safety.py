"""The plugin never imports, executes or writes the code it lints, and opens no connection.

A module whose import (or execution) would create marker files is linted by the engine, by pylint
and flake8 with the plugin, and by keras-mp-lint: the markers never appear, the linted tree is
byte-for-byte and mtime-for-mtime unchanged, and no __pycache__ appears. In a separate interpreter
an audit hook (PEP 578) watches the same runs in-process and records every attempt to execute
code from the linted folder, import its modules, open one of its files for writing, open a socket
or start a process. Network access is also blocked in this process while the engine runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from pylint_keras_mp.config import Options
from pylint_keras_mp.engine import analyze
from pylint_keras_mp.service import analyze_file

ROOT = Path(__file__).resolve().parent.parent

PACKAGE_INIT = """\
import pathlib
pathlib.Path(__file__).with_name("IMPORTED_PACKAGE").write_text("victim_pkg was imported")


class Base:
    pass
"""

TRAIN = """\
import pathlib
import keras
import victim_pkg
from victim_pkg import Base

pathlib.Path(__file__).with_name("IMPORTED_TRAIN").write_text("train was imported")
SEEN = []


class Frames(keras.utils.Sequence, Base):
    def __init__(self, paths, **kwargs):
        super().__init__(**kwargs)
        self.post = lambda x: x
        self.handle = open(paths[0])

    def __getitem__(self, index):
        SEEN.append(index)
        return index


model.fit(Frames(["a"]), workers=4, use_multiprocessing=True)

if __name__ == "__main__":
    pathlib.Path(__file__).with_name("RAN_AS_MAIN").write_text("train ran")
"""
EXPECTED_CODES = {"KMP101", "KMP201", "KMP202"}
MARKERS = ("IMPORTED_PACKAGE", "IMPORTED_TRAIN", "RAN_AS_MAIN")


@pytest.fixture()
def victim(tmp_path):
    project = tmp_path / "project"
    (project / "victim_pkg").mkdir(parents=True)
    (project / "victim_pkg" / "__init__.py").write_text(PACKAGE_INIT, encoding="utf-8")
    (project / "train.py").write_text(TRAIN, encoding="utf-8")
    return project


def snapshot(folder: Path) -> dict[str, tuple[int, int, str]]:
    """{relative path: (size, mtime_ns, sha256)} of everything under ``folder``, folders too."""
    found = {}
    for path in sorted(folder.rglob("*")):
        stat = path.stat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        found[str(path.relative_to(folder))] = (stat.st_size, stat.st_mtime_ns, digest)
    return found


def assert_untouched(folder: Path, before: dict) -> None:
    for marker in MARKERS:
        assert not list(folder.rglob(marker)), f"{marker}: the linted code ran"
    assert not list(folder.rglob("__pycache__")), "something compiled the linted code to disk"
    assert snapshot(folder) == before


def _bin(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONWARNINGS", None)
    env["HOME"] = str(home)  # pylint's and flake8's own caches, if any, stay out of the project
    env["XDG_CACHE_HOME"] = str(home / ".cache")
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a front end that imported the code would write .pyc
    return env


def test_the_engine_does_not_import_run_or_write_the_linted_code(victim):
    before = snapshot(victim)
    modules_before = set(sys.modules)
    for path in (victim / "train.py", victim / "victim_pkg" / "__init__.py"):
        for options in (Options(), Options(assume_multiprocessing=True, keras_version="auto")):
            findings = analyze_file(str(path), options)
            assert not [f for f in findings if f.code == "KMP900"]
    codes = {f.code for f in analyze_file(str(victim / "train.py"))}
    assert EXPECTED_CODES <= codes
    assert not {"train", "victim_pkg"} & (set(sys.modules) - modules_before)
    assert_untouched(victim, before)


@pytest.mark.parametrize("front_end", ["pylint", "flake8", "keras-mp-lint"])
def test_front_ends_do_not_import_run_or_write_the_linted_code(victim, tmp_path, front_end):
    before = snapshot(victim)
    if front_end == "pylint":
        command = [
            _bin("pylint"),
            "--load-plugins=pylint_keras_mp",
            "--disable=all",
            "--enable=keras-mp",
            "--persistent=n",
            "--score=n",
            "-j1",
            "train.py",
            "victim_pkg",
        ]
        expected = {"W7101", "E7201", "E7202"}
    elif front_end == "flake8":
        command = [_bin("flake8"), "--isolated", "--select=KMP", "-j1", "."]
        expected = EXPECTED_CODES
    else:
        command = [sys.executable, "-m", "pylint_keras_mp", "--isolated", "--jobs", "1", "."]
        expected = EXPECTED_CODES
    proc = subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=victim,
        env=_env(tmp_path / "home"),
        timeout=300,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    for code in expected:
        assert code in proc.stdout, (code, proc.stdout, proc.stderr)
    assert_untouched(victim, before)


# The audit run: the engine, pylint and flake8 in one interpreter, watched by a PEP 578 hook.
AUDIT_SCRIPT = r"""
import json, os, sys
project = os.path.realpath(sys.argv[1])
events = []
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
VICTIM_MODULES = ("train", "victim_pkg")
watching = False

def inside(path):
    try:
        return os.path.realpath(os.fsdecode(path)).startswith(project)
    except Exception:
        return False

def hook(event, args):
    if not watching:
        return
    if event == "exec":
        code = args[0]
        filename = getattr(code, "co_filename", "") or "<unknown>"
        if not filename.startswith("<") and inside(filename):
            events.append(["exec", code.co_filename])
    elif event == "import":
        if args[0].split(".")[0] in VICTIM_MODULES:
            events.append(["import", args[0]])
    elif event == "open":
        path, mode, flags = args
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & WRITE_FLAGS
        )
        if writing and isinstance(path, (str, bytes, os.PathLike)) and inside(path):
            events.append(["open-for-writing", os.fsdecode(path), mode])
    elif event.startswith("socket.") or event in (
        "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
        "os.forkpty", "urllib.Request",
    ):
        events.append([event, repr(args)[:200]])

sys.addaudithook(hook)

from pylint_keras_mp.service import analyze_file
from pylint.lint import Run as PylintRun
from flake8.main.application import Application
import pylint_keras_mp.flake8_plugin, pylint_keras_mp.pylint_plugin, pylint_keras_mp.cli

analyze_file(os.devnull)  # import everything the engine imports lazily before watching
os.chdir(project)
results = {}
watching = True
results["engine"] = sorted({f.code for f in analyze_file("train.py")})
PylintRun(
    ["--load-plugins=pylint_keras_mp", "--disable=all", "--enable=keras-mp", "--persistent=n",
     "--score=n", "-j1", "train.py", "victim_pkg"],
    exit=False,
)
app = Application()
app.run(["--isolated", "--select=KMP", "-j1", "train.py", "victim_pkg/__init__.py"])
from pylint_keras_mp.cli import main as cli_main
results["cli_exit"] = cli_main(["--isolated", "--jobs", "1", "train.py"])
watching = False
results["events"] = events
sys.__stdout__.write("\nAUDIT " + json.dumps(results) + "\n")
"""


def test_audit_hook_sees_no_execution_import_write_socket_or_process(victim, tmp_path):
    before = snapshot(victim)
    proc = subprocess.run(
        [sys.executable, "-c", AUDIT_SCRIPT, str(victim)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_env(tmp_path / "home"),
        timeout=300,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("AUDIT ")]
    assert lines, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = json.loads(lines[-1].removeprefix("AUDIT "))
    assert results["events"] == []
    assert EXPECTED_CODES <= set(results["engine"])
    assert results["cli_exit"] == 1  # findings
    assert "W7101" in proc.stdout and "KMP201" in proc.stdout  # pylint's and flake8's output
    assert_untouched(victim, before)


class ConnectionAttempt(AssertionError):
    pass


@pytest.fixture()
def no_network(monkeypatch):
    """Every way to reach the network raises, and is recorded."""
    attempts: list[str] = []

    def blocked(name):
        def refuse(*args, **kwargs):
            attempts.append(f"{name}{args!r}")
            raise ConnectionAttempt(f"network access attempted: {name}")

        return refuse

    for name in ("connect", "connect_ex", "sendto", "sendmsg"):
        monkeypatch.setattr(socket.socket, name, blocked(f"socket.{name}"))
    for name in ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex"):
        monkeypatch.setattr(socket, name, blocked(name))
    return attempts


def test_the_engine_works_with_the_network_blocked(no_network, victim):
    from tests.fixture_support import engine_findings, fixture_files

    # keras-version auto reads the installed keras/tensorflow metadata: local files only
    from pylint_keras_mp import facts

    facts.installed_version.cache_clear()
    for fixture in fixture_files():
        assert engine_findings(fixture) == fixture.expected(), fixture.id
    source = (victim / "train.py").read_text(encoding="utf-8")
    for options in (Options(keras_version="auto"), Options(assume_multiprocessing=True)):
        assert EXPECTED_CODES <= {f.code for f in analyze(source, "train.py", options)}
    assert no_network == []


def test_the_network_block_itself_works(no_network):
    with pytest.raises(ConnectionAttempt):
        socket.create_connection(("192.0.2.1", 80), timeout=0.01)
    assert no_network and no_network[0].startswith("create_connection")
