"""Reading fixtures and running them through each front end (engine, pylint, flake8, CLI)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from pylint_keras_mp.config import Options, options_from_mapping
from pylint_keras_mp.engine import analyze_file
from pylint_keras_mp.registry import RULES_BY_MSGID

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
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
    files = sorted(p for p in FIXTURES.rglob("*.py") if FIX_FIXTURES not in p.parents)
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
