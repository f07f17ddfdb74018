"""The robustness primer over the standard library: no crash, no hang, no unexplained KMP900/KMP901.

Runs in the default ``pytest`` (CI included): the standard library with its ``test/`` package is
about 1,800 files and takes well under a minute here, all three configurations. The full primer
(standard library plus site-packages) is ``python scripts/primer.py --stress``; its figures are in
docs/performance.md.
"""

from __future__ import annotations

import importlib.util
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
    (tmp_path / "good.py").write_text("import keras\nBase = keras.utils.Sequence\n", encoding="utf-8")
    (tmp_path / "broken.py").write_text("from keras.utils import Sequence\ndef f(:\n", encoding="utf-8")
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
