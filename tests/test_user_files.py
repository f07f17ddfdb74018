"""The user's files are the user's problem, said clearly, and never a hang: ``.gitignore``
patterns match in linear time, the project scan skips what cannot be read (FIFOs, devices,
dangling or looping symlinks, unreadable files and folders) without opening it and says so, and
files Python itself rejects (a syntax error in a notebook cell, code nested deeper than CPython
accepts, invalid UTF-8 without a coding cookie, a 100,000-digit integer) are KMP901, not KMP900.

The hang cases run in a child process with a generous bound: the bound says "it finished",
not how fast (the benchmark measures speed)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from pylint_keras_mp.config import Options
from pylint_keras_mp.engine import analyze, unreadable_project_paths
from pylint_keras_mp.service import analyze_file
from pylint_keras_mp.notebook import analyze_notebook
from pylint_keras_mp.project import index as project_index
from pylint_keras_mp.project import model
from pylint_keras_mp.project.gitignore import parse_line

ROOT = Path(__file__).resolve().parent.parent
BOUND_SECONDS = 120  # far above the real cost (milliseconds); a hang or backtracking never ends

LOADER = (
    "import keras\n\n\nclass Frames(keras.utils.Sequence):\n"
    "    def __init__(self, x, **kwargs):\n        super().__init__(**kwargs)\n"
    "        self.x = x\n        self.post = lambda b: b\n"
)


def run_child(code: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=BOUND_SECONDS,
        cwd=cwd,
        env=env,
    )


# --------------------------------------------------------------------------- .gitignore
def matches(pattern: str, path: str) -> bool:
    parsed = parse_line(pattern)
    assert parsed is not None
    return parsed[0].match(path)


def test_patterns_with_many_stars_do_not_backtrack():
    # a backtracking regular expression took 17 s per name for the first, forever for the second
    proc = run_child(
        """
        from pylint_keras_mp.project.gitignore import parse_line
        stars = parse_line("*_*_*_*_*_*_*_*_*.bak")[0]
        many = parse_line("*" * 500 + "a")[0]
        name = "x_" * 40 + "yy"
        for _ in range(200):
            assert not stars.match(name)
            assert not many.match("b" * 5000)
        assert stars.match("a_b_c_d_e_f_g_h_i.bak")
        print("done")
        """
    )
    assert proc.stdout.strip() == "done", proc.stderr


@pytest.mark.parametrize(
    "pattern, path, expected",
    [
        ("*.py", "a/b.py", True),
        ("*.py", "b.pyc", False),
        ("/versions", "a/versions", False),
        ("data/generated_*.py", "data/generated_1.py", True),
        ("data/generated_*.py", "x/data/generated_1.py", False),
        ("**/cache", "cache", True),
        ("**/cache", "pkg/sub/cache", True),
        ("abc/**", "abc", False),
        ("abc/**", "abc/x/y.py", True),
        ("a/**/b", "a/b", True),
        ("a/**/b", "a/x/y/b", True),
        ("scratch_[ab].py", "scratch_b.py", True),
        ("scratch_[!ab].py", "scratch_b.py", False),
        ("[a-c]x", "bx", True),
        ("a?c", "a/c", False),
        ("\\*x", "*x", True),
        ("\\*x", "ax", False),
        ("\\#hash.py", "#hash.py", True),
        ("foo**bar", "foo/bar", False),  # consecutive stars inside a name are one star
        ("*_*_*.bak", "a_b_c.bak", True),
        ("*_*_*.bak", "a_b.bak", False),
        # found by comparing with git check-ignore on generated patterns
        ("[", "[", False),  # a "[" without its "]" matches nothing
        ("[ab\\]", "a", False),  # "\]" is escaped: the class is never closed
        ("[]a]x", "]x", True),  # a first "]" is a member
        ("a[/]b", "a/b", False),  # a "/" in a class does not split the pattern
        ("*b//", "ab", False),  # one slash is "folders only", the other an empty part
    ],
)
def test_pattern_meaning(pattern, path, expected):
    assert matches(pattern, path) is expected


GIT = shutil.which("git")


@pytest.mark.skipif(GIT is None, reason="git is not installed")
def test_star_patterns_agree_with_git(tmp_path):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    names = st.text(alphabet="ab_.*?", min_size=1, max_size=8).filter(
        lambda s: not s.startswith(("#", "!")) and s.strip(".") and "**" not in s
    )
    paths = st.text(alphabet="ab_.", min_size=1, max_size=10).filter(lambda s: s.strip("."))
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run([GIT, "init", "-q", str(tmp_path)], check=True, env=env)

    @settings(max_examples=60, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(names, st.lists(paths, min_size=1, max_size=6, unique=True))
    def agree(pattern, candidates):
        (tmp_path / ".gitignore").write_text(pattern + "\n")
        proc = subprocess.run(
            [GIT, "check-ignore", "--no-index", "--stdin"],
            input="\n".join(candidates) + "\n",
            cwd=tmp_path, capture_output=True, text=True, env=env,
        )
        by_git = set(proc.stdout.split("\n")) - {""}
        ours = {path for path in candidates if matches(pattern, path)}
        assert ours == by_git, (pattern, candidates)

    agree()


# --------------------------------------------------------------------------- special files
@pytest.fixture
def hostile_project():
    """A project with a FIFO, a symlink to /dev/zero, a dangling and a looping symlink, all
    named like modules, beside a real loader module."""
    folder = Path(tempfile.mkdtemp())
    root = folder / "proj"
    root.mkdir()
    (root / "pyproject.toml").write_text("")
    (root / "train.py").write_text(LOADER)
    os.mkfifo(root / "fifo.py")
    (root / "zero.py").symlink_to("/dev/zero")
    (root / "dangling.py").symlink_to(root / "missing.py")
    (root / "loop.py").symlink_to(root / "loop.py")
    project_index._INDEXES.clear()
    model._PROJECTS.clear()
    model._KEY_OF_FILE.clear()
    yield root
    shutil.rmtree(folder)
    project_index._INDEXES.clear()
    model._PROJECTS.clear()
    model._KEY_OF_FILE.clear()


def test_the_scan_skips_special_files_without_opening_them_and_says_why(hostile_project):
    proc = run_child(
        f"""
        import json
        from pylint_keras_mp.engine import unreadable_project_paths
        from pylint_keras_mp.service import analyze_file
        codes = [f.code for f in analyze_file({str(hostile_project / "train.py")!r})]
        skipped = unreadable_project_paths({str(hostile_project / "train.py")!r})
        print(json.dumps([codes, [(p.path.name, p.reason) for p in skipped]]))
        """
    )
    assert proc.returncode == 0, proc.stderr
    codes, skipped = json.loads(proc.stdout)
    assert codes == ["KMP201"]
    reasons = dict(skipped)
    assert set(reasons) == {"fifo.py", "zero.py", "dangling.py", "loop.py"}
    assert reasons["fifo.py"] == "a FIFO, not a source file"
    assert reasons["zero.py"] == "a device, not a source file"
    assert reasons["dangling.py"].startswith("a broken symbolic link")
    assert "symbolic links" in reasons["loop.py"]


@pytest.mark.parametrize("name", ["fifo.py", "zero.py", "dangling.py", "loop.py"])
def test_a_special_file_given_to_the_engine_is_kmp901_not_a_hang(hostile_project, name):
    proc = run_child(
        f"""
        from pylint_keras_mp.service import analyze_file
        print([(f.code, f.message) for f in analyze_file({str(hostile_project / name)!r})])
        """
    )
    assert proc.returncode == 0, proc.stderr
    [(code, message)] = eval(proc.stdout)
    assert code == "KMP901" and "cannot read it" in message, message


def test_an_unreadable_folder_or_file_is_skipped_and_named(tmp_path):
    root = tmp_path / "proj"
    (root / "secret").mkdir(parents=True)
    (root / "pyproject.toml").write_text("")
    (root / "train.py").write_text(LOADER)
    (root / "secret" / "x.py").write_text(LOADER)
    (root / "closed.py").write_text(LOADER)
    os.chmod(root / "secret", 0)
    os.chmod(root / "closed.py", 0)
    code = textwrap.dedent(
        f"""
        import json
        from pathlib import Path
        from pylint_keras_mp.project.model import Project
        project = Project(Path({str(root)!r}))
        files = [p.name for p in project.all_files()]
        print(json.dumps([files, [(p.path.name, p.reason) for p in project.skipped]]))
        """
    )
    command = [sys.executable, "-c", code]
    if os.geteuid() == 0:
        # root reads everything: without these capabilities it meets the permissions too
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: permissions cannot be felt")
        command = [setpriv, "--bounding-set=-dac_override,-dac_read_search", *command]
    try:
        proc = subprocess.run(
            command, capture_output=True, text=True, timeout=BOUND_SECONDS,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    finally:
        os.chmod(root / "secret", 0o755)
        os.chmod(root / "closed.py", 0o644)
    assert proc.returncode == 0, proc.stderr
    files, skipped = json.loads(proc.stdout)
    assert files == ["train.py"]
    assert dict(skipped) == {"secret": "Permission denied", "closed.py": "Permission denied"}


# --------------------------------------------------------------------------- Python rejects it
def test_code_nested_deeper_than_cpython_accepts_is_kmp901():
    source = b"import keras\nx = " + b"-" * 1_000_000 + b"1\n" + LOADER.encode()
    [finding] = analyze(source, "deep.py")
    assert finding.code == "KMP901", finding.message
    assert "nested more deeply than the interpreter accepts" in finding.message


def test_invalid_utf8_without_a_coding_cookie_is_kmp901():
    source = b"import keras\n\n\n# caf\xe9\n" + LOADER.encode()
    [finding] = analyze(source, "latin.py")
    assert finding.code == "KMP901", finding.message
    assert "Non-UTF-8 code starting with b'\\xe9' on line 4" in finding.message
    assert finding.line == 4


def _notebook(*cells: str) -> str:
    return json.dumps(
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {},
            "cells": [
                {"cell_type": "code", "metadata": {}, "outputs": [], "source": cell}
                for cell in cells
            ],
        }
    )


def test_a_syntax_error_in_the_only_keras_cell_is_kmp901_for_that_cell():
    notebook = _notebook("x = 1\n", "import keras\nclass D(keras.utils.Sequence):\n    def f(:\n")
    [finding] = analyze_notebook(notebook, "nb.ipynb")
    assert (finding.code, finding.cell) == ("KMP901", 2)


def test_the_other_cells_are_analysed_beside_a_broken_cell():
    notebook = _notebook(LOADER, "def broken(:\n")
    findings = analyze_notebook(notebook, "nb.ipynb")
    assert sorted((f.code, f.cell) for f in findings) == [("KMP201", 1), ("KMP901", 2)]


def test_a_notebook_with_a_100000_digit_integer_is_read():
    notebook = _notebook(LOADER).replace('"nbformat_minor": 5', '"nbformat_minor": 5, "x": ' + "9" * 100_000)
    assert [f.code for f in analyze_notebook(notebook, "nb.ipynb")] == ["KMP201"]
