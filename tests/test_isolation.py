"""Nothing of the linted repository is imported: a repository that shadows every runtime
dependency of the linter with files that leave a marker when imported is linted by pylint,
flake8 and keras-mp-lint (also as ``python -m``, which puts the working directory on sys.path),
and no marker appears."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixture_support import FIXTURES, ROOT, _bin

# The linter's runtime dependencies and the standard modules it imports lazily. (A module that
# Python or the host imports at start-up, before any plugin loads, such as linecache or bisect
# under ``python -m flake8``, or configparser, which flake8 and pylint read their own
# configuration with, is the host's to protect, not the plugin's.)
SHADOWED = (
    "libcst", "tomllib", "tomli", "pygls", "lsprotocol", "nbformat", "yaml",
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
