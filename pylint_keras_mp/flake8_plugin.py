"""The flake8 front end: options on flake8's parser, the lint service on flake8's own ast.

The project's keras-mp-lint configuration (``.keras-mp-lint.toml``, ``[tool.keras-mp-lint]`` in
pyproject.toml, ``[keras-mp-lint]`` in setup.cfg) applies as for keras-mp-lint: its analysis
options, select/ignore and per-file-ignores. flake8's own ``--keras-mp-*`` options (command line
or flake8 configuration) override it; flake8's ``# noqa`` and ``--select`` apply on top as usual.
"""

from __future__ import annotations

import argparse
import ast
import sys

from .version import __version__
from .isolation import preload, trusted_imports

# ``python -m flake8`` has the working directory on sys.path: the linter's modules and what they
# import come from where the linter is installed, never from the linted repository
with trusted_imports():
    from .config import OPTION_SPECS, OptionValueError, options_from_mapping
    from .service import lint_for_host
    from .settings import HostSettings

# The spellings of a boolean on the command line besides the bare flag; each is registered as an
# exact option string, so ``--keras-mp-assume-multiprocessing=yes`` works while the bare flag
# never takes the next argument (a path) as its value.
_TRUE_WORDS = ("yes", "true", "y", "on", "1")
_FALSE_WORDS = ("no", "false", "n", "off", "0")


preload()  # before flake8 lints anything (python -m flake8 has the working directory on sys.path)


def _spellings(words: tuple[str, ...]) -> list[str]:
    return sorted({variant for word in words for variant in (word, word.title(), word.upper())})


class KerasMPFlake8Checker:
    name = "pylint-keras-mp"
    version = __version__
    settings = HostSettings({})

    def __init__(self, tree: ast.Module, filename: str, lines: list[str]):
        self.tree = tree
        self.filename = filename
        self.lines = lines

    @classmethod
    def add_options(cls, parser) -> None:
        for spec in OPTION_SPECS:
            flag = f"--keras-mp-{spec.name}"
            # default None: not given, so the project's keras-mp-lint configuration decides
            kwargs: dict[str, object] = {
                "parse_from_config": True, "help": spec.help, "default": None
            }
            if spec.kind == "csv":
                kwargs.update(comma_separated_list=True)
            elif spec.kind == "bool":
                # store_const, not store_true: flake8 then hands the config file's text to
                # parse_options, which accepts true/false/yes/no and names the file on error
                kwargs.update(action="store_const", const=True)
                kwargs["help"] = f"{spec.help} (--no-keras-mp-{spec.name} turns it off)"
            elif spec.kind == "choice":
                kwargs.update(choices=list(spec.choices))
            parser.add_option(flag, **kwargs)
            if spec.kind == "bool":
                dest = f"keras_mp_{spec.attr}"
                parser.add_option(
                    f"--no-keras-mp-{spec.name}", action="store_const", const=False, dest=dest,
                    help=argparse.SUPPRESS,
                )
                for words, value in ((_TRUE_WORDS, True), (_FALSE_WORDS, False)):
                    for word in _spellings(words):
                        parser.add_option(
                            f"{flag}={word}", action="store_const", const=value, dest=dest,
                            help=argparse.SUPPRESS,
                        )

    @classmethod
    def parse_options(cls, option_manager, options=None, args=None) -> None:
        if options is None:  # flake8's one-argument form
            options = option_manager
        values = {
            spec.name: value
            for spec in OPTION_SPECS
            if (value := getattr(options, f"keras_mp_{spec.attr}")) is not None
            and value not in ("", [], ())
        }
        try:
            options_from_mapping(values)  # a bad value is flake8's usage error, named
        except OptionValueError as exc:
            flag = f"--keras-mp-{exc.option}"
            source = _config_source(options, flag)
            name = flag if source is None else flag[2:]
            print(f"flake8: error: {exc.located(name, source)}", file=sys.stderr)
            raise SystemExit(2) from None
        cls.settings = HostSettings(
            values, warn=_warn_once, discover=not _isolated(options)
        )

    def run(self):
        source = "".join(self.lines)
        settings = self.settings.for_file(self.filename)
        for finding in lint_for_host(source, self.filename, settings, tree=self.tree):
            yield finding.line, finding.col, finding.full_text, type(self)


def _config_source(options, flag: str) -> str | None:
    """The configuration file a value came from, or None when the command line gave it."""
    if any(arg == flag or arg.startswith(f"{flag}=") for arg in sys.argv[1:]):
        return None
    if getattr(options, "config", None):
        return str(options.config)
    try:  # flake8's own discovery: the first setup.cfg, tox.ini or .flake8 with [flake8]
        from flake8.options.config import _find_config_file

        found = _find_config_file(".")
    except Exception:  # a private helper: its absence must not turn into a traceback
        found = None
    return found or "the flake8 configuration"


def _isolated(options) -> bool:
    """flake8 --isolated: no configuration file (flake8 keeps the flag in its preliminary
    options only, so the command line is read too)."""
    return bool(getattr(options, "isolated", False)) or "--isolated" in sys.argv[1:]


_WARNED: set[str] = set()


def _warn_once(message: str) -> None:
    """A keras-mp-lint configuration flake8 cannot use: said once, then its own options apply."""
    if message not in _WARNED:
        _WARNED.add(message)
        print(f"flake8: keras-mp: warning: {message}; using the flake8 options only", file=sys.stderr)
