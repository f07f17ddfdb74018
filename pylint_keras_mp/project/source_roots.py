"""The source roots a project declares in its build configuration, or shows by its layout.

Read in this order, the first that names a folder that exists wins (the ``source-roots``
option overrides all of them; the project root is always a root too):

1. ``pyproject.toml``: setuptools ``[tool.setuptools] package-dir = {"" = "src"}`` and
   ``[tool.setuptools.packages.find] where = ["src"]``; hatch
   ``[tool.hatch.build.targets.wheel] packages = ["src/pkg"]`` (or ``sources = ["src"]``);
   poetry ``packages = [{include = "pkg", from = "src"}]``; pdm ``[tool.pdm.build]
   package-dir = "src"``;
2. ``setup.cfg``: ``[options] package_dir = =src`` and ``[options.packages.find] where = src``;
3. ``setup.py``: ``package_dir={"": "src"}``, ``find_packages("src")`` /
   ``find_packages(where="src")`` (also ``find_namespace_packages``);
4. a ``src/`` folder that is no package itself (no ``__init__.py``) and holds a package or a
   folder of modules (flit and hatch find ``src/<name>`` this way, and so do scripts that run
   from ``src/``).

Nothing is imported or executed: the files are read as text.
"""

from __future__ import annotations

import ast
from pathlib import Path

from .build_files import load_toml, read_text, setup_cfg_values

SRC = "src"


def _as_list(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _from_pyproject(root: Path) -> list[str]:
    path = root / "pyproject.toml"
    if not path.is_file():
        return []
    tool = load_toml(path).get("tool", {})
    if not isinstance(tool, dict):
        return []
    found: list[str] = []
    setuptools = tool.get("setuptools", {})
    if isinstance(setuptools, dict):
        package_dir = setuptools.get("package-dir", {})
        if isinstance(package_dir, dict) and isinstance(package_dir.get(""), str):
            found.append(package_dir[""])
        packages = setuptools.get("packages", {})
        if isinstance(packages, dict) and isinstance(packages.get("find"), dict):
            found += _as_list(packages["find"].get("where"))
    hatch = tool.get("hatch", {}).get("build", {}) if isinstance(tool.get("hatch"), dict) else {}
    if isinstance(hatch, dict):
        for table in (hatch, hatch.get("targets", {}).get("wheel", {}) if isinstance(hatch.get("targets"), dict) else {}):
            if not isinstance(table, dict):
                continue
            for package in _as_list(table.get("packages")):
                parent = str(Path(package).parent)
                if parent not in ("", "."):
                    found.append(parent)
            sources = table.get("sources")
            if isinstance(sources, list):
                found += _as_list(sources)
            elif isinstance(sources, dict):
                found += [key for key, value in sources.items() if value in ("", ".")]
    poetry = tool.get("poetry", {})
    if isinstance(poetry, dict) and isinstance(poetry.get("packages"), list):
        for package in poetry["packages"]:
            if isinstance(package, dict) and isinstance(package.get("from"), str):
                found.append(package["from"])
    pdm = tool.get("pdm", {})
    if isinstance(pdm, dict) and isinstance(pdm.get("build"), dict):
        found += _as_list(pdm["build"].get("package-dir"))
    return found


def _from_setup_cfg(root: Path) -> list[str]:
    values = setup_cfg_values(root, ("options", "package_dir"), ("options.packages.find", "where"))
    if values is None:
        return []
    package_dir, where = values
    found = []
    for line in package_dir.splitlines():
        key, _, value = line.partition("=")
        if value.strip() and not key.strip():
            found.append(value.strip())
    found += [line.strip() for line in where.splitlines() if line.strip()]
    return found


def _from_setup_py(root: Path) -> list[str]:
    text = read_text(root / "setup.py")
    if text is None:
        return []
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name in ("find_packages", "find_namespace_packages"):
            where = node.args[0] if node.args else next(
                (kw.value for kw in node.keywords if kw.arg == "where"), None
            )
            if isinstance(where, ast.Constant) and isinstance(where.value, str):
                found.append(where.value)
        for kw in node.keywords:
            if kw.arg == "package_dir" and isinstance(kw.value, ast.Dict):
                for key, value in zip(kw.value.keys, kw.value.values):
                    if (
                        isinstance(key, ast.Constant)
                        and key.value == ""
                        and isinstance(value, ast.Constant)
                        and isinstance(value.value, str)
                    ):
                        found.append(value.value)
    return found


def _holds_modules(folder: Path) -> bool:
    """A folder that is a package, or a folder of modules (a namespace package)."""
    try:
        return (folder / "__init__.py").is_file() or any(
            child.suffix == ".py" for child in folder.iterdir()
        )
    except OSError:
        return False


def _src_folder(root: Path) -> list[str]:
    src = root / SRC
    try:
        if not src.is_dir() or (src / "__init__.py").exists():
            return []  # no folder, or a package named src (imported as ``src.x``)
        children = [child for child in src.iterdir() if child.is_dir() and child.name.isidentifier()]
    except OSError:
        return []
    return [SRC] if any(_holds_modules(child) for child in children) else []


def declared_source_roots(root: Path) -> tuple[Path, ...]:
    """The source roots of the project at ``root`` (without the root itself), in the order of
    this module's docstring; the first place that names an existing folder wins."""
    for finder in (_from_pyproject, _from_setup_cfg, _from_setup_py, _src_folder):
        try:
            names = finder(root)
        except (OSError, ValueError, RecursionError):
            continue
        folders = []
        for name in names:
            folder = (root / name).resolve()
            if folder != root.resolve() and folder.is_dir() and folder.is_relative_to(root.resolve()):
                folders.append(folder)
        if folders:
            return tuple(dict.fromkeys(folders))
    return ()
