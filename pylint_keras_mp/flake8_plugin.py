"""The flake8 front end: options on flake8's parser, the engine on flake8's own ast."""

from __future__ import annotations

import argparse
import ast
import sys

from . import __version__
from .config import OPTION_SPECS, Options, OptionValueError, options_from_mapping
from .engine import analyze_once

# The spellings of a boolean on the command line besides the bare flag; each is registered as an
# exact option string, so ``--keras-mp-assume-multiprocessing=yes`` works while the bare flag
# never takes the next argument (a path) as its value.
_TRUE_WORDS = ("yes", "true", "y", "on", "1")
_FALSE_WORDS = ("no", "false", "n", "off", "0")


def _spellings(words: tuple[str, ...]) -> list[str]:
    return sorted({variant for word in words for variant in (word, word.title(), word.upper())})


class KerasMPFlake8Checker:
    name = "pylint-keras-mp"
    version = __version__
    options = Options()

    def __init__(self, tree: ast.Module, filename: str, lines: list[str]):
        self.tree = tree
        self.filename = filename
        self.lines = lines

    @classmethod
    def add_options(cls, parser) -> None:
        for spec in OPTION_SPECS:
            flag = f"--keras-mp-{spec.name}"
            kwargs: dict[str, object] = {"parse_from_config": True, "help": spec.help}
            if spec.kind == "csv":
                kwargs.update(default="", comma_separated_list=True)
            elif spec.kind == "bool":
                # store_const, not store_true: flake8 then hands the config file's text to
                # parse_options, which accepts true/false/yes/no and names the file on error
                kwargs.update(default=False, action="store_const", const=True)
                kwargs["help"] = f"{spec.help} (--no-keras-mp-{spec.name} turns it off)"
            elif spec.kind == "choice":
                kwargs.update(default=spec.default, choices=list(spec.choices))
            else:
                kwargs.update(default="")
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
        values = {spec.attr: getattr(options, f"keras_mp_{spec.attr}") for spec in OPTION_SPECS}
        try:
            cls.options = options_from_mapping(values)
        except OptionValueError as exc:
            flag = f"--keras-mp-{exc.option}"
            source = _config_source(options, flag)
            name = flag if source is None else flag[2:]
            print(f"flake8: error: {exc.located(name, source)}", file=sys.stderr)
            raise SystemExit(2) from None

    def run(self):
        source = "".join(self.lines)
        for finding in analyze_once(source, self.filename, self.options, tree=self.tree):
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
