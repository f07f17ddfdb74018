"""Findings about a loader that runs in worker processes carry the place that makes it run there
(``Finding.related``), which the language server publishes as ``relatedInformation``."""

from __future__ import annotations

from pathlib import Path

import pytest

from pylint_keras_mp.service import analyze_file
from tests.fixture_support import fixture_files

ROOT = Path(__file__).resolve().parent.parent
CODES = ("KMP204", "KMP402", "KMP403")

CASES = [
    fixture
    for fixture in fixture_files()
    if fixture.path.suffix == ".py"
    and fixture.path.name.startswith("bad_")
    and fixture.path.parent.name in CODES
    # torch and grain findings name their DataLoader or prefetch in the message instead
    and "torch" not in fixture.path.name
    and "grain" not in fixture.path.name
]


def test_there_are_cases_for_every_code():
    assert {fixture.path.parent.name for fixture in CASES} == set(CODES)


@pytest.mark.parametrize("fixture", CASES, ids=[f.id for f in CASES])
def test_a_worker_process_finding_names_where_the_processes_start(fixture):
    code = fixture.path.parent.name
    findings = [
        f for f in analyze_file(str(fixture.path), fixture.options, fixes=False) if f.code == code
    ]
    assert findings, fixture.id
    lines = fixture.path.read_text(encoding="utf-8").splitlines()
    for finding in findings:
        assert finding.related, f"{fixture.id}:{finding.line} has no related place"
        for place in finding.related:
            assert "worker processes" in place.message
            if place.path is None or Path(place.path).resolve() == fixture.path.resolve():
                # the place is a line of this module that names a worker setting or a launch
                text = lines[place.line - 1]
                assert any(
                    word in text
                    for word in ("use_multiprocessing", "workers", "fit", "predict", "evaluate", "(")
                ), text
