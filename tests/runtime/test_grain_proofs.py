"""grain's multiprocessing prefetch, executed with the program's start method set to fork and to
spawn: grain spawns its workers and pickles transforms with cloudpickle either way.

Without grain (``pip install -e ".[torch-proofs]"``) every test records "not run" and is skipped.
"""

from __future__ import annotations

import importlib.util

import pytest

from tests.runtime.harness import ProofRun, run_proof

pytestmark = pytest.mark.runtime

METHODS = ["fork", "spawn"]  # the start method the program sets; grain's workers spawn anyway

CASES = {
    # case: (rule, what, error fragment or None, distinct values of 16 or None)
    "lambda_map": ("KMP201", "ok: .map(lambda ...)", None, 8),
    "local_transform": ("KMP201", "ok: a local MapTransform class", None, 8),
    "main_only_global": ("KMP102", "ok: the transform reads a name bound under the main guard", None, 8),
    "file_transform": ("KMP202", "ok: an open file on the transform", None, 1),
    "lock_transform": ("KMP202", "bad: a threading.Lock on the transform", "cannot pickle '_thread.lock' object", None),
    "generator_transform": ("KMP202", "bad: a generator object on the transform", "cannot pickle 'generator' object", None),
    "rng_on_transform": ("KMP402", "bad: np.random.default_rng(0) made in __init__", None, 4),
    "np_global_seeded": ("KMP402", "bad: np.random.seed(0) at import time, np.random in map", None, 4),
    "np_global": ("KMP402", "ok: np.random in map, no import-time seed", None, 16),
    "pool_transform": ("KMP202", "bad: a multiprocessing.Pool on the transform", "pool objects cannot be passed between processes or pickled", None),
    "thread_pool_transform": ("KMP202", "bad: a ThreadPool on the transform", "pool objects cannot be passed between processes or pickled", None),
    "executor_transform": ("KMP202", "bad: a ThreadPoolExecutor on the transform", "cannot pickle '_queue.SimpleQueue' object", None),
    "process_executor_transform": ("KMP202", "bad: a ProcessPoolExecutor on the transform", "cannot pickle '_thread.lock' object", None),
    "pool_in_map": ("KMP304", "bad: map makes a multiprocessing.Pool", "daemonic processes are not allowed to have children", None),
    "process_executor_in_map": ("KMP304", "bad: map makes a ProcessPoolExecutor", "daemonic processes are not allowed to have children", None),
    "thread_pool_in_map": ("KMP304", "ok: map makes a ThreadPool", None, 8),
}


def run(evidence, rule, label, script, method, *args, spec="") -> ProofRun:
    if importlib.util.find_spec("grain") is None:
        reason = "needs grain (pip install -e \".[torch-proofs]\"), not installed"
        evidence.record(rule, label, method, f"not run: {reason}", spec, agrees=None, script=script)
        pytest.skip(reason)
    proof = run_proof(script, method, timeout=180.0, args=args)
    assert not proof.timed_out and proof.returncode == 0 and proof.result is not None, proof.describe()
    return proof


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_grain_transform(case, method, evidence):
    rule, what, fragment, distinct = CASES[case]
    spec = f"fails: {fragment}" if fragment else f"runs: {distinct} distinct of 16 values"
    label = f"grain {what}"
    proof = run(evidence, rule, label, "grain_transforms.py", method, case, spec=spec)
    if fragment:
        agrees = proof.error is not None and fragment in proof.error["message"]
        observed = proof.error_text.splitlines()[0][:300] if proof.error else "ran"
    else:
        agrees = proof.error is None and len(proof.batches) == 16 and proof.result["distinct"] == distinct
        observed = proof.error_text or f"{len(proof.batches)} values, {proof.result['distinct']} distinct"
    evidence.record(rule, label, method, observed, spec, agrees=agrees, run=proof)
    assert agrees, proof.describe()
