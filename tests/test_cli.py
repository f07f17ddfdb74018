"""keras-mp-lint, run for real as a console script: findings, formats, selection, files, config,
exit codes, parallel runs, and the rule pages in an editable and in a regular install."""

from __future__ import annotations

import io
import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pylint_keras_mp.service import analyze_file
from pylint_keras_mp.registry import RULES
from tests.fixture_support import DOCS, FIXTURES, ROOT, fixture_files

BIN = Path(sys.executable).parent
FIXTURE_LIST = fixture_files()

LAMBDA_LOADER = """\
import keras


class Frames(keras.utils.PyDataset):
    def __init__(self, x, **kwargs):
        super().__init__(**kwargs)
        self.x = x
        self.post = lambda batch: batch / 255.0

    def __len__(self):
        return len(self.x)

    def __getitem__(self, index):
        return self.post(self.x[index])
"""
FIXED_LOADER = LAMBDA_LOADER.replace("lambda batch: batch / 255.0", "rescale")
FIXED_LOADER = FIXED_LOADER.replace(
    "import keras\n", "import keras\n\n\ndef rescale(batch):\n    return batch / 255.0\n"
)

# The same loader with a lock: KMP202, and with a project base class: only found when
# sequence-bases names it.
LOCK_LOADER = LAMBDA_LOADER.replace("import keras\n", "import keras\nimport threading\n").replace(
    "lambda batch: batch / 255.0", "threading.Lock()"
)
GLOBAL_WRITE_LOADER = """\
import keras

SEEN = []


class Batches(keras.utils.PyDataset):
    def __len__(self):
        return 3

    def __getitem__(self, index):
        SEEN.append(index)
        return index
"""
CONFIGURED_BASE_LOADER = """\
import threading

from myproj.data import BaseLoader


class Frames(BaseLoader):
    def __init__(self):
        self.lock = threading.Lock()
"""


def keras_mp_lint() -> str:
    path = BIN / "keras-mp-lint"
    assert path.exists(), f"{path} is missing: pip install -e '.[test]'"
    return str(path)


def run_cli(*args, cwd=ROOT, env=None, timeout=300) -> subprocess.CompletedProcess:
    environment = dict(os.environ if env is None else env)
    environment.pop("PYTHONWARNINGS", None)
    return subprocess.run(
        [keras_mp_lint(), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        timeout=timeout,
    )


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path):
    """A project with one bad file (KMP201), one lock file (KMP202) and one clean file."""
    write(tmp_path / "src" / "bad.py", LAMBDA_LOADER)
    write(tmp_path / "src" / "lock.py", LOCK_LOADER)
    write(tmp_path / "src" / "clean.py", FIXED_LOADER)
    return tmp_path


def codes_by_file(stdout: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for record in json.loads(stdout):
        found.setdefault(Path(record["path"]).as_posix(), []).append(record["code"])
    return found


# --- the same findings as the engine, pylint and flake8 --------------------------------------


def _groups():
    groups: dict[str, list] = {}
    for fixture in FIXTURE_LIST:
        groups.setdefault(fixture.options_text, []).append(fixture)
    return groups


@pytest.mark.parametrize("options_text", sorted(_groups()), ids=lambda text: text or "defaults")
def test_cli_reports_what_the_engine_reports_on_every_fixture(options_text):
    group = _groups()[options_text]
    flags = group[0].cli_flags(prefix="--")
    paths = [fixture.path.relative_to(ROOT) for fixture in group]
    proc = run_cli("--format", "json", *flags, *paths)
    assert proc.returncode in (0, 1, 2), proc.stderr
    assert "Traceback" not in proc.stderr
    reported = {}
    for record in json.loads(proc.stdout):
        reported.setdefault((ROOT / record["path"]).resolve(), []).append(
            (record["line"], record["column"] - 1, record["code"], record["message"], record["url"])
        )
    for fixture in group:
        engine = [
            (f.line, f.col, f.code, f.message, f.url)
            for f in analyze_file(str(fixture.path), fixture.options)
        ]
        assert reported.get(fixture.path, []) == engine, fixture.id


def test_text_format_is_flake8s_format_with_one_link(project):
    proc = run_cli("src/bad.py", cwd=project)
    assert proc.returncode == 1, proc.stderr
    (finding,) = analyze_file(str(project / "src" / "bad.py"))
    expected = f"{Path('src/bad.py')}:{finding.line}:{finding.col + 1}: {finding.full_text}\n"
    assert proc.stdout == expected
    assert proc.stdout.count("(see ") == 1
    assert "\033[" not in proc.stdout  # not a terminal: no colour


def test_json_records_have_every_field(project):
    proc = run_cli("--format=json", "src/bad.py", cwd=project)
    assert proc.returncode == 1, proc.stderr
    (record,) = json.loads(proc.stdout)
    (finding,) = analyze_file(str(project / "src" / "bad.py"))
    assert record == {
        "path": str(Path("src/bad.py")),
        "line": finding.line,
        "column": finding.col + 1,
        "end_line": finding.end_line,
        "end_column": finding.end_col + 1,
        "code": "KMP201",
        "symbol": "sequence-lambda-attribute",
        "severity": "error",
        "message": finding.message,
        "url": finding.url,
        "fix": finding.fix.to_json() if finding.fix else None,
    }


def test_github_format_emits_escaped_workflow_commands(tmp_path):
    write(tmp_path / "odd, name: v1.py", LAMBDA_LOADER)
    write(tmp_path / "warn.py", GLOBAL_WRITE_LOADER)
    proc = run_cli("--format", "github", ".", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    (finding,) = analyze_file(str(tmp_path / "odd, name: v1.py"))
    (warning,) = analyze_file(str(tmp_path / "warn.py"))
    assert proc.stdout.splitlines() == [
        f"::error file=odd%2C name%3A v1.py,line={finding.line},col={finding.col + 1},"
        f"endLine={finding.end_line},endColumn={finding.end_col},"
        f"title=KMP201 sequence-lambda-attribute::{finding.text}",
        f"::warning file=warn.py,line={warning.line},col={warning.col + 1},"
        f"endLine={warning.end_line},endColumn={warning.end_col},"
        f"title=KMP101 sequence-global-write::{warning.text}",
    ]


def test_github_escaping_of_data_and_properties():
    from pylint_keras_mp.output import Diagnostic, format_github

    diagnostic = Diagnostic(
        "a,b:c%.py",
        3,
        5,
        "KMP101",
        "50% done\r\nnext",
        severity="warning",
        symbol="sequence-global-write",
        url="https://x/y",
    )
    assert format_github([diagnostic], root=os.getcwd()) == (
        "::warning file=a%2Cb%3Ac%25.py,line=3,col=5,title=KMP101 sequence-global-write"
        "::50%25 done%0D%0Anext (see https://x/y)\n"
    )


def test_output_file_gets_the_document_and_stdout_stays_empty(project):
    proc = run_cli("--format", "json", "--output", "report.json", "src", cwd=project)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""
    assert codes_by_file((project / "report.json").read_text(encoding="utf-8")) == {
        "src/bad.py": ["KMP201"],
        "src/lock.py": ["KMP202"],
    }


# --- exit codes ----------------------------------------------------------------------------


def test_exit_codes_clean_findings_and_exit_zero(project):
    clean = run_cli("src/clean.py", cwd=project)
    assert (clean.returncode, clean.stdout) == (0, "")
    assert run_cli("src/bad.py", cwd=project).returncode == 1
    forgiven = run_cli("--exit-zero", "src/bad.py", cwd=project)
    assert forgiven.returncode == 0 and "KMP201" in forgiven.stdout


def test_syntax_error_is_the_users_finding_kmp901_at_flake8s_position(project):
    write(project / "src" / "broken.py", "import keras\n\ndef f(:\n    model.fit(x, workers=4)\n")
    proc = run_cli("src", cwd=project)
    assert proc.returncode == 1, proc.stderr
    # flake8 reports the same file as broken.py:3:8: E999 SyntaxError: invalid syntax
    assert (
        f"{Path('src/broken.py')}:3:8: KMP901 Python cannot parse this file "
        "(SyntaxError: invalid syntax), so keras-mp did not check it" in proc.stdout
    )
    assert "please report" not in proc.stdout and "KMP900" not in proc.stdout
    assert "KMP201" in proc.stdout and "KMP202" in proc.stdout  # the run went on
    assert run_cli("--ignore", "KMP901", "src/broken.py", cwd=project).returncode == 0
    assert run_cli("--exit-zero", "src/broken.py", cwd=project).returncode == 0


def test_undecodable_file_is_kmp901_with_the_parsers_message(project):
    (project / "src" / "latin.py").write_bytes(b"import keras\nNAME = '\xe9t\xe9'\n")
    proc = run_cli("src/latin.py", cwd=project)
    assert proc.returncode == 1, proc.stderr
    assert f"{Path('src/latin.py')}:2:" in proc.stdout
    assert "KMP901 Python cannot parse this file (SyntaxError: (unicode error) 'utf-8' codec can't decode" in proc.stdout


def test_flake8_reports_the_same_position_for_a_syntax_error(project):
    write(project / "src" / "broken.py", "from keras.utils import PyDataset\nx = (1,\n")
    ours = run_cli("src/broken.py", cwd=project).stdout.split(" KMP901 ")[0]
    flake8 = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select=E999", "src/broken.py"],
        capture_output=True, text=True, cwd=project,
    ).stdout.split(" E999 ")[0]
    assert ours == flake8 == f"{Path('src/broken.py')}:2:6:"


def test_an_internal_failure_is_kmp900_with_exit_2(project, monkeypatch):
    monkeypatch.delenv("KERAS_MP_LINT_STRICT", raising=False)  # contained, as in use
    from pylint_keras_mp import cli, engine

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "_run_rules", broken)
    monkeypatch.chdir(project)
    output = io.StringIO()
    monkeypatch.setattr(sys, "stdout", output)
    assert cli.main(["--isolated", "--format", "text", "--color", "never", "src/bad.py"]) == 2
    assert "KMP900 keras-mp could not analyse this file: RuntimeError: boom; please report it" in output.getvalue()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--select", "KMP7", "."], "unknown rule code or prefix 'KMP7'"),
        (["--ignore", "E501", "."], "unknown rule code or prefix 'E501'"),
        (["--no-such-option", "."], "unrecognized arguments: --no-such-option"),
        (["--keras-version", "4", "."], "invalid choice: '4'"),
        (
            ["--assume-multiprocessing=maybe", "."],
            "--assume-multiprocessing: invalid value 'maybe' (allowed: true, false, yes, no)",
        ),
        (["--format", "xml", "."], "invalid choice: 'xml'"),
        (["--jobs", "-1", "."], "--jobs: invalid value -1 (allowed: 0 for one process per CPU"),
        (["missing.py"], "missing.py: no such file or directory"),
        (["rule", "KMP999"], "unknown rule 'KMP999'"),
        (["--explain", "KMP999"], "unknown rule 'KMP999'"),
    ],
)
def test_usage_errors_exit_2_with_a_clear_message(project, args, message):
    proc = run_cli(*args, cwd=project)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_no_paths_lints_nothing_and_succeeds(project):
    proc = run_cli(cwd=project / "src")
    assert (proc.returncode, proc.stdout) == (0, "")
    assert "no paths given" in proc.stderr
    as_json = run_cli("--format", "json", cwd=project / "src")
    assert (as_json.returncode, json.loads(as_json.stdout)) == (0, [])


# --- selection, files ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, expected",
    [
        ([], {"src/bad.py": ["KMP201"], "src/lock.py": ["KMP202"]}),
        (["--select", "KMP2"], {"src/bad.py": ["KMP201"], "src/lock.py": ["KMP202"]}),
        (["--select", "KMP201"], {"src/bad.py": ["KMP201"]}),
        (["--select", "KMP1,KMP3"], {}),
        (["--ignore", "KMP201"], {"src/lock.py": ["KMP202"]}),
        (
            ["--select", "KMP2", "--ignore", "sequence-unpicklable-attribute"],
            {"src/bad.py": ["KMP201"]},
        ),
        (["--select", "E7202"], {"src/lock.py": ["KMP202"]}),
        (["--select", "kmp", "--ignore", "KMP20"], {}),
    ],
)
def test_select_and_ignore_by_code_prefix_msgid_or_symbol(project, args, expected):
    proc = run_cli("--format", "json", *args, "src", cwd=project)
    assert proc.returncode == (1 if expected else 0), proc.stderr
    assert codes_by_file(proc.stdout) == expected


def test_folders_are_searched_for_py_files_skipping_default_and_given_excludes(tmp_path):
    for folder in (".git", ".venv", "venv", "build", "dist", "__pycache__", ".tox", "node_modules"):
        write(tmp_path / folder / "bad.py", LAMBDA_LOADER)
    write(tmp_path / "pkg" / "bad.py", LAMBDA_LOADER)
    write(tmp_path / "pkg" / "generated" / "bad.py", LAMBDA_LOADER)
    write(tmp_path / "pkg" / "bad_test.py", LAMBDA_LOADER)
    write(tmp_path / "pkg" / "notes.txt", LAMBDA_LOADER)
    write(tmp_path / "pkg" / "script", LAMBDA_LOADER)

    proc = run_cli("--format", "json", ".", cwd=tmp_path)
    assert sorted(codes_by_file(proc.stdout)) == [
        "pkg/bad.py",
        "pkg/bad_test.py",
        "pkg/generated/bad.py",
    ]
    proc = run_cli("--format", "json", "--exclude", "generated,*_test.py", ".", cwd=tmp_path)
    assert sorted(codes_by_file(proc.stdout)) == ["pkg/bad.py"]
    proc = run_cli("--format", "json", "--exclude", "pkg/generated", ".", cwd=tmp_path)
    assert sorted(codes_by_file(proc.stdout)) == ["pkg/bad.py", "pkg/bad_test.py"]

    # a path named explicitly is linted even in an excluded folder, unless --force-exclude
    named = ["build/bad.py", "pkg/script", "pkg/generated/bad.py"]
    proc = run_cli("--format", "json", "--exclude", "generated", *named, cwd=tmp_path)
    assert sorted(codes_by_file(proc.stdout)) == sorted(named)
    proc = run_cli(
        "--format", "json", "--exclude", "generated", "--force-exclude", *named, cwd=tmp_path
    )
    assert sorted(codes_by_file(proc.stdout)) == ["pkg/script"]


def _reference_files(paths, patterns, root):
    """What the excludes mean, spelled out: every path below each folder, whose name, absolute
    path or path relative to the root matches a glob (fnmatchcase), is left out."""
    import fnmatch

    def excluded(path):
        absolute = os.path.abspath(path)
        candidates = {os.path.basename(absolute), absolute, os.path.relpath(absolute, root)}
        return any(
            fnmatch.fnmatchcase(c.replace(os.sep, "/"), p.rstrip("/"))
            for c in candidates
            for p in patterns
        )

    found = {}
    for path in paths:
        if not os.path.isdir(path):  # a file named explicitly (even excluded, or a dangling link)
            found.setdefault(os.path.abspath(path), os.path.normpath(path))
        for folder, subfolders, names in os.walk(path):
            subfolders[:] = [n for n in subfolders if not excluded(os.path.join(folder, n))]
            for name in names:
                file_path = os.path.join(folder, name)
                if name.endswith((".py", ".ipynb")) and not excluded(file_path):
                    found.setdefault(os.path.abspath(file_path), os.path.normpath(file_path))
    return sorted(found.values(), key=lambda shown: (shown.replace(os.sep, "/"), shown))


@pytest.mark.parametrize(
    "excludes",
    [(), ("generated",), ("*_test.py", "pkg/generated"), ("pkg/*",), ("*",), ("notebooks/",),
     ("[a-c]*",), ("sub", "tmp*", "."), ("deep",)],
)
@pytest.mark.parametrize(
    "cwd, paths",
    [("proj", ["."]), ("proj/pkg", [".", "../sub"]), ("proj", ["./pkg/", "sub", "pkg"]),
     ("proj/pkg", [".."]), ("proj/pkg", ["a.py", "./a.py", "../sub//e.py", "{root}/cfg/g.py",
                                         "generated/b.py", "gone.py", "."]),
     ("proj", ["pkg", "sub/e.py", "./cfg/", "cfg/g.py", "pkg/generated/b.py"])],
)
def test_the_files_of_folders_are_those_the_excludes_leave(tmp_path, monkeypatch, excludes, cwd, paths):
    from pylint_keras_mp.service import collect_files
    from pylint_keras_mp.settings import DEFAULT_EXCLUDES, Settings

    root = tmp_path / "proj"
    for relative in (
        "pkg/a.py", "pkg/a_test.py", "pkg/generated/b.py", "pkg/deep/deep/c.py", "pkg/nb.ipynb",
        "pkg/notes.txt", "pkg/build/d.py", "sub/e.py", "sub/tmp1/f.py", "cfg/g.py",
        "notebooks/h.ipynb", ".venv/i.py", "deep/j.py",
    ):
        write(root / relative, "x = 1\n")
    write(root / "pyproject.toml", "")
    (root / "pkg" / "gone.py").symlink_to(root / "nowhere.py")  # dangling: linted, then skipped
    paths = [path.replace("{root}", str(root)) for path in paths]
    monkeypatch.chdir(tmp_path / cwd)
    settings = Settings.from_mapping({"exclude": list(excludes)} if excludes else {})
    settings.exclude_root = str(root)
    expected = _reference_files(paths, DEFAULT_EXCLUDES + excludes, str(root))
    assert collect_files(paths, settings) == expected


def test_each_file_is_linted_once_and_output_is_ordered_by_path(project):
    proc = run_cli("src/lock.py", "src", "./src/bad.py", "src/", cwd=project)
    paths = [line.split(":", 1)[0] for line in proc.stdout.splitlines()]
    assert paths == [str(Path("src/bad.py")), str(Path("src/lock.py"))]


@pytest.mark.parametrize("format_name", ["text", "json", "sarif", "github"])
def test_parallel_jobs_give_identical_output(tmp_path, format_name):
    for index in range(24):
        write(
            tmp_path / f"pkg{index % 3}" / f"mod{index:02d}.py",
            [LAMBDA_LOADER, LOCK_LOADER, FIXED_LOADER][index % 3],
        )
    shutil.copytree(FIXTURES, tmp_path / "fixtures")
    serial = run_cli("--format", format_name, "--jobs", "1", ".", cwd=tmp_path)
    parallel = run_cli("--format", format_name, "--jobs", "4", ".", cwd=tmp_path)
    every_cpu = run_cli("--format", format_name, "-j", "0", ".", cwd=tmp_path)
    assert serial.returncode == 1, serial.stderr
    assert serial.stdout.count("KMP20") >= 16
    assert (parallel.returncode, parallel.stdout) == (serial.returncode, serial.stdout)
    assert (every_cpu.returncode, every_cpu.stdout) == (serial.returncode, serial.stdout)


# --- configuration -------------------------------------------------------------------------


def test_pyproject_configuration_is_found_from_the_paths_upward(tmp_path):
    write(
        tmp_path / "proj" / "pyproject.toml",
        (
            "[project]\nname = 'x'\n\n"
            "[tool.keras-mp-lint]\n"
            "sequence-bases = ['myproj.data.BaseLoader']\n"
            "ignore = ['KMP201']\n"
            "format = 'json'\n"
        ),
    )
    write(tmp_path / "proj" / "src" / "loaders.py", CONFIGURED_BASE_LOADER)
    write(tmp_path / "proj" / "src" / "bad.py", LAMBDA_LOADER)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    proc = run_cli(tmp_path / "proj" / "src", cwd=elsewhere)
    assert proc.returncode == 1, proc.stderr
    assert sorted(record["code"] for record in json.loads(proc.stdout)) == ["KMP202"]

    # the command line wins over the file
    proc = run_cli(
        "--format", "text", "--select", "KMP201", tmp_path / "proj" / "src", cwd=elsewhere
    )
    assert proc.stdout.count(": KMP201 ") == 1 and "KMP202" not in proc.stdout

    # --isolated ignores it: the base is unknown and KMP201 is back
    proc = run_cli("--isolated", "--format", "json", tmp_path / "proj" / "src", cwd=elsewhere)
    assert sorted(record["code"] for record in json.loads(proc.stdout)) == ["KMP201"]


def test_setup_cfg_section_and_explicit_config_file(tmp_path):
    write(
        tmp_path / "setup.cfg",
        (
            "[metadata]\nname = x\n\n"
            "[keras-mp-lint]\n"
            "sequence_bases =\n    myproj.data.BaseLoader\n"
            "select = KMP202\n"
        ),
    )
    write(tmp_path / "pyproject.toml", "[tool.black]\nline-length = 100\n")  # no section: skipped
    write(tmp_path / "loaders.py", CONFIGURED_BASE_LOADER)
    write(tmp_path / "bad.py", LAMBDA_LOADER)
    proc = run_cli("--format", "json", ".", cwd=tmp_path)
    assert codes_by_file(proc.stdout) == {"loaders.py": ["KMP202"]}

    write(tmp_path / "other" / "lint.toml", "[tool.keras-mp-lint]\nselect = ['KMP201']\n")
    proc = run_cli("--format", "json", "--config", "other/lint.toml", ".", cwd=tmp_path)
    assert codes_by_file(proc.stdout) == {"bad.py": ["KMP201"]}


@pytest.mark.parametrize(
    "file_name, text, message",
    [
        ("pyproject.toml", "[tool.keras-mp-lint]\nslect = ['KMP2']\n", "unknown option(s) slect"),
        ("pyproject.toml", "[tool.keras-mp-lint\n", "pyproject.toml"),
        (
            "pyproject.toml",
            "[tool.keras-mp-lint]\nkeras-version = '5'\n",
            "keras-version: invalid value '5' in ",
        ),
        ("setup.cfg", "[keras-mp-lint]\nselect = KMP8\n", "unknown rule code or prefix 'KMP8'"),
    ],
)
def test_bad_configuration_exits_2(tmp_path, file_name, text, message):
    write(tmp_path / file_name, text)
    write(tmp_path / "bad.py", LAMBDA_LOADER)
    proc = run_cli("bad.py", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout
    assert message in proc.stderr and "Traceback" not in proc.stderr


# --- colour --------------------------------------------------------------------------------


def _run_on_a_terminal(args, cwd, env) -> str:
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(
            [keras_mp_lint(), *args], stdout=follower, stderr=subprocess.PIPE, cwd=cwd, env=env
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        proc.wait(timeout=120)
    finally:
        os.close(leader)
    return b"".join(chunks).decode("utf-8")


def test_colour_only_on_a_terminal_and_never_with_no_color(project):
    env = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
    coloured = _run_on_a_terminal(["src/bad.py"], project, env)
    assert "\033[1m" in coloured and "KMP201" in coloured
    plain = _run_on_a_terminal(["src/bad.py"], project, {**env, "NO_COLOR": "1"})
    assert "\033[" not in plain and "KMP201" in plain
    forced = run_cli("--color", "always", "src/bad.py", cwd=project)
    assert "\033[1m" in forced.stdout


# --- rule pages ----------------------------------------------------------------------------


def test_rule_prints_the_docs_page(tmp_path):
    page = (DOCS / "KMP201.md").read_text(encoding="utf-8")
    for args in (["rule", "KMP201"], ["rule", "sequence-lambda-attribute"], ["--explain", "E7201"]):
        proc = run_cli(*args, cwd=tmp_path)
        assert (proc.returncode, proc.stdout) == (0, page), args


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_every_rule_has_a_page(rule, tmp_path):
    proc = run_cli("rule", rule.code.lower(), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"# {rule.code} `{rule.symbol}`")
    if (DOCS / f"{rule.code}.md").exists():
        assert proc.stdout == (DOCS / f"{rule.code}.md").read_text(encoding="utf-8")


def test_rule_without_code_and_list_rules_list_every_rule(tmp_path):
    for args in (["rule"], ["--list-rules"]):
        proc = run_cli(*args, cwd=tmp_path)
        assert proc.returncode == 0
        assert [line.split()[0] for line in proc.stdout.splitlines()] == [r.code for r in RULES]


def test_python_dash_m_runs_the_same_command(project):
    proc = subprocess.run(
        [sys.executable, "-m", "pylint_keras_mp", "src/bad.py"],
        capture_output=True,
        text=True,
        cwd=project,
        timeout=120,
    )
    assert proc.returncode == 1 and "KMP201" in proc.stdout


def _checkout_copy(destination: Path) -> Path:
    """The working tree as it would be committed (tracked and new files, minus ignored ones)."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=ROOT,
            capture_output=True,
            check=True,
            timeout=60,
        )
        .stdout.decode("utf-8")
        .split("\0")
    )
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


def test_rule_pages_ship_with_a_regular_install(tmp_path):
    """`pip install .` (not editable): the pages come from the wheel, not from a checkout."""
    source = _checkout_copy(tmp_path / "source")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    env = {
        key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")
    }
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", str(source)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr
    shutil.rmtree(source)  # nothing left to read the pages from but the install
    script = python.parent / "keras-mp-lint"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for rule in RULES:
        page = DOCS / f"{rule.code}.md"
        if not page.exists():
            continue
        proc = subprocess.run(
            [str(script), "rule", rule.code],
            capture_output=True,
            text=True,
            cwd=elsewhere,
            env=env,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == page.read_text(encoding="utf-8"), rule.code
    # and it lints without pylint or flake8 installed
    write(elsewhere / "bad.py", LAMBDA_LOADER)
    proc = subprocess.run(
        [str(script), "bad.py"], capture_output=True, text=True, cwd=elsewhere, env=env, timeout=120
    )
    assert proc.returncode == 1 and "KMP201" in proc.stdout, proc.stderr
