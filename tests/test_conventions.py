"""keras-mp-lint behaves like the linters people already use: inline suppression with flake8's
semantics, per-file ignores, extend-select/extend-ignore, statistics and a summary, --quiet,
standard input, boolean flags, and a clear error when nothing matched. Every test runs the
real console script (and, where they decide the semantics, real flake8 and pylint)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.fixture_support import FIXTURES, _bin
from tests.test_cli import LAMBDA_LOADER, LOCK_LOADER, keras_mp_lint, write

# One finding per line 7-19 unless a comment hides it; the comments follow flake8's and
# pylint's documented spellings.
SUPPRESSED = """\
import keras


class Frames(keras.utils.PyDataset):
    def __init__(self, x, **kwargs):
        super().__init__(**kwargs)
        self.a = lambda b: b  # noqa
        self.b = lambda b: b  # noqa: KMP201
        self.c = lambda b: b  # NOQA:KMP2
        self.d = lambda b: b  # noqa: KMP202
        self.e = lambda b: b  # noqa: E501,KMP201
        self.f = lambda b: b  # pylint: disable=sequence-lambda-attribute
        self.g = lambda b: b  # pylint: disable=E7201
        self.h = lambda b: b  # pylint: disable=unused-import
        # pylint: disable-next=sequence-lambda-attribute
        self.i = lambda b: b
        self.j = lambda b: b  # noqa : KMP201
        self.k = lambda b: b  # pylint: disable=keras-mp
        self.l = lambda b: b
"""


def run(*args, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("PYTHONWARNINGS", None)
    return subprocess.run(
        [keras_mp_lint(), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        input=stdin,
        timeout=300,
    )


def reported_lines(output: str, code: str = "KMP201") -> list[int]:
    return sorted(int(m) for m in re.findall(rf"^\S+?:(\d+):\d+:? \S*{code[-3:]}", output, re.M))


def json_codes(stdout: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for record in json.loads(stdout):
        found.setdefault(Path(record["path"]).as_posix(), []).append(record["code"])
    return found


# --- inline suppression ------------------------------------------------------------------------


def test_noqa_and_pylint_comments_hide_what_flake8_or_pylint_would(tmp_path):
    source = write(tmp_path / "loader.py", SUPPRESSED)
    cli = run("loader.py", cwd=tmp_path)
    flake8 = subprocess.run(
        [_bin("flake8"), "--isolated", "--select=KMP", "loader.py"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    pylint = subprocess.run(
        [_bin("pylint"), "--load-plugins=pylint_keras_mp", "--disable=all", "--enable=keras-mp",
         "--persistent=n", "--score=n", "--msg-template={path}:{line}:{column}: {msg_id}",
         "loader.py"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    lines = SUPPRESSED.splitlines()
    all_findings = [n for n, text in enumerate(lines, 1) if "= lambda" in text]
    assert len(all_findings) == 12
    in_flake8, in_pylint = reported_lines(flake8.stdout), reported_lines(pylint.stdout, "E7201")
    # each host honours its own comments: flake8 the noqa ones (`# noqa : KMP201`, with a space
    # before the colon, is a bare noqa to flake8), pylint the pragmas
    assert in_flake8 == [10, 12, 13, 14, 16, 18, 19]
    assert in_pylint == [7, 8, 9, 10, 11, 14, 17, 19]
    # keras-mp-lint honours both, so the one comment a project already wrote is enough
    assert reported_lines(cli.stdout) == sorted(set(in_flake8) & set(in_pylint)) == [10, 14, 19]
    assert cli.returncode == 1
    # the KMP201 fix is unsafe: the summary says what it takes
    assert "Found 3 findings (3 fixable with --unsafe-fixes) in 1 file (9 suppressed)" in cli.stderr
    assert source.read_text(encoding="utf-8") == SUPPRESSED


def test_noqa_in_a_multi_line_string_statement_counts_on_every_line_like_flake8(tmp_path):
    text = LAMBDA_LOADER.replace(
        "        self.post = lambda batch: batch / 255.0\n",
        "        self.post = lambda batch, doc=\"\"\"\n        text\n        \"\"\": batch  # noqa: KMP201\n",
    )
    write(tmp_path / "loader.py", text)
    flake8 = subprocess.run(
        [_bin("flake8"), "--isolated", "--select=KMP", "loader.py"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    assert flake8.stdout == ""
    proc = run("loader.py", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, "")
    # without the comment the finding is there, so the test can fail
    write(tmp_path / "loader.py", text.replace("  # noqa: KMP201", ""))
    assert run("loader.py", cwd=tmp_path).returncode == 1


# --- per-file ignores, extend-select, extend-ignore ----------------------------------------


@pytest.fixture
def two_dirs(tmp_path):
    write(tmp_path / "src" / "bad.py", LAMBDA_LOADER)
    write(tmp_path / "src" / "lock.py", LOCK_LOADER)
    write(tmp_path / "tests" / "test_bad.py", LAMBDA_LOADER)
    write(tmp_path / "tests" / "test_lock.py", LOCK_LOADER)
    return tmp_path


@pytest.mark.parametrize(
    "file_name, text",
    [
        (
            "pyproject.toml",
            '[tool.keras-mp-lint.per-file-ignores]\n"tests/*" = ["KMP2"]\n"lock.py" = "KMP202"\n',
        ),
        ("setup.cfg", "[keras-mp-lint]\nper-file-ignores =\n    tests/*: KMP2\n    lock.py: KMP202\n"),
    ],
)
def test_per_file_ignores_from_configuration(two_dirs, file_name, text):
    everything = json_codes(run("--format", "json", ".", cwd=two_dirs).stdout)
    assert len(everything) == 4
    write(two_dirs / file_name, text)
    proc = run("--format", "json", ".", cwd=two_dirs)
    assert json_codes(proc.stdout) == {"src/bad.py": ["KMP201"]}
    # the command line replaces the file's mapping
    proc = run("--format", "json", "--per-file-ignores", "src/*:KMP201", ".", cwd=two_dirs)
    assert json_codes(proc.stdout) == {
        "src/lock.py": ["KMP202"],
        "tests/test_bad.py": ["KMP201"],
        "tests/test_lock.py": ["KMP202"],
    }


def test_bad_per_file_ignores_is_a_usage_error(two_dirs):
    write(two_dirs / "setup.cfg", "[keras-mp-lint]\nper-file-ignores = tests/*\n")
    proc = run(".", cwd=two_dirs)
    assert proc.returncode == 2
    assert "setup.cfg: per-file-ignores: 'tests/*' has no ':' and codes" in proc.stderr
    write(two_dirs / "setup.cfg", "[keras-mp-lint]\nper-file-ignores = tests/*: KMP7\n")
    proc = run(".", cwd=two_dirs)
    assert proc.returncode == 2 and "unknown rule code or prefix 'KMP7'" in proc.stderr


def test_extend_select_and_extend_ignore_layer_on_the_configuration(two_dirs):
    write(two_dirs / "pyproject.toml", '[tool.keras-mp-lint]\nselect = ["KMP202"]\n')
    src = ["--format", "json", "src"]
    assert json_codes(run(*src, cwd=two_dirs).stdout) == {"src/lock.py": ["KMP202"]}
    assert json_codes(run("--extend-select", "KMP201", *src, cwd=two_dirs).stdout) == {
        "src/bad.py": ["KMP201"],
        "src/lock.py": ["KMP202"],
    }
    assert json_codes(run("--extend-ignore", "KMP202", *src, cwd=two_dirs).stdout) == {}
    write(
        two_dirs / "pyproject.toml",
        '[tool.keras-mp-lint]\nextend-ignore = ["KMP201"]\n',
    )
    assert json_codes(run(*src, cwd=two_dirs).stdout) == {"src/lock.py": ["KMP202"]}


@pytest.mark.parametrize("value", ["", ",", " "])
def test_empty_select_is_an_error_not_a_silent_no_op(two_dirs, value):
    proc = run("--select", value, "src", cwd=two_dirs)
    assert proc.returncode == 2
    assert "--select is empty, which would lint nothing" in proc.stderr
    write(two_dirs / "pyproject.toml", "[tool.keras-mp-lint]\nselect = []\n")
    proc = run("src", cwd=two_dirs)
    assert proc.returncode == 2 and "select is empty" in proc.stderr and "pyproject.toml" in proc.stderr


# --- summary, statistics, quiet ------------------------------------------------------------


def test_summary_statistics_and_quiet(two_dirs):
    proc = run("src", "tests", cwd=two_dirs)
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[-1] == "Found 4 findings (4 fixable with --unsafe-fixes) in 4 files"
    stats = run("--statistics", "src", "tests", cwd=two_dirs)
    assert stats.stdout.endswith(
        "2     KMP201 sequence-lambda-attribute\n2     KMP202 sequence-unpicklable-attribute\n"
    )
    as_json = run("--statistics", "--format", "json", "src", cwd=two_dirs)
    assert len(json.loads(as_json.stdout)) == 2  # the document stays valid
    assert "1     KMP201 sequence-lambda-attribute" in as_json.stderr
    quiet = run("--quiet", "src", cwd=two_dirs)
    assert quiet.stderr == "" and len(quiet.stdout.splitlines()) == 2 and quiet.returncode == 1
    clean = run(FIXTURES / "KMP201", "--select", "KMP101", cwd=two_dirs)
    files = len(list((FIXTURES / "KMP201").glob("*.py")))
    assert clean.stderr.strip() == f"No findings in {files} files" and clean.returncode == 0


# --- nothing matched -----------------------------------------------------------------------


def test_a_folder_without_python_files_warns_and_exits_2(tmp_path):
    write(tmp_path / "docs" / "index.md", "# docs\n")
    proc = run("docs", cwd=tmp_path)
    assert proc.returncode == 2
    assert "warning: no Python file found in docs" in proc.stderr
    write(tmp_path / "build" / "gen.py", LAMBDA_LOADER)  # excluded by default when walking
    proc = run(".", cwd=tmp_path)
    assert proc.returncode == 2 and "no Python file found in ." in proc.stderr


def test_files_excluded_on_purpose_with_force_exclude_are_not_an_error(tmp_path):
    """pre-commit passes staged files that the project excludes; that run has nothing to do."""
    write(tmp_path / "build" / "gen.py", LAMBDA_LOADER)
    proc = run("--force-exclude", "build/gen.py", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, "")


# --- standard input ------------------------------------------------------------------------


def test_stdin_is_linted_and_reported_as_stdin_py(tmp_path):
    proc = run("-", cwd=tmp_path, stdin=LAMBDA_LOADER)
    assert proc.returncode == 1, proc.stderr
    assert re.match(r"^stdin\.py:8:9: KMP201 ", proc.stdout)  # Ruff's default name
    assert run("-", cwd=tmp_path, stdin=LAMBDA_LOADER.replace("lambda batch: batch / 255.0", "abs")).returncode == 0


def test_stdin_filename_drives_path_config_excludes_and_per_file_ignores(tmp_path):
    project = tmp_path / "project"
    write(
        project / "pyproject.toml",
        '[tool.keras-mp-lint]\nexclude = ["generated"]\n'
        '[tool.keras-mp-lint.per-file-ignores]\n"tests/*" = ["KMP201"]\n',
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shown = project / "src" / "loader.py"  # need not exist: editors lint unsaved buffers
    proc = run("--format", "json", "--stdin-filename", shown, "-", cwd=elsewhere, stdin=LAMBDA_LOADER)
    (record,) = json.loads(proc.stdout)
    assert Path(record["path"]) == shown and record["code"] == "KMP201"
    # the project's per-file-ignores, found from the stdin filename's folder
    proc = run("--stdin-filename", project / "tests" / "t.py", "-", cwd=elsewhere, stdin=LAMBDA_LOADER)
    assert (proc.returncode, proc.stdout) == (0, ""), proc.stderr
    # its excludes, with --force-exclude as for a named file
    generated = project / "generated" / "x.py"
    proc = run("--force-exclude", "--stdin-filename", generated, "-", cwd=elsewhere, stdin=LAMBDA_LOADER)
    assert (proc.returncode, proc.stdout) == (0, ""), proc.stderr
    proc = run("--stdin-filename", generated, "-", cwd=elsewhere, stdin=LAMBDA_LOADER)
    assert proc.returncode == 1
    # SARIF reads the region's line from what was linted, not from a file on disk
    proc = run("--format", "sarif", "--stdin-filename", shown, "-", cwd=project, stdin=LAMBDA_LOADER)
    (result,) = json.loads(proc.stdout)["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/loader.py"


def test_stdin_filename_without_dash_is_a_usage_error(tmp_path):
    proc = run("--stdin-filename", "x.py", cwd=tmp_path)
    assert proc.returncode == 2 and "add - to the paths" in proc.stderr


# --- options that read the same everywhere ------------------------------------------------


ASSUME = FIXTURES / "KMP301" / "bad_unknown_with_assume_option.py"


def test_boolean_option_is_a_flag_that_never_eats_a_path(tmp_path):
    other = write(tmp_path / "bad.py", LAMBDA_LOADER)
    proc = run("--format", "json", "--assume-multiprocessing", ASSUME, other, cwd=tmp_path)
    codes = {Path(r["path"]).name: r["code"] for r in json.loads(proc.stdout)}
    assert codes == {"bad_unknown_with_assume_option.py": "KMP301", "bad.py": "KMP201"}
    off = run("--no-assume-multiprocessing", ASSUME, cwd=tmp_path)
    assert off.returncode == 0, off.stdout
    for spelling, expected in (("yes", 1), ("true", 1), ("no", 0), ("false", 0)):
        assert run(f"--assume-multiprocessing={spelling}", ASSUME, cwd=tmp_path).returncode == expected


@pytest.mark.parametrize(
    "file_name, text, expected",
    [
        ("pyproject.toml", "[tool.keras-mp-lint]\nassume-multiprocessing = true\n", 1),
        ("pyproject.toml", "[tool.keras-mp-lint]\nassume-multiprocessing = false\n", 0),
        ("pyproject.toml", '[tool.keras-mp-lint]\nassume-multiprocessing = "yes"\n', 1),
        ("setup.cfg", "[keras-mp-lint]\nassume-multiprocessing = true\n", 1),
        ("setup.cfg", "[keras-mp-lint]\nassume-multiprocessing = no\n", 0),
    ],
)
def test_boolean_spellings_in_configuration(tmp_path, file_name, text, expected):
    write(tmp_path / file_name, text)
    target = write(tmp_path / "train.py", ASSUME.read_text(encoding="utf-8"))
    proc = run(target.name, cwd=tmp_path)
    assert proc.returncode == expected, proc.stderr


@pytest.mark.parametrize(
    "text, message",
    [
        ("assume-multiprocessing = 'maybe'", "assume-multiprocessing: invalid value 'maybe' in {file} (allowed: true, false, yes, no)"),
        ("keras-version = 7", "keras-version: invalid value 7 in {file} (allowed: auto, 2, 3)"),
        ("jobs = 'many'", "jobs: invalid value 'many' in {file} (allowed: 0 for one process per CPU, or a positive number)"),
        ("jobs = -2", "jobs: invalid value -2 in {file} (allowed: 0 for one process per CPU, or a positive number)"),
        ("format = 'xml'", "format: invalid value 'xml' in {file} (allowed: text, concise, full, json, json-lines, sarif, github, gitlab, junit, pylint, rdjson)"),
    ],
)
def test_invalid_configuration_values_are_one_line_naming_option_value_file_and_allowed(
    tmp_path, text, message
):
    config = write(tmp_path / "pyproject.toml", f"[tool.keras-mp-lint]\n{text}\n")
    write(tmp_path / "train.py", LAMBDA_LOADER)
    proc = run("train.py", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == f"keras-mp-lint: error: {message.format(file=config)}\n"


def test_isolated_and_config_together_is_an_error(tmp_path):
    write(tmp_path / "lint.toml", "[tool.keras-mp-lint]\nselect = ['KMP201']\n")
    write(tmp_path / "train.py", LAMBDA_LOADER)
    proc = run("--isolated", "--config", "lint.toml", "train.py", cwd=tmp_path)
    assert proc.returncode == 2
    assert "--isolated ignores configuration files; it cannot be used with --config" in proc.stderr
