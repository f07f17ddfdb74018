"""keras-mp-lint's configuration files: ``.keras-mp-lint.toml`` (the options at its top level,
like Ruff's ``.ruff.toml``), ``[tool.keras-mp-lint]`` in pyproject.toml, or ``[keras-mp-lint]``
in setup.cfg, found from a directory upward. Every front end reads them: the command line, the
flake8 and pylint plugins (their own options override) and the language servers.

The nearest directory that has one wins; in one directory ``.keras-mp-lint.toml`` wins over
pyproject.toml, which wins over setup.cfg. ``extend = "../base.toml"`` (a path relative to the
file, Ruff's spelling) reads another configuration file first and overrides its values. Keys are the long command-line option names without dashes in front (``select``,
``sequence-bases``...); underscores are accepted for dashes. Values keep their raw types here;
the command line validates and converts them.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

PYPROJECT_TABLE = "keras-mp-lint"  # [tool.keras-mp-lint]
SETUP_CFG_SECTION = "keras-mp-lint"
OWN_FILE = ".keras-mp-lint.toml"
# A chain of ``extend`` longer than this is a loop or a mistake.
MAX_EXTEND_DEPTH = 8
# Keys whose value is a table in pyproject.toml ([tool.keras-mp-lint.per-file-ignores]).
TABLE_KEYS = ("per-file-ignores",)


class ConfigError(Exception):
    """A configuration file that cannot be read or has an unknown key."""


@dataclass(frozen=True)
class ProjectConfig:
    """The options a configuration file sets, and that file."""

    path: Path | None  # the file the values come from; None when there is none
    values: dict[str, object] = field(default_factory=dict)

    @property
    def directory(self) -> Path | None:
        return self.path.parent if self.path else None


def _load_toml(path: Path) -> dict:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    try:
        with open(path, "rb") as handle:
            document = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid TOML: nested too deeply") from None
    return document


def _normalise(values: dict[str, object], path: Path) -> dict[str, object]:
    normalised = {}
    for key, value in values.items():
        name = key.strip().replace("_", "-")
        if isinstance(value, dict) and name not in TABLE_KEYS:
            raise ConfigError(f"{path}: [{key}] is not a keras-mp-lint option")
        normalised[name] = value
    return normalised


def read_pyproject(path: Path) -> dict[str, object] | None:
    """The ``[tool.keras-mp-lint]`` table, or None when the file has none."""
    tool = _load_toml(path).get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: tool must be a table ([tool.NAME] sections), not {tool!r}"[:300])
    table = tool.get(PYPROJECT_TABLE)
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: tool.{PYPROJECT_TABLE} must be a table")
    return _normalise(table, path)


def read_setup_cfg(path: Path) -> dict[str, object] | None:
    """The ``[keras-mp-lint]`` section, or None when the file has none."""
    import configparser  # only a run that finds a setup.cfg needs it

    parser = configparser.ConfigParser(interpolation=None)
    try:
        with open(path, encoding="utf-8") as handle:
            parser.read_file(handle)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (configparser.Error, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not a valid setup.cfg: {' '.join(str(exc).split())}") from None
    if not parser.has_section(SETUP_CFG_SECTION):
        return None
    return _normalise(dict(parser.items(SETUP_CFG_SECTION)), path)


def read_own_file(path: Path) -> dict[str, object]:
    """``.keras-mp-lint.toml`` (or any ``*.toml`` named with ``extend``/``--config`` that has no
    ``[tool.keras-mp-lint]``): the options at the top level."""
    return _normalise(_load_toml(path), path)


def _read_any(path: Path) -> dict[str, object] | None:
    if path.suffix == ".toml":
        if path.name == "pyproject.toml":
            return read_pyproject(path)
        document = _load_toml(path)
        tool = document.get("tool")
        if isinstance(tool, dict) and isinstance(tool.get(PYPROJECT_TABLE), dict):
            return read_pyproject(path)
        return read_own_file(path)
    return read_setup_cfg(path)


def _with_extended(path: Path, values: dict[str, object], depth: int = 0) -> dict[str, object]:
    """``values`` over the configuration their ``extend`` names (relative to ``path``)."""
    base = values.get("extend")
    if base is None:
        return values
    if not isinstance(base, str) or not base.strip():
        raise ConfigError(f"{path}: extend must be the path of a configuration file")
    if depth >= MAX_EXTEND_DEPTH:
        raise ConfigError(f"{path}: extend: more than {MAX_EXTEND_DEPTH} files (a loop?)")
    target = (path.parent / os.path.expanduser(base.strip())).resolve()
    if not target.is_file():
        raise ConfigError(f"{path}: extend: {target}: no such file")
    extended = _read_any(target)
    if extended is None:
        raise ConfigError(f"{path}: extend: {target} has no keras-mp-lint configuration")
    merged = dict(_with_extended(target, extended, depth + 1))
    merged.pop("extend", None)
    merged.update({key: value for key, value in values.items() if key != "extend"})
    return merged


def read_config_file(path: Path) -> ProjectConfig:
    """An explicitly named file (``--config``): pyproject-style TOML or setup.cfg-style INI."""
    if not path.is_file():
        raise ConfigError(f"{path}: no such file")
    values = _read_any(path)
    if values is None:
        section = f"[tool.{PYPROJECT_TABLE}]" if path.suffix == ".toml" else f"[{SETUP_CFG_SECTION}]"
        raise ConfigError(f"{path}: has no {section} section")
    return ProjectConfig(path, _with_extended(path, values))


def discover(start: Path) -> ProjectConfig:
    """The nearest configuration from ``start`` (a directory) upward; empty when none."""
    for directory in (start, *start.parents):
        own = directory / OWN_FILE
        if own.is_file():
            return ProjectConfig(own, _with_extended(own, read_own_file(own)))
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file():
            values = read_pyproject(pyproject)
            if values is not None:
                return ProjectConfig(pyproject, _with_extended(pyproject, values))
        setup_cfg = directory / "setup.cfg"
        if setup_cfg.is_file():
            values = read_setup_cfg(setup_cfg)
            if values is not None:
                return ProjectConfig(setup_cfg, _with_extended(setup_cfg, values))
    return ProjectConfig(None, {})
