#!/usr/bin/env python
"""Robustness primer: run the engine over every ``*.py`` of some folders and report what broke.

    python scripts/primer.py [FOLDER ...] [--stress] [--slowest N] [--file-timeout S] [--json PATH]
    python scripts/primer.py ecosystem --checkouts DIR [--record | --check] [...]

The second form is the ecosystem check (see ``ecosystem_main`` and CONTRIBUTING.md): it lints
pinned public projects and compares their findings with the recorded ones.

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
import subprocess
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
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["ecosystem"]:
        return ecosystem_main(argv[1:])
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


# --- Ecosystem check -----------------------------------------------------------------------------
#
# Like Ruff's ecosystem check: a pinned list of public projects (scripts/primer-projects.toml), each
# linted from its own root by `keras-mp-lint --format json`, and the findings compared with the
# recorded ones (tests/data/primer/findings.json). Only findings are recorded, never the projects'
# code; the checkouts live outside the repository.

PROJECTS_FILE = ROOT / "scripts" / "primer-projects.toml"
RECORDED_FILE = ROOT / "tests" / "data" / "primer" / "findings.json"
# Installed distributions that change what the rules see (`keras-version = auto` reads them).
ENVIRONMENT_PACKAGES = ("keras", "tensorflow", "tf-keras", "torch", "grain", "jax")


@dataclass(frozen=True)
class Project:
    name: str  # owner/name
    repository: str
    commit: str
    kind: str = "keras"
    checkout: str = ""  # folder under --checkouts; default owner+name
    options: tuple[str, ...] = ()
    paths: tuple[str, ...] = (".",)

    @property
    def folder(self) -> str:
        return self.checkout or self.name.replace("/", "+", 1)


def load_projects(path: Path) -> list[Project]:
    """The ``[[project]]`` tables of the projects file, checked for the keys they need."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    projects = []
    for number, table in enumerate(data.get("project", []), start=1):
        missing = [key for key in ("name", "repository", "commit") if not table.get(key)]
        if missing:
            raise ValueError(f"{path}: project {number} lacks {', '.join(missing)}")
        unknown = set(table) - {f.name for f in Project.__dataclass_fields__.values()}
        if unknown:
            raise ValueError(f"{path}: project {table['name']} has unknown keys {sorted(unknown)}")
        projects.append(
            Project(
                name=table["name"],
                repository=table["repository"],
                commit=table["commit"],
                kind=table.get("kind", "keras"),
                checkout=table.get("checkout", ""),
                options=tuple(table.get("options", ())),
                paths=tuple(table.get("paths", (".",))),
            )
        )
    names = [project.name for project in projects]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"{path}: projects listed twice: {', '.join(duplicates)}")
    return projects


def environment() -> dict[str, str | None]:
    """The versions of the installed packages the findings can depend on, and Python's."""
    from importlib import metadata

    versions: dict[str, str | None] = {"python": ".".join(map(str, sys.version_info[:2]))}
    for name in ENVIRONMENT_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def lint_project(project: Project, root: Path, timeout: float = 900.0) -> list[dict]:
    """Run ``keras-mp-lint --format json`` from the project's root; its findings, sorted.

    The command runs in a subprocess with this checkout first on ``sys.path``, so the linter under
    test is the one linted with, whatever is installed. A usage error or a crash raises.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("NO_COLOR", None)
    command = [
        sys.executable,
        "-m",
        "pylint_keras_mp",
        "--format",
        "json",
        "--exit-zero",
        "--no-cache",  # the linter under test, from scratch; nothing written into the checkout
        *project.options,
        *project.paths,
    ]
    proc = subprocess.run(
        command, cwd=root, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"{project.name}: keras-mp-lint exited with {proc.returncode}: {proc.stderr.strip()}"
        )
    findings = [
        {
            "path": Path(item["path"]).as_posix(),
            "line": item["line"],
            "code": item["code"],
            "message": item["message"],
        }
        for item in json.loads(proc.stdout or "[]")
    ]
    return sorted(findings, key=lambda f: (f["path"], f["line"], f["code"], f["message"]))


def checkout_commit(root: Path) -> str | None:
    """The commit checked out, or None (an exported tree, or a ``git init`` without commits)."""
    if not (root / ".git").exists():
        return None
    proc = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--verify", "--quiet", "HEAD^{commit}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.stdout.strip() if proc.returncode == 0 else None


def _key(finding: dict) -> tuple:
    return (finding["path"], finding["line"], finding["code"])


@dataclass
class ProjectDiff:
    name: str
    added: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    changed: list[tuple[dict, dict]] = field(default_factory=list)  # (old, new) message

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def diff_findings(name: str, old: list[dict], new: list[dict]) -> ProjectDiff:
    """Findings added and removed, and those whose place and code stayed but message changed."""
    result = ProjectDiff(name)
    old_by_key: dict[tuple, list[dict]] = {}
    for finding in old:
        old_by_key.setdefault(_key(finding), []).append(finding)
    new_by_key: dict[tuple, list[dict]] = {}
    for finding in new:
        new_by_key.setdefault(_key(finding), []).append(finding)
    for key in sorted(set(old_by_key) | set(new_by_key)):
        before = sorted(old_by_key.get(key, []), key=lambda f: f["message"])
        after = sorted(new_by_key.get(key, []), key=lambda f: f["message"])
        same = [f for f in after if f in before]
        before = [f for f in before if f not in same]
        after = [f for f in after if f not in same]
        paired = min(len(before), len(after))
        result.changed.extend(zip(before[:paired], after[:paired]))
        result.removed.extend(before[paired:])
        result.added.extend(after[paired:])
    return result


def render_ecosystem(
    diffs: list[ProjectDiff],
    current: dict[str, list[dict]],
    missing: list[str],
    notes: list[str],
) -> str:
    """+/- per project and per rule, then every changed finding."""
    lines = [f"note: {note}" for note in notes]
    per_rule_added: Counter = Counter()
    per_rule_removed: Counter = Counter()
    per_rule_changed: Counter = Counter()
    total = Counter()
    for findings in current.values():
        total.update(f["code"] for f in findings)
    for d in diffs:
        per_rule_added.update(f["code"] for f in d.added)
        per_rule_removed.update(f["code"] for f in d.removed)
        per_rule_changed.update(new["code"] for _, new in d.changed)
    changed_projects = [d for d in diffs if not d.empty]
    lines.append(
        f"projects: {len(current)} linted, {len(missing)} missing, "
        f"{len(changed_projects)} with changes; findings: {sum(total.values())}"
    )
    for name in missing:
        lines.append(f"  missing checkout: {name}")
    if not changed_projects:
        lines.append("no changes against the recorded findings")
    else:
        lines.append("per rule (+added -removed ~message changed, of the findings now):")
        for code in sorted(set(per_rule_added) | set(per_rule_removed) | set(per_rule_changed)):
            lines.append(
                f"  {code}: +{per_rule_added[code]} -{per_rule_removed[code]} "
                f"~{per_rule_changed[code]} (now {total[code]})"
            )
        lines.append("per project:")
        for d in changed_projects:
            lines.append(f"  {d.name}: +{len(d.added)} -{len(d.removed)} ~{len(d.changed)}")
        for d in changed_projects:
            lines.append(f"--- {d.name}")
            for f in d.removed:
                lines.append(f"- {f['path']}:{f['line']}: {f['code']} {f['message']}")
            for f in d.added:
                lines.append(f"+ {f['path']}:{f['line']}: {f['code']} {f['message']}")
            for old, new in d.changed:
                lines.append(f"~ {new['path']}:{new['line']}: {new['code']}")
                lines.append(f"    was: {old['message']}")
                lines.append(f"    now: {new['message']}")
    lines.append(
        "findings per rule: "
        + (", ".join(f"{code} {count}" for code, count in sorted(total.items())) or "none")
    )
    return "\n".join(lines)


def ecosystem_main(argv: list[str]) -> int:
    """``primer.py ecosystem``: lint the pinned projects and compare with the recorded findings.

    Exit status: 0, or 1 with ``--check`` when a finding was added, removed or reworded, or a
    checkout is missing; 2 when a project cannot be linted.
    """
    parser = argparse.ArgumentParser(
        prog="primer.py ecosystem",
        description="Lint pinned public projects; diff their findings against the recorded ones.",
    )
    parser.add_argument(
        "--checkouts",
        type=Path,
        required=True,
        help="folder holding one checkout per project (owner+name, or the project's `checkout`)",
    )
    parser.add_argument(
        "--projects",
        type=Path,
        default=PROJECTS_FILE,
        help=f"default: {PROJECTS_FILE.relative_to(ROOT)}",
    )
    parser.add_argument(
        "--recorded",
        type=Path,
        default=RECORDED_FILE,
        help=f"default: {RECORDED_FILE.relative_to(ROOT)}",
    )
    parser.add_argument(
        "--project",
        action="append",
        default=[],
        metavar="NAME",
        help="only this project (owner/name); repeatable. --record then updates only these",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--record", action="store_true", help="write the findings as the recorded ones"
    )
    mode.add_argument(
        "--check",
        action="store_true",
        help="exit 1 when the findings differ from the recorded ones",
    )
    parser.add_argument("--output", type=Path, help="also write this run's findings (JSON) here")
    args = parser.parse_args(argv)

    projects = load_projects(args.projects)
    if args.project:
        unknown = sorted(set(args.project) - {p.name for p in projects})
        if unknown:
            parser.error(f"not in {args.projects}: {', '.join(unknown)}")
        projects = [p for p in projects if p.name in args.project]

    recorded = {"environment": {}, "projects": {}}
    if args.recorded.exists():
        recorded = json.loads(args.recorded.read_text(encoding="utf-8"))
    recorded_projects = recorded.get("projects", {})

    notes: list[str] = []
    current: dict[str, list[dict]] = {}
    missing: list[str] = []
    for project in projects:
        root = args.checkouts / project.folder
        if not root.is_dir():
            missing.append(project.name)
            continue
        commit = checkout_commit(root)
        if commit and commit != project.commit:
            notes.append(f"{project.name}: checkout at {commit}, pinned {project.commit}")
        try:
            current[project.name] = lint_project(project, root)
        except (RuntimeError, subprocess.TimeoutExpired, json.JSONDecodeError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    env_now = environment()
    env_then = recorded.get("environment", {})
    if env_then and env_then != env_now and not args.record:
        changed = ", ".join(
            f"{name} {env_then.get(name)} -> {env_now.get(name)}"
            for name in sorted(set(env_then) | set(env_now))
            if env_then.get(name) != env_now.get(name)
        )
        notes.append(f"environment differs from the recording ({changed}): findings may follow it")
    for project in projects:
        entry = recorded_projects.get(project.name)
        if entry and entry.get("commit") != project.commit and not args.record:
            notes.append(
                f"{project.name}: recorded at {entry.get('commit')}, pinned {project.commit}"
            )

    diffs = [
        diff_findings(name, recorded_projects.get(name, {}).get("findings", []), findings)
        for name, findings in current.items()
    ]
    print(render_ecosystem(diffs, current, missing, notes))

    data = {
        "environment": env_now,
        "projects": {
            name: {
                "commit": next(p.commit for p in projects if p.name == name),
                "findings": findings,
            }
            for name, findings in current.items()
        },
    }
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    if args.record:
        if missing:
            print(f"error: not recorded, checkouts missing: {', '.join(missing)}", file=sys.stderr)
            return 2
        if args.project:  # keep the other projects' recording
            merged = dict(recorded_projects)
            merged.update(data["projects"])
            data["projects"] = merged
        data["projects"] = dict(sorted(data["projects"].items()))
        args.recorded.parent.mkdir(parents=True, exist_ok=True)
        args.recorded.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        print(f"recorded {len(current)} projects in {args.recorded}")
        return 0
    if args.check and (missing or any(not d.empty for d in diffs)):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
