"""The robustness primer over the standard library: no crash, no hang, no unexplained KMP900/KMP901.

Runs in the default ``pytest`` (CI included): the standard library with its ``test/`` package is
about 1,800 files and takes well under a minute here, all three configurations. The full primer
(standard library plus site-packages) is ``python scripts/primer.py --stress``; its figures are in
docs/performance.md.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRIMER_PATH = ROOT / "scripts" / "primer.py"


def _load_primer():
    spec = importlib.util.spec_from_file_location("kmp_primer", PRIMER_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses need the module registered
    spec.loader.exec_module(module)
    return module


primer = _load_primer()


@pytest.mark.primer
def test_the_standard_library_never_crashes_the_engine():
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    report = primer.run([stdlib], stress=True, file_timeout=60)
    assert report.files > 500, "the standard library was not found"
    assert report.crashes == [], primer.render(report, 5)
    assert report.hangs == [], primer.render(report, 5)
    assert report.kmp900_bugs == [], primer.render(report, 5)
    # every KMP900/KMP901 left is a file that CPython itself refuses to compile
    for entry in report.kmp900_genuine:
        assert primer.python_rejects(Path(entry["file"]).read_bytes(), entry["file"])
    # the stress configuration made the rules work on the corpus (how much depends on the
    # modules the interpreter's distribution ships: Debian's python3.11 gives 32 findings of two
    # rules, a full CPython build more than 50)
    stress = report.findings["stress"]
    assert sum(stress.values()) >= 20 and len(stress) >= 2, stress


@pytest.mark.primer
def test_primer_command_reports_and_fails_on_an_internal_error(tmp_path, monkeypatch):
    monkeypatch.delenv("KERAS_MP_LINT_STRICT", raising=False)  # contained, as in use
    # names a loader base, so that the narrow pre-filter lets the rules see it
    (tmp_path / "good.py").write_text(
        "import keras\nBase = keras.utils.Sequence\n", encoding="utf-8"
    )
    (tmp_path / "broken.py").write_text(
        "from keras.utils import Sequence\ndef f(:\n", encoding="utf-8"
    )
    proc = subprocess.run(
        [sys.executable, str(PRIMER_PATH), str(tmp_path), "--quiet", "--stress"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "crashes (exception escaping analyze): 0" in proc.stdout
    assert "KMP900/KMP901 bugs (Python compiles the file): 0" in proc.stdout
    assert "broken.py" in proc.stdout  # listed as a file Python rejects

    # A rule that fails is a KMP900 on a file Python compiles: the primer must flag it.
    from pylint_keras_mp import rules

    def broken(facts, report):
        raise RuntimeError("boom")

    monkeypatch.setattr(rules, "RULE_CHECKS", [(("KMP101",), broken)])
    report = primer.run([tmp_path], file_timeout=60)
    assert [entry["file"] for entry in report.kmp900_bugs] == [str(tmp_path / "good.py")] * 2
    assert not report.ok


# --- The ecosystem check (``primer.py ecosystem``), small projects standing in for checkouts ---

ALPHA_LOADERS = """\
import keras

SEEN = []


class Pairs(keras.utils.Sequence):
    def __init__(self, items, **kwargs):
        super().__init__(**kwargs)
        self.items = items
        self.scale = lambda x: x * 2

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        SEEN.append(index)
        return self.scale(self.items[index])
"""
BETA_TRAIN = """\
import threading

from keras.utils import PyDataset


class Counted(PyDataset):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.lock = threading.Lock()
        self.calls = 0

    def __len__(self):
        return 4

    def __getitem__(self, index):
        self.calls += 1
        return index
"""
PINNED = """
[[project]]
name = "example/alpha"
repository = "https://example.invalid/alpha"
commit = "0000000000000000000000000000000000000001"

[[project]]
name = "example/beta"
repository = "https://example.invalid/beta"
commit = "0000000000000000000000000000000000000002"
checkout = "beta-checkout"
"""


@pytest.fixture
def pinned(tmp_path):
    """Two checkouts (one under the default folder name, one under its own), a projects file, and
    the arguments that point the mode at them and at a recording in tmp_path."""
    checkouts = tmp_path / "checkouts"
    for folder, name, source in (
        ("example+alpha", "loaders.py", ALPHA_LOADERS),
        ("beta-checkout", "train.py", BETA_TRAIN),
    ):
        (checkouts / folder).mkdir(parents=True)
        (checkouts / folder / name).write_text(source, encoding="utf-8")
        (checkouts / folder / "pyproject.toml").write_text(
            f'[project]\nname = "{folder}"\n', encoding="utf-8"
        )
    projects = tmp_path / "projects.toml"
    projects.write_text(PINNED, encoding="utf-8")
    recorded = tmp_path / "findings.json"
    args = ("--checkouts", str(checkouts), "--projects", str(projects), "--recorded", str(recorded))
    return checkouts, projects, recorded, args


def _ecosystem(capsys, *args):
    status = primer.ecosystem_main(list(args))
    return status, capsys.readouterr()


def test_ecosystem_records_then_checks_clean(pinned, capsys):
    checkouts, _, recorded, args = pinned
    status, out = _ecosystem(capsys, *args, "--record")
    assert status == 0, out.err
    data = json.loads(recorded.read_text(encoding="utf-8"))
    assert set(data["projects"]) == {"example/alpha", "example/beta"}
    assert data["environment"]["python"] == ".".join(map(str, sys.version_info[:2]))
    assert data["projects"]["example/beta"]["commit"] == "0" * 39 + "2"
    for name, folder in (("example/alpha", "example+alpha"), ("example/beta", "beta-checkout")):
        findings = data["projects"][name]["findings"]
        for finding in findings:
            assert set(finding) == {"path", "line", "code", "message"}
        # exactly what keras-mp-lint says when run from the project root
        lint = subprocess.run(
            [sys.executable, "-m", "pylint_keras_mp", "--format", "json", "--exit-zero", "."],
            cwd=checkouts / folder,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            check=True,
        )
        expected = [
            {key: item[key] for key in ("path", "line", "code", "message")}
            for item in json.loads(lint.stdout)
        ]
        assert findings == sorted(expected, key=lambda f: (f["path"], f["line"], f["code"]))
    assert [(f["path"], f["code"]) for f in data["projects"]["example/alpha"]["findings"]] == [
        ("loaders.py", "KMP201"),
        ("loaders.py", "KMP101"),
    ]
    assert [(f["path"], f["code"]) for f in data["projects"]["example/beta"]["findings"]] == [
        ("train.py", "KMP202"),
        ("train.py", "KMP401"),
    ]

    status, out = _ecosystem(capsys, *args, "--check")
    assert status == 0, out.out
    assert "no changes against the recorded findings" in out.out
    assert "findings per rule: KMP101 1, KMP201 1, KMP202 1, KMP401 1" in out.out


def test_ecosystem_diff_per_rule_and_project_and_check_status(pinned, capsys):
    _, _, recorded, args = pinned
    assert _ecosystem(capsys, *args, "--record")[0] == 0

    # Edit the recording: one finding lost, one that no longer exists, one reworded.
    data = json.loads(recorded.read_text(encoding="utf-8"))
    beta = data["projects"]["example/beta"]["findings"]
    dropped = beta.pop(0)  # KMP202
    reworded = beta[0]  # KMP401
    original_message = reworded["message"]
    reworded["message"] = "an older wording"
    stale = {"path": "gone.py", "line": 3, "code": "KMP999", "message": "a finding that went away"}
    beta.append(stale)
    installed_keras = data["environment"]["keras"]
    data["environment"]["keras"] = "0.0.1"
    recorded.write_text(json.dumps(data), encoding="utf-8")

    status, out = _ecosystem(capsys, *args)
    assert status == 0  # a difference fails only when asked
    text = out.out
    assert (
        f"note: environment differs from the recording (keras 0.0.1 -> {installed_keras})" in text
    )
    assert "projects: 2 linted, 0 missing, 1 with changes; findings: 4" in text
    assert "  example/beta: +1 -1 ~1" in text
    assert "example/alpha:" not in text
    assert f"+ train.py:{dropped['line']}: KMP202 {dropped['message']}" in text
    assert "- gone.py:3: KMP999 a finding that went away" in text
    assert f"~ train.py:{reworded['line']}: KMP401" in text
    assert "    was: an older wording" in text and f"    now: {original_message}" in text
    assert "  KMP202: +1 -0 ~0 (now 1)" in text
    assert "  KMP401: +0 -0 ~1 (now 1)" in text
    assert "  KMP999: +0 -1 ~0 (now 0)" in text
    assert "KMP201:" not in text.split("per project:")[0]  # unchanged rules are not listed

    assert _ecosystem(capsys, *args, "--check")[0] == 1

    # --output writes this run's findings and leaves the recording alone
    output = recorded.parent / "now.json"
    _ecosystem(capsys, *args, "--output", str(output))
    assert (
        dropped
        in json.loads(output.read_text(encoding="utf-8"))["projects"]["example/beta"]["findings"]
    )
    assert (
        stale
        in json.loads(recorded.read_text(encoding="utf-8"))["projects"]["example/beta"]["findings"]
    )

    # recording one project keeps the other's recording
    alpha_before = json.loads(recorded.read_text(encoding="utf-8"))["projects"]["example/alpha"]
    assert _ecosystem(capsys, *args, "--record", "--project", "example/beta")[0] == 0
    after = json.loads(recorded.read_text(encoding="utf-8"))["projects"]
    assert after["example/alpha"] == alpha_before
    assert stale not in after["example/beta"]["findings"]
    assert _ecosystem(capsys, *args, "--check")[0] == 0


def test_ecosystem_missing_checkout_fails_the_check_and_is_not_recorded(pinned, capsys):
    checkouts, _, recorded, args = pinned
    shutil.rmtree(checkouts / "beta-checkout")
    status, out = _ecosystem(capsys, *args, "--check")
    assert status == 1
    assert "missing checkout: example/beta" in out.out
    status, out = _ecosystem(capsys, *args, "--record")
    assert status == 2
    assert not recorded.exists()


def test_ecosystem_notes_a_checkout_at_another_commit(pinned, capsys):
    checkouts, _, _, args = pinned
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "x"]):
        subprocess.run([*git, *command], cwd=checkouts / "example+alpha", check=True)
    # an exported tree marked as a project root by an empty repository: no commit to compare
    subprocess.run(["git", "init", "-q"], cwd=checkouts / "beta-checkout", check=True)
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"],
        cwd=checkouts / "example+alpha",
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    status, out = _ecosystem(capsys, *args)
    assert status == 0
    assert f"note: example/alpha: checkout at {commit}, pinned {'0' * 39}1" in out.out
    assert "example/beta: checkout at" not in out.out


def test_ecosystem_projects_file_is_validated(tmp_path):
    bad = tmp_path / "projects.toml"
    bad.write_text('[[project]]\nname = "a/b"\nrepository = "r"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="lacks commit"):
        primer.load_projects(bad)
    bad.write_text(
        '[[project]]\nname = "a/b"\nrepository = "r"\ncommit = "c"\nbranch = "x"\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="unknown keys"):
        primer.load_projects(bad)
    bad.write_text(
        '[[project]]\nname = "a/b"\nrepository = "r"\ncommit = "c"\n' * 2, encoding="utf-8"
    )
    with pytest.raises(ValueError, match="listed twice: a/b"):
        primer.load_projects(bad)


def test_the_pinned_projects_and_their_recording_agree():
    projects = primer.load_projects(primer.PROJECTS_FILE)
    kinds = [p.kind for p in projects]
    assert kinds.count("keras") >= 30
    assert kinds.count("torch") + kinds.count("grain") >= 10
    for project in projects:
        assert len(project.commit) == 40 and int(project.commit, 16) >= 0, project.name
        assert project.repository == f"https://github.com/{project.name}", project.name
    recorded = json.loads(primer.RECORDED_FILE.read_text(encoding="utf-8"))
    assert {p.name: p.commit for p in projects} == {
        name: entry["commit"] for name, entry in recorded["projects"].items()
    }
