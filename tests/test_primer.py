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
    # the stress configuration made the rules work on the corpus
    assert sum(report.findings["stress"].values()) > 50


@pytest.mark.primer
def test_primer_command_reports_and_fails_on_an_internal_error(tmp_path, monkeypatch):
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


# --- The ecosystem check (``primer.py ecosystem``), fixture projects standing in for checkouts ---

FIXTURE_CHECKOUTS = ROOT / "fixtures" / "projects"
PINNED_FIXTURES = """
[[project]]
name = "fixtures/generators"
repository = "https://example.invalid/generators"
commit = "0000000000000000000000000000000000000001"
checkout = "generators"

[[project]]
name = "fixtures/helpers"
repository = "https://example.invalid/helpers"
commit = "0000000000000000000000000000000000000002"
checkout = "helpers"
"""


def _ecosystem(capsys, *args):
    status = primer.ecosystem_main(list(args))
    return status, capsys.readouterr()


def test_ecosystem_records_then_checks_clean(tmp_path, capsys):
    projects = tmp_path / "projects.toml"
    projects.write_text(PINNED_FIXTURES, encoding="utf-8")
    recorded = tmp_path / "findings.json"
    common = (
        "--checkouts",
        str(FIXTURE_CHECKOUTS),
        "--projects",
        str(projects),
        "--recorded",
        str(recorded),
    )

    status, out = _ecosystem(capsys, *common, "--record")
    assert status == 0, out.err
    data = json.loads(recorded.read_text(encoding="utf-8"))
    assert set(data["projects"]) == {"fixtures/generators", "fixtures/helpers"}
    assert data["environment"]["python"] == ".".join(map(str, sys.version_info[:2]))
    for name, entry in data["projects"].items():
        assert entry["commit"].startswith("00000")
        assert entry["findings"], f"{name}: the fixture project reports nothing"
        for finding in entry["findings"]:
            assert set(finding) == {"path", "line", "code", "message"}
            # relative to the project root, as the command run from that root prints it
            assert not Path(finding["path"]).is_absolute()
            assert (FIXTURE_CHECKOUTS / name.split("/")[1] / finding["path"]).is_file()
    # the command's own findings: what keras-mp-lint says from the project root
    lint = subprocess.run(
        [sys.executable, "-m", "pylint_keras_mp", "--format", "json", "--exit-zero", "."],
        cwd=FIXTURE_CHECKOUTS / "generators",
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    codes = sorted(item["code"] for item in json.loads(lint.stdout))
    assert sorted(f["code"] for f in data["projects"]["fixtures/generators"]["findings"]) == codes

    status, out = _ecosystem(capsys, *common, "--check")
    assert status == 0, out.out
    assert "no changes against the recorded findings" in out.out


def test_ecosystem_diff_per_rule_and_project_and_check_status(tmp_path, capsys):
    projects = tmp_path / "projects.toml"
    projects.write_text(PINNED_FIXTURES, encoding="utf-8")
    recorded = tmp_path / "findings.json"
    common = (
        "--checkouts",
        str(FIXTURE_CHECKOUTS),
        "--projects",
        str(projects),
        "--recorded",
        str(recorded),
    )
    assert _ecosystem(capsys, *common, "--record")[0] == 0

    # Edit the recording: one finding lost, one that no longer exists, one reworded.
    data = json.loads(recorded.read_text(encoding="utf-8"))
    helpers = data["projects"]["fixtures/helpers"]["findings"]
    dropped = helpers.pop(0)
    reworded = helpers[0]
    original_message = reworded["message"]
    reworded["message"] = "an older wording"
    stale = {"path": "gone.py", "line": 3, "code": "KMP999", "message": "a finding that went away"}
    helpers.append(stale)
    installed_keras = data["environment"]["keras"]
    data["environment"]["keras"] = "0.0.1"
    recorded.write_text(json.dumps(data), encoding="utf-8")

    status, out = _ecosystem(capsys, *common)
    assert status == 0  # a difference fails only when asked
    text = out.out
    assert (
        f"note: environment differs from the recording (keras 0.0.1 -> {installed_keras})" in text
    )
    assert "fixtures/helpers: +1 -1 ~1" in text
    assert "fixtures/generators" not in text.split("per project:")[1].split("---")[0]
    assert f"+ {dropped['path']}:{dropped['line']}: {dropped['code']} {dropped['message']}" in text
    assert "- gone.py:3: KMP999 a finding that went away" in text
    assert "    was: an older wording" in text and f"    now: {original_message}" in text
    assert "  KMP999: +0 -1 ~0 (now 0)" in text
    if dropped["code"] == reworded["code"]:
        assert f"  {dropped['code']}: +1 -0 ~1" in text
    else:
        assert f"  {dropped['code']}: +1 -0 ~0" in text
        assert f"  {reworded['code']}: +0 -0 ~1" in text

    status, out = _ecosystem(capsys, *common, "--check")
    assert status == 1

    # --output writes this run's findings without touching the recording
    output = tmp_path / "now.json"
    _ecosystem(capsys, *common, "--output", str(output))
    now = json.loads(output.read_text(encoding="utf-8"))
    assert dropped in now["projects"]["fixtures/helpers"]["findings"]
    assert (
        stale
        in json.loads(recorded.read_text(encoding="utf-8"))["projects"]["fixtures/helpers"][
            "findings"
        ]
    )

    # recording one project keeps the other's recording
    generators_before = json.loads(recorded.read_text(encoding="utf-8"))["projects"][
        "fixtures/generators"
    ]
    assert _ecosystem(capsys, *common, "--record", "--project", "fixtures/helpers")[0] == 0
    after = json.loads(recorded.read_text(encoding="utf-8"))["projects"]
    assert after["fixtures/generators"] == generators_before
    assert stale not in after["fixtures/helpers"]["findings"]
    assert _ecosystem(capsys, *common, "--check")[0] == 0


def test_ecosystem_missing_checkout_fails_the_check_and_is_not_recorded(tmp_path, capsys):
    projects = tmp_path / "projects.toml"
    projects.write_text(
        PINNED_FIXTURES.replace('checkout = "helpers"', 'checkout = "not-fetched"'),
        encoding="utf-8",
    )
    recorded = tmp_path / "findings.json"
    common = (
        "--checkouts",
        str(FIXTURE_CHECKOUTS),
        "--projects",
        str(projects),
        "--recorded",
        str(recorded),
    )
    status, out = _ecosystem(capsys, *common, "--check")
    assert status == 1
    assert "missing checkout: fixtures/helpers" in out.out
    status, out = _ecosystem(capsys, *common, "--record")
    assert status == 2
    assert not recorded.exists()


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


def test_ecosystem_notes_a_checkout_at_another_commit(tmp_path, capsys):
    checkouts = tmp_path / "checkouts"
    shutil.copytree(FIXTURE_CHECKOUTS / "generators", checkouts / "generators")
    shutil.copytree(FIXTURE_CHECKOUTS / "helpers", checkouts / "helpers")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "x"]):
        subprocess.run([*git, *command], cwd=checkouts / "generators", check=True)
    # an exported tree marked as a project root by an empty repository: no commit to compare
    subprocess.run(["git", "init", "-q"], cwd=checkouts / "helpers", check=True)
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"],
        cwd=checkouts / "generators",
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    projects = tmp_path / "projects.toml"
    projects.write_text(PINNED_FIXTURES, encoding="utf-8")
    status, out = _ecosystem(
        capsys,
        "--checkouts",
        str(checkouts),
        "--projects",
        str(projects),
        "--recorded",
        str(tmp_path / "findings.json"),
    )
    assert status == 0
    assert (
        f"note: fixtures/generators: checkout at {commit}, "
        "pinned 0000000000000000000000000000000000000001"
    ) in out.out
    assert "fixtures/helpers: checkout at" not in out.out
