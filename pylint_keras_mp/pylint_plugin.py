"""The pylint front end: declares the messages and options, runs the lint service, reports.

The project's keras-mp-lint configuration (``.keras-mp-lint.toml``, ``[tool.keras-mp-lint]``,
``[keras-mp-lint]`` in setup.cfg) applies as for keras-mp-lint; pylint's own ``keras-mp-*``
options (command line or pylintrc) override it, and pylint's enabled messages and disable
comments apply on top.

pylint wants every message id of one checker to share its ``x7Nxx`` band, so there is one
checker per band; the engine still runs once per module and each checker emits its own band.
"""

from __future__ import annotations

import argparse
import sys

from pylint.checkers import BaseChecker
from pylint.config.callback_actions import _CallbackAction
from pylint.constants import WarningScope

from .isolation import trusted_imports

# the linter's modules and what they import come from where the linter is installed, never from
# a folder pylint put on sys.path
with trusted_imports():
    from .config import (
        OPTION_SPECS,
        Options,
        OptionSpec,
        OptionValueError,
        options_from_mapping,
        parse_bool,
        split_csv,
    )
    from .engine import Finding, internal_error
    from .registry import RULES, Rule
    from .service import lint_for_host
    from .settings import HostSettings

# csv and string options whose values have a shape, checked as pylint reads them like the choices
CHECKED_VALUES = ("target-platforms", "python-version")
COMMAND_LINE = "Command line"  # pylint's current module name while it parses the command line
_UNRECOGNIZED_ARGS = getattr(argparse, "_UNRECOGNIZED_ARGS_ATTR", "_unrecognized_args")


class _CheckedOption(_CallbackAction):
    """A boolean or choice option that names the configuration file in its error.

    A boolean is a flag: bare, it means yes, and it never takes the next argument as its value.
    argparse offers no flag that also accepts ``--flag=yes`` (the spelling pylint uses for
    configuration files), so it takes an optional value, and a value that is not a boolean word
    after a bare flag on the command line goes back to pylint as a file to lint."""

    def __init__(self, option_strings, dest, *, spec: OptionSpec, linter, **kwargs):
        self.spec, self.linter = spec, linter
        if spec.kind == "bool":
            kwargs["nargs"] = "?"
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        source = getattr(self.linter, "current_name", COMMAND_LINE)
        source = None if source in (COMMAND_LINE, "") else source
        spec = self.spec
        if spec.kind == "bool":
            if values is None:
                value = True
            else:
                try:
                    value = parse_bool(values, spec.name)
                except OptionValueError:
                    given_with_equals = f"{option_string}={values}" in sys.argv
                    if source is not None or given_with_equals:
                        raise self._error(values, source) from None
                    extras = getattr(namespace, _UNRECOGNIZED_ARGS, [])
                    setattr(namespace, _UNRECOGNIZED_ARGS, [*extras, values])
                    value = True
        elif spec.kind == "choice":
            value = str(values).strip()
            if value not in spec.choices:
                raise self._error(values, source)
        else:  # a list or a string with a shape (target-platforms, python-version)
            value = split_csv(values) if spec.kind == "csv" else str(values).strip()
            try:
                options_from_mapping({spec.name: value})
            except OptionValueError as exc:
                raise self._error(exc.value, source, exc.allowed) from None
        setattr(namespace, self.dest, value)

    def _error(self, value, source, allowed: str | None = None) -> argparse.ArgumentError:
        where = f" in {source}" if source else ""
        if allowed is None:
            allowed = "true, false, yes, no" if self.spec.kind == "bool" else ", ".join(self.spec.choices)
        return argparse.ArgumentError(
            self, f"invalid value {value!r}{where} (allowed: {allowed})"
        )


def _pylint_options(linter=None):
    options = []
    for spec in OPTION_SPECS:
        definition: dict[str, object] = {"help": spec.help, "metavar": spec.metavar}
        # the defaults mean "not given": the project's keras-mp-lint configuration decides
        if spec.name in CHECKED_VALUES and linter is not None:
            definition.update(
                action=_CheckedOption,
                kwargs={"spec": spec, "linter": linter, "default": () if spec.kind == "csv" else ""},
            )
        elif spec.kind == "csv":
            definition.update(type="csv", default=())
        elif spec.kind in ("bool", "choice") and linter is not None:
            definition.update(
                action=_CheckedOption,
                kwargs={"spec": spec, "linter": linter, "default": None},
            )
            if spec.kind == "bool":
                definition["help"] = f"{spec.help} A flag; in configuration files: true or false."
        elif spec.kind == "bool":
            definition.update(type="yn", default=None)
        elif spec.kind == "choice":
            definition.update(type="choice", choices=list(spec.choices), default=None)
        else:
            definition.update(type="string", default="")
        options.append((f"keras-mp-{spec.name}", definition))
    return tuple(options)


def description(rule: Rule) -> str:
    """What pylint --help-msg prints: what, the fix, and the page."""
    return f"{rule.summary}. Fix: {rule.generic_fix}. Documentation: {rule.url()}"


class _ModuleFindings:
    """The engine's findings for the module being checked, computed once for all band checkers."""

    def __init__(self, linter):
        self.linter = linter
        self._key: tuple[int, str] | None = None
        self._findings: list[Finding] = []
        self._host: tuple[tuple, HostSettings] | None = None

    def host_settings(self) -> HostSettings:
        """The project configurations under pylint's own keras-mp options (those given)."""
        config = self.linter.config
        values = {
            spec.name: value
            for spec in OPTION_SPECS
            if (value := getattr(config, f"keras_mp_{spec.attr}", None)) is not None
            and value not in ("", [], ())
        }
        key = tuple(sorted((name, str(value)) for name, value in values.items()))
        if self._host is None or self._host[0] != key:
            options_from_mapping(values)  # raises on a value pylint's parser let through
            self._host = (key, HostSettings(values, warn=_warn_once))
        return self._host[1]

    def options(self, filename: str) -> Options:
        import dataclasses

        settings = self.host_settings().for_file(filename)
        enabled = frozenset(
            rule.code
            for rule in RULES
            if rule.code in settings.select and self.linter.is_message_enabled(rule.msgid)
        )
        return dataclasses.replace(settings.options, select=enabled)

    def for_module(self, node) -> list[Finding]:
        key = (id(node), node.file or node.name)
        if key != self._key:
            self._key = key
            self._findings = self._compute(node)
        return self._findings

    def _compute(self, node) -> list[Finding]:
        filename = node.file or node.name
        try:
            settings = self.host_settings().for_file(filename)
            options = self.options(filename)
        except ValueError as exc:
            return [internal_error(f"invalid option: {exc}", Options())]
        if not options.select:
            return []
        try:
            data = node.stream().read()
        except Exception as exc:  # unreadable: pylint reports that itself
            return [internal_error(f"cannot read: {exc}", options)]
        return lint_for_host(data, filename, _with_options(settings, options))


class _BandChecker(BaseChecker):
    name = "keras-mp"
    band: str = ""
    with_options = False

    def __init__(self, linter, shared: _ModuleFindings):
        if self.with_options:  # the options' actions need the linter to name a config file
            self.options = _pylint_options(linter)
        super().__init__(linter)
        self._shared = shared

    def visit_module(self, node) -> None:
        for finding in self._shared.for_module(node):
            msgid = finding.rule.msgid
            if msgid[2] != self.band:
                continue
            self.add_message(
                msgid,
                line=finding.line,
                col_offset=finding.col,
                end_lineno=finding.end_line,
                end_col_offset=finding.end_col,
                args=(finding.text,),
            )


def _band_checker(band: str, with_options: bool) -> type[_BandChecker]:
    rules = [rule for rule in RULES if rule.msgid[2] == band]
    attrs = {
        "band": band,
        "msgs": {
            rule.msgid: ("%s", rule.symbol, description(rule), {"scope": WarningScope.LINE})
            for rule in rules
        },
        "options": _pylint_options() if with_options else (),
        "with_options": with_options,
    }
    return type(f"KerasMPChecker{band}xx", (_BandChecker,), attrs)


BANDS = sorted({rule.msgid[2] for rule in RULES})
CHECKER_CLASSES = [_band_checker(band, index == 0) for index, band in enumerate(BANDS)]


def register(linter) -> None:
    from .isolation import preload

    preload()  # before pylint puts the linted folders on sys.path
    shared = _ModuleFindings(linter)
    for checker_class in CHECKER_CLASSES:
        linter.register_checker(checker_class(linter, shared))


def _with_options(settings, options: Options):
    """``settings`` whose analysis options are ``options`` (pylint's enabled messages)."""
    import copy

    changed = copy.copy(settings)
    changed.options = options
    return changed


_WARNED: set[str] = set()


def _warn_once(message: str) -> None:
    """A keras-mp-lint configuration pylint cannot use: said once, then its own options apply."""
    if message not in _WARNED:
        _WARNED.add(message)
        print(f"pylint: keras-mp: warning: {message}; using the pylint options only", file=sys.stderr)
