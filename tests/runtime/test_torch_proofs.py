"""torch DataLoader hazards, executed on a CPU build of torch under fork, spawn and forkserver.

Each test runs one case of a ``proofs/torch_*.py`` script in a subprocess, records what it
observed for ``docs/evidence.md`` and asserts what RULES-SPEC.md's "Other pipelines" section
states. Without torch (``pip install -e ".[torch-proofs]"``) every test records "not run" and is
skipped.
"""

from __future__ import annotations

import importlib.util
import multiprocessing
from collections import Counter

import pytest

from tests.runtime.harness import ProofRun, run_notebook, run_proof

pytestmark = pytest.mark.runtime

ALL = ["fork", "spawn", "forkserver"]
PICKLING = ["spawn", "forkserver"]


@pytest.fixture
def torch_run(evidence):
    """run(rule, case label, script, method, *args) -> ProofRun, or skip (recorded) without torch."""

    def run(rule: str, label: str, script: str, method: str, *args: str, spec: str = "") -> ProofRun:
        if importlib.util.find_spec("torch") is None:
            reason = "needs torch (a CPU build: pip install -e \".[torch-proofs]\"), not installed"
            evidence.record(rule, label, method, f"not run: {reason}", spec, agrees=None, script=script)
            pytest.skip(reason)
        if method not in multiprocessing.get_all_start_methods():
            pytest.skip(f"start method {method!r} is not available on this platform")
        return run_proof(script, method, timeout=120.0, args=args)

    return run


def finished(proof: ProofRun) -> ProofRun:
    assert not proof.timed_out, proof.describe()
    assert proof.returncode == 0, proof.describe()
    assert proof.result is not None, proof.describe()
    return proof


def summary(proof: ProofRun) -> str:
    if proof.error:
        return proof.error_text.splitlines()[0][:300]
    rows = proof.batches
    workers = len({int(row[1]) for row in rows} - {proof.parent_pid})
    return f"{len(rows)} items from {workers} worker processes"


# --- what the DataLoader pickles into spawn/forkserver workers -------------------------------

PICKLE_FAILURES = {
    # case: (rule, what, exception type, message fragment)
    "lambda_attribute": ("KMP201", "self.post = lambda", "AttributeError", "Can't pickle local object 'build.<locals>.<lambda>'"),
    "nested_attribute": ("KMP201", "self.post = nested function", "AttributeError", "Can't pickle local object 'build.<locals>.double'"),
    "local_class_attribute": ("KMP201", "self.post = instance of a local class", "AttributeError", "Can't pickle local object 'build.<locals>.Doubler'"),
    "local_dataset_class": ("KMP204", "Dataset class defined in a function", "AttributeError", "Can't pickle local object 'build.<locals>.LocalRows'"),
    "lock_attribute": ("KMP202", "self.lock = threading.Lock()", "TypeError", "cannot pickle '_thread.lock' object"),
    "file_attribute": ("KMP202", "self.handle = open(path)", "TypeError", "cannot pickle '_io.TextIOWrapper' object"),
    "generator_attribute": ("KMP202", "self.stream = a generator", "TypeError", "cannot pickle 'generator' object"),
    "lmdb_attribute": ("KMP202", "self.env = lmdb.open(folder)", "TypeError", "cannot pickle 'Environment' object"),
    "collate_lambda": ("KMP601", "collate_fn=lambda", "AttributeError", "Can't pickle local object 'build.<locals>.<lambda>'"),
    "worker_init_nested": ("KMP601", "worker_init_fn=nested function", "AttributeError", "Can't pickle local object 'build.<locals>.init'"),
    "collate_bound_unpicklable": ("KMP601", "collate_fn=bound method of an object holding a lock", "TypeError", "cannot pickle '_thread.lock' object"),
}
# Cases that need a package besides torch (declared in the torch-proofs extra too).
NEEDS = {"lmdb_attribute": "lmdb"}
PICKLE_SILENT = {
    "sampler_local": ("KMP601", "sampler=instance of a local class (the sampler stays in the parent)"),
    "collate_partial": ("KMP601", "collate_fn=functools.partial of a module-level function"),
    "collate_bound_dataset": ("KMP601", "collate_fn=bound method of a picklable dataset"),
    "lazy_open": ("KMP202", "file opened lazily in __getitem__"),
    "plain": ("KMP201", "module-level classes and functions only"),
}


@pytest.mark.parametrize("method", ALL)
@pytest.mark.parametrize("case", sorted(PICKLE_FAILURES))
def test_torch_pickled_hazard(case, method, torch_run, evidence):
    rule, what, exc_type, fragment = PICKLE_FAILURES[case]
    spec = f"spawn/forkserver: {exc_type}: {fragment}; fork: runs"
    needed = NEEDS.get(case)
    if needed and importlib.util.find_spec(needed) is None:
        reason = f"needs {needed} (pip install -e \".[torch-proofs]\"), not installed"
        evidence.record(rule, f"torch bad: {what}", method, f"not run: {reason}", spec, agrees=None,
                        script="torch_pickled_dataset.py")
        pytest.skip(reason)
    proof = finished(torch_run(rule, f"torch bad: {what}", "torch_pickled_dataset.py", method, case, spec=spec))
    observed = summary(proof)
    if method in PICKLING:
        agrees = proof.error is not None and proof.error["type"] == exc_type and fragment in proof.error["message"]
    else:
        agrees = proof.error is None and len(proof.batches) == 16
    evidence.record(rule, f"torch bad: {what}", method, observed, spec, agrees=agrees, run=proof)
    assert agrees, proof.describe()


@pytest.mark.parametrize("method", ALL)
@pytest.mark.parametrize("case", sorted(PICKLE_SILENT))
def test_torch_pickled_near_miss_runs(case, method, torch_run, evidence):
    rule, what = PICKLE_SILENT[case]
    spec = "runs under every start method (silent)"
    proof = finished(torch_run(rule, f"torch ok: {what}", "torch_pickled_dataset.py", method, case, spec=spec))
    agrees = proof.error is None and len(proof.batches) == 16 and proof.worker_pids != set()
    evidence.record(rule, f"torch ok: {what}", method, summary(proof), spec, agrees=agrees, run=proof)
    assert agrees, proof.describe()


# --- random streams ------------------------------------------------------------------------

RANDOM_CASES = {
    # case: (rule, what, distinct values of 16 draws expected)
    "np_global": ("KMP402", "np.random.random() in __getitem__", 16),
    "np_global_seeded": ("KMP402", "np.random.seed(0) at import time, np.random.random()", 16),
    "random_module": ("KMP402", "random.random() in __getitem__", 16),
    "rng_on_self": ("KMP402", "self.rng = np.random.default_rng(0) in __init__", 4),
    "random_state_on_self": ("KMP402", "self.rng = np.random.RandomState(0) in __init__", 4),
    "rng_per_worker": ("KMP402", "generator made per worker in worker_init_fn", 16),
    "seed_in_worker_init": ("KMP603", "worker_init_fn calls np.random.seed(0)", 4),
}


@pytest.mark.parametrize("method", ALL)
@pytest.mark.parametrize("case", sorted(RANDOM_CASES))
def test_torch_random_streams(case, method, torch_run, evidence):
    rule, what, expected = RANDOM_CASES[case]
    spec = f"{expected} distinct of 16 draws (2 workers, 2 epochs)"
    proof = finished(torch_run(rule, f"torch: {what}", "torch_random_streams.py", method, case, spec=spec))
    distinct = proof.result["distinct"]
    agrees = proof.error is None and proof.result["draws"] == 16 and distinct == expected
    evidence.record(rule, f"torch: {what}", method, f"{distinct} distinct of {proof.result['draws']} draws", spec, agrees=agrees, run=proof)
    assert agrees, proof.describe()


# --- IterableDataset sharding --------------------------------------------------------------


@pytest.mark.parametrize("method", ALL)
@pytest.mark.parametrize("case", ["unsharded", "sharded"])
def test_torch_iterable_dataset_sharding(case, method, torch_run, evidence):
    spec = "unsharded: 8 items, 2 workers -> 16 out, each twice; sharded: 8 out, each once"
    label = f"torch {'bad' if case == 'unsharded' else 'good'}: IterableDataset {case}"
    proof = finished(torch_run("KMP602", label, "torch_iterable_sharding.py", method, case, spec=spec))
    counts = Counter(int(row[0]) for row in proof.batches)
    times = 2 if case == "unsharded" else 1
    agrees = proof.error is None and sorted(counts) == list(range(8)) and set(counts.values()) == {times}
    observed = f"{len(proof.batches)} items out, each of 8 {sorted(set(counts.values()))} times"
    evidence.record("KMP602", label, method, observed, spec, agrees=agrees, run=proof)
    assert agrees, proof.describe()


def _unsharded_proof_fixed(folder) -> str:
    """``proofs/torch_iterable_sharding.py`` with only its unsharded dataset (the sharded one and
    the import of get_worker_info removed, so KMP602 reports Items), fixed by ``--fix
    --unsafe-fixes``; written to ``folder``, its path returned."""
    import ast
    from pathlib import Path

    from pylint_keras_mp.config import Options
    from pylint_keras_mp.engine import analyze
    from pylint_keras_mp.fixing import fix_source
    from tests.runtime.harness import PROOFS

    source = (PROOFS / "torch_iterable_sharding.py").read_text(encoding="utf-8")
    lines = source.splitlines(keepends=True)
    sharded = next(
        node for node in ast.parse(source).body if isinstance(node, ast.ClassDef) and node.name == "ShardedItems"
    )
    del lines[sharded.lineno - 1 : sharded.end_lineno]
    source = "".join(lines).replace(", get_worker_info", "")
    source = source.replace('Items(8) if case == "unsharded" else ShardedItems(8)', "Items(8)")
    assert [f.code for f in analyze(source, "unsharded.py", Options())] == ["KMP602"]
    fixed = fix_source(source, "unsharded.py", Options(), unsafe=True).source
    assert "get_worker_info()" in fixed and [f.code for f in analyze(fixed, "unsharded.py", Options())] == []
    path = Path(folder) / "unsharded_fixed.py"
    path.write_text(fixed, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("method", ALL)
def test_torch_iterable_dataset_fixed_by_kmp602_fix(method, evidence, tmp_path):
    """The KMP602 fix (unsafe) on the proof's unsharded IterableDataset: 8 items out, each once."""
    from tests.runtime.harness import _run

    spec = "KMP602 fix applied: 8 items, 2 workers -> 8 out, each once"
    label = "torch fixed: IterableDataset unsharded, after the KMP602 fix"
    if importlib.util.find_spec("torch") is None:
        reason = "needs torch (a CPU build: pip install -e \".[torch-proofs]\"), not installed"
        evidence.record("KMP602", label, method, f"not run: {reason}", spec, agrees=None)
        pytest.skip(reason)
    script = _unsharded_proof_fixed(tmp_path)
    proof = finished(_run("torch_iterable_sharding.py (fixed)", method, 120.0, [script, method, "unsharded"]))
    counts = Counter(int(row[0]) for row in proof.batches)
    workers = {int(row[1]) for row in proof.batches} - {proof.parent_pid}
    agrees = proof.error is None and sorted(counts) == list(range(8)) and set(counts.values()) == {1} and len(workers) == 2
    observed = f"{len(proof.batches)} items out from {len(workers)} workers, each of 8 {sorted(set(counts.values()))} times"
    evidence.record("KMP602", label, method, observed, spec, agrees=agrees, run=proof)
    assert agrees, proof.describe()


# --- worker-local writes and names bound under the main guard ------------------------------


@pytest.mark.parametrize("method", ALL)
def test_torch_global_write_never_reaches_the_parent(method, torch_run, evidence):
    spec = "SEEN stays [] in the parent"
    proof = finished(torch_run("KMP101", "torch bad: SEEN.append(index)", "torch_worker_globals.py", method, "global_write", spec=spec))
    agrees = proof.error is None and len(proof.batches) == 6 and proof.result["seen"] == []
    evidence.record("KMP101", "torch bad: SEEN.append(index)", method, f"parent SEEN == {proof.result['seen']} after {summary(proof)}", spec, agrees=agrees, run=proof)
    assert agrees, proof.describe()


@pytest.mark.parametrize("method", ALL)
def test_torch_state_write_is_lost(method, torch_run, evidence):
    spec = "self.calls stays 0 in the parent"
    proof = finished(torch_run("KMP401", "torch bad: self.calls += 1", "torch_worker_globals.py", method, "state_write", spec=spec))
    agrees = proof.error is None and len(proof.batches) == 6 and proof.result["calls"] == 0
    evidence.record("KMP401", "torch bad: self.calls += 1", method, f"parent calls == {proof.result['calls']} after {summary(proof)}", spec, agrees=agrees, run=proof)
    assert agrees, proof.describe()


@pytest.mark.parametrize("method", ALL)
def test_torch_main_only_global(method, torch_run, evidence):
    spec = "spawn/forkserver: NameError: name 'SCALE' is not defined; fork: runs"
    proof = finished(torch_run("KMP102", "torch bad: SCALE bound under the main guard", "torch_worker_globals.py", method, "main_only_global", spec=spec))
    if method in PICKLING:
        agrees = proof.error is not None and "name 'SCALE' is not defined" in proof.error["message"]
    else:
        agrees = proof.error is None and len(proof.batches) == 6
    evidence.record("KMP102", "torch bad: SCALE bound under the main guard", method, summary(proof), spec, agrees=agrees, run=proof)
    assert agrees, proof.describe()


# --- no main guard -------------------------------------------------------------------------


@pytest.mark.parametrize("method", ALL)
def test_torch_iteration_without_main_guard(method, torch_run, evidence):
    spec = "spawn/forkserver: RuntimeError: DataLoader worker (pid(s) ...) exited unexpectedly; fork: runs"
    proof = finished(torch_run("KMP301", "torch bad: DataLoader iterated at import time", "torch_no_main_guard.py", method, spec=spec))
    if method in PICKLING:
        agrees = proof.error is not None and "exited unexpectedly" in proof.error["message"]
    else:
        agrees = proof.error is None and len(proof.batches) == 4
    evidence.record("KMP301", "torch bad: DataLoader iterated at import time", method, summary(proof), spec, agrees=agrees, run=proof)
    assert agrees, proof.describe()


# --- through Keras 3 fit (KERAS_BACKEND=torch) ---------------------------------------------

FIT_CASES = {
    "lambda_attribute": ("KMP201", "fit on a DataLoader whose Dataset stores a lambda", "Can't pickle local object"),
    "collate_lambda": ("KMP601", "fit on a DataLoader with collate_fn=lambda", "Can't pickle local object"),
    "plain": ("KMP601", "fit on a DataLoader of module-level functions", None),
}


@pytest.mark.parametrize("method", ALL)
@pytest.mark.parametrize("case", sorted(FIT_CASES))
def test_torch_hazards_pass_through_keras_fit(case, method, torch_run, evidence):
    rule, what, fragment = FIT_CASES[case]
    spec = f"spawn/forkserver: {fragment} from model.fit; fork: trains" if fragment else "trains 2 epochs everywhere"
    proof = finished(torch_run(rule, f"keras fit (torch backend): {what}", "torch_keras_fit.py", method, case, spec=spec))
    if fragment and method in PICKLING:
        agrees = proof.error is not None and fragment in proof.error["message"]
    else:
        agrees = proof.error is None and proof.result.get("epochs") == 2
    observed = proof.error_text.splitlines()[0][:300] if proof.error else f"trained {proof.result.get('epochs')} epochs"
    evidence.record(rule, f"keras fit (torch backend): {what}", method, observed, spec, agrees=agrees, run=proof)
    assert agrees, proof.describe()


# --- a Dataset defined in a notebook cell (nbclient on an ipykernel) -----------------------

MISSING_ROWS = "Can't get attribute 'Rows' on <module '__main__'"


@pytest.mark.parametrize("method", ALL)
def test_torch_dataset_defined_in_a_notebook(method, evidence):
    label = "torch bad: Dataset defined in a notebook cell, DataLoader(num_workers=2), on an ipykernel"
    spec = "spawn/forkserver: an error (Can't get attribute 'Rows' ..., then DataLoader worker ... exited unexpectedly), not a hang; fork: runs"
    if importlib.util.find_spec("torch") is None:
        reason = "needs torch (a CPU build), not installed"
        evidence.record("KMP203", label, method, f"not run: {reason}", spec, agrees=None, script="torch_notebook_dataset.ipynb")
        pytest.skip(reason)
    proof = run_notebook("torch_notebook_dataset.ipynb", method, timeout=120.0)
    assert not proof.timed_out and proof.result is not None, proof.describe()
    failures = proof.stderr.count(MISSING_ROWS) + proof.stdout.count(MISSING_ROWS)
    if method in PICKLING:
        agrees = (
            proof.error is not None and "exited unexpectedly" in proof.error["message"] and failures >= 1
        )
        observed = f"{proof.error_text.splitlines()[0][:200] if proof.error else 'ran'}; {failures} workers failed with {MISSING_ROWS}'"
    else:
        agrees = proof.error is None and len(proof.batches) == 4
        observed = summary(proof)
    evidence.record("KMP203", label, method, observed, spec, agrees=agrees, run=proof, script="torch_notebook_dataset.ipynb")
    assert agrees, proof.describe()
