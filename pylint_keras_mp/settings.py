"""The settings of a run: the command line (or a mapping, for the plugins and editors) over the
configuration file over the defaults, validated once.

``Settings(args, config)`` takes keras-mp-lint's parsed command line; ``Settings.from_mapping``
takes option names as the configuration files spell them (``select``, ``keras-version``...), which
is how the flake8 and pylint plugins and the language servers layer their own options over the
project's configuration. ``cli.Settings`` remains an alias.

The layers above: the lint service (``service.py``), the output formats, the front ends.
"""

from __future__ import annotations

import argparse
import itertools
import os
from pathlib import Path
from typing import Mapping, Sequence

from . import suppression
from .config import OPTION_SPECS, Options, OptionValueError, options_from_mapping, split_csv
from .project_config import ProjectConfig, discover, read_config_file
from .registry import CODES, get_rule

PROG = "keras-mp-lint"
STDIN = "-"
# The results cache of the command line (cache.py): its folder's default name, and the
# environment variable that moves it.
CACHE_FOLDER = ".keras_mp_lint_cache"
CACHE_ENV = "KERAS_MP_LINT_CACHE_DIR"
NO_CACHE_ENV = "KERAS_MP_LINT_NO_CACHE"  # set (not 0): as --no-cache

# The output formats (output.py renders them): text is flake8's line (concise is Ruff's name for
# it); full adds the source lines, as Ruff's default does; the others are Ruff's machine formats
# of the same names.
FORMATS = (
    "text", "concise", "full", "json", "json-lines", "sarif", "github", "gitlab", "junit",
    "pylint", "rdjson",
)

# Never descended into while walking a folder (a path named explicitly is still linted, unless
# --force-exclude). --exclude adds to these.
DEFAULT_EXCLUDES = (
    ".git",
    ".hg",
    ".svn",
    ".bzr",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    ".eggs",
    "build",
    "dist",
    "__pycache__",
    "node_modules",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".keras_mp_lint_cache",
    "__pypackages__",
    ".ipynb_checkpoints",
)

# Keys of [tool.keras-mp-lint] besides the analysis options of OPTION_SPECS.
RUN_CONFIG_KEYS = (
    "select",
    "ignore",
    "extend-select",
    "extend-ignore",
    "per-file-ignores",
    "exclude",
    "format",
    "output-format",
    "jobs",
    "baseline",
    "extend",
    "extend-safe-fixes",
    "extend-unsafe-fixes",
    "show-fixes",
    "cache-dir",
)
# The type each key of a configuration file must have (checked before anything is converted).
_LIST_KEYS = {
    "select", "ignore", "extend-select", "extend-ignore", "exclude",
    "extend-safe-fixes", "extend-unsafe-fixes",
    *(spec.name for spec in OPTION_SPECS if spec.kind == "csv"),
}
_TEXT_KEYS = {
    "format", "output-format", "baseline", "extend", "cache-dir",
    *(spec.name for spec in OPTION_SPECS if spec.kind in ("choice", "string")),
}


def check_value_types(config: ProjectConfig) -> None:
    """A configuration value of the wrong shape (``select = 5``) is the user's error, named."""
    for key, value in config.values.items():
        if key in _LIST_KEYS:
            good = isinstance(value, str) or (
                isinstance(value, list) and all(isinstance(item, str) for item in value)
            )
            expected = "a list of strings or a comma separated string"
        elif key in _TEXT_KEYS:
            good = isinstance(value, (str, int)) and not isinstance(value, bool)
            expected = "a string"
        elif key == "jobs":
            good = isinstance(value, (int, str)) and not isinstance(value, bool)
            expected = "a number"
        elif key in ("show-fixes", *(s.name for s in OPTION_SPECS if s.kind == "bool")):
            good = isinstance(value, (bool, str))
            expected = "true or false"
        elif key == "per-file-ignores":
            good = isinstance(value, (str, dict, list))
            expected = "a table of globs to codes"
        else:
            continue
        if not good:
            raise UsageError(f"{config.path}: {key} must be {expected}, not {value!r}"[:300])


class UsageError(Exception):
    """Bad command line or configuration: reported in one line, exit status 2."""


# The command line's destinations that Settings reads, with the values "not given".
ARG_DEFAULTS: dict[str, object] = {
    "select": None,
    "ignore": None,
    "extend_select": None,
    "extend_ignore": None,
    "per_file_ignores": None,
    "exclude": None,
    "force_exclude": False,
    "format": None,
    "jobs": None,
    "baseline": None,
    "write_baseline": None,
    "extend_safe_fixes": None,
    "extend_unsafe_fixes": None,
    **{f"option_{spec.attr}": None for spec in OPTION_SPECS},
}


def expand_codes(entries: Sequence[str], option: str) -> set[str]:
    """Codes named by codes, prefixes (KMP2), pylint ids (E7201) or symbols. Codes and prefixes
    are read from the codes alone: only a pylint id or a symbol needs the rules' declarations."""
    codes: set[str] = set()
    for entry in entries:
        if entry.strip().upper() in CODES:
            codes.add(entry.strip().upper())
            continue
        prefix = entry.upper()
        matched = {code for code in CODES if code.startswith(prefix)}
        if prefix.startswith("KMP") and matched:
            codes |= matched
            continue
        try:
            codes.add(get_rule(entry).code)  # a pylint id or a symbol
        except KeyError:
            raise UsageError(
                f"{option}: unknown rule code or prefix {entry!r} "
                f"(codes look like KMP201 or KMP2; `{PROG} --list-rules` lists them)"
            ) from None
    return codes


def load_project_config(args: argparse.Namespace) -> ProjectConfig:
    """--config FILE, else the nearest config from the paths' common parent upward."""
    if args.isolated and args.config:
        raise UsageError("--isolated ignores configuration files; it cannot be used with --config")
    if args.isolated:
        return ProjectConfig(None, {})
    if args.config:
        return read_config_file(Path(args.config))
    start = Path.cwd()
    # standard input is found where --stdin-filename says it lives
    paths = [args.stdin_filename or "." if path == STDIN else path for path in args.paths]
    if paths:
        absolute = [os.path.abspath(path) for path in paths]
        common = os.path.commonpath(absolute)
        start = Path(common if os.path.isdir(common) else os.path.dirname(common))
    return discover(start)


def _csv(value: object) -> tuple[str, ...] | None:
    """A comma separated option: repeated on the command line (a list), or from a file."""
    if value is None:
        return None
    if isinstance(value, str):
        return split_csv(value)
    return tuple(itertools.chain.from_iterable(split_csv(str(item)) for item in value))


class Settings:
    """Command line over configuration file over defaults, validated."""

    @classmethod
    def from_mapping(
        cls, values: Mapping[str, object] | None = None, config: ProjectConfig | None = None
    ) -> Settings:
        """Settings from option names as the configuration files spell them (``select``,
        ``keras-version``, underscores accepted), layered over ``config`` as the command line
        is. A value of None counts as not given."""
        args = argparse.Namespace(**ARG_DEFAULTS)
        analysis = {spec.name: spec for spec in OPTION_SPECS}
        for key, value in (values or {}).items():
            name = key.strip().replace("_", "-")
            if value is None:
                continue
            if name in analysis:
                setattr(args, f"option_{analysis[name].attr}", value)
            elif name in RUN_CONFIG_KEYS and name != "extend":
                dest = name.replace("-", "_")
                if dest in ("select", "ignore", "extend_select", "extend_ignore", "exclude"):
                    value = [value] if isinstance(value, str) else list(value)
                setattr(args, dest, value)
            else:
                known = sorted(set(RUN_CONFIG_KEYS) | set(analysis))
                raise UsageError(f"unknown option {key!r}; known: {', '.join(known)}")
        return cls(args, config or ProjectConfig(None, {}))

    def __init__(self, args: argparse.Namespace, config: ProjectConfig):
        known = set(RUN_CONFIG_KEYS) | {spec.name for spec in OPTION_SPECS}
        unknown = sorted(set(config.values) - known)
        if unknown:
            raise UsageError(
                f"{config.path}: unknown option(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(known))}"
            )
        check_value_types(config)
        values = config.values

        # Layered like ruff: the file's select/ignore, then the command line's; a select
        # replaces what the layers below chose, an extend-select adds to it, an ignore removes.
        chosen = set(CODES)
        for select, extend, ignores, where in (
            (
                values.get("select"),
                values.get("extend-select"),
                (values.get("ignore"), values.get("extend-ignore")),
                f"{config.path}: ",
            ),
            (args.select, args.extend_select, (args.ignore, args.extend_ignore), "--"),
        ):
            if select is not None:
                codes = _csv(select)
                if not codes:
                    raise UsageError(
                        f"{where}select is empty, which would lint nothing; name codes or "
                        "prefixes (KMP for every rule), or leave it out"
                    )
                chosen = expand_codes(codes, f"{where}select")
            chosen |= expand_codes(_csv(extend) or (), f"{where}extend-select")
            for ignore in ignores:
                chosen -= expand_codes(_csv(ignore) or (), f"{where}ignore")
        self.select = frozenset(chosen)

        per_file = args.per_file_ignores
        per_file_where = "--per-file-ignores"
        if per_file is None:
            per_file, per_file_where = values.get("per-file-ignores"), f"{config.path}"
        try:
            entries = suppression.parse_per_file_ignores(per_file)
        except suppression.PerFileIgnoresError as exc:
            raise UsageError(f"{per_file_where}: {exc}") from None
        self.per_file_ignores = suppression.expand_per_file_ignores(
            entries,
            lambda codes, _option: expand_codes(codes, f"{per_file_where}: per-file-ignores"),
            str(config.directory or Path.cwd()),
        )

        # Ruff's extend-safe-fixes / extend-unsafe-fixes: codes whose fixes change applicability
        fix_codes = {}
        for key in ("extend-safe-fixes", "extend-unsafe-fixes"):
            given = getattr(args, key.replace("-", "_"), None)
            where = f"--{key}" if given is not None else f"{config.path}: {key}"
            value = given if given is not None else values.get(key)
            fix_codes[key] = frozenset(expand_codes(_csv(value) or (), where))
        self.extend_safe_fixes = fix_codes["extend-safe-fixes"]
        self.extend_unsafe_fixes = fix_codes["extend-unsafe-fixes"] - self.extend_safe_fixes

        self.baseline = args.baseline
        if self.baseline is None and values.get("baseline") and not args.write_baseline:
            # relative to the configuration file, like the excludes
            self.baseline = str((config.directory or Path.cwd()) / str(values["baseline"]))

        # the results cache: None when --no-cache
        self.cache_dir: Path | None = None
        if not getattr(args, "no_cache", False) and os.environ.get(NO_CACHE_ENV, "") in ("", "0"):
            given = getattr(args, "cache_dir", None)
            if given:
                self.cache_dir = Path(given)
            elif values.get("cache-dir"):
                self.cache_dir = (config.directory or Path.cwd()) / str(values["cache-dir"])
            elif os.environ.get(CACHE_ENV):
                self.cache_dir = Path(os.environ[CACHE_ENV])
            else:
                self.cache_dir = (config.directory or Path.cwd()) / CACHE_FOLDER

        exclude = args.exclude if args.exclude is not None else values.get("exclude")
        self.exclude = DEFAULT_EXCLUDES + (_csv(exclude) or ())
        self.exclude_root = str(config.directory or Path.cwd())
        self.force_exclude = args.force_exclude

        self.format = args.format or str(
            values.get("output-format", values.get("format", "text"))
        )
        if self.format not in FORMATS:
            key = "output-format" if "output-format" in values else "format"
            error = OptionValueError(key, values.get(key), ", ".join(FORMATS))
            raise UsageError(error.located(source=str(config.path)))

        jobs_from_file = args.jobs is None and "jobs" in values
        jobs = args.jobs if args.jobs is not None else values.get("jobs", 1)
        try:
            if isinstance(jobs, bool):
                raise ValueError(jobs)
            self.jobs = int(jobs)
            if self.jobs < 0:
                raise ValueError(jobs)
        except (TypeError, ValueError):
            error = OptionValueError("jobs", jobs, "0 for one process per CPU, or a positive number")
            if jobs_from_file:
                raise UsageError(error.located(source=str(config.path))) from None
            raise UsageError(error.located("--jobs")) from None
        self.jobs = self.jobs or os.cpu_count() or 1

        option_values: dict[str, object] = {}
        from_file: set[str] = set()
        for spec in OPTION_SPECS:
            given = getattr(args, f"option_{spec.attr}")
            value = given if given is not None else values.get(spec.name)
            if given is None and spec.name in values:
                from_file.add(spec.name)
            if value is not None:
                option_values[spec.name] = value
        try:
            self.options: Options = options_from_mapping(option_values, select=self.select)
        except OptionValueError as exc:
            if exc.option in from_file:
                raise UsageError(exc.located(source=str(config.path))) from None
            raise UsageError(exc.located(f"--{exc.option}")) from None
        except ValueError as exc:
            raise UsageError(str(exc)) from None




def fix_applicability(settings: Settings, code: str, applicability: str) -> str:
    """A fix's applicability after extend-safe-fixes / extend-unsafe-fixes."""
    if code in getattr(settings, "extend_safe_fixes", ()):
        return "safe"
    if code in getattr(settings, "extend_unsafe_fixes", ()):
        return "unsafe"
    return applicability


class HostSettings:
    """Settings for a host linter (flake8, pylint) that lints files of any project: the
    configuration found from each file's folder upward (as keras-mp-lint finds it), under the
    host's own options (``overrides``, spelled as in the configuration files). A configuration
    that cannot be used is reported once through ``warn`` and the host's options alone apply."""

    def __init__(self, overrides: Mapping[str, object], warn=None, discover: bool = True):
        self.overrides = {key: value for key, value in overrides.items() if value is not None}
        self.warn = warn
        self.discover = discover  # False: the host was told to ignore configuration files
        self._by_folder: dict[str, Settings] = {}
        self._by_config: dict[object, Settings] = {}
        self._fallback: Settings | None = None

    def fallback(self) -> Settings:
        if self._fallback is None:
            try:
                self._fallback = Settings.from_mapping(self.overrides)
            except UsageError as exc:
                self._report(str(exc))
                self._fallback = Settings.from_mapping({})
        return self._fallback

    def _report(self, message: str) -> None:
        if self.warn is not None:
            self.warn(message)

    def for_file(self, filename: str) -> Settings:
        folder = os.path.dirname(os.path.abspath(filename))
        settings = self._by_folder.get(folder)
        if settings is None:
            settings = self._by_folder[folder] = self._settings_in(folder)
        return settings

    def _settings_in(self, folder: str) -> Settings:
        from .project_config import ConfigError

        if not self.discover:
            return self.fallback()
        try:
            config = discover(Path(folder))
        except ConfigError as exc:
            self._report(str(exc))
            return self.fallback()
        if config.path is None:
            return self.fallback()
        settings = self._by_config.get(config.path)
        if settings is None:
            try:
                settings = Settings.from_mapping(self.overrides, config)
            except UsageError as exc:
                self._report(str(exc))
                settings = self.fallback()
            self._by_config[config.path] = settings
        return settings
