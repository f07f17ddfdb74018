"""Evidence collection for the runtime proofs.

Every runtime test records what it observed (``evidence.record(...)``) before asserting. At the
end of the session the records, each with its test's outcome, are written as JSON to
``$KMP_EVIDENCE_JSON`` or, by default, ``build/runtime-evidence.json``; ``scripts/evidence.py``
renders that file as ``docs/evidence.md``.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import os
import platform
import sys
import time
from pathlib import Path

import pytest

from tests.runtime.harness import ROOT

DEFAULT_EVIDENCE_JSON = ROOT / "build" / "runtime-evidence.json"


def evidence_path() -> Path:
    path = Path(os.environ.get("KMP_EVIDENCE_JSON") or DEFAULT_EVIDENCE_JSON)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    # under pytest -n each worker records its own tests: one file each (run the proofs without
    # -n to regenerate docs/evidence.md from one file)
    return path.with_name(f"{path.stem}.{worker}{path.suffix}") if worker else path


def _version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


class EvidenceLog:
    def __init__(self) -> None:
        self.records: list[dict] = []
        self.outcomes: dict[str, str] = {}
        self.started = time.time()

    def write(self, path: Path) -> None:
        for record in self.records:
            record["test_outcome"] = self.outcomes.get(record["test"], "unknown")
        payload = {
            "generated_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "session_seconds": round(time.time() - self.started, 1),
            "environment": {
                "python": sys.version.split()[0],
                "platform": platform.platform(),
                "cpu_count": os.cpu_count(),
                "keras": _version("keras"),
                "numpy": _version("numpy"),
                "jax": _version("jax"),
                "tensorflow": _version("tensorflow") or _version("tensorflow-cpu"),
                "tf_keras": _version("tf-keras"),
                "torch": _version("torch"),
                "nbclient": _version("nbclient"),
                "ipykernel": _version("ipykernel"),
                "keras_backend": "numpy",
            },
            "records": self.records,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")


_LOG = EvidenceLog()


class Recorder:
    """The per-test face of the log: knows its test's node id."""

    def __init__(self, nodeid: str) -> None:
        self.nodeid = nodeid

    def record(
        self,
        rule: str,
        case: str,
        start_method: str,
        observed: str,
        spec: str,
        *,
        agrees: bool | None,
        run=None,
        script: str | None = None,
        note: str = "",
    ) -> None:
        details = {}
        if run is not None:
            script = script or run.script
            details = {
                "seconds": round(run.seconds, 1),
                "returncode": run.returncode,
                "timed_out": run.timed_out,
                "parent_pid": run.parent_pid,
                "batch_pids": sorted(run.batch_pids),
                "error": run.error,
            }
        _LOG.records.append(
            {
                "rule": rule,
                "case": case,
                "script": script,
                "start_method": start_method,
                "observed": observed,
                "spec": spec,
                "agrees": agrees,
                "note": note,
                "details": details,
                "test": self.nodeid,
            }
        )


@pytest.fixture
def evidence(request) -> Recorder:
    return Recorder(request.node.nodeid)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        _LOG.outcomes[item.nodeid] = report.outcome


def pytest_sessionfinish(session, exitstatus):
    if _LOG.records:
        _LOG.write(evidence_path())
