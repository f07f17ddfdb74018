"""keras-mp-lint's configuration files: ``[tool.keras-mp-lint]`` in pyproject.toml, or
``[keras-mp-lint]`` in setup.cfg, found from a directory upward.

The nearest directory that has either section wins; in one directory pyproject.toml wins over
setup.cfg. Keys are the long command-line option names without dashes in front (``select``,
``sequence-bases``...); underscores are accepted for dashes. Values keep their raw types here;
the command line validates and converts them.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

PYPROJECT_TABLE = "keras-mp-lint"  # [tool.keras-mp-lint]
SETUP_CFG_SECTION = "keras-mp-lint"
# Keys whose value is a table in pyproject.toml ([tool.keras-mp-lint.per-file-ignores]).
TABLE_KEYS = ("per-file-ignores",)


class ConfigError(Exception):
    """A configuration file that cannot be read or has an unknown key."""


@dataclass(frozen=True)
class ProjectConfig:
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
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc


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
    table = _load_toml(path).get("tool", {}).get(PYPROJECT_TABLE)
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
    except (OSError, configparser.Error) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    if not parser.has_section(SETUP_CFG_SECTION):
        return None
    return _normalise(dict(parser.items(SETUP_CFG_SECTION)), path)


def read_config_file(path: Path) -> ProjectConfig:
    """An explicitly named file (``--config``): pyproject-style TOML or setup.cfg-style INI."""
    if not path.is_file():
        raise ConfigError(f"{path}: no such file")
    if path.suffix == ".toml":
        values = read_pyproject(path)
        section = f"[tool.{PYPROJECT_TABLE}]"
    else:
        values = read_setup_cfg(path)
        section = f"[{SETUP_CFG_SECTION}]"
    if values is None:
        raise ConfigError(f"{path}: has no {section} section")
    return ProjectConfig(path, values)


def discover(start: Path) -> ProjectConfig:
    """The nearest configuration from ``start`` (a directory) upward; empty when none."""
    for directory in (start, *start.parents):
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file():
            values = read_pyproject(pyproject)
            if values is not None:
                return ProjectConfig(pyproject, values)
        setup_cfg = directory / "setup.cfg"
        if setup_cfg.is_file():
            values = read_setup_cfg(setup_cfg)
            if values is not None:
                return ProjectConfig(setup_cfg, values)
    return ProjectConfig(None, {})
