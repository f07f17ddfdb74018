"""Reading a project's build files (``pyproject.toml``, ``setup.cfg``, ``setup.py``) for the
facts the analysis takes from them: leniently, as text, never executing anything. A file that is
missing or cannot be read or parsed gives nothing (the command line's own configuration reader,
``project_config``, is the one that reports a malformed file)."""

from __future__ import annotations

import sys
from pathlib import Path


def read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def load_toml(path: Path) -> dict:
    # the standard library's TOML reader from 3.11 on, tomli (a dependency there) on 3.10
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except (OSError, ValueError):
        return {}


def setup_cfg_values(root: Path, *wanted: tuple[str, str]) -> list[str] | None:
    """The values of ``(section, option)`` pairs of the project's ``setup.cfg`` ("" where an
    option is absent); None when there is no readable ``setup.cfg``."""
    path = root / "setup.cfg"
    if not path.is_file():
        return None
    import configparser  # start-up cost: only a project with a setup.cfg needs it

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
        return [parser.get(section, option, fallback="") for section, option in wanted]
    except (configparser.Error, UnicodeDecodeError):
        return None
