"""Write the message snapshots of fixtures and notebook fixtures (``<file>.messages``) and fixture projects
(``project.messages``) from the engine's current findings.

    python -m tests.regen_snapshots                      # every fixture and fixture project
    python -m tests.regen_snapshots fixtures/KMP201/bad_lambda.py fixtures/projects/retinanet

Run it when a fixture is added or a message changes on purpose, then review the diff: it is the
tests' expectation (tests/test_fixtures.py and tests/test_projects.py compare against it).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tests.fixture_support import (
    PROJECT_SNAPSHOT,
    ROOT,
    engine_messages,
    engine_project_findings,
    fixture_files,
    fixture_projects,
    notebook_files,
    notebook_messages,
    pin,
    project_snapshot_lines,
    snapshot_path,
    write_snapshot,
)


def regenerate(targets: list[Path] | None = None) -> list[Path]:
    """Rewrite the snapshots of ``targets`` (fixture files or project folders; all when None);
    returns the snapshot files written or removed."""
    wanted = None if targets is None else {path.resolve() for path in targets}
    touched = []
    pinned = []  # written with findings: their snapshot is required from now on
    for fixture in fixture_files():
        if wanted is None or fixture.path.resolve() in wanted:
            lines = engine_messages(fixture)
            write_snapshot(snapshot_path(fixture.path), lines)
            touched.append(snapshot_path(fixture.path))
            if lines:
                pinned.append(fixture.path)
    for notebook in notebook_files():
        if wanted is None or notebook.resolve() in wanted:
            lines = notebook_messages(notebook)
            write_snapshot(snapshot_path(notebook), lines)
            touched.append(snapshot_path(notebook))
            if lines:
                pinned.append(notebook)
    for project in fixture_projects():
        if wanted is None or project.root.resolve() in wanted:
            with tempfile.TemporaryDirectory() as folder:
                copy = project.copy_to(Path(folder))
                lines = project_snapshot_lines(engine_project_findings(copy))
            write_snapshot(project.root / PROJECT_SNAPSHOT, lines)
            touched.append(project.root / PROJECT_SNAPSHOT)
            if lines:
                pinned.append(project.root)
    pin(pinned)
    return touched


if __name__ == "__main__":
    args = [Path(arg) if Path(arg).is_absolute() else ROOT / arg for arg in sys.argv[1:]]
    for path in regenerate(args or None):
        print(path.relative_to(ROOT))
