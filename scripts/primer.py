#!/usr/bin/env python
"""Robustness primer: run the engine over every ``*.py`` of some folders and report what broke.

    python scripts/primer.py [FOLDER ...] [--stress] [--slowest N] [--file-timeout S] [--json PATH]

Default folders: the standard library (``sysconfig.get_paths()["stdlib"]``, its ``test/`` package
included, its ``site-packages/`` left out) and the current environment's site-packages (purelib,
and platlib when it differs).

Each file's bytes go through ``pylint_keras_mp.engine.analyze`` with all rules on, once with
``Options()`` and once with ``Options(assume_multiprocessing=True)``. ``--stress`` adds a third
run that makes the rules work on code that has nothing to do with Keras: the text pre-filters are
bypassed and ``builtins.object``, ``unittest.TestCase``, ``threading.Thread`` and a few other
common bases count as data-loader bases, so most classes of the corpus become "data loaders".

Reported: files, crashes (an exception escaping ``analyze``: there must be none), hangs (a file
taking longer than ``--file-timeout``), KMP900/KMP901 findings split into genuine ones (files
that ``compile()`` itself rejects: syntax errors, null bytes, undecodable bytes) and bugs (every
other KMP900 or KMP901), findings per code, and the time per file of the default run (median,
p99, max, slowest). Exit status 1 when there is a crash, a hang or a KMP900/KMP901 bug.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import sysconfig
import time
import traceback
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pylint_keras_mp import engine  # noqa: E402
from pylint_keras_mp.config import Options  # noqa: E402

# Bases that make ordinary classes "data loaders" in --stress mode.
STRESS_BASES = (
    "builtins.object",
    "builtins.Exception",
    "builtins.dict",
    "builtins.list",
    "unittest.TestCase",
    "unittest.case.TestCase",
    "threading.Thread",
    "collections.abc.Sequence",
    "typing.Sequence",
    "typing.Generic",
    "typing.NamedTuple",
    "enum.Enum",
    "abc.ABC",
)

CONFIGS: dict[str, Options] = {
    "default": Options(),
    "assume-multiprocessing": Options(assume_multiprocessing=True),
}
STRESS_CONFIG = (
    "stress",
    Options(assume_multiprocessing=True, sequence_bases=STRESS_BASES),
)


class FileTimeout(BaseException):
    """Raised by the alarm: a BaseException, so analyze's ``except Exception`` lets it through."""


@dataclass
class Report:
    folders: list[str]
    files: int = 0
    bytes: int = 0
    configs: list[str] = field(default_factory=list)
    crashes: list[dict] = field(default_factory=list)
    hangs: list[dict] = field(default_factory=list)
    kmp900_genuine: list[dict] = field(default_factory=list)
    kmp900_bugs: list[dict] = field(default_factory=list)
    findings: dict[str, dict[str, int]] = field(default_factory=dict)
    times: list[tuple[float, str]] = field(default_factory=list)  # default run, seconds
    total_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not (self.crashes or self.hangs or self.kmp900_bugs)

    def timing(self, slowest: int) -> dict[str, object]:
        values = sorted(t for t, _ in self.times)
        if not values:
            return {}
        p99 = values[min(len(values) - 1, int(round(0.99 * (len(values) - 1))))]
        return {
            "median_ms": statistics.median(values) * 1000,
            "p99_ms": p99 * 1000,
            "max_ms": values[-1] * 1000,
            "mean_ms": statistics.fmean(values) * 1000,
            "slowest": [
                {"file": path, "ms": seconds * 1000}
                for seconds, path in sorted(self.times, reverse=True)[:slowest]
            ],
        }


def default_folders() -> list[Path]:
    paths = sysconfig.get_paths()
    folders = [Path(paths["stdlib"])]
    for key in ("purelib", "platlib"):
        folder = Path(paths[key])
        if folder.is_dir() and folder not in folders:
            folders.append(folder)
    return folders


def python_files(folder: Path, skip: tuple[Path, ...] = ()) -> list[Path]:
    """Every ``*.py`` under ``folder`` (or the file itself), sorted; ``skip`` folders left out."""
    if folder.is_file():
        return [folder]
    found = []
    skipped = {str(path) for path in skip}
    for current, dirs, names in os.walk(folder):
        dirs[:] = sorted(
            d for d in dirs if d != "__pycache__" and os.path.join(current, d) not in skipped
        )
        found.extend(Path(current, name) for name in sorted(names) if name.endswith(".py"))
    return found


def corpus(folders: list[Path]) -> list[Path]:
    """Files of all folders; a folder nested in another listed folder is not walked twice."""
    files: list[Path] = []
    seen: set[Path] = set()
    resolved = [folder.resolve() for folder in folders]
    for folder in folders:
        inner = tuple(
            other
            for other in resolved
            if other != folder.resolve() and folder.resolve() in other.parents
        )
        stdlib_site = folder / "site-packages"
        if Path(sysconfig.get_paths()["stdlib"]).resolve() == folder.resolve():
            inner = inner + (stdlib_site,)
        for path in python_files(folder, skip=inner):
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                files.append(path)
    return files


def python_rejects(data: bytes, path: str) -> str | None:
    """Why CPython itself cannot compile this file, or None when it can."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(data, path, "exec", dont_inherit=True)
    except (
        SyntaxError,
        ValueError,
        UnicodeDecodeError,
        LookupError,
        RecursionError,
        MemoryError,
    ) as exc:
        return f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
    return None


def _alarm(_signum, _frame):
    raise FileTimeout()


def run(
    folders: list[Path],
    stress: bool = False,
    file_timeout: float = 60.0,
    progress: bool = False,
    limit: int | None = None,
) -> Report:
    configs = dict(CONFIGS)
    if stress:
        configs[STRESS_CONFIG[0]] = STRESS_CONFIG[1]
    report = Report([str(folder) for folder in folders], configs=list(configs))
    report.findings = {name: {} for name in configs}
    counters = {name: Counter() for name in configs}
    files = corpus(folders)
    if limit:
        files = files[:limit]
    use_alarm = file_timeout > 0 and hasattr(signal, "setitimer")
    if use_alarm:
        previous = signal.signal(signal.SIGALRM, _alarm)
    real_might_apply = engine.might_apply
    start = time.perf_counter()
    try:
        for number, path in enumerate(files, 1):
            try:
                data = path.read_bytes()
            except OSError:
                continue
            report.files += 1
            report.bytes += len(data)
            rejected: object = ...  # computed on the first KMP900/KMP901 only
            for name, options in configs.items():
                engine.might_apply = (
                    (lambda source, opts: True) if name == "stress" else real_might_apply
                )
                if name == "stress":
                    os.environ[engine.NO_PREFILTER] = "1"
                else:
                    os.environ.pop(engine.NO_PREFILTER, None)
                began = time.perf_counter()
                try:
                    if use_alarm:
                        signal.setitimer(signal.ITIMER_REAL, file_timeout)
                    findings = engine.analyze(data, str(path), options)
                except FileTimeout:
                    report.hangs.append(
                        {"file": str(path), "config": name, "seconds": file_timeout}
                    )
                    continue
                except BaseException as exc:  # noqa: BLE001 - a crash is what we look for
                    if isinstance(exc, KeyboardInterrupt):
                        raise
                    report.crashes.append(
                        {
                            "file": str(path),
                            "config": name,
                            "error": f"{type(exc).__name__}: {exc}"[:300],
                            "traceback": traceback.format_exc()[-2000:],
                        }
                    )
                    continue
                finally:
                    if use_alarm:
                        signal.setitimer(signal.ITIMER_REAL, 0)
                elapsed = time.perf_counter() - began
                if name == "default":
                    report.times.append((elapsed, str(path)))
                internal = [f for f in findings if f.code in ("KMP900", "KMP901")]
                counters[name].update(f.code for f in findings)
                if len(internal) > 1:
                    report.kmp900_bugs.append(
                        {"file": str(path), "config": name, "reason": "more than one KMP900/KMP901"}
                    )
                for finding in internal:
                    if rejected is ...:
                        rejected = python_rejects(data, str(path))
                    entry = {
                        "file": str(path),
                        "config": name,
                        "message": finding.message,
                        "python": rejected,
                    }
                    (report.kmp900_genuine if rejected else report.kmp900_bugs).append(entry)
            if progress and number % 500 == 0:
                print(
                    f"  {number}/{len(files)} files, {time.perf_counter() - start:.0f}s",
                    file=sys.stderr,
                )
    finally:
        engine.might_apply = real_might_apply
        os.environ.pop(engine.NO_PREFILTER, None)
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    report.total_seconds = time.perf_counter() - start
    report.findings = {name: dict(sorted(counter.items())) for name, counter in counters.items()}
    return report


def render(report: Report, slowest: int) -> str:
    timing = report.timing(slowest)
    genuine_files = sorted({entry["file"] for entry in report.kmp900_genuine})
    lines = [
        f"folders: {', '.join(report.folders)}",
        f"files: {report.files} ({report.bytes / 1e6:.1f} MB); "
        f"configurations: {', '.join(report.configs)}",
        f"total: {report.total_seconds:.1f}s for all configurations",
        f"crashes (exception escaping analyze): {len(report.crashes)}",
        f"hangs: {len(report.hangs)}",
        f"KMP900/KMP901 on files Python itself rejects: {len(report.kmp900_genuine)} "
        f"({len(genuine_files)} files)",
        f"KMP900/KMP901 bugs (Python compiles the file): {len(report.kmp900_bugs)}",
    ]
    if timing:
        lines.append(
            f"time per file (default options): median {timing['median_ms']:.2f} ms, "
            f"p99 {timing['p99_ms']:.1f} ms, max {timing['max_ms']:.1f} ms, "
            f"mean {timing['mean_ms']:.2f} ms"
        )
        lines.append("slowest files:")
        lines.extend(f"  {item['ms']:8.1f} ms  {item['file']}" for item in timing["slowest"])
    for name, counts in report.findings.items():
        shown = ", ".join(f"{code} {count}" for code, count in counts.items()) or "none"
        lines.append(f"findings ({name}): {shown}")
    for title, entries in (
        ("crashes", report.crashes),
        ("hangs", report.hangs),
        ("KMP900/KMP901 bugs", report.kmp900_bugs),
    ):
        if entries:
            lines.append(f"{title}:")
            for entry in entries:
                lines.append(f"  {entry}")
    if report.kmp900_genuine:
        lines.append("KMP900/KMP901 on files Python rejects (expected):")
        by_file: dict[str, dict] = {}
        for entry in report.kmp900_genuine:
            by_file.setdefault(entry["file"], entry)
        for path, entry in sorted(by_file.items()):
            lines.append(f"  {path}: {entry['python']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="*", type=Path, help="default: stdlib and site-packages")
    parser.add_argument(
        "--stress",
        action="store_true",
        help="also run with the pre-filter off " "and common bases counted as data loaders",
    )
    parser.add_argument("--slowest", type=int, default=10, help="slowest files to list (10)")
    parser.add_argument(
        "--file-timeout",
        type=float,
        default=60.0,
        help="seconds one analysis may take before it counts as a hang (60)",
    )
    parser.add_argument("--limit", type=int, help="only the first N files (smoke runs)")
    parser.add_argument("--json", metavar="PATH", help="also write the report as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)
    folders = args.folders or default_folders()
    report = run(
        folders,
        stress=args.stress,
        file_timeout=args.file_timeout,
        progress=not args.quiet,
        limit=args.limit,
    )
    print(render(report, args.slowest))
    if args.json:
        data = {
            "folders": report.folders,
            "files": report.files,
            "bytes": report.bytes,
            "configs": report.configs,
            "total_seconds": report.total_seconds,
            "crashes": report.crashes,
            "hangs": report.hangs,
            "kmp900_genuine": report.kmp900_genuine,
            "kmp900_bugs": report.kmp900_bugs,
            "findings": report.findings,
            "timing": report.timing(args.slowest),
            "python": sys.version,
        }
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(data, indent=2), encoding="utf-8")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
