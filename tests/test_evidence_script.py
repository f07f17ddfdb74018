"""scripts/evidence.py: a full render, and --update after running a subset of the proofs."""

from __future__ import annotations

import importlib.util

from tests.fixture_support import ROOT

_spec = importlib.util.spec_from_file_location("evidence_script", ROOT / "scripts" / "evidence.py")
evidence = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(evidence)

ENVIRONMENT = {
    "python": "3.11.7", "platform": "Linux", "cpu_count": 2, "keras": "3.15.1", "numpy": "2.4.6",
    "jax": "0.10.2", "tensorflow": None, "tf_keras": None, "keras_backend": "numpy",
}


def record(rule, case, method, observed, outcome="passed", agrees=True, note=""):
    return {
        "rule": rule, "case": case, "script": f"{rule}_{case.split(':')[0]}.py", "start_method": method,
        "observed": observed, "spec": "the claim", "agrees": agrees, "note": note, "details": {},
        "test": f"t::{rule}::{case}::{method}", "test_outcome": outcome,
    }


def data(records, when="2026-01-01T00:00:00+00:00", **environment):
    return {"generated_at": when, "session_seconds": 1.0, "environment": {**ENVIRONMENT, **environment},
            "records": records}


def test_update_replaces_only_the_rules_of_the_new_run():
    full = evidence.render(
        data(
            [
                record("KMP101", "bad: global", "fork", "lost"),
                record("KMP203", "bad: notebook", "spawn", "old hang", agrees=False),
                record("KMP301", "bad: guard", "spawn", "hang", note="a note"),
            ]
        ),
        "full.json",
    )
    assert "old hang" in full and "- KMP203 bad: notebook [spawn]: observed old hang" in full
    partial = data(
        [record("KMP203", "bad: notebook", "spawn", "new hang"), record("KMP203", "good: module", "fork", "runs")],
        when="2026-02-02T00:00:00+00:00", nbclient="0.11.0", ipykernel="7.4.0",
    )
    updated = evidence.update(full, partial, "partial.json")
    assert "old hang" not in updated
    assert "new hang" in updated and "| KMP203 | good: module" in updated
    for kept in ("| KMP101 | bad: global", "| KMP301 | bad: guard", "Note, KMP301 bad: guard [spawn]: a note"):
        assert kept in updated
    rows = [line.split(" ")[1] for line in updated.splitlines() if line.startswith("| KMP")]
    assert rows == ["KMP101", "KMP203", "KMP203", "KMP301"]
    # the only difference from the spec was KMP203's old one
    assert "None: every symptom the spec states was observed as stated." in updated
    assert "- Rerun of KMP203: 2026-02-02T00:00:00+00:00" in updated and "nbclient 0.11.0" in updated
    assert "- Run: 2026-01-01T00:00:00+00:00" in updated  # the full run's own line stays
    assert evidence.update(updated, partial, "partial.json") == updated  # idempotent


def test_a_rerun_that_passes_clears_the_rules_failed_tests():
    failed = data([record("KMP203", "bad: notebook", "spawn", "no hang", outcome="failed"),
                   record("KMP101", "bad: global", "fork", "kept", outcome="failed")])
    full = evidence.render(failed, "full.json")
    assert "## Failed tests" in full and "- KMP203 `t::KMP203" in full
    updated = evidence.update(full, data([record("KMP203", "bad: notebook", "spawn", "hang")]), "p.json")
    assert "- KMP203 `t::KMP203" not in updated
    assert "- KMP101 `t::KMP101" in updated


def test_update_of_the_pipelines_page_keeps_its_title_and_intro():
    def pipeline(rule, case, method, observed, script):
        found = record(rule, case, method, observed)
        found["script"] = script
        return found

    full = evidence.render(
        data([pipeline("KMP201", "torch bad: lambda", "spawn", "fails", "torch_pickled_dataset.py"),
              pipeline("KMP202", "grain bad: lock", "spawn", "old", "grain_transforms.py")]),
        "full.json",
    )
    assert full.startswith(evidence.PIPELINES_TITLE)
    partial = data([pipeline("KMP202", "grain bad: pool", "spawn", "new", "grain_transforms.py")],
                   when="2026-02-02T00:00:00+00:00")
    updated = evidence.update(full, partial, "partial.json")
    assert updated.startswith(evidence.PIPELINES_TITLE)
    assert updated.count(evidence.PIPELINES_INTRO[:40]) == 1
    assert "| KMP201 | torch bad: lambda" in updated and "grain bad: pool" in updated
    assert "grain bad: lock" not in updated
