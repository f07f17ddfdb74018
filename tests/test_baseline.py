"""--write-baseline records today's findings by their SARIF fingerprint; --baseline reports only
new ones, and keeps recognising the old ones when lines move."""

from __future__ import annotations

import json

from tests.test_cli import LAMBDA_LOADER, LOCK_LOADER, write
from tests.test_conventions import run


def test_baseline_hides_known_findings_across_line_moves_and_reports_new_ones(tmp_path):
    write(tmp_path / "src" / "bad.py", LAMBDA_LOADER)
    write(tmp_path / "src" / "lock.py", LOCK_LOADER)
    written = run("--write-baseline", "keras-mp-baseline.json", "src", cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    assert "recorded 2 findings in keras-mp-baseline.json" in written.stderr
    document = json.loads((tmp_path / "keras-mp-baseline.json").read_text(encoding="utf-8"))
    assert sorted(r["code"] for r in document["findings"]) == ["KMP201", "KMP202"]
    assert {r["path"] for r in document["findings"]} == {"src/bad.py", "src/lock.py"}

    # the same fingerprint as SARIF's primaryLocationLineHash
    sarif = json.loads(run("--format", "sarif", "src", cwd=tmp_path).stdout)
    hashes = {r["partialFingerprints"]["primaryLocationLineHash"] for r in sarif["runs"][0]["results"]}
    assert hashes == {r["fingerprint"] for r in document["findings"]}

    proc = run("--baseline", "keras-mp-baseline.json", "src", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, ""), proc.stderr
    assert "No findings in 2 files (2 in the baseline)" in proc.stderr

    # lines added above the finding: still known
    moved = "# a comment\n\n\n" + LAMBDA_LOADER
    write(tmp_path / "src" / "bad.py", moved)
    proc = run("--baseline", "keras-mp-baseline.json", "src", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, ""), proc.stdout

    # a new finding (a second lambda) is reported, the old one is not
    grown = moved.replace(
        "        self.x = x\n", "        self.x = x\n        self.pre = lambda batch: batch\n"
    )
    write(tmp_path / "src" / "bad.py", grown)
    proc = run("--baseline", "keras-mp-baseline.json", "src", cwd=tmp_path)
    assert proc.returncode == 1
    assert [line.split(": ")[0] for line in proc.stdout.splitlines()] == ["src/bad.py:11:9"]
    assert "self.pre" in proc.stdout

    # without the baseline everything is back, so the filter is what hid them
    assert len(run("--quiet", "src", cwd=tmp_path).stdout.splitlines()) == 3


def test_baseline_from_another_working_directory_and_from_configuration(tmp_path):
    write(tmp_path / "src" / "bad.py", LAMBDA_LOADER)
    run("--write-baseline", "baseline.json", "src", cwd=tmp_path)
    # paths are relative to the baseline's folder, not to where the command runs
    proc = run("--baseline", tmp_path / "baseline.json", ".", cwd=tmp_path / "src")
    assert (proc.returncode, proc.stdout) == (0, "")
    write(tmp_path / "pyproject.toml", '[tool.keras-mp-lint]\nbaseline = "baseline.json"\n')
    proc = run("bad.py", cwd=tmp_path / "src")
    assert (proc.returncode, proc.stdout) == (0, ""), proc.stderr


def test_missing_or_malformed_baseline_is_a_usage_error(tmp_path):
    write(tmp_path / "bad.py", LAMBDA_LOADER)
    proc = run("--baseline", "nope.json", "bad.py", cwd=tmp_path)
    assert proc.returncode == 2 and "cannot read the baseline nope.json" in proc.stderr
    write(tmp_path / "other.json", '{"results": []}')
    proc = run("--baseline", "other.json", "bad.py", cwd=tmp_path)
    assert proc.returncode == 2 and "other.json: not a keras-mp-lint baseline" in proc.stderr
    proc = run("--baseline", "other.json", "--write-baseline", "x.json", "bad.py", cwd=tmp_path)
    assert proc.returncode == 2 and "cannot be used together" in proc.stderr
