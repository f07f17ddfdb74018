"""The lower layers only import downwards: the import-linter contracts in setup.cfg (text and
settings, facts, rules, the pre-filter and registry, project, fixes, engine, notebook, fixing), and
no function-local import there that is not for an optional dependency or start-up cost."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixture_support import ROOT

PACKAGE = ROOT / "pylint_keras_mp"
LOWER_LAYERS = [
    "text.py", "config.py", "rule.py", "installed.py", "keras_components.py", "unpicklable.py",
    "facts", "rules", "prefilter.py", "registry.py", "project", "fixes", "engine.py",
    "notebook.py", "fixing",
]


def test_import_linter_contracts_are_kept():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    proc = subprocess.run(
        [str(lint_imports if lint_imports.exists() else "lint-imports"), "--no-cache"],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout and "kept" in proc.stdout, proc.stdout


def _lower_modules() -> list[Path]:
    found = []
    for name in LOWER_LAYERS:
        path = PACKAGE / name
        found += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return found


@pytest.mark.parametrize("path", _lower_modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_function_local_imports_say_why(path):
    """A function-local import hides a dependency from the layers' contract: only for an optional
    dependency or start-up cost, with a comment (on its line or just above) saying which."""
    lines = path.read_text(encoding="utf-8").splitlines()
    tree = ast.parse("\n".join(lines))
    unexplained = []
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                here = lines[node.lineno - 1]
                above = [line.strip() for line in lines[max(node.lineno - 4, 0) : node.lineno - 1]]
                said = "#" in here or any(line.startswith("#") or "#" in line for line in above)
                if not said:
                    unexplained.append(f"{node.lineno}: {here.strip()}")
    assert not unexplained, "function-local imports without a reason:\n" + "\n".join(unexplained)
