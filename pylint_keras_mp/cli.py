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
import itertools
import os
import sys
from pathlib import Path
from typing import NoReturn, Sequence

from . import registry, summary, suppression
from .arguments import build_parser, fixes_requested, normalise_bool_flags
from .config import Options
from .output import Diagnostic, encode_output, render, sort_key, write_text
from .service import (
    LintResult,
    apply_suppression,
    collect_files,
    excluded_with_parents,
    lint_file,
    lint_source,
)
from .project_config import ConfigError
from .registry import Rule, get_rule
from .settings import PROG, STDIN, Settings, UsageError, load_project_config

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR, EXIT_SKIPPED = 0, 1, 2, 3
# The path standard input is reported as without --stdin-filename (Ruff's default).
DEFAULT_STDIN_NAME = "stdin.py"
INTERNAL_ERROR_CODE = "KMP900"


# --- command line ---------------------------------------------------------------------------------


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
    width = max(len(rule.symbol) for rule in registry.RULES)
    return "".join(
        f"{rule.code}  {rule.msgid}  {rule.level:<7}  {rule.symbol:<{width}}  {rule.summary}\n"
        for rule in registry.RULES
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


# --- linting -----------------------------------------------------------------------------------


# Syntax trees hold no reference cycles, so reference counting frees them; the cyclic garbage
# collector, triggered every 700 allocations by default, would only walk the trees and facts
# alive at the time, over and over. A run collects rarely, after freezing what start-up made.
GC_THRESHOLD = (50_000, 20, 100)


def _start_linting() -> None:
    """What every process that lints for the command line sets first (the workers of --jobs
    too, whatever their start method)."""
    from .project import index  # start-up cost: a run answered from the results cache

    index.keep_facts(index.COMMAND_LINE_KEPT_CHARS)  # each module parsed once per run
    _collect_rarely()


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
    files: Sequence[str], settings: Settings, jobs: int, want_fixes: bool = False, cache=None
) -> list[LintResult]:
    """The lint service's result per file, in the order of ``files`` whatever the number of
    processes. ``cache`` (a ``cache.ResultCache``): the results it holds for unchanged files
    are used, the others are linted and recorded in it."""
    results: list[LintResult | None] = [None] * len(files)
    todo = []
    for position, path in enumerate(files):
        hit = cache.get(path) if cache is not None else None
        if hit is None:
            todo.append(position)
        else:
            results[position] = hit
    linted = _lint_files([files[position] for position in todo], settings, jobs, want_fixes)
    for position, result in zip(todo, linted):
        results[position] = result
        if cache is not None:
            cache.put(files[position], result)
    return results  # type: ignore[return-value]


def _lint_files(
    files: Sequence[str], settings: Settings, jobs: int, want_fixes: bool
) -> list[LintResult]:
    if not files:
        return []
    if jobs <= 1 or len(files) < 2:
        import gc

        threshold = gc.get_threshold()
        _start_linting()
        try:
            return [lint_file(path, settings, want_fixes) for path in files]
        finally:
            gc.set_threshold(*threshold)
            gc.unfreeze()
    from concurrent.futures import ProcessPoolExecutor

    from .project import index  # start-up cost, as in _start_linting

    index.keep_facts(index.COMMAND_LINE_KEPT_CHARS)  # the scan below, inherited by forks
    _scan_projects(files, settings.options)
    workers = min(jobs, len(files))
    chunksize = max(1, len(files) // (workers * 4))
    with ProcessPoolExecutor(max_workers=workers, initializer=_start_linting) as pool:
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


def lint_stdin(args: argparse.Namespace, settings: Settings, want_fixes: bool) -> LintResult | None:
    """Standard input, as the file --stdin-filename names (default ``stdin.py``, as Ruff); None
    when that path is excluded with --force-exclude."""
    path = os.path.normpath(args.stdin_filename) if args.stdin_filename else DEFAULT_STDIN_NAME
    excluded = (
        args.stdin_filename
        and settings.force_exclude
        and excluded_with_parents(args.stdin_filename, settings)
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
    if args.add_noqa:
        return add_noqa(args, files, settings)
    if fixes_requested(args):
        from .fixing import command as fixes  # start-up cost: LibCST, the engine
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
    cache = None
    if settings.cache_dir is not None and files:
        from .cache import ResultCache  # start-up cost: only a run over files reads it

        cache = ResultCache(settings.cache_dir, settings, want_fixes)
    results = lint_files(files, settings, settings.jobs, want_fixes, cache)
    if cache is not None:
        cache.save()
    if STDIN in args.paths:
        result = lint_stdin(args, settings, want_fixes)
        if result is not None:
            results.append(result)
    excluded_on_purpose = settings.force_exclude and all(
        excluded_with_parents(path, settings) for path in paths
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
        unsafe_fixes=bool(getattr(args, "unsafe_fixes", False)),
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


def console_main() -> NoReturn:
    """The ``keras-mp-lint`` command (and ``python -m pylint_keras_mp``): ``main()``, then the
    process ends once its output is flushed, without the interpreter's teardown. Freeing what a
    run built (a project's kept trees and facts, object by object) cost a fifth of a cold run
    over Keras' source (0.3 s of 1.4 s); the operating system takes the memory back at once. The
    command writes its cache and joins its worker processes before ``main()`` returns."""
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # the reader went away before the last bytes (`... | head`)
        code = code or EXIT_ERROR
    except (OSError, ValueError):
        pass  # a closed stream: nothing more can be said
    os._exit(code if isinstance(code, int) else EXIT_ERROR)


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
