"""Every fixture through the engine, pylint and flake8: exact expectations, identical front ends."""

from __future__ import annotations

import pytest

from pylint_keras_mp.rules import RULE_CHECKS
from tests.fixture_support import (
    FIXTURES,
    PROOFS,
    check_snapshot,
    engine_messages,
    fixture_files,
    flake8_findings,
    pylint_findings,
    snapshot_path,
)

FIXTURE_LIST = fixture_files()
IMPLEMENTED = sorted(code for codes, _ in RULE_CHECKS for code in codes)


@pytest.mark.parametrize("fixture", FIXTURE_LIST, ids=lambda f: f.id)
def test_engine_reports_exactly_the_expected_findings_and_messages(fixture):
    lines = engine_messages(fixture)
    assert sorted((int(line.split(":")[0]), line.split()[1]) for line in lines) == fixture.expected()
    check_snapshot(fixture.path, snapshot_path(fixture.path), lines)


@pytest.mark.parametrize("fixture", FIXTURE_LIST, ids=lambda f: f.id)
def test_fixture_expectations_match_its_kind(fixture):
    name = fixture.path.stem
    codes = {code for _, code in fixture.expected()}
    if name.startswith("good") or name.endswith("_good") or name.endswith("_ok"):
        assert codes == set(), "a good fixture expects no finding"
    elif name.startswith("near"):
        # a near miss of its folder's rule, where another rule may rightly report
        assert fixture.path.parent.name not in codes, "a near miss must not expect its own rule"
    elif name.startswith("bad") or name.endswith("_bad"):
        own = fixture.path.parent.name if fixture.path.parent != PROOFS else name[:6]
        if own.startswith("KMP"):
            assert own in codes, f"a bad fixture of {own} must expect {own}"
        else:
            assert codes, "a bad fixture expects at least one finding"


@pytest.mark.parametrize("code", IMPLEMENTED)
def test_every_rule_has_bad_and_good_fixtures(code):
    folder = FIXTURES / code
    # a notebook-only rule's bad cases are notebooks (tests/test_notebooks.py runs them)
    assert sorted(folder.glob("bad*.py")) or sorted(folder.glob("bad*.ipynb")), f"no bad fixture in {folder}"
    assert sorted(folder.glob("good*.py")), f"no good fixture in {folder}"


@pytest.fixture(scope="module")
def front_end_results():
    return pylint_findings(FIXTURE_LIST), flake8_findings(FIXTURE_LIST)


def _engine_with_text(fixture):
    from pylint_keras_mp.service import analyze_file

    return sorted(
        (f.line, f.col, f.code, f.text) for f in analyze_file(str(fixture.path), fixture.options)
    )


@pytest.mark.parametrize("fixture", FIXTURE_LIST, ids=lambda f: f.id)
def test_pylint_and_flake8_report_what_the_engine_reports(fixture, front_end_results):
    pylint_results, flake8_results = front_end_results
    engine = _engine_with_text(fixture)
    assert sorted(pylint_results[fixture.path]) == engine, "pylint disagrees with the engine"
    assert sorted(flake8_results[fixture.path]) == engine, "flake8 disagrees with the engine"
    assert [(line, code) for line, _, code, _ in engine] == fixture.expected()
