"""The Keras a project declares: its requirements files, ``pyproject.toml`` (PEP 621 and
Poetry), ``setup.cfg`` and ``setup.py`` install requirements, read as text (nothing is installed,
imported or executed).

``keras==2.3.1``, ``keras<3``, ``tensorflow==1.15`` and ``tensorflow<2.16`` say Keras 2;
``keras>=3`` and ``tensorflow>=2.16`` say Keras 3; a range that admits both (``keras>=2.2``,
a bare ``tensorflow``) says nothing. Declarations that disagree say nothing.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from .build_files import load_toml, read_text, setup_cfg_values

KERAS_NAMES = frozenset({"keras"})
TF_KERAS_NAMES = frozenset({"tf-keras", "tf_keras"})
TENSORFLOW_NAMES = frozenset(
    {
        "tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tensorflow-macos", "tensorflow-intel",
        "tf-nightly", "tf-nightly-cpu", "tf-nightly-gpu", "tensorflow-aarch64",
    }
)
# tf.keras is Keras 3 from TensorFlow 2.16 on.
TF_KERAS3_FROM = (2, 16)

_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$")
_CLAUSE = re.compile(r"(===|==|~=|!=|<=|>=|<|>)\s*([0-9][0-9A-Za-z.*+!-]*)")


def _release(text: str) -> tuple[int, ...]:
    numbers = []
    for part in text.split("."):
        digits = re.match(r"\d+", part)
        if digits is None:
            break
        numbers.append(int(digits.group()))
    return tuple(numbers)


def _majors_allowed(spec: str, candidates: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """The (major, minor) candidates a PEP 440 specifier (or Poetry's ``^``/``~``) admits."""
    spec = spec.split(";")[0].strip()
    if spec.startswith("^"):  # Poetry: ^2.3 is >=2.3,<3
        release = _release(spec[1:].strip())
        if not release:
            return set(candidates)
        return {c for c in candidates if c >= release[:2] and c[0] == release[0]}
    allowed = set(candidates)
    for operator, version in _CLAUSE.findall(spec):
        release = _release(version)
        if not release:
            continue
        key = release[:2] if len(release) > 1 else (release[0], 0)
        wildcard = version.endswith("*")
        if operator in ("==", "==="):
            if wildcard and len(release) == 1:
                allowed &= {c for c in candidates if c[0] == release[0]}
            else:
                allowed &= {c for c in candidates if c == key}
        elif operator == "~=":
            prefix = (release[:-1] if len(release) > 1 else release)[:2]
            allowed &= {c for c in candidates if c >= key and c[: len(prefix)] == prefix}
        elif operator == ">=":
            allowed &= {c for c in candidates if c >= key}
        elif operator == ">":
            allowed &= {c for c in candidates if c > key or (len(release) > 2 and c == key)}
        elif operator == "<":
            allowed &= {c for c in candidates if c < key}
        elif operator == "<=":
            allowed &= {c for c in candidates if c <= key}
    return allowed


_KERAS_CANDIDATES = [(1, m) for m in range(3)] + [(2, m) for m in range(16)] + [(3, m) for m in range(20)]
_TF_CANDIDATES = [(1, m) for m in range(16)] + [(2, m) for m in range(30)]


def keras_major_of(name: str, spec: str) -> int | None:
    """2 or 3 when one requirement says which Keras the project gets, else None."""
    name = name.lower().replace("_", "-")
    if name in TF_KERAS_NAMES:
        return 2
    if name in KERAS_NAMES:
        majors = {3 if major >= 3 else 2 for major, _ in _majors_allowed(spec, _KERAS_CANDIDATES)}
    elif name in TENSORFLOW_NAMES:
        allowed = _majors_allowed(spec, _TF_CANDIDATES)
        majors = {3 if release >= TF_KERAS3_FROM else 2 for release in allowed}
    else:
        return None
    return majors.pop() if len(majors) == 1 else None


def _requirement_lines(text: str) -> list[str]:
    lines = []
    for line in text.splitlines():
        line = line.split(" #")[0].split("\t#")[0].strip()
        if not line or line.startswith(("#", "-", "git+", "http:", "https:")):
            continue
        lines.append(line)
    return lines


def _declared(requirements: list[str], where: str) -> list[tuple[int, str]]:
    found = []
    for requirement in requirements:
        match = _REQUIREMENT.match(requirement)
        if match is None:
            continue
        name, _extras, spec = match.groups()
        major = keras_major_of(name, spec or "")
        if major is not None:
            found.append((major, f"{where} ({requirement.strip()})"))
    return found


def _requirements_files(root: Path) -> list[Path]:
    files = []
    try:
        entries = sorted(root.iterdir())
    except OSError:
        return files
    for entry in entries:
        lower = entry.name.lower()
        if entry.is_file() and lower.startswith("requirements") and lower.endswith((".txt", ".in")):
            files.append(entry)
        elif entry.is_dir() and lower == "requirements":
            try:
                files.extend(sorted(p for p in entry.iterdir() if p.suffix in (".txt", ".in")))
            except OSError:
                pass
    return files


def _pyproject(root: Path) -> list[tuple[int, str]]:
    path = root / "pyproject.toml"
    if not path.is_file():
        return []
    data = load_toml(path)
    found = []
    dependencies = data.get("project", {}).get("dependencies", [])
    if isinstance(dependencies, list):
        found += _declared([d for d in dependencies if isinstance(d, str)], "pyproject.toml")
    poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {})
    if isinstance(poetry, dict):
        for name, value in poetry.items():
            if isinstance(value, dict):
                value = value.get("version", "")
            if isinstance(value, str):
                spec = value if value[:1] in "^~<>=!" or value == "*" else f"=={value}"
                if value.startswith("~") and not value.startswith("~="):
                    spec = "~=" + value[1:] if value.count(".") >= 1 else value
                major = keras_major_of(name, "" if spec == "*" else spec)
                if major is not None:
                    found.append((major, f"pyproject.toml ({name} = {value!r})"))
    return found


def _setup_cfg(root: Path) -> list[tuple[int, str]]:
    values = setup_cfg_values(root, ("options", "install_requires"))
    if values is None:
        return []
    return _declared(_requirement_lines(values[0]), "setup.cfg")


def _setup_py(root: Path) -> list[tuple[int, str]]:
    text = read_text(root / "setup.py")
    if not text:
        return []
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    lists: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            lists[node.targets[0].id] = node.value
    requirements: list[str] = []
    for node in ast.walk(tree):
        # setup(install_requires=[...]) or a dict spread into it: setup(**{"install_requires": ...})
        if isinstance(node, ast.Call):
            pairs = [(kw.arg, kw.value) for kw in node.keywords]
        elif isinstance(node, ast.Dict):
            pairs = [
                (key.value, value)
                for key, value in zip(node.keys, node.values)
                if isinstance(key, ast.Constant) and isinstance(key.value, str)
            ]
        else:
            continue
        for name, value in pairs:
            if name != "install_requires":
                continue
            if isinstance(value, ast.Name):
                value = lists.get(value.id)
            if isinstance(value, (ast.List, ast.Tuple)):
                requirements += [
                    e.value for e in value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
                ]
    return _declared(requirements, "setup.py")


def declared_keras_version(root: Path, source_roots=()) -> tuple[int, str] | None:
    """(2 or 3, what says so) from the project's declared dependencies (its root's, and the
    requirements files of its source roots), or None when they say nothing or disagree."""
    found: list[tuple[int, str]] = []
    for folder in dict.fromkeys((root, *source_roots)):
        for path in _requirements_files(folder):
            text = read_text(path)
            if text:
                try:
                    name = path.relative_to(root).as_posix()
                except ValueError:
                    name = path.name
                found += _declared(_requirement_lines(text), name)
    found += _pyproject(root) + _setup_cfg(root) + _setup_py(root)
    majors = {major for major, _ in found}
    if len(majors) != 1:
        return None
    return found[0]
