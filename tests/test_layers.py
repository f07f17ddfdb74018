"""Every module imports downwards only: the import-linter contract in setup.cfg puts each module
of the package in its layer (from ``__main__``, the command line and the other front ends down to
the text helpers) and allows no import against them, the import graph has no circle, and no
function-local import of the lower layers is not for an optional dependency or start-up cost."""

from __future__ import annotations

import ast
import configparser
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixture_support import ROOT

PACKAGE = ROOT / "pylint_keras_mp"
LOWER_LAYERS = [
    "text.py", "config.py", "rule.py", "installed.py", "keras_components.py", "unpicklable.py",
    "facts", "rules", "prefilter.py", "registry.py", "project", "findings.py", "fixes",
    "engine.py", "notebook.py", "fixing",
]


def test_import_linter_contracts_are_kept():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    proc = subprocess.run(
        [str(lint_imports if lint_imports.exists() else "lint-imports"), "--no-cache"],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout and "kept" in proc.stdout, proc.stdout


def _ignored_imports() -> set[tuple[str, str]]:
    """The imports setup.cfg's contracts allow against their layers (importer, imported)."""
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg", encoding="utf-8")
    ignored = set()
    for section in parser.sections():
        if section.startswith("importlinter:contract:"):
            for line in parser[section].get("ignore_imports", "").splitlines():
                line = line.strip()
                if line and not line.startswith("#"):
                    importer, imported = (part.strip() for part in line.split("->"))
                    ignored.add((importer, imported))
    return ignored


def _circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_the_tarjan_helper_finds_a_circle():
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _circles({"a": {"b"}, "b": set()}) == []


def test_the_import_graph_has_no_circle():
    """Drawn from every import of the package (function-local ones included, as import-linter
    draws them), none left out: no module reaches itself, and setup.cfg allows no import
    against the layers."""
    grimp = pytest.importorskip("grimp")  # installed with import-linter
    graph = grimp.build_graph("pylint_keras_mp", exclude_type_checking_imports=True)
    assert _ignored_imports() == set()
    edges = {module: set(graph.find_modules_directly_imported_by(module)) for module in graph.modules}
    assert all(imported in edges for imported in edges["pylint_keras_mp.server"])
    assert _circles(edges) == []


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
