"""The flake8 front end: options on flake8's parser, the engine on flake8's own ast."""

from __future__ import annotations

import ast

from . import __version__
from .config import OPTION_SPECS, Options, options_from_mapping
from .engine import analyze


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
            kwargs: dict[str, object] = {
                "parse_from_config": True,
                "help": spec.help,
            }
            if spec.kind == "csv":
                kwargs.update(default="", comma_separated_list=True)
            elif spec.kind == "bool":
                kwargs.update(default=False, action="store_true")
            elif spec.kind == "choice":
                kwargs.update(default=spec.default, choices=list(spec.choices))
            else:
                kwargs.update(default="")
            parser.add_option(f"--keras-mp-{spec.name}", **kwargs)

    @classmethod
    def parse_options(cls, options) -> None:
        values = {
            spec.attr: getattr(options, f"keras_mp_{spec.attr.replace('-', '_')}")
            for spec in OPTION_SPECS
        }
        cls.options = options_from_mapping(values)

    def run(self):
        source = "".join(self.lines)
        for finding in analyze(source, self.filename, self.options, tree=self.tree):
            yield finding.line, finding.col, finding.full_text, type(self)
