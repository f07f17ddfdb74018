"""Reading fixtures and running them through each front end (engine, pylint, flake8, CLI)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from pylint_keras_mp.config import Options, options_from_mapping
from pylint_keras_mp.service import analyze_file
from pylint_keras_mp.registry import RULES_BY_MSGID

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
PROJECTS = FIXTURES / "projects"  # one folder per fixture project, linted from its root
FIX_FIXTURES = FIXTURES / "fixes"  # <case>.py and <case>.fixed.py pairs, checked by test_fixes.py
DOCS = ROOT / "docs" / "rules"
PROOFS = ROOT / "proofs"

EXPECT_RE = re.compile(r"#\s*expect:\s*(KMP\d{3}(?:\s*,\s*KMP\d{3})*)")
OPTIONS_RE = re.compile(r"^#\s*keras-mp-options:\s*(.*)$", re.MULTILINE)

Finding = tuple[int, str]  # (line, code)


@dataclass(frozen=True)
class Fixture:
    path: Path
    options_text: str  # raw "key=value key=value", "" when none

    @property
    def id(self) -> str:
        return str(self.path.relative_to(ROOT))

    @property
    def option_values(self) -> dict[str, str]:
        values = {}
        for item in self.options_text.split():
            key, _, value = item.partition("=")
            values[key] = value
        return values

    @property
    def options(self) -> Options:
        return options_from_mapping(self.option_values)

    def expected(self) -> list[Finding]:
        found = []
        for number, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), 1):
            match = EXPECT_RE.search(line)
            if match:
                for code in match.group(1).split(","):
                    found.append((number, code.strip()))
        return sorted(found)

    def cli_flags(self, prefix: str = "--keras-mp-") -> list[str]:
        flags = []
        for key, value in self.option_values.items():
            flags.append(f"{prefix}{key}={value}")
        return flags


def fixture_files() -> list[Fixture]:
    """Every single-file fixture (the fixture projects are run as projects, from their root; the
    fix fixtures are checked by test_fixes.py)."""
    files = [
        path
        for path in sorted(FIXTURES.rglob("*.py"))
        if PROJECTS not in path.parents and FIX_FIXTURES not in path.parents
    ]
    files += sorted(PROOFS.glob("KMP*.py"))
    fixtures = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        match = OPTIONS_RE.search(text)
        fixtures.append(Fixture(path, match.group(1).strip() if match else ""))
    return fixtures


def fix_fixture_files() -> list[Fixture]:
    """The files to fix under fixtures/fixes/ (not their .fixed.py results)."""
    fixtures = []
    for path in sorted(FIX_FIXTURES.rglob("*.py")):
        if path.name.endswith(".fixed.py"):
            continue
        match = OPTIONS_RE.search(path.read_text(encoding="utf-8"))
        fixtures.append(Fixture(path, match.group(1).strip() if match else ""))
    return fixtures


def fixed_path(path: Path) -> Path:
    return path.with_name(path.name[: -len(".py")] + ".fixed.py")


def engine_findings(fixture: Fixture) -> list[Finding]:
    return sorted((f.line, f.code) for f in analyze_file(str(fixture.path), fixture.options))


# --- message snapshots -------------------------------------------------------------------------
# Beside every fixture that reports, ``<file>.messages`` holds each finding's position, code and
# message text (``line:column: CODE message``, the column 1-based as flake8 shows it), without
# the link and without the "(fixable ...)" suffix, which the fix fixtures pin. A fixture project
# has one ``project.messages`` at its root, each line starting with the file's path.
# ``python -m tests.regen_snapshots`` writes them; review the diff.

SNAPSHOT_SUFFIX = ".messages"
PROJECT_SNAPSHOT = "project.messages"
_FIXABLE = re.compile(r" \(fixable with keras-mp-lint --fix(?: --unsafe-fixes)?\)$")


# The fixtures and fixture projects whose snapshot must exist (every one that reports when
# snapshots were introduced, and those ``tests.regen_snapshots`` wrote since); a fixture not
# listed is checked against its snapshot when it has one.
PINNED = ROOT / "tests" / "data" / "pinned_fixtures.txt"


def pinned() -> set[str]:
    try:
        return set(PINNED.read_text(encoding="utf-8").split())
    except FileNotFoundError:
        return set()


def pin(paths: list[Path]) -> None:
    names = pinned() | {path.relative_to(ROOT).as_posix() for path in paths}
    PINNED.write_text("".join(f"{name}\n" for name in sorted(names)), encoding="utf-8")


def check_snapshot(path: Path, snapshot: Path, lines: list[str]) -> None:
    """``lines`` (the findings now) equal the snapshot; a pinned fixture that reports must have
    one, and a snapshot of a fixture that no longer reports is stale."""
    recorded = read_snapshot(snapshot)
    regen = f"python -m tests.regen_snapshots {path.relative_to(ROOT).as_posix()}"
    if recorded is None:
        required = lines and path.relative_to(ROOT).as_posix() in pinned()
        assert not required, f"{snapshot.name} is missing: run {regen} and review it"
        return
    assert recorded, f"{snapshot.name} is empty: run {regen}"
    assert lines == recorded, f"messages differ from {snapshot.name} (if on purpose: {regen})"


def snapshot_path(path: Path) -> Path:
    return path.with_name(path.name + SNAPSHOT_SUFFIX)


def snapshot_line(line: int, col: int, code: str, message: str) -> str:
    return f"{line}:{col + 1}: {code} {_FIXABLE.sub('', message)}"


def engine_messages(fixture: Fixture) -> list[str]:
    """The engine's findings of a fixture as snapshot lines, in position order."""
    return [
        snapshot_line(f.line, f.col, f.code, f.message)
        for f in sorted(analyze_file(str(fixture.path), fixture.options))
    ]


def notebook_files() -> list[Path]:
    """The notebook fixtures (run by tests/test_notebooks.py)."""
    return sorted(FIXTURES.rglob("*.ipynb")) + sorted(PROOFS.glob("*.ipynb"))


def notebook_messages(path: Path) -> list[str]:
    """The engine's findings of a notebook fixture as snapshot lines, ``cell N:`` before each
    finding in a cell (line and column are then the cell's)."""
    from pylint_keras_mp.notebook import analyze_notebook_file

    lines = []
    for f in sorted(analyze_notebook_file(str(path)), key=lambda f: (f.cell or 0, f.line, f.col, f.code)):
        where = f"cell {f.cell}:" if f.cell is not None else ""
        lines.append(where + snapshot_line(f.line, f.col, f.code, f.message))
    return lines


def read_snapshot(path: Path) -> list[str] | None:
    """The snapshot lines, None when there is no snapshot file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return text.splitlines()


def write_snapshot(path: Path, lines: list[str]) -> None:
    """Write the snapshot, or remove it when there is nothing to pin (a fixture without
    findings needs none: its ``# expect:`` comments already say so)."""
    if lines:
        path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    elif path.exists():
        path.unlink()


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONWARNINGS", None)
    return env


def _bin(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def _group_by_options(fixtures: list[Fixture]) -> dict[str, list[Fixture]]:
    groups: dict[str, list[Fixture]] = {}
    for fixture in fixtures:
        groups.setdefault(fixture.options_text, []).append(fixture)
    return groups


PYLINT_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+):(?P<msgid>[A-Z]\d{4}):(?P<msg>.*)$")
FLAKE8_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>KMP\d{3}) (?P<msg>.*)$")


def pylint_findings(fixtures: list[Fixture]) -> dict[Path, list[tuple[int, int, str, str]]]:
    """{path: [(line, col0, code, message)]} from real pylint, one subprocess per options group."""
    results: dict[Path, list] = {fixture.path: [] for fixture in fixtures}
    for _text, group in _group_by_options(fixtures).items():
        cmd = [
            _bin("pylint"),
            "--load-plugins=pylint_keras_mp",
            "--disable=all",
            "--enable=keras-mp",
            "--persistent=n",
            "--score=n",
            "--msg-template={path}:{line}:{column}:{msg_id}:{msg}",
            *group[0].cli_flags(),
            *[str(f.path) for f in group],
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=_env(), timeout=600)
        if proc.returncode & 32 or "Traceback" in proc.stderr:
            raise AssertionError(f"pylint failed ({proc.returncode}):\n{proc.stderr}\n{proc.stdout}")
        for line in proc.stdout.splitlines():
            match = PYLINT_LINE.match(line)
            if not match:
                continue
            rule = RULES_BY_MSGID[match["msgid"]]
            path = (ROOT / match["path"]).resolve()
            results.setdefault(path, []).append(
                (int(match["line"]), int(match["col"]), rule.code, match["msg"])
            )
    return results


def flake8_findings(fixtures: list[Fixture]) -> dict[Path, list[tuple[int, int, str, str]]]:
    """{path: [(line, col0, code, message)]} from real flake8, one subprocess per options group."""
    results: dict[Path, list] = {fixture.path: [] for fixture in fixtures}
    for _text, group in _group_by_options(fixtures).items():
        flags = []
        for key, value in group[0].option_values.items():
            if key == "assume-multiprocessing":
                if value.lower() in {"y", "yes", "true", "1", "on"}:
                    flags.append("--keras-mp-assume-multiprocessing")
            else:
                flags.append(f"--keras-mp-{key}={value}")
        cmd = [
            _bin("flake8"),
            "--isolated",
            "--select=KMP",
            *flags,
            *[str(f.path) for f in group],
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=_env(), timeout=600)
        if proc.returncode not in (0, 1) or "Traceback" in proc.stderr:
            raise AssertionError(f"flake8 failed ({proc.returncode}):\n{proc.stderr}\n{proc.stdout}")
        for line in proc.stdout.splitlines():
            match = FLAKE8_LINE.match(line)
            if not match:
                continue
            path = (ROOT / match["path"]).resolve()
            results.setdefault(path, []).append(
                (int(match["line"]), int(match["col"]) - 1, match["code"], match["msg"])
            )
    return results


def code_blocks_under(markdown: str, heading: str) -> list[str]:
    """The ```python blocks between ``## heading`` and the next ``## `` heading."""
    section = re.search(
        rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", markdown, re.MULTILINE | re.DOTALL
    )
    if not section:
        return []
    return re.findall(r"```python\n(.*?)```", section.group(1), re.DOTALL)


# --- fixture projects --------------------------------------------------------------------------


@dataclass(frozen=True)
class FixtureProject:
    """A folder of modules linted together: expectations next to the code, as in single files.
    ``# keras-mp-options:`` in any of its files sets the options for the whole project. A file
    ``name.py.unparsable`` becomes the module ``name.py`` in the copy a test runs on: it is in the
    project (imported) but cannot be parsed, so it is not linted itself (and the fixtures folder
    holds no file that every front end rejects)."""

    root: Path

    @property
    def id(self) -> str:
        return self.root.name

    def copy_to(self, folder: Path) -> "FixtureProject":
        import shutil

        target = folder / self.root.name
        shutil.copytree(self.root, target)
        for path in target.rglob("*.py.unparsable"):
            path.rename(path.with_suffix(""))
            (target / UNPARSABLE_LIST).open("a", encoding="utf-8").write(
                path.with_suffix("").relative_to(target).as_posix() + "\n"
            )
        return FixtureProject(target)

    def _texts(self) -> dict[str, str]:
        return {
            path.relative_to(self.root).as_posix(): path.read_text(encoding="utf-8", errors="replace")
            for path in sorted(self.root.rglob("*.py"))
        }

    @property
    def options_text(self) -> str:
        for text in self._texts().values():
            match = OPTIONS_RE.search(text)
            if match:
                return match.group(1).strip()
        return ""

    @property
    def not_linted(self) -> list[str]:
        listed = self.root / UNPARSABLE_LIST
        return listed.read_text(encoding="utf-8").split() if listed.exists() else []

    @property
    def files(self) -> list[str]:
        """The linted files, relative to the root."""
        return [name for name in self._texts() if name not in self.not_linted]

    def expected(self) -> dict[str, list[Finding]]:
        found: dict[str, list[Finding]] = {name: [] for name in self.files}
        for name in self.files:
            text = (self.root / name).read_text(encoding="utf-8")
            for number, line in enumerate(text.splitlines(), 1):
                match = EXPECT_RE.search(line)
                if match:
                    found[name].extend((number, code.strip()) for code in match.group(1).split(","))
        return {name: sorted(items) for name, items in found.items()}

    def option_flags(self) -> list[str]:
        flags = []
        for item in self.options_text.split():
            key, _, value = item.partition("=")
            flags.append(f"--{key}={value}")
        return flags


UNPARSABLE_LIST = ".not-linted"


def fixture_projects() -> list[FixtureProject]:
    return [FixtureProject(path) for path in sorted(PROJECTS.iterdir()) if path.is_dir()]


ProjectFindings = dict[str, list[tuple[int, int, str, str]]]


SEE_URL = re.compile(r" \(see \S+\)$")


def project_snapshot_lines(results: ProjectFindings) -> list[str]:
    """The findings of a project (``engine_project_findings``) as snapshot lines."""
    return [
        f"{name}:{snapshot_line(line, col, code, message)}"
        for name, items in sorted(results.items())
        for line, col, code, message in items
    ]


def _by_file(project: FixtureProject, rows) -> ProjectFindings:
    """{file relative to the root: [(line, col0, code, message without its link)]}."""
    results: ProjectFindings = {name: [] for name in project.files}
    for path, line, col, code, message in rows:
        name = Path(os.path.normpath(path)).as_posix()
        results.setdefault(name, []).append((line, col, code, SEE_URL.sub("", message)))
    return {name: sorted(items) for name, items in results.items()}


def engine_project_findings(project: FixtureProject) -> ProjectFindings:
    """The engine on each file by its path (what an editor integration does), one at a time."""
    options = options_from_mapping(
        dict(item.partition("=")[::2] for item in project.options_text.split())
    )
    rows = []
    for name in project.files:
        for f in analyze_file(str(project.root / name), options):
            rows.append((name, f.line, f.col, f.code, f.text))
    return _by_file(project, rows)


def cli_project_findings(project: FixtureProject) -> ProjectFindings:
    import json

    cmd = [
        _bin("keras-mp-lint"),
        "--isolated",
        "--format=json",
        *[f"--exclude={name}" for name in project.not_linted],
        *project.option_flags(),
        ".",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=project.root, env=_env(), timeout=600)
    if proc.returncode not in (0, 1):
        raise AssertionError(f"keras-mp-lint failed ({proc.returncode}):\n{proc.stderr}\n{proc.stdout}")
    rows = []
    for item in json.loads(proc.stdout):
        rows.append((item["path"], item["line"], item["column"] - 1, item["code"], item["message"]))
    return _by_file(project, rows)


def flake8_project_findings(project: FixtureProject) -> ProjectFindings:
    flags = []
    for item in project.options_text.split():
        key, _, value = item.partition("=")
        if key == "assume-multiprocessing":
            if value.lower() in {"y", "yes", "true", "1", "on"}:
                flags.append("--keras-mp-assume-multiprocessing")
        else:
            flags.append(f"--keras-mp-{key}={value}")
    cmd = [
        _bin("flake8"),
        "--isolated",
        "--select=KMP",
        *[f"--extend-exclude={name}" for name in project.not_linted],
        *flags,
        ".",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=project.root, env=_env(), timeout=600)
    if proc.returncode not in (0, 1) or "Traceback" in proc.stderr:
        raise AssertionError(f"flake8 failed ({proc.returncode}):\n{proc.stderr}\n{proc.stdout}")
    rows = []
    for line in proc.stdout.splitlines():
        match = FLAKE8_LINE.match(line)
        if match:
            rows.append(
                (match["path"], int(match["line"]), int(match["col"]) - 1, match["code"], match["msg"])
            )
    return _by_file(project, rows)


def pylint_project_findings(project: FixtureProject) -> ProjectFindings:
    cmd = [
        _bin("pylint"),
        "--load-plugins=pylint_keras_mp",
        "--disable=all",
        "--enable=keras-mp",
        "--persistent=n",
        "--score=n",
        "--recursive=y",
        *[f"--ignore={Path(name).name}" for name in project.not_linted],
        "--msg-template={path}:{line}:{column}:{msg_id}:{msg}",
        *[f"--keras-mp-{flag[2:]}" for flag in project.option_flags()],
        ".",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=project.root, env=_env(), timeout=600)
    if proc.returncode & 32 or "Traceback" in proc.stderr:
        raise AssertionError(f"pylint failed ({proc.returncode}):\n{proc.stderr}\n{proc.stdout}")
    rows = []
    for line in proc.stdout.splitlines():
        match = PYLINT_LINE.match(line)
        if match:
            rule = RULES_BY_MSGID[match["msgid"]]
            rows.append((match["path"], int(match["line"]), int(match["col"]), rule.code, match["msg"]))
    return _by_file(project, rows)
