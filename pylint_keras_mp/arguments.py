"""keras-mp-lint's command-line arguments: the parser the command line reads ``sys.argv`` with,
and the pylsp plugin its ``args`` setting. What the arguments mean is ``Settings``' business
(settings.py); this module only spells them.
"""

from __future__ import annotations

import argparse
from typing import Sequence

from .config import OPTION_SPECS, OptionValueError, parse_bool
from .settings import DEFAULT_EXCLUDES, FORMATS, PROG, UsageError
from .version import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Find Keras data loaders (Sequence / PyDataset) that break under "
        "multiprocessing. Also: `keras-mp-lint rule CODE` prints a rule's documentation.",
        epilog="Exit status: 0 clean, 1 findings (KMP901: a file Python cannot parse, included), "
        "2 usage error or a file the linter failed on (KMP900), 3 a file skipped because it "
        "cannot be read safely (named in a warning). Options can also be set in "
        "pyproject.toml [tool.keras-mp-lint] or setup.cfg [keras-mp-lint]; the command line wins.",
        allow_abbrev=False,
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="files and folders to lint; folders are searched for *.py files and Jupyter "
        "notebooks (*.ipynb); - reads standard input. With no PATH nothing is linted (so a "
        "pre-commit run with zero files succeeds).",
    )
    parser.add_argument(
        "--select",
        action="append",
        metavar="CODES",
        help="only these rules: codes, prefixes or symbols, comma separated (KMP2,KMP301)",
    )
    parser.add_argument(
        "--ignore",
        action="append",
        metavar="CODES",
        help="skip these rules: codes, prefixes or symbols, comma separated",
    )
    parser.add_argument(
        "--extend-select",
        action="append",
        metavar="CODES",
        help="add these rules to the selection (of the configuration file or --select)",
    )
    parser.add_argument(
        "--extend-ignore",
        action="append",
        metavar="CODES",
        help="skip these rules too, on top of the configuration's ignore",
    )
    parser.add_argument(
        "--per-file-ignores",
        metavar="MAPPING",
        help="skip codes in files matching globs, as in flake8: 'tests/*:KMP201 legacy/*:KMP' "
        "(replaces the configuration's per-file-ignores)",
    )
    parser.add_argument(
        "--exclude",
        action="append",
        metavar="GLOBS",
        help="comma separated globs matched against file and folder names and paths; adds to "
        f"the defaults ({', '.join(DEFAULT_EXCLUDES[:6])}, ...)",
    )
    parser.add_argument(
        "--force-exclude",
        action="store_true",
        help="apply the exclusions to paths named on the command line too (pre-commit does this)",
    )
    parser.add_argument(
        "--stdin-filename",
        metavar="PATH",
        help="the path of the file read from standard input (-): reported, and used to find the "
        "configuration and to match excludes and per-file-ignores",
    )
    parser.add_argument(
        "--format",
        "--output-format",
        dest="format",
        choices=FORMATS,
        help="output format (default: text; concise is the same, full adds the source lines)",
    )
    parser.add_argument(
        "--show-source",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show the source lines of each finding (the full format); --no-show-source: one "
        "line per finding (concise)",
    )
    parser.add_argument(
        "--watch",
        "-w",
        action="store_true",
        help="lint again whenever a linted file changes (polls every half second; Ctrl-C stops)",
    )
    parser.add_argument(
        "--add-noqa",
        action="store_true",
        help="add `# noqa: CODES` to every line with a finding (suppressed ones excepted) and exit",
    )
    parser.add_argument("--output", "-o", metavar="FILE", help="write the output to FILE")
    parser.add_argument(
        "--exit-zero",
        action="store_true",
        help="exit with 0 even when there are findings (usage errors still exit with 2)",
    )
    parser.add_argument(
        "--statistics",
        action="store_true",
        help="count the findings per code (after the findings; on stderr for every format "
        "but text, concise and full)",
    )
    parser.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="print the findings only: no summary line and no warnings",
    )
    parser.add_argument(
        "--baseline",
        metavar="FILE",
        help="report only findings that are not recorded in FILE (see --write-baseline)",
    )
    parser.add_argument(
        "--write-baseline",
        metavar="FILE",
        help="record every finding of this run in FILE, by a fingerprint that survives line "
        "moves, and exit 0",
    )
    parser.add_argument(
        "--jobs",
        "-j",
        type=int,
        metavar="N",
        help="lint files in N processes (0: one per CPU; default 1); the output is identical",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="neither read nor write the results cache (see --cache-dir)",
    )
    parser.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="keep the results cache in DIR (default: .keras_mp_lint_cache beside the "
        "configuration file, else in the current folder; or $KERAS_MP_LINT_CACHE_DIR)",
    )
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the text format: auto (a terminal, unless NO_COLOR is set), always, never",
    )
    parser.add_argument("--config", metavar="FILE", help="read options from this file only")
    parser.add_argument(
        "--isolated",
        action="store_true",
        help="ignore the configuration files (.keras-mp-lint.toml, pyproject.toml, setup.cfg)",
    )
    parser.add_argument("--explain", metavar="CODE", help="print a rule's documentation page")
    parser.add_argument("--list-rules", action="store_true", help="list the rules and exit")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    add_fix_arguments(parser)
    analysis = parser.add_argument_group("analysis options (the same as the pylint/flake8 plugins)")
    for spec in OPTION_SPECS:
        kwargs: dict[str, object] = {"help": spec.help, "dest": f"option_{spec.attr}"}
        if spec.kind == "bool":
            # a flag: never takes the next argument (a path) as its value
            kwargs.update(action=argparse.BooleanOptionalAction, default=None)
        elif spec.kind == "choice":
            kwargs.update(choices=spec.choices)
        else:
            kwargs.update(metavar=spec.metavar.strip("<>").upper().replace(" ", "_") or None)
        analysis.add_argument(f"--{spec.name}", **kwargs)
    return parser




def normalise_bool_flags(argv: Sequence[str]) -> list[str]:
    """``--assume-multiprocessing=yes`` -> ``--assume-multiprocessing``, ``=no`` ->
    ``--no-assume-multiprocessing``: a boolean is a flag, and the config-file spelling works too."""
    flags = {f"--{spec.name}" for spec in OPTION_SPECS if spec.kind == "bool"}
    normalised = []
    for arg in argv:
        if arg == "--":
            normalised.extend(argv[len(normalised) :])
            break
        name, equals, value = arg.partition("=")
        if equals and name in flags:
            try:
                on = parse_bool(value, name)
            except OptionValueError as exc:
                raise UsageError(exc.located()) from None
            arg = name if on else f"--no-{name[2:]}"
        normalised.append(arg)
    return normalised


def add_fix_arguments(parser: argparse.ArgumentParser) -> None:
    """The fix options (Ruff's vocabulary): --fix, --unsafe-fixes, --diff, --fix-only..."""
    group = parser.add_argument_group("fixes")
    group.add_argument(
        "--fix",
        action="store_true",
        help="apply the safe fixes in place, then report what is left",
    )
    group.add_argument(
        "--unsafe-fixes",
        action="store_true",
        help="with --fix, --fix-only or --diff: apply the unsafe fixes too (they may change what "
        "runs on import, for example)",
    )
    group.add_argument(
        "--diff",
        action="store_true",
        help="print the fixes as a unified diff and change nothing; exit 1 when there is "
        "something to fix",
    )
    group.add_argument(
        "--show-fixes",
        action="store_true",
        help="after --fix or --fix-only, list the fixed findings per file",
    )
    group.add_argument(
        "--exit-non-zero-on-fix",
        action="store_true",
        help="with --fix: exit 1 when a file was changed, even if no finding is left",
    )
    group.add_argument(
        "--extend-safe-fixes",
        action="append",
        metavar="CODES",
        help="treat the unsafe fixes of these rules as safe",
    )
    group.add_argument(
        "--extend-unsafe-fixes",
        action="append",
        metavar="CODES",
        help="treat the safe fixes of these rules as unsafe",
    )
    group.add_argument(
        "--fix-only",
        action="store_true",
        help="apply the fixes in place and report nothing else; exit 0",
    )


def fixes_requested(args: argparse.Namespace) -> bool:
    return bool(args.fix or args.diff or args.fix_only)
