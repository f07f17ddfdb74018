"""The fixes, executed: each fixable bad proof is fixed by ``keras-mp-lint --fix --unsafe-fixes``
at test time (not by hand) and the result runs clean under the start method that broke it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pylint_keras_mp.service import analyze_file
from tests.fixture_support import OPTIONS_RE, PROOFS, Fixture
from tests.runtime.harness import ProofRun, run_proof
from tests.runtime.test_runtime_proofs import (
    PICKLING,
    assert_in_workers,
    finished,
    indices,
    needs_tf_keras,
    run,
    where,
)

pytestmark = pytest.mark.runtime

# bad proof -> the start methods under which it fails (where the fixed version must run clean)
FIXED_PROOFS = {
    "KMP202_file_bad.py": PICKLING,
    "KMP202_lock_bad.py": PICKLING,
    "KMP301_bad.py": PICKLING,
    "KMP301_tfkeras_bad.py": PICKLING,
    "KMP303_bad.py": ["fork", "spawn"],
    "KMP303_tfdata_bad.py": ["fork"],
    "KMP305_bad.py": ["fork"],
    "KMP306_bad.py": ["fork"],
    "KMP307_bad.py": ["fork"],
    "KMP501_bad.py": ["fork"],
    "KMP502_bad.py": ["fork"],
}


def proof_fixture(script: str) -> Fixture:
    path = PROOFS / script
    match = OPTIONS_RE.search(path.read_text(encoding="utf-8"))
    return Fixture(path, match.group(1).strip() if match else "")


def fixed_copy(script: str, tmp_path: Path) -> Path:
    """The proof after ``keras-mp-lint --fix --unsafe-fixes``, in ``tmp_path``."""
    fixture = proof_fixture(script)
    copy = tmp_path / script
    shutil.copyfile(fixture.path, copy)
    tool = Path(sys.executable).parent / "keras-mp-lint"
    proc = subprocess.run(
        [str(tool), "--isolated", "--fix", "--unsafe-fixes", *fixture.cli_flags(prefix="--"), str(copy)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert copy.read_bytes() != fixture.path.read_bytes(), f"--fix changed nothing in {script}"
    left = [f for f in analyze_file(str(copy), fixture.options) if f.fix is not None]
    assert left == [], [f.full_text for f in left]
    return copy


def run_fixed(
    script: str, method: str, tmp_path: Path, evidence, spec: str, backend: str = "numpy"
) -> ProofRun:
    path = str(fixed_copy(script, tmp_path))
    if backend == "numpy":
        proof = finished(run(path, method))
    else:  # the fixed proof trains: the numpy backend has no fit
        proof = finished(run_proof(path, method, timeout=180.0, backend=backend))
    evidence.record(
        script[:6], f"bad, fixed by keras-mp-lint --fix --unsafe-fixes ({script})", method,
        proof.error_text or where(proof), spec, agrees=proof.error is None,
        run=proof, script=f"{script} (fixed)",
    )
    return proof


@pytest.mark.parametrize("method", PICKLING)
def test_kmp301_fixed_proof_runs_under_the_main_guard(method, tmp_path, evidence):
    proof = run_fixed("KMP301_bad.py", method, tmp_path, evidence, "fix: runs clean")
    assert "bootstrapping phase" not in proof.stderr, proof.describe()
    assert_in_workers(proof)
    assert indices(proof.batches) == list(range(4)), proof.describe()


@pytest.mark.parametrize("method", PICKLING)
def test_kmp301_fixed_tf_keras_proof_runs_under_the_main_guard(method, tmp_path, evidence):
    needs_tf_keras(evidence, "KMP301", "bad, fixed by --fix", method, "KMP301_tfkeras_bad.py", "fix: runs clean")
    proof = run_fixed("KMP301_tfkeras_bad.py", method, tmp_path, evidence, "fix: runs clean")
    assert "bootstrapping phase" not in proof.stderr, proof.describe()
    assert_in_workers(proof)


@pytest.mark.parametrize("script", ["KMP202_file_bad.py", "KMP202_lock_bad.py"])
@pytest.mark.parametrize("method", PICKLING)
def test_kmp202_fixed_proofs_make_the_handle_again_in_each_worker(script, method, tmp_path, evidence):
    # the file proof reads each label by offset from the file each worker opened again, the
    # lock proof takes each worker's own lock: every batch, loaded in the workers
    proof = run_fixed(script, method, tmp_path, evidence, "fix: every batch read in the workers")
    assert proof.error is None, proof.describe()
    assert_in_workers(proof)
    assert indices(proof.batches) == list(range(4)), proof.describe()
    assert [row[2] for row in proof.batches] == [index * 10.0 for index in range(4)], proof.describe()


@pytest.mark.parametrize("method", FIXED_PROOFS["KMP303_bad.py"])
def test_kmp303_fixed_proof_loads_every_batch(method, tmp_path, evidence):
    proof = run_fixed("KMP303_bad.py", method, tmp_path, evidence, "fix: the ignored arguments are gone")
    assert proof.error is None, proof.describe()
    assert indices(proof.batches) == list(range(4)), proof.describe()
    assert indices(proof.result["batches_workers_0"]) == list(range(4)), proof.describe()


def test_kmp303_fixed_tf_data_proof_runs(tmp_path, evidence):
    needs_tf_keras(evidence, "KMP303", "bad, fixed by --fix", "fork", "KMP303_tfdata_bad.py", "fix: runs clean")
    proof = run_fixed("KMP303_tfdata_bad.py", "fork", tmp_path, evidence, "fix: runs clean")
    assert proof.error is None, proof.describe()


def test_kmp305_fixed_proof_is_accepted_by_keras3(tmp_path, evidence):
    proof = run_fixed(
        "KMP305_bad.py", "fork", tmp_path, evidence, "fix: no TypeError/ValueError", backend="jax"
    )
    assert proof.result["errors"] == {}, proof.describe()


def test_kmp306_fixed_proof_calls_what_keras3_has(tmp_path, evidence):
    proof = run_fixed(
        "KMP306_bad.py", "fork", tmp_path, evidence, "fix: no AttributeError", backend="jax"
    )
    errors = proof.result["errors"]
    assert "fit_generator" not in errors and "evaluate_generator" not in errors, proof.describe()
    # predict_generator's worker arguments cannot move: the loader is shared with launches that
    # pass none, so that call keeps its finding (without a fix) and still fails the same way.
    assert errors["predict_generator"]["type"] == "AttributeError", proof.describe()
    fixed = Path(tmp_path / "KMP306_bad.py")
    left = analyze_file(str(fixed), proof_fixture("KMP306_bad.py").options)
    assert [(f.code, f.fix) for f in left] == [("KMP306", None)]


@pytest.mark.parametrize("script", ["KMP501_bad.py", "KMP502_bad.py"])
def test_kmp501_kmp502_fixed_proofs_start_the_workers(script, tmp_path, evidence):
    proof = run_fixed(script, "fork", tmp_path, evidence, "fix: worker processes, no warning")
    assert proof.result["warnings"] == [], proof.describe()
    assert_in_workers(proof)
    assert (proof.result["workers"], proof.result["use_multiprocessing"]) == (2, True), proof.describe()


def test_kmp307_fixed_proof_rejects_the_spelling_that_turned_processes_on(tmp_path, evidence):
    path = str(fixed_copy("KMP307_bad.py", tmp_path))
    proof = finished(run(path, "fork"))
    rejected = proof.result.get("rejected")
    evidence.record(
        "KMP307", "bad, fixed by keras-mp-lint --fix --unsafe-fixes (KMP307_bad.py)", "fork",
        f"'--multiprocessing False': {rejected}", "fix: the spelling is an error, no pool starts",
        agrees=bool(rejected) and not proof.batches, run=proof, script="KMP307_bad.py (fixed)",
    )
    assert rejected and "unrecognized arguments: False" in rejected[0], proof.describe()
    assert proof.batches == [], proof.describe()
