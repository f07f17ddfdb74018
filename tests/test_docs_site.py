"""The documentation site builds from docs/ with mkdocs and the Material theme, with no warning
(``--strict``: a broken link inside the docs fails), and carries every rule page."""

from __future__ import annotations

import os
import subprocess
import sys

from pylint_keras_mp.registry import RULES
from tests.fixture_support import ROOT


def test_mkdocs_build_strict(tmp_path):
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    for rule in RULES:
        page = site / "rules" / rule.code / "index.html"
        assert page.is_file(), rule.code
        assert rule.symbol in page.read_text(encoding="utf-8")
    index = (site / "rules" / "index.html").read_text(encoding="utf-8")
    assert all(f'href="../{rule.code}/"' in index or f'href="{rule.code}/"' in index for rule in RULES)


def test_readme_links_the_docs_by_relative_path():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "](docs/index.md)" in readme
