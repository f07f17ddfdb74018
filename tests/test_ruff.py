"""Living beside Ruff: ruff's unused/invalid-noqa rules would flag and remove `# noqa: KMP201`
(ruff cannot know the code) unless ruff is told the code is external, as docs/integrations.md
shows. Real ruff, in a subprocess, with and without that setting."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixture_support import ROOT
from tests.test_cli import LAMBDA_LOADER, write

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

# RUF100 (unused noqa) reported unknown codes in older ruff; newer ruff reports them as RUF102
# (invalid rule code). Selecting both keeps the test true across ruff versions.
RULES = "RUF100,RUF102"
SUPPRESSED = LAMBDA_LOADER.replace(
    "lambda batch: batch / 255.0", "lambda batch: batch / 255.0  # noqa: KMP201"
)


def ruff() -> str:
    path = Path(sys.executable).parent / "ruff"
    assert path.exists(), f"{path} is missing: pip install -e '.[test]'"
    return str(path)


def documented_ruff_config() -> str:
    text = (ROOT / "docs" / "integrations.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```toml\n(.*?)```", text, re.DOTALL) if "tool.ruff" in b]
    assert tomllib.loads(block)["tool"]["ruff"]["lint"]["external"] == ["KMP"]
    return block


def check(cwd: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [ruff(), "check", "--no-cache", "--output-format", "concise", "--select", RULES, *extra, "loader.py"],
        capture_output=True, text=True, cwd=cwd, timeout=120,
    )


@pytest.mark.parametrize("fix", [False, True], ids=["check", "fix"])
def test_noqa_for_keras_mp_survives_ruff_with_external_kmp(tmp_path, fix):
    write(tmp_path / "pyproject.toml", documented_ruff_config())
    loader = write(tmp_path / "loader.py", SUPPRESSED)
    proc = check(tmp_path, *(["--fix"] if fix else []))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert loader.read_text(encoding="utf-8") == SUPPRESSED
    # and keras-mp-lint still honours the comment ruff kept
    lint = subprocess.run(
        [str(Path(sys.executable).parent / "keras-mp-lint"), "loader.py"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )
    assert (lint.returncode, lint.stdout) == (0, ""), lint.stdout


def test_without_the_setting_ruff_flags_and_removes_the_comment(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.ruff.lint]\n")
    loader = write(tmp_path / "loader.py", SUPPRESSED)
    proc = check(tmp_path)
    assert proc.returncode == 1
    assert re.search(r"loader\.py:8:\d+: RUF10[02] .*KMP201", proc.stdout), proc.stdout
    check(tmp_path, "--fix", "--unsafe-fixes")
    assert "# noqa" not in loader.read_text(encoding="utf-8")
