"""The user's files and settings are the user's problem, said clearly: unreadable, dangling,
looping or special files are skipped with a warning naming them (never read, never a hang);
malformed configuration files are a named error; output never fails on an encoding."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.fixture_support import FIXTURES, _bin

BAD = FIXTURES / "KMP201" / "bad_lambda_and_closures.py"
NON_ASCII_LOADER = '''\
import keras


class Кадры(keras.utils.Sequence):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.post = lambda batch: batch

    def __len__(self):
        return 1

    def __getitem__(self, index):
        return self.post(index)
'''
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def lint(*args: str, cwd=None, env=None, stdin=None, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [_bin("keras-mp-lint"), *args], capture_output=True, cwd=cwd, env=env, input=stdin,
        timeout=timeout,
    )


def test_a_stream_that_cannot_show_a_name_gets_backslash_escapes(tmp_path):
    (tmp_path / "loader.py").write_text(NON_ASCII_LOADER, encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "cp1252"}
    proc = lint("--format", "text", "loader.py", cwd=tmp_path, env=env)
    assert proc.returncode == 1, proc.stderr
    assert b"Traceback" not in proc.stderr and b"internal error" not in proc.stderr
    assert b"KMP201" in proc.stdout
    assert b"\\u041a\\u0430\\u0434\\u0440\\u044b" in proc.stdout  # Кадры, escaped
    proc.stdout.decode("cp1252")  # what was written is cp1252


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file names are bytes")
def test_a_file_name_that_is_not_utf8_is_written_as_the_os_gives_it(tmp_path):
    name = b"caf\xe9.py"
    with open(os.path.join(os.fsencode(tmp_path), name), "wb") as handle:
        handle.write(BAD.read_bytes())
    text = lint("--format", "text", ".", cwd=tmp_path)
    assert text.returncode == 1, text.stderr
    assert text.stdout.startswith(b"caf\xe9.py:"), text.stdout[:80]
    sarif = lint("--format", "sarif", ".", cwd=tmp_path)
    assert sarif.returncode == 1, sarif.stderr
    uris = {
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for result in json.loads(sarif.stdout)["runs"][0]["results"]
    }
    assert uris == {"caf%E9.py"}
    for format_name in ("json", "github"):
        proc = lint("--format", format_name, ".", cwd=tmp_path)
        assert proc.returncode == 1 and b"Traceback" not in proc.stderr, proc.stderr


def _special_files(folder):
    """(name, how it is described) of each kind of file that must be skipped unread."""
    os.symlink(folder / "missing.py", folder / "dangling.py")
    os.symlink(folder / "loop_b.py", folder / "loop_a.py")
    os.symlink(folder / "loop_a.py", folder / "loop_b.py")
    os.mkfifo(folder / "fifo.py")
    os.symlink("/dev/zero", folder / "zeros.py")
    return {
        "dangling.py": "broken symbolic link",
        "loop_a.py": "loops",
        "loop_b.py": "loops",
        "fifo.py": "FIFO",
        "zeros.py": "device",
    }


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_special_files_in_a_folder_are_skipped_with_a_warning_and_never_read(tmp_path):
    expected = _special_files(tmp_path)
    (tmp_path / "bad.py").write_bytes(BAD.read_bytes())
    proc = lint(".", cwd=tmp_path, timeout=60)  # a FIFO read would hang, /dev/zero never end
    stderr = proc.stderr.decode()
    for name, described in expected.items():
        assert f"{name}: skipped: " in stderr and described in stderr, stderr
    assert "KMP900" not in proc.stdout.decode() and "Traceback" not in stderr
    assert "KMP201" in proc.stdout.decode()  # the readable file is still linted
    assert proc.returncode == 3


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_special_files_named_on_the_command_line_are_skipped(tmp_path):
    expected = _special_files(tmp_path)
    for name, described in expected.items():
        proc = lint(name, cwd=tmp_path, timeout=60)
        stderr = proc.stderr.decode()
        assert proc.returncode == 3, (name, stderr)
        assert f"{name}: skipped: " in stderr and described in stderr, stderr
        assert proc.stdout == b""
    # --exit-zero is about findings: an incomplete run still says so
    assert lint("--exit-zero", "fifo.py", cwd=tmp_path, timeout=60).returncode == 3


@pytest.mark.skipif(AS_ROOT, reason="root reads files whatever their permissions")
def test_an_unreadable_file_and_folder_are_skipped_with_a_warning(tmp_path):
    (tmp_path / "secret.py").write_bytes(BAD.read_bytes())
    (tmp_path / "secret.py").chmod(0)
    (tmp_path / "closed").mkdir()
    (tmp_path / "closed" / "inner.py").write_bytes(BAD.read_bytes())
    (tmp_path / "closed").chmod(0)
    try:
        proc = lint(".", cwd=tmp_path)
    finally:
        (tmp_path / "closed").chmod(0o755)
    stderr = proc.stderr.decode()
    assert "secret.py: skipped: permission denied" in stderr, stderr
    assert "closed: skipped: cannot list the folder" in stderr, stderr
    assert proc.returncode == 3


@pytest.mark.parametrize(
    "name, content, said",
    [
        ("pyproject.toml", b"[tool.keras-mp-lint]\nselect = ['KMP\xff']\n", "not valid TOML"),
        ("pyproject.toml", b"tool = 1\n", "tool must be a table"),
        ("pyproject.toml", b"[tool.keras-mp-lint]\nselect = 5\n", "select must be"),
        ("pyproject.toml", b"[tool.keras-mp-lint]\njobs = [1]\n", "jobs must be"),
        ("pyproject.toml", b"x = " + b"[" * 100_000 + b"]" * 100_000 + b"\n", "not valid TOML"),
        ("setup.cfg", b"[keras-mp-lint]\nselect = KMP\xff\n", "not a valid setup.cfg"),
        (".keras-mp-lint.toml", b"ignore = {a = 1}\n", "not a keras-mp-lint option"),
        (".keras-mp-lint.toml", b'extend = "missing.toml"\n', "no such file"),
    ],
)
def test_a_malformed_configuration_file_is_a_named_user_error(tmp_path, name, content, said):
    (tmp_path / "bad.py").write_bytes(BAD.read_bytes())
    (tmp_path / name).write_bytes(content)
    proc = lint("bad.py", cwd=tmp_path)
    stderr = proc.stderr.decode()
    assert proc.returncode == 2, stderr
    assert stderr.startswith("keras-mp-lint: error: ") and name in stderr and said in stderr, stderr
    assert "Traceback" not in stderr


def test_extend_reads_the_base_configuration_and_overrides_it(tmp_path):
    (tmp_path / "base.toml").write_text('ignore = ["KMP201"]\nkeras-version = "3"\n')
    project = tmp_path / "project"
    project.mkdir()
    (project / "bad.py").write_bytes(BAD.read_bytes())
    (project / "pyproject.toml").write_text('[tool.keras-mp-lint]\nextend = "../base.toml"\n')
    assert lint("bad.py", cwd=project).returncode == 0  # the base's ignore applies
    (project / "pyproject.toml").write_text(
        '[tool.keras-mp-lint]\nextend = "../base.toml"\nignore = []\n'
    )
    assert b"KMP201" in lint("bad.py", cwd=project).stdout
    (tmp_path / "base.toml").write_text('extend = "project/pyproject.toml"\n')
    looping = lint("bad.py", cwd=project)
    assert looping.returncode == 2 and b"a loop?" in looping.stderr, looping.stderr
