"""keras-mp-lint: lint files and folders with the engine; print text, JSON, SARIF or GitHub output.

    keras-mp-lint [options] PATH...     lint files, and *.py and *.ipynb files under folders
                                        (- is stdin)
    keras-mp-lint rule [CODE]           print a rule's documentation page (or list the rules)
    keras-mp-lint server                a language server (LSP over stdio) for editors

Exit status: 0 nothing found, 1 findings (a file Python cannot parse, KMP901, included), 2 usage
error, a file the linter failed on (KMP900) or an internal error, 3 a file was skipped because it
cannot be read safely (a broken or looping symlink, a FIFO or device, no permission; each named in
a warning). ``--exit-zero`` turns 1 and KMP900's 2 into 0; usage errors stay 2 and skipped files 3.
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
    parse_bool,
)
from .engine import Finding
from .output import FORMATS, Diagnostic, encode_output, render, sort_key, write_text
from .service import LintResult, lint_file, lint_source
from .project_config import ConfigError
from .registry import RULES, Rule, get_rule
from .settings import (  # noqa: F401  (cli.Settings and the rest stay importable from here)
    DEFAULT_EXCLUDES,
    PROG,
    RUN_CONFIG_KEYS,
    STDIN,
    Settings,
    UsageError,
    expand_codes,
    load_project_config,
)

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR, EXIT_SKIPPED = 0, 1, 2, 3
# The path standard input is reported as without --stdin-filename (Ruff's default).
DEFAULT_STDIN_NAME = "stdin.py"
INTERNAL_ERROR_CODE = "KMP900"

# Files a folder is searched for: Python modules and Jupyter notebooks (read as JSON).
SOURCE_SUFFIXES = (".py", ".ipynb")


# --- command line ------------------------------------------------------------------------------


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


def collect_files(
    paths: Sequence[str], settings: Settings, warn=lambda message: None
) -> list[str]:
    """The files to lint, each once, sorted by path. A folder that cannot be listed is skipped
    with a warning (``warn(message)``); a file that cannot be read is kept here and skipped by
    the lint service with its reason."""
    patterns, root = settings.exclude, settings.exclude_root
    found: dict[str, str] = {}  # absolute path -> path as shown

    def add(path: str) -> None:
        found.setdefault(os.path.abspath(path), os.path.normpath(path))

    def unlistable(error: OSError) -> None:
        warn(f"{error.filename}: skipped: cannot list the folder ({error.strerror or error})")

    for path in paths:
        if not os.path.lexists(path):
            raise UsageError(f"{path}: no such file or directory")
        if settings.force_exclude and _excluded_with_parents(path, patterns, root):
            continue
        if not os.path.isdir(path):
            add(path)  # a dangling link, a FIFO...: the lint service says why it is skipped
            continue
        for folder, subfolders, files in os.walk(path, onerror=unlistable):
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


def lint_files(
    files: Sequence[str], settings: Settings, jobs: int, want_fixes: bool = False
) -> list[LintResult]:
    """The lint service's result per file, in the order of ``files`` whatever the number of
    processes."""
    if jobs <= 1 or len(files) < 2:
        import gc

        threshold = gc.get_threshold()
        _collect_rarely()
        try:
            return [lint_file(path, settings, want_fixes) for path in files]
        finally:
            gc.set_threshold(*threshold)
            gc.unfreeze()
    from concurrent.futures import ProcessPoolExecutor

    _scan_projects(files, settings.options)
    workers = min(jobs, len(files))
    chunksize = max(1, len(files) // (workers * 4))
    with ProcessPoolExecutor(max_workers=workers, initializer=_collect_rarely) as pool:
        return list(
            pool.map(
                lint_file,
                files,
                itertools.repeat(settings),
                itertools.repeat(want_fixes),
                chunksize=chunksize,
            )
        )


def use_color(choice: str, output: str | None) -> bool:
    if output or choice == "never":
        return False
    if choice == "always":
        return True
    return not os.environ.get("NO_COLOR") and sys.stdout.isatty()


def read_stdin() -> bytes:
    return sys.stdin.buffer.read()


def warn(args: argparse.Namespace, message: str) -> None:
    if not args.quiet:
        write_text(sys.stderr, f"{PROG}: warning: {message}\n")


def apply_suppression(
    settings: Settings, path: str, findings: Sequence[Finding], source: str | None
) -> tuple[list[Finding], int]:
    """Findings of one file minus per-file ignores and inline suppression comments (``source``:
    the text of the file or notebook; read from ``path`` when None)."""
    from .service import _kept, _text_of, is_notebook, read_file

    notebook = is_notebook(path)
    if source is None:
        data, _reason = read_file(path)
        source = "" if data is None else (_text_of(data) or "")
    text = source
    if notebook and source:
        from .notebook import notebook_module_source

        text = notebook_module_source(path, source)
    return _kept(findings, path, settings, text, notebook)


def lint_stdin(args: argparse.Namespace, settings: Settings, want_fixes: bool) -> LintResult | None:
    """Standard input, as the file --stdin-filename names (default ``stdin.py``, as Ruff); None
    when that path is excluded with --force-exclude."""
    path = os.path.normpath(args.stdin_filename) if args.stdin_filename else DEFAULT_STDIN_NAME
    excluded = (
        args.stdin_filename
        and settings.force_exclude
        and _excluded_with_parents(args.stdin_filename, settings.exclude, settings.exclude_root)
    )
    data = read_stdin()
    if excluded:
        return None
    return lint_source(path, data, settings, want_fixes=want_fixes)


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
    files = collect_files(paths, settings, lambda message: warn(args, message))
    from .fixing import command as fixes

    if args.add_noqa:
        return add_noqa(args, files, settings)
    if fixes.requested(args):
        from .service import with_applicability

        status = fixes.run_fixes(
            args,
            files,
            settings.options,
            keep=lambda path, found, source: with_applicability(
                apply_suppression(settings, path, found, source)[0], settings
            ),
        )
        if status is not None:
            return status
    want_fixes = True  # the summary counts the fixable findings; JSON and SARIF carry the fixes
    results = lint_files(files, settings, settings.jobs, want_fixes)
    if STDIN in args.paths:
        result = lint_stdin(args, settings, want_fixes)
        if result is not None:
            results.append(result)
    excluded_on_purpose = settings.force_exclude and all(
        _excluded_with_parents(path, settings.exclude, settings.exclude_root) for path in paths
    )  # pre-commit passes excluded files with --force-exclude: nothing to lint is right then
    if args.paths and not results and not excluded_on_purpose:
        print(
            f"{PROG}: warning: no Python file found in {' '.join(args.paths)} (folders are "
            "searched for *.py files and notebooks, minus the excludes); nothing was linted",
            file=sys.stderr,
        )
        return EXIT_ERROR
    skipped = [result for result in results if result.skipped]
    for result in skipped:
        # the user's file, not the linter's failure: said even with --quiet
        write_text(sys.stderr, f"{PROG}: warning: {result.path}: skipped: {result.skipped}\n")
    linted = [result for result in results if not result.skipped]
    hidden = sum(result.suppressed for result in linted)
    diagnostics = sorted(
        (
            Diagnostic.from_finding(result.path, finding, result.lines)
            for result in linted
            for finding in result.findings
        ),
        key=sort_key,
    )
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
    format_name = settings.format
    if args.show_source is True and format_name in ("text", "concise"):
        format_name = "full"
    elif args.show_source is False and format_name == "full":
        format_name = "concise"
    document = render(
        format_name,
        diagnostics,
        color=use_color(args.color, args.output),
        docs_url=settings.options.docs_url,
    )
    if args.statistics and format_name in ("text", "concise", "full"):
        document += summary.statistics(diagnostics)
    if args.output:
        try:
            with open(args.output, "wb") as handle:
                handle.write(encode_output(document, "utf-8"))
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    else:
        write_text(sys.stdout, document)
    if args.statistics and format_name not in ("text", "concise", "full"):
        write_text(sys.stderr, summary.statistics(diagnostics))  # keeps the document valid
    if args.paths and not args.quiet and not under_pre_commit():
        fixable = sum(1 for d in diagnostics if d.fix is not None)
        unsafe = sum(1 for d in diagnostics if d.fix is not None and d.fix.applicability != "safe")
        line = summary.summary_line(
            diagnostics,
            len(linted),
            fixable=fixable or None,
            unsafe=unsafe,
            suppressed=hidden,
            in_baseline=in_baseline,
        )
        write_text(sys.stderr, line + "\n")
    if any(d.code == INTERNAL_ERROR_CODE for d in diagnostics) and not args.exit_zero:
        return EXIT_ERROR
    if skipped:
        return EXIT_SKIPPED
    if args.exit_non_zero_on_fix and getattr(args, "files_changed", False):
        return EXIT_FINDINGS
    if args.exit_zero or not diagnostics:
        return EXIT_CLEAN
    return EXIT_FINDINGS


def under_pre_commit() -> bool:
    """pre-commit runs the hook in batches (one per CPU and command-line length) and shows each
    batch's output; a summary line per batch would give several contradicting totals for one
    run, so there is none (pre-commit prints its own Passed/Failed)."""
    return os.environ.get("PRE_COMMIT") == "1" and not sys.stderr.isatty()


def add_noqa(args: argparse.Namespace, files: Sequence[str], settings: Settings) -> int:
    """Ruff's --add-noqa: a ``# noqa: CODES`` comment on the line each finding is suppressed
    from (after selection and existing suppressions), merged into a ``# noqa:`` already there."""
    from .service import read_file

    added = 0
    for path in files:
        if path.lower().endswith(".ipynb"):
            warn(args, f"{path}: --add-noqa does not edit notebooks; add the comments in Jupyter")
            continue
        result = lint_file(path, settings)
        if result.skipped or not result.findings:
            continue
        data, _reason = read_file(path)
        if data is None:
            continue
        source = "".join(result.lines)
        new, count = suppression.add_noqa(source, [(f.code, f.line) for f in result.findings])
        if count:
            from .fixing.command import _write

            _write(path, data, new)
            added += count
    if not args.quiet:
        write_text(
            sys.stderr, f"Added {added} noqa directive{'' if added == 1 else 's'}.\n"
        )
    return EXIT_CLEAN


def watch(args: argparse.Namespace) -> int:
    """Lint, then lint again whenever a file under the paths changes (polling: no dependency,
    works on every file system). Ctrl-C ends it."""
    import time

    def snapshot() -> dict[str, tuple[int, int]]:
        stamps = {}
        try:
            settings = Settings(args, load_project_config(args))
            files = collect_files([p for p in args.paths if p != STDIN], settings)
        except (UsageError, ConfigError):
            files = []
        for path in files:
            try:
                info = os.stat(path)
            except OSError:
                continue
            stamps[path] = (info.st_mtime_ns, info.st_size)
        return stamps

    if STDIN in args.paths:
        raise UsageError("--watch lints files: standard input (-) cannot be watched")
    while True:
        before = snapshot()
        write_text(sys.stderr, f"[{time.strftime('%H:%M:%S')}] Linting...\n")
        try:
            run(args)
        except UsageError as exc:
            write_text(sys.stderr, f"{PROG}: error: {exc}\n")
        sys.stdout.flush()
        write_text(sys.stderr, "Watching for file changes.\n")
        while snapshot() == before:
            time.sleep(0.5)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv[:1] == ["rule"]:
            return rule_command(argv[1:])
        if argv[:1] == ["server"]:
            from .server import main as serve

            return serve(argv[1:])
        from .isolation import trusted_imports

        with trusted_imports():  # python -m pylint_keras_mp: the working directory is on sys.path
            args = build_parser().parse_args(normalise_bool_flags(argv))
            return watch(args) if args.watch else run(args)
    except UsageError as exc:
        write_text(sys.stderr, f"{PROG}: error: {exc}\n")
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
