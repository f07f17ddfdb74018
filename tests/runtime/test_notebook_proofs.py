"""KMP203: a data loader defined in a notebook cell, executed for real.

Each test executes a notebook of ``proofs/`` with nbclient on an ipykernel of the test's own
interpreter (``tests/runtime/notebook_runner.py``), the start method set by the first cell from
``KMP_START_METHOD``, ``KERAS_BACKEND=numpy``; it records what it observed for
``docs/evidence.md`` and asserts what the spec ("Code that is not a file") states: the class
defined in a cell hangs the predict cell under spawn and forkserver, every worker failing with
``AttributeError: Can't get attribute``, and works under fork; imported from a module beside the
notebook it works under all three. A hung kernel is killed with its process group.
"""

from __future__ import annotations

import multiprocessing

import pytest

from tests.runtime.harness import ProofRun, run_notebook
from tests.runtime.test_runtime_proofs import ALL, PICKLING, assert_hang, finished, hang_text, where

pytestmark = pytest.mark.runtime

NOTEBOOK_HANG_TIMEOUT = 30.0  # a clean run takes 4-8 s here, kernel start included; the hang never ends
MISSING_CLASS = "AttributeError: Can't get attribute 'Batches' on <module '__main__' (built-in)>"
SPEC_HANG = f"{MISSING_CLASS} in every worker; the cell never returns"


def run(notebook: str, method: str, timeout: float = 90.0, beside: tuple[str, ...] = ()) -> ProofRun:
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"start method {method!r} is not available on this platform")
    return run_notebook(notebook, method, timeout=timeout, beside=beside)


def assert_predicted_in_workers(proof: ProofRun) -> None:
    assert sorted(int(row[0]) for row in proof.batches) == [0, 1, 2, 3], proof.describe()
    assert proof.worker_pids and proof.parent_pid not in proof.batch_pids, proof.describe()


@pytest.mark.parametrize("method", PICKLING)
def test_kmp203_loader_defined_in_a_cell_hangs(method, evidence):
    proof = run("KMP203_bad.ipynb", method, timeout=NOTEBOOK_HANG_TIMEOUT)
    failures = proof.stderr.count(MISSING_CLASS) + proof.stdout.count(MISSING_CLASS)
    evidence.record(
        "KMP203", "bad: PyDataset defined in a notebook cell, executed on an ipykernel", method,
        f"hang: the predict cell did not return within {NOTEBOOK_HANG_TIMEOUT:.0f} s (kernel killed); "
        f"{failures} workers failed with {MISSING_CLASS}"
        if proof.timed_out
        else hang_text(proof),
        SPEC_HANG, agrees=proof.timed_out and failures >= 1, run=proof,
    )
    assert_hang(proof, "the predict cell should never return")
    assert failures >= 1, proof.describe()


def test_kmp203_loader_defined_in_a_cell_works_under_fork(evidence):
    proof = finished(run("KMP203_bad.ipynb", "fork"))
    evidence.record(
        "KMP203", "bad: PyDataset defined in a notebook cell, executed on an ipykernel", "fork",
        f"runs: {where(proof)} (fork copies the kernel, nothing is imported)",
        "works under fork", agrees=True, run=proof,
    )
    assert_predicted_in_workers(proof)


@pytest.mark.parametrize("method", ALL)
def test_kmp203_fix_loader_imported_from_a_module(method, evidence):
    proof = finished(run("KMP203_good.ipynb", method, beside=("KMP203_loaders.py",)))
    evidence.record(
        "KMP203", "good: the same PyDataset imported from a .py module beside the notebook", method,
        where(proof), "fix: works under all three", agrees=True, run=proof, script="KMP203_good.ipynb",
    )
    assert MISSING_CLASS not in proof.stderr, proof.describe()
    assert_predicted_in_workers(proof)
