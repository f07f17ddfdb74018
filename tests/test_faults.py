"""Nothing is dropped silently: a bug of the linter in the project layer, a rule or a fix becomes
one KMP900 with its reason (the file's other findings stay), the strict switch raises it instead,
and distinct findings on one position are all reported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pylint_keras_mp import faults
from pylint_keras_mp.config import Options
from pylint_keras_mp.engine import analyze
from pylint_keras_mp.service import analyze_file
from pylint_keras_mp.project import index as project_index

ROOT = Path(__file__).resolve().parent.parent
RETINANET = ROOT / "fixtures" / "projects" / "retinanet"


@pytest.fixture
def contained(monkeypatch):
    """The production behaviour: the strict switch off."""
    monkeypatch.delenv(faults.STRICT, raising=False)
    project_index._INDEXES.clear()
    yield
    project_index._INDEXES.clear()


def _retinanet_findings() -> list:
    project_index._INDEXES.clear()
    findings = []
    for path in sorted(RETINANET.rglob("*.py")):
        findings.extend((path.name, f) for f in analyze_file(str(path)))
    return findings


def _broken(*args, **kwargs):
    raise AttributeError("'NoneType' object has no attribute 'bases'")


def test_a_bug_in_the_project_layer_is_kmp900_with_its_reason(contained, monkeypatch):
    expected = [(name, f.code) for name, f in _retinanet_findings()]
    assert len(expected) >= 7 and not any(code == "KMP900" for _, code in expected)
    monkeypatch.setattr(
        project_index.ProjectIndex,
        "keras_bases_of_base",
        project_index.silent(list)(_broken),
    )
    found = _retinanet_findings()
    internal = [(name, f) for name, f in found if f.code == "KMP900"]
    assert internal, "the injected bug cost findings without a KMP900"
    for _, finding in internal:
        assert "AttributeError: 'NoneType' object has no attribute 'bases'" in finding.message
        assert "project analysis (_broken)" in finding.message
        assert "\n" not in finding.message
    # every file whose findings the bug changed says so
    lost = {name for name, code in expected} - {name for name, f in found if f.code != "KMP900"}
    assert lost <= {name for name, _ in internal}


def test_the_strict_switch_raises_the_bug_where_it_happens(monkeypatch):
    monkeypatch.setenv(faults.STRICT, "1")
    monkeypatch.setattr(
        project_index.ProjectIndex,
        "keras_bases_of_base",
        project_index.silent(list)(_broken),
    )
    with pytest.raises(AttributeError, match="no attribute 'bases'"):
        _retinanet_findings()
    project_index._INDEXES.clear()


def test_the_user_s_files_are_unknown_not_bugs(contained, monkeypatch):
    # an unreadable or unparsable file met by the project layer is unknown, and unknown is silent
    def unreadable(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(
        project_index.ProjectIndex, "keras_bases_of_base", project_index.silent(list)(unreadable)
    )
    assert not [f for _, f in _retinanet_findings() if f.code == "KMP900"]


def test_a_bug_in_a_fix_is_kmp900_and_the_finding_stays(contained, monkeypatch):
    from pylint_keras_mp.fixes import RuleFix, rule_fix

    def broken(ctx, finding):
        raise KeyError("lost")

    fixes = {"KMP201": RuleFix("KMP201", "unsafe", "broken", broken)}
    monkeypatch.setattr("pylint_keras_mp.fixes.rule_fix", lambda code: fixes.get(code) or rule_fix(code))
    source = (
        "import keras\n\nclass D(keras.utils.Sequence):\n"
        "    def __init__(self):\n        self.f = lambda x: x\n"
    )
    findings = analyze(source, "<loader>", Options(), fixes=True)
    internal = [f for f in findings if f.code == "KMP900"]
    assert {"KMP201", "KMP900"} <= {f.code for f in findings} and len(internal) == 1
    assert "KMP201 fix failed: KeyError: 'lost'" in internal[0].message


def test_a_bug_in_a_rule_raises_under_the_strict_switch(monkeypatch):
    from pylint_keras_mp import rules

    def broken(facts, report):
        raise ZeroDivisionError("rule bug")

    monkeypatch.setenv(faults.STRICT, "1")
    monkeypatch.setattr(rules, "RULE_CHECKS", [(("KMP101",), broken)])
    with pytest.raises(ZeroDivisionError):
        analyze("import keras\nclass D(keras.utils.Sequence):\n    pass\n", "<x>")


def test_the_suite_runs_strict():
    assert faults.strict()


def test_the_strict_switch_reaches_the_command_line(tmp_path):
    # a bug injected through sitecustomize reaches the command line as a traceback under the
    # switch, as KMP900 without it
    (tmp_path / "sitecustomize.py").write_text(
        "from pylint_keras_mp import rules\n"
        "def broken(facts, report):\n    raise ZeroDivisionError('rule bug')\n"
        "rules.RULE_CHECKS[:] = [(('KMP101',), broken)]\n"
    )
    (tmp_path / "m.py").write_text("import keras\nclass D(keras.utils.Sequence):\n    pass\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    command = [sys.executable, "-m", "pylint_keras_mp", "m.py"]
    strict = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert "ZeroDivisionError: rule bug" in strict.stderr
    env.pop(faults.STRICT)
    loose = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert "KMP900" in loose.stdout and "ZeroDivisionError: rule bug" in loose.stdout


def test_distinct_findings_on_one_position_are_all_reported():
    source = (
        "import threading\nimport keras\n\n"
        "class D(keras.utils.Sequence):\n"
        "    def __init__(self, a):\n"
        "        self.f, self.lock = open(a), threading.Lock()\n"
    )
    findings = [f for f in analyze(source, "<loader>") if f.code == "KMP202"]
    assert len(findings) == 2, findings
    assert "self.f" in findings[0].message + findings[1].message
    assert "self.lock" in findings[0].message + findings[1].message


def test_the_same_finding_reached_twice_is_reported_once():
    from pylint_keras_mp.engine import Reporter
    import ast

    node = ast.parse("x = 1").body[0]
    reporter = Reporter(Options())
    for _ in range(2):
        reporter("KMP901", node, what="this file", error="E")
    reporter("KMP901", node, what="this file", error="F")
    assert len(reporter.findings) == 2


def test_a_bug_met_outside_an_analysis_is_reported_by_the_next_file(contained, monkeypatch):
    # the command line scans the project before it starts its workers
    from pylint_keras_mp.engine import _project_index

    monkeypatch.setattr(
        project_index.ProjectIndex, "keras_bases_of_base", project_index.silent(list)(_broken)
    )
    train = RETINANET / "keras_retinanet" / "bin" / "train.py"
    _project_index(str(train), Options()).scan()
    findings = analyze_file(str(RETINANET / "setup.py"))
    assert [f.code for f in findings] == ["KMP900"]
    assert "no attribute 'bases'" in findings[0].message
