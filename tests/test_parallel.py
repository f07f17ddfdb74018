"""Parallel runs: ``flake8 -j 2``, ``pylint -j 2`` and ``keras-mp-lint --jobs 2`` with the plugin
report exactly what ``-j 1`` reports, and what the engine reports file by file.

The tree: every fixture (flattened into one folder, so that pylint sees no module-name clashes),
60 generated modules that splice fixtures together, and a file with a syntax error.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pylint_keras_mp.service import analyze_file
from pylint_keras_mp.registry import RULES_BY_MSGID

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
GENERATED = 60

FLAKE8_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>KMP\d{3}) ")
PYLINT_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<msgid>[A-Z]\d{4}) ")
CLI_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>KMP\d{3}) ")

Result = dict[str, list[tuple[int, int, str]]]  # file name -> sorted (line, col0, code)


def _bin(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONWARNINGS", None)
    return env


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("parallel")
    sources = sorted(FIXTURES.rglob("*.py"))
    for path in sources:
        (folder / f"{path.parent.name}__{path.name}").write_bytes(path.read_bytes())
    texts = [path.read_text(encoding="utf-8") for path in sources]
    rng = random.Random(20240601)
    made = 0
    while made < GENERATED:
        text = "\n\n".join(rng.sample(texts, 3))
        try:
            compile(text, "generated", "exec", dont_inherit=True)
        except SyntaxError:
            continue
        (folder / f"generated_{made:02d}.py").write_text(text, encoding="utf-8")
        made += 1
    (folder / "syntax_error.py").write_text("from keras.utils import PyDataset\ndef f(:\n", encoding="utf-8")
    return folder


def _files(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.glob("*.py"))


def _collect(output: str, pattern: re.Pattern, to_code, col_base: int) -> Result:
    found: Result = {}
    for line in output.splitlines():
        match = pattern.match(line)
        if not match:
            continue
        code = to_code(match)
        if code is None:
            continue
        found.setdefault(Path(match["path"]).name, []).append(
            (int(match["line"]), int(match["col"]) - col_base, code)
        )
    return {name: sorted(items) for name, items in found.items()}


def _run(command: list[str], folder: Path, ok=(0, 1)) -> str:
    proc = subprocess.run(
        command, capture_output=True, text=True, cwd=folder, env=_env(), timeout=900
    )
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode in ok, (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
    return proc.stdout


def flake8(folder: Path, jobs: int) -> Result:
    out = _run([_bin("flake8"), "--isolated", "--select=KMP", f"-j{jobs}", *_files(folder)], folder)
    return _collect(out, FLAKE8_LINE, lambda m: m["code"], col_base=1)


def pylint(folder: Path, jobs: int) -> Result:
    out = _run(
        [
            _bin("pylint"),
            "--load-plugins=pylint_keras_mp",
            "--disable=all",
            "--enable=keras-mp",
            "--persistent=n",
            "--score=n",
            f"-j{jobs}",
            "--msg-template={path}:{line}:{column}: {msg_id} {msg}",
            *_files(folder),
        ],
        folder,
        ok=tuple(code for code in range(64) if not code & 33),  # no fatal, no usage error
    )

    def code(match):
        rule = RULES_BY_MSGID.get(match["msgid"])
        return rule.code if rule else None

    return _collect(out, PYLINT_LINE, code, col_base=0)


def cli(folder: Path, jobs: int) -> Result:
    out = _run(
        [sys.executable, "-m", "pylint_keras_mp", "--isolated", "--jobs", str(jobs), "."],
        folder,
        ok=(0, 1),  # the syntax error is a finding (KMP901), not a failure
    )
    return _collect(out, CLI_LINE, lambda m: m["code"], col_base=1)


def engine(folder: Path) -> Result:
    found: Result = {}
    for name in _files(folder):
        findings = analyze_file(str(folder / name))
        if findings:
            found[name] = sorted((f.line, f.col, f.code) for f in findings)
    return found


@pytest.fixture(scope="module")
def expected(tree) -> Result:
    result = engine(tree)
    assert len(result) > 50, "the tree should produce findings in many files"
    assert [code for _, _, code in result["syntax_error.py"]] == ["KMP901"]
    return result


def _without_syntax_error(result: Result) -> Result:
    # pylint and flake8 report the syntax error themselves (E0001 / E999) and never call the
    # plugin on a file they cannot parse.
    return {name: items for name, items in result.items() if name != "syntax_error.py"}


def test_flake8_two_jobs_equal_one_job_and_the_engine(tree, expected):
    one, two = flake8(tree, 1), flake8(tree, 2)
    assert two == one
    assert one == _without_syntax_error(expected)


def test_pylint_two_jobs_equal_one_job_and_the_engine(tree, expected):
    one, two = pylint(tree, 1), pylint(tree, 2)
    assert two == one
    assert one == _without_syntax_error(expected)


def test_keras_mp_lint_two_jobs_equal_one_job_and_the_engine(tree, expected):
    one, two = cli(tree, 1), cli(tree, 2)
    assert two == one
    assert one == expected


@pytest.mark.skipif(
    __import__("multiprocessing").get_start_method(allow_none=False) != "fork",
    reason="workers inherit the parent's scan only when they are forked",
)
def test_forked_workers_inherit_the_project_scan_and_report_what_one_process_does(tmp_path):
    from pylint_keras_mp.cli import lint_files
    from pylint_keras_mp.settings import Settings
    from pylint_keras_mp.project import index as project_index
    from tests.fixture_support import fixture_projects

    project = next(p for p in fixture_projects() if p.id == "new_user").copy_to(tmp_path)
    files = [str(project.root / name) for name in sorted(project.files) if name.endswith(".py")]
    project_index._INDEXES.clear()
    parallel = lint_files(files, Settings.from_mapping({}), jobs=2)
    # the parent scanned the project before the workers started
    scanned = [index for index in project_index._INDEXES.values() if index._summaries is not None]
    assert scanned and any(scanned[0]._summaries)
    project_index._INDEXES.clear()
    assert parallel == lint_files(files, Settings.from_mapping({}), jobs=1)
    assert any(result.findings for result in parallel)
