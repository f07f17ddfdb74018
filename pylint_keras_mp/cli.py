"""keras-mp-lint: lint files and folders with the engine; print text, JSON, SARIF or GitHub output.

    keras-mp-lint [options] PATH...     lint files, and *.py and *.ipynb files under folders
                                        (- is stdin)
    keras-mp-lint rule [CODE]           print a rule's documentation page (or list the rules)
    keras-mp-lint server                a language server (LSP over stdio) for editors

Exit status: 0 nothing found, 1 findings (a file Python cannot parse, KMP901, included), 2 usage
error, a file the linter failed on (KMP900) or an internal error. ``--exit-zero`` turns 1 and
KMP900's 2 into 0; usage errors stay 2.
"""

from __future__ import annotations

import argparse
import fnmatch
import itertools
import os
import sys
from pathlib import Path
from typing import Sequence

from . import __version__
from . import summary, suppression
from .config import (
    OPTION_SPECS,
    Options,
    OptionValueError,
    options_from_mapping,
    parse_bool,
    split_csv,
)
from .engine import Finding, analyze, analyze_file, decode_source
from .output import FORMATS, Diagnostic, render, sort_key
from .project_config import ConfigError, ProjectConfig, discover, read_config_file
from .registry import RULES, Rule, get_rule

PROG = "keras-mp-lint"
EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
INTERNAL_ERROR_CODE = "KMP900"

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
    "jobs",
    "baseline",
)
STDIN = "-"

# Files a folder is searched for: Python modules and Jupyter notebooks (read as JSON).
SOURCE_SUFFIXES = (".py", ".ipynb")


class UsageError(Exception):
    """Bad command line or configuration: reported in one line, exit status 2."""


# --- command line ------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Find Keras data loaders (Sequence / PyDataset) that break under "
        "multiprocessing. Also: `keras-mp-lint rule CODE` prints a rule's documentation.",
        epilog="Exit status: 0 clean, 1 findings (KMP901: a file Python cannot parse, included), "
        "2 usage error or a file the linter failed on (KMP900). Options can also be set in "
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
    parser.add_argument("--format", choices=FORMATS, help="output format (default: text)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the output to FILE")
    parser.add_argument(
        "--exit-zero",
        action="store_true",
        help="exit with 0 even when there are findings (usage errors still exit with 2)",
    )
    parser.add_argument(
        "--statistics",
        action="store_true",
        help="count the findings per code (after the findings; on stderr for json/sarif/github)",
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
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the text format: auto (a terminal, unless NO_COLOR is set), always, never",
    )
    parser.add_argument("--config", metavar="FILE", help="read options from this file only")
    parser.add_argument(
        "--isolated", action="store_true", help="ignore pyproject.toml and setup.cfg"
    )
    parser.add_argument("--explain", metavar="CODE", help="print a rule's documentation page")
    parser.add_argument("--list-rules", action="store_true", help="list the rules and exit")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    from .fixing.command import add_arguments as add_fix_arguments

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


def build_rule_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"{PROG} rule",
        description="Print a rule's documentation page; without CODE, list the rules.",
        allow_abbrev=False,
    )
    parser.add_argument("code", nargs="?", metavar="CODE", help="KMP201, E7201 or a symbol")
    return parser


# --- rules and their pages ---------------------------------------------------------------------


def resolve_rule(key: str) -> Rule:
    try:
        return get_rule(key)
    except KeyError:
        raise UsageError(f"unknown rule {key!r}; `{PROG} --list-rules` lists them") from None


def _page_candidates(code: str):
    """Where a rule's page can be: the checkout the package is imported from (a clone or an
    editable install), then the copy a regular install puts under <prefix>/share."""
    yield Path(__file__).resolve().parent.parent / "docs" / "rules" / f"{code}.md"
    try:
        from importlib.metadata import PackageNotFoundError, distribution

        files = distribution("pylint-keras-mp").files or []
    except (ImportError, PackageNotFoundError):
        files = []
    for file in files:
        if file.name == f"{code}.md" and "pylint-keras-mp" in file.parts:
            yield Path(file.locate())


def composed_page(rule: Rule) -> str:
    """The page built from the registry, when no docs page is installed."""
    return (
        f"# {rule.code} `{rule.symbol}` ({rule.level}; pylint `{rule.msgid}`)\n\n"
        f"{rule.summary}.\n\n## Fix\n\n{rule.generic_fix[:1].upper()}{rule.generic_fix[1:]}.\n\n"
        f"Full page: {rule.url()}\n"
    )


def rule_page(rule: Rule) -> str:
    """The rule's docs/rules/KMPxxx.md, else a page composed from the registry."""
    for path in _page_candidates(rule.code):
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            continue
        if text.startswith(f"# {rule.code} "):
            return text
    return composed_page(rule)


def rules_table() -> str:
    width = max(len(rule.symbol) for rule in RULES)
    return "".join(
        f"{rule.code}  {rule.msgid}  {rule.level:<7}  {rule.symbol:<{width}}  {rule.summary}\n"
        for rule in RULES
    )


def _write_stdout(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")


def rule_command(argv: Sequence[str]) -> int:
    args = build_rule_parser().parse_args(argv)
    if args.code is None:
        _write_stdout(rules_table())
    else:
        _write_stdout(rule_page(resolve_rule(args.code)))
    return EXIT_CLEAN


# --- configuration -----------------------------------------------------------------------------


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


def expand_codes(entries: Sequence[str], option: str) -> set[str]:
    """Codes named by codes, prefixes (KMP2), pylint ids (E7201) or symbols."""
    codes: set[str] = set()
    for entry in entries:
        try:
            codes.add(get_rule(entry).code)
            continue
        except KeyError:
            pass
        prefix = entry.upper()
        matched = {rule.code for rule in RULES if rule.code.startswith(prefix)}
        if not prefix.startswith("KMP") or not matched:
            raise UsageError(
                f"{option}: unknown rule code or prefix {entry!r} "
                f"(codes look like KMP201 or KMP2; `{PROG} --list-rules` lists them)"
            )
        codes |= matched
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

    def __init__(self, args: argparse.Namespace, config: ProjectConfig):
        known = set(RUN_CONFIG_KEYS) | {spec.name for spec in OPTION_SPECS}
        unknown = sorted(set(config.values) - known)
        if unknown:
            raise UsageError(
                f"{config.path}: unknown option(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(known))}"
            )
        values = config.values

        # Layered like ruff: the file's select/ignore, then the command line's; a select
        # replaces what the layers below chose, an extend-select adds to it, an ignore removes.
        chosen = {rule.code for rule in RULES}
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

        self.baseline = args.baseline
        if self.baseline is None and values.get("baseline") and not args.write_baseline:
            # relative to the configuration file, like the excludes
            self.baseline = str((config.directory or Path.cwd()) / str(values["baseline"]))

        exclude = args.exclude if args.exclude is not None else values.get("exclude")
        self.exclude = DEFAULT_EXCLUDES + (_csv(exclude) or ())
        self.exclude_root = str(config.directory or Path.cwd())
        self.force_exclude = args.force_exclude

        self.format = args.format or str(values.get("format", "text"))
        if self.format not in FORMATS:
            error = OptionValueError("format", values.get("format"), ", ".join(FORMATS))
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


# --- files -------------------------------------------------------------------------------------


def _posix(path: str) -> str:
    return path.replace(os.sep, "/")


def is_excluded(path: str, patterns: Sequence[str], root: str) -> bool:
    """Match the name, the path relative to ``root`` and the absolute path against the globs."""
    absolute = os.path.abspath(path)
    candidates = {os.path.basename(absolute), _posix(absolute)}
    try:
        candidates.add(_posix(os.path.relpath(absolute, root)))
    except ValueError:  # another drive on Windows
        pass
    return any(
        fnmatch.fnmatchcase(candidate, pattern.rstrip("/"))
        for pattern in patterns
        for candidate in candidates
    )


def _excluded_with_parents(path: str, patterns: Sequence[str], root: str) -> bool:
    """A path or one of its folders (below ``root``, or as written) is excluded."""
    absolute = Path(os.path.abspath(path))
    try:
        parts = absolute.relative_to(root).parts
        base = Path(root)
    except ValueError:
        parts = Path(path).parts
        base = Path()
    current = base
    for part in parts:
        current = current / part
        if is_excluded(str(current), patterns, root):
            return True
    return False


def collect_files(paths: Sequence[str], settings: Settings) -> list[str]:
    """The files to lint, each once, sorted by path."""
    patterns, root = settings.exclude, settings.exclude_root
    found: dict[str, str] = {}  # absolute path -> path as shown

    def add(path: str) -> None:
        found.setdefault(os.path.abspath(path), os.path.normpath(path))

    for path in paths:
        if not os.path.exists(path):
            raise UsageError(f"{path}: no such file or directory")
        if settings.force_exclude and _excluded_with_parents(path, patterns, root):
            continue
        if not os.path.isdir(path):
            add(path)
            continue
        for folder, subfolders, files in os.walk(path):
            subfolders[:] = sorted(
                name
                for name in subfolders
                if not is_excluded(os.path.join(folder, name), patterns, root)
            )
            for name in files:
                file_path = os.path.join(folder, name)
                if name.endswith(SOURCE_SUFFIXES) and not is_excluded(file_path, patterns, root):
                    add(file_path)
    return sorted(found.values(), key=lambda shown: (_posix(shown), shown))


# --- linting -----------------------------------------------------------------------------------


# Syntax trees hold no reference cycles, so reference counting frees them; the cyclic garbage
# collector, triggered every 700 allocations by default, would only walk the trees and facts
# alive at the time, over and over. A run collects rarely, after freezing what start-up made.
GC_THRESHOLD = (50_000, 20, 100)


def _collect_rarely() -> None:
    import gc

    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


def _scan_projects(files: Sequence[str], options: Options) -> None:
    """Scan each project of the run once, before the workers start: forked workers inherit the
    scan instead of each repeating it (workers started by spawn or forkserver scan for
    themselves, as a single process does)."""
    import multiprocessing

    if multiprocessing.get_start_method(allow_none=False) != "fork":
        return
    from .engine import _project_index

    scanned: set[int] = set()
    for path in files:
        if path.lower().endswith(".ipynb"):
            continue
        index = _project_index(path, options)
        if index is not None and id(index) not in scanned:
            scanned.add(id(index))
            try:
                index.scan()
            except Exception:  # the workers find out for themselves
                pass


def lint_files(files: Sequence[str], options: Options, jobs: int) -> list[list[Finding]]:
    """Findings per file, in the order of ``files`` whatever the number of processes."""
    if jobs <= 1 or len(files) < 2:
        import gc

        threshold = gc.get_threshold()
        _collect_rarely()
        try:
            return [analyze_file(path, options) for path in files]
        finally:
            gc.set_threshold(*threshold)
            gc.unfreeze()
    from concurrent.futures import ProcessPoolExecutor

    _scan_projects(files, options)
    workers = min(jobs, len(files))
    chunksize = max(1, len(files) // (workers * 4))
    with ProcessPoolExecutor(max_workers=workers, initializer=_collect_rarely) as pool:
        return list(pool.map(analyze_file, files, itertools.repeat(options), chunksize=chunksize))


def use_color(choice: str, output: str | None) -> bool:
    if output or choice == "never":
        return False
    if choice == "always":
        return True
    return not os.environ.get("NO_COLOR") and sys.stdout.isatty()


def read_stdin(filename: str) -> tuple[str, str]:
    """Standard input as (path shown, source), with the path also primed in linecache so that
    fingerprints and SARIF regions read the text that was linted, not a saved file."""
    import linecache

    data = sys.stdin.buffer.read()
    try:
        source = decode_source(data)
    except (UnicodeDecodeError, LookupError, SyntaxError):
        source = data.decode("utf-8", errors="replace")
    lines = source.splitlines(keepends=True)
    linecache.cache[os.path.abspath(filename)] = (len(source), None, lines, filename)
    return filename, source


def warn(args: argparse.Namespace, message: str) -> None:
    if not args.quiet:
        print(f"{PROG}: warning: {message}", file=sys.stderr)


def apply_suppression(
    settings: Settings, path: str, findings: Sequence[Finding], source: str | None
) -> tuple[list[Finding], int]:
    """Findings of one file minus per-file ignores and inline suppression comments."""
    ignored = settings.per_file_ignores.ignored_codes(path)
    kept = [f for f in findings if f.code in settings.select and f.code not in ignored]
    hidden = len(findings) - len(kept)
    if kept and path.lower().endswith(".ipynb"):
        # comments in a notebook's cells, on the lines of its code cells concatenated
        from .notebook import notebook_module_source  # only a run with notebooks needs it

        kept, suppressed = suppression.without_suppressed(
            kept,
            notebook_module_source(path, source),
            key=lambda f: (f.code, f.line + f.cell_offset),
        )
        hidden += suppressed
    elif kept:
        if source is None:
            try:
                with open(path, "rb") as handle:
                    source = decode_source(handle.read())
            except (OSError, UnicodeDecodeError, LookupError, SyntaxError):
                source = ""
        kept, suppressed = suppression.without_suppressed(
            kept, source, key=lambda f: (f.code, f.line)
        )
        hidden += suppressed
    return kept, hidden


def run(args: argparse.Namespace) -> int:
    if args.list_rules:
        _write_stdout(rules_table())
        return EXIT_CLEAN
    if args.explain:
        _write_stdout(rule_page(resolve_rule(args.explain)))
        return EXIT_CLEAN
    if args.baseline and args.write_baseline:
        raise UsageError("--baseline and --write-baseline cannot be used together")
    if args.stdin_filename and STDIN not in args.paths:
        raise UsageError("--stdin-filename names standard input: add - to the paths")
    try:
        settings = Settings(args, load_project_config(args))
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    if not args.paths:
        warn(args, f"no paths given, nothing to lint (try `{PROG} .`)")
    paths = [path for path in args.paths if path != STDIN]
    files = collect_files(paths, settings)
    from .fixing import command as fixes

    if fixes.requested(args):
        status = fixes.run_fixes(
            args,
            files,
            settings.options,
            keep=lambda path, found, source: apply_suppression(settings, path, found, source)[0],
        )
        if status is not None:
            return status
    per_file = lint_files(files, settings.options, settings.jobs)
    sources: list[str | None] = [None] * len(files)
    if STDIN in args.paths:
        shown = args.stdin_filename or STDIN
        excluded = (
            args.stdin_filename
            and settings.force_exclude
            and _excluded_with_parents(args.stdin_filename, settings.exclude, settings.exclude_root)
        )
        path, source = read_stdin(os.path.normpath(shown) if shown != STDIN else shown)
        if not excluded:
            from .notebook import analyze_notebook

            files.append(path)
            per_file.append(
                analyze_notebook(source, path, settings.options)
                if path.lower().endswith(".ipynb")
                else analyze(source, path, settings.options)
            )
            sources.append(source)
    excluded_on_purpose = settings.force_exclude and all(
        _excluded_with_parents(path, settings.exclude, settings.exclude_root) for path in paths
    )  # pre-commit passes excluded files with --force-exclude: nothing to lint is right then
    if args.paths and not files and not excluded_on_purpose:
        print(
            f"{PROG}: warning: no Python file found in {' '.join(args.paths)} (folders are "
            "searched for *.py files and notebooks, minus the excludes); nothing was linted",
            file=sys.stderr,
        )
        return EXIT_ERROR
    hidden = 0
    diagnostics = []
    for path, findings, source in zip(files, per_file, sources):
        kept, count = apply_suppression(settings, path, findings, source)
        hidden += count
        diagnostics.extend(Diagnostic.from_finding(path, finding) for finding in kept)
    diagnostics.sort(key=sort_key)
    if args.write_baseline or settings.baseline:
        from . import baseline  # only these options need it
    if args.write_baseline:
        try:
            recorded = baseline.write_baseline(args.write_baseline, diagnostics)
        except baseline.BaselineError as exc:
            raise UsageError(str(exc)) from None
        if not args.quiet:
            print(
                f"{PROG}: recorded {recorded} finding{'' if recorded == 1 else 's'} "
                f"in {args.write_baseline}",
                file=sys.stderr,
            )
        return EXIT_CLEAN
    in_baseline = 0
    if settings.baseline:
        try:
            diagnostics, in_baseline = baseline.new_findings(settings.baseline, diagnostics)
        except baseline.BaselineError as exc:
            raise UsageError(str(exc)) from None
    document = render(
        settings.format,
        diagnostics,
        color=use_color(args.color, args.output),
        docs_url=settings.options.docs_url,
    )
    if args.statistics and settings.format == "text":
        document += summary.statistics(diagnostics)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(document)
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(document)
        sys.stdout.flush()
    if args.statistics and settings.format != "text":
        sys.stderr.write(summary.statistics(diagnostics))  # keeps the document valid
    if args.paths and not args.quiet:
        fixable = sum(1 for d in diagnostics if d.fix is not None)
        line = summary.summary_line(
            diagnostics,
            len(files),
            fixable=fixable or None,
            suppressed=hidden,
            in_baseline=in_baseline,
        )
        print(line, file=sys.stderr)
    if args.exit_zero or not diagnostics:
        return EXIT_CLEAN
    if any(d.code == INTERNAL_ERROR_CODE for d in diagnostics):
        return EXIT_ERROR
    return EXIT_FINDINGS


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv[:1] == ["rule"]:
            return rule_command(argv[1:])
        if argv[:1] == ["server"]:
            from .server import main as serve

            return serve(argv[1:])
        return run(build_parser().parse_args(normalise_bool_flags(argv)))
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader went away (`keras-mp-lint . | head`): silence the flush at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
    except Exception:  # the tool itself failed; say so loudly and exit 2
        print(f"{PROG}: internal error, please report it:", file=sys.stderr)
        import traceback  # only a crash needs it

        traceback.print_exc()
        return EXIT_ERROR
