"""Fixture projects: several modules linted together, from the project root, through the
engine (file by file, as an editor does), keras-mp-lint, flake8 and pylint."""

from __future__ import annotations

import pytest

from tests.fixture_support import (
    cli_project_findings,
    engine_project_findings,
    fixture_projects,
    flake8_project_findings,
    pylint_project_findings,
)

PROJECT_LIST = fixture_projects()


def _codes(results):
    return {name: sorted((line, code) for line, _, code, _ in items) for name, items in results.items()}


@pytest.fixture(params=PROJECT_LIST, ids=lambda p: p.id)
def project(request, tmp_path):
    return request.param.copy_to(tmp_path)


def test_each_file_reports_exactly_its_expected_findings(project):
    assert _codes(engine_project_findings(project)) == project.expected()


def test_every_front_end_reports_the_same_from_the_project_root(project):
    engine = engine_project_findings(project)
    assert cli_project_findings(project) == engine, "keras-mp-lint disagrees with the engine"
    assert flake8_project_findings(project) == engine, "flake8 disagrees with the engine"
    assert pylint_project_findings(project) == engine, "pylint disagrees with the engine"
