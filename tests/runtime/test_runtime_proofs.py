"""Every rule's hazard and fix, executed under real Keras 3 and real multiprocessing.

Each test runs one script of ``proofs/`` in a subprocess (``KERAS_BACKEND=numpy``; ``predict``
over a ``PyDataset`` drives the same ``OrderedEnqueuer`` pool that ``fit`` uses) with the start
method given on its command line, records what it observed for ``docs/evidence.md``, then
asserts the symptom the spec (``RULES-SPEC.md``) states: the exception, the hang, or the wrong
data. Fixed versions must run clean under the same start method and return the right data.

The proof scripts are also linted by ``tests/test_fixtures.py`` (``# expect:`` comments).
"""

from __future__ import annotations

import importlib.util
import multiprocessing
from collections import Counter

import pytest

from tests.runtime.harness import ProofRun, run_proof

pytestmark = pytest.mark.runtime

PICKLING = ["spawn", "forkserver"]  # the start methods that pickle the loader into the workers
ALL = ["fork", "spawn", "forkserver"]
# A missing main guard hangs forever; the proof is stopped once its output shows the workers'
# RuntimeError (HANG_SETTLE seconds later), and HANG_TIMEOUT only bounds a machine under load.
HANG_TIMEOUT = 300.0
HANG_SETTLE = 3.0
BOOTSTRAP_ERROR = "finished its bootstrapping phase"
TF_KERAS_HANG_TIMEOUT = 30.0  # tf-keras takes ~12 s to finish a clean spawn run here; a hang outlasts 30 s
TF_KERAS_HANG_SETTLE = 10.0  # tf-keras's worker raises in a thread and stays; its parent never returns


def run(script: str, method: str, timeout: float = 90.0, **waiting) -> ProofRun:
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"start method {method!r} is not available on this platform")
    return run_proof(script, method, timeout=timeout, **waiting)


def bootstrap_errors(at_least: int):
    """``hung`` for run_proof: the workers printed the bootstrapping RuntimeError this often (the
    pool respawns dying workers, so the parent can no longer finish)."""
    return lambda stdout, stderr: stderr.count(BOOTSTRAP_ERROR) >= at_least


def finished(proof: ProofRun) -> ProofRun:
    """The proof ran to its RESULT line (no hang, no crash outside the reported call)."""
    assert not proof.timed_out, proof.describe()
    assert proof.returncode == 0, proof.describe()
    assert proof.result is not None, proof.describe()
    return proof


def indices(rows) -> list[int]:
    return [int(row[0]) for row in rows]


def pids(rows) -> set[int]:
    return {int(row[1]) for row in rows}


def values(rows) -> list[float]:
    return [round(float(row[2]), 6) for row in rows]


def where(proof: ProofRun, rows=None) -> str:
    """"6 batches in 2 worker processes" / "4 batches, all in the parent process"."""
    rows = proof.batches if rows is None else rows
    loaders = pids(rows)
    if loaders == {proof.parent_pid}:
        return f"{len(rows)} batches, all in the parent process"
    workers = len(loaders - {proof.parent_pid})
    extra = " and the parent" if proof.parent_pid in loaders else ""
    return f"{len(rows)} batches in {workers} worker process{'es' if workers > 1 else ''}{extra}"


def assert_in_workers(proof: ProofRun, rows=None) -> None:
    rows = proof.batches if rows is None else rows
    loaders = pids(rows)
    assert loaders, proof.describe()
    assert proof.parent_pid not in loaders, "a batch was loaded in the parent:\n" + proof.describe()


def assert_in_parent(proof: ProofRun, rows=None) -> None:
    rows = proof.batches if rows is None else rows
    assert rows, proof.describe()
    assert pids(rows) == {proof.parent_pid}, "a batch was loaded outside the parent:\n" + proof.describe()


def assert_error(proof: ProofRun, exc_type: str, fragment: str) -> None:
    error = proof.error
    assert error is not None, f"expected {exc_type}: {fragment!r}, got none:\n" + proof.describe()
    assert error["type"] == exc_type, proof.describe()
    assert fragment in error["message"], proof.describe()


def assert_clean_run(proof: ProofRun, expected_values: list[float]) -> None:
    """No error, every batch loaded in a worker, and the right data."""
    assert proof.error is None, proof.describe()
    assert_in_workers(proof)
    assert values(proof.batches) == expected_values, proof.describe()


def hang_text(proof: ProofRun, detail: str = "") -> str:
    """"hang: killed after N s; <detail>", or how the proof ended instead of hanging."""
    if proof.timed_out:
        return f"hang: killed after {proof.seconds:.0f} s" + (f"; {detail}" if detail else "")
    return f"finished (rc={proof.returncode}): {proof.error_text or where(proof)}"


def assert_hang(proof: ProofRun, why: str) -> None:
    assert proof.timed_out, f"{why}:\n" + proof.describe()
    assert proof.result is None, proof.describe()


def wrapped_by_tf_keras(proof: ProofRun, inner: str) -> bool:
    """tf-keras re-raises a worker's exception as ``UnknownError: Graph execution error ... <inner>``."""
    error = proof.error or {}
    return error.get("type") == "UnknownError" and inner in error.get("message", "")


def wrapped_text(proof: ProofRun, inner: str) -> str:
    if wrapped_by_tf_keras(proof, inner):
        return f"UnknownError: Graph execution error ... {inner}"
    return proof.error_text or where(proof)


def assert_wrapped_by_tf_keras(proof: ProofRun, inner: str) -> None:
    assert_error(proof, "UnknownError", "Graph execution error")
    assert inner in proof.error["message"], proof.describe()
    assert proof.batches == [], proof.describe()


def needs_tf_keras(evidence, rule: str, case: str, method: str, script: str, spec: str) -> None:
    """Keras 2 proofs need tensorflow + tf-keras, which CI does not install: record and skip."""
    missing = [name for name in ("tensorflow", "tf_keras") if importlib.util.find_spec(name) is None]
    if missing:
        reason = f"Keras 2 proof: needs {' and '.join(missing)} (tensorflow-cpu + tf-keras), not installed"
        evidence.record(rule, case, method, f"not run: {reason}", spec, agrees=None, script=script)
        pytest.skip(reason)


# --- KMP101 sequence-global-write ------------------------------------------------------------


@pytest.mark.parametrize("method", ALL)
def test_kmp101_global_write_never_reaches_the_parent(method, evidence):
    proof = finished(run("KMP101_bad.py", method))
    seen = proof.result["seen"]
    evidence.record(
        "KMP101", "bad: SEEN.append(index) in __getitem__", method,
        f"parent SEEN == {seen} after {where(proof)}",
        "SEEN stays [] under fork, spawn and forkserver",
        agrees=seen == [], run=proof,
    )
    assert sorted(indices(proof.batches)) == list(range(6)), proof.describe()
    assert_in_workers(proof)
    assert seen == [], proof.describe()


@pytest.mark.parametrize("method", ["fork"])
def test_kmp101_fix_collects_indices_from_the_batches(method, evidence):
    proof = finished(run("KMP101_good.py", method))
    seen = proof.result["seen"]
    evidence.record(
        "KMP101", "good: indices returned with the batches", method,
        f"parent sees {seen} from {where(proof)}", "fix: state returned to the parent",
        agrees=seen == list(range(6)), run=proof,
    )
    assert_in_workers(proof)
    assert seen == list(range(6)), proof.describe()


# --- KMP102 sequence-main-only-global --------------------------------------------------------


@pytest.mark.parametrize("method", PICKLING)
def test_kmp102_main_only_global_is_a_name_error_in_the_worker(method, evidence):
    proof = finished(run("KMP102_bad.py", method))
    evidence.record(
        "KMP102", "bad: SCALE bound only under the main guard", method,
        proof.error_text or where(proof), "NameError: name 'SCALE' is not defined",
        agrees=proof.error_text == "NameError: name 'SCALE' is not defined", run=proof,
    )
    assert_error(proof, "NameError", "name 'SCALE' is not defined")
    assert proof.batches == [], proof.describe()


def test_kmp102_main_only_global_works_under_fork(evidence):
    proof = finished(run("KMP102_bad.py", "fork"))
    evidence.record(
        "KMP102", "bad: SCALE bound only under the main guard", "fork",
        f"runs: {where(proof)}, values {values(proof.batches)} (fork copies the parent's globals)",
        "no symptom claimed under fork", agrees=None, run=proof,
        note="latent: the same script breaks as soon as the start method pickles (macOS, Windows, Python 3.14 Linux)",
    )
    assert_clean_run(proof, [0.0, 2.0, 4.0, 6.0])


@pytest.mark.parametrize("method", PICKLING)
def test_kmp102_fix_module_level_constant(method, evidence):
    proof = finished(run("KMP102_good.py", method))
    evidence.record(
        "KMP102", "good: SCALE bound at module level", method,
        f"{where(proof)}, values {values(proof.batches)}", "fix: runs clean",
        agrees=proof.error is None, run=proof,
    )
    assert_clean_run(proof, [0.0, 2.0, 4.0, 6.0])


@pytest.mark.parametrize("method", PICKLING)
def test_kmp102_main_only_global_is_wrapped_by_tf_keras(method, evidence):
    case = "bad (tf_keras): SCALE bound only under the main guard"
    spec = "NameError, wrapped by tf-keras in UnknownError: Graph execution error"
    needs_tf_keras(evidence, "KMP102", case, method, "KMP102_tfkeras_bad.py", spec)
    proof = finished(run("KMP102_tfkeras_bad.py", method))
    inner = "NameError: name 'SCALE' is not defined"
    evidence.record(
        "KMP102", case, method, wrapped_text(proof, inner), spec,
        agrees=wrapped_by_tf_keras(proof, inner), run=proof,
    )
    assert_wrapped_by_tf_keras(proof, inner)


# --- KMP201 sequence-lambda-attribute --------------------------------------------------------


@pytest.mark.parametrize("method", PICKLING)
def test_kmp201_lambda_attribute_cannot_be_pickled(method, evidence):
    proof = finished(run("KMP201_bad.py", method))
    expected = "AttributeError: Can't pickle local object 'Frames.__init__.<locals>.<lambda>'"
    evidence.record(
        "KMP201", "bad: self.post = lambda", method, proof.error_text or where(proof),
        "AttributeError: Can't pickle local object 'DS.__init__.<locals>.<lambda>'",
        agrees=proof.error_text == expected, run=proof,
    )
    assert_error(proof, "AttributeError", "Can't pickle local object 'Frames.__init__.<locals>.<lambda>'")
    assert proof.batches == [], proof.describe()


def test_kmp201_lambda_attribute_works_under_fork(evidence):
    proof = finished(run("KMP201_bad.py", "fork"))
    evidence.record(
        "KMP201", "bad: self.post = lambda", "fork",
        f"runs: {where(proof)} (fork copies the loader, nothing is pickled)",
        "no symptom claimed under fork", agrees=None, run=proof,
    )
    assert_clean_run(proof, [0.0, 2.0, 4.0, 6.0])


@pytest.mark.parametrize("method", PICKLING)
def test_kmp201_fix_partial_of_module_function(method, evidence):
    proof = finished(run("KMP201_good.py", method))
    evidence.record(
        "KMP201", "good: functools.partial of a module-level function", method,
        f"{where(proof)}, values {values(proof.batches)}", "fix: runs clean",
        agrees=proof.error is None, run=proof,
    )
    assert_clean_run(proof, [0.0, 2.0, 4.0, 6.0])


@pytest.mark.parametrize("method", PICKLING)
def test_kmp201_class_attribute_lambda_and_lock_are_not_pickled(method, evidence):
    proof = finished(run("KMP201_class_attribute_ok.py", method))
    evidence.record(
        "KMP201/KMP202", "ok: class-level lambda, staticmethod(lambda) and threading.Lock()", method,
        f"{where(proof)}, values {values(proof.batches)}",
        "silent by design: class attributes are not pickled with the instance",
        agrees=proof.error is None, run=proof,
        note="each worker rebuilds the class body on import, so a class-level lock is per process",
    )
    assert_clean_run(proof, [1.0, 3.0, 5.0, 7.0])


@pytest.mark.parametrize("method", PICKLING)
def test_kmp201_lambda_attribute_hangs_tf_keras(method, evidence):
    case = "bad (tf_keras): self.post = lambda"
    spec = "AttributeError: Can't pickle local object, printed in a background thread, then a hang"
    needs_tf_keras(evidence, "KMP201", case, method, "KMP201_tfkeras_bad.py", spec)
    proof = run("KMP201_tfkeras_bad.py", method, timeout=TF_KERAS_HANG_TIMEOUT)
    message = "AttributeError: Can't pickle local object 'Frames.__init__.<locals>.<lambda>'"
    printed = message in proof.stderr
    evidence.record(
        "KMP201", case, method, hang_text(proof, f"stderr: {message}" if printed else ""),
        spec, agrees=proof.timed_out and printed, run=proof,
    )
    assert printed, proof.describe()
    assert_hang(proof, "tf-keras should hang after the pickling error")


# --- KMP202 sequence-unpicklable-attribute ---------------------------------------------------


@pytest.mark.parametrize(
    "script, case, message",
    [
        ("KMP202_bad.py", "bad: generator object on self", "cannot pickle 'generator' object"),
        ("KMP202_file_bad.py", "bad: open() handle on self", "cannot pickle '_io.TextIOWrapper' object"),
        ("KMP202_lock_bad.py", "bad: threading.Lock() on self", "cannot pickle '_thread.lock' object"),
    ],
)
@pytest.mark.parametrize("method", PICKLING)
def test_kmp202_unpicklable_attribute_type_error(method, script, case, message, evidence):
    proof = finished(run(script, method))
    evidence.record(
        "KMP202", case, method, proof.error_text or where(proof), f"TypeError: {message}",
        agrees=proof.error_text == f"TypeError: {message}", run=proof,
    )
    assert_error(proof, "TypeError", message)
    assert proof.batches == [], proof.describe()


def test_kmp202_generator_attribute_repeats_data_under_fork(evidence):
    proof = finished(run("KMP202_bad.py", "fork"))
    rows = values(proof.batches)
    per_worker = Counter(int(row[1]) for row in proof.batches)
    evidence.record(
        "KMP202", "bad: generator object on self", "fork",
        f"rows {[int(v) for v in rows]} for indices {indices(proof.batches)} "
        f"({len(per_worker)} workers, each from row 0)",
        "generator silently repeats data (measured [0, 0, 1, 2, 3, 4])",
        agrees=len(set(rows)) < len(rows), run=proof,
    )
    assert proof.error is None, proof.describe()
    assert_in_workers(proof)
    assert indices(proof.batches) == list(range(6)), proof.describe()
    assert len(per_worker) == 2, "both workers must take batches for the proof to be meaningful\n" + proof.describe()
    # Each worker advances its own copy: every worker's rows are 0, 1, 2, ... in its own order.
    for pid in per_worker:
        own = [v for v, row in zip(rows, proof.batches) if int(row[1]) == pid]
        assert own == [float(i) for i in range(len(own))], proof.describe()
    assert rows != [float(i) for i in range(6)], proof.describe()
    assert rows.count(0.0) == 2, proof.describe()


@pytest.mark.parametrize("method", ALL)
def test_kmp202_fix_lazy_per_worker_open(method, evidence):
    proof = finished(run("KMP202_good.py", method))
    evidence.record(
        "KMP202", "good: path on self, file opened lazily per worker", method,
        f"{where(proof)}, rows {[int(v) for v in values(proof.batches)]}", "fix: correct rows",
        agrees=values(proof.batches) == [i * 10.0 for i in range(6)], run=proof,
    )
    assert proof.error is None, proof.describe()
    assert_in_workers(proof)
    assert indices(proof.batches) == list(range(6)), proof.describe()
    assert values(proof.batches) == [i * 10.0 for i in range(6)], proof.describe()


IMAGE_ITERATOR = "bad: ImageDataGenerator().flow() result fed to process workers"


@pytest.mark.parametrize("method", PICKLING)
def test_kmp202_image_iterator_holds_a_lock(method, evidence):
    proof = finished(run("KMP202_image_iterator_bad.py", method))
    message = "cannot pickle '_thread.lock' object"
    evidence.record(
        "KMP202", IMAGE_ITERATOR + " (Keras 3: workers/use_multiprocessing set on the flow() result)", method,
        proof.error_text or f"runs: values {proof.result['values']}", f"TypeError: {message}",
        agrees=proof.error_text == f"TypeError: {message}", run=proof,
    )
    assert_error(proof, "TypeError", message)
    assert proof.result["values"] == [], proof.describe()


@pytest.mark.parametrize("method", PICKLING)
def test_kmp202_image_iterator_tf_keras(method, evidence):
    case = "bad (tf_keras): ImageDataGenerator().flow() result, predict(workers=2, use_multiprocessing=True)"
    spec = "the iterator's lock cannot be pickled into the workers"
    needs_tf_keras(evidence, "KMP202", case, method, "KMP202_image_iterator_tfkeras_bad.py", spec)
    proof = run("KMP202_image_iterator_tfkeras_bad.py", method, timeout=TF_KERAS_HANG_TIMEOUT)
    message = "cannot pickle '_thread.lock' object"
    printed = message in proof.stderr
    if proof.timed_out:
        observed = hang_text(proof, f"stderr: TypeError: {message}" if printed else "nothing printed")
    else:
        observed = wrapped_text(proof, message)
    evidence.record(
        "KMP202", case, method, observed, spec,
        agrees=printed or message in proof.error_text, run=proof,
    )
    assert printed or message in proof.error_text, proof.describe()
    assert proof.result is None or proof.result["values"] == [], proof.describe()


# --- KMP204 function-local-loader-class ------------------------------------------------------


@pytest.mark.parametrize("method", PICKLING)
def test_kmp204_local_class_cannot_be_pickled(method, evidence):
    proof = finished(run("KMP204_bad.py", method))
    expected = "AttributeError: Can't pickle local object 'predict.<locals>.Batches'"
    evidence.record(
        "KMP204", "bad: PyDataset subclass defined inside predict()", method,
        proof.error_text or where(proof), expected,
        agrees=proof.error_text == expected, run=proof,
    )
    assert_error(proof, "AttributeError", "Can't pickle local object 'predict.<locals>.Batches'")
    assert proof.batches == [], proof.describe()


def test_kmp204_local_class_works_under_fork(evidence):
    proof = finished(run("KMP204_bad.py", "fork"))
    evidence.record(
        "KMP204", "bad: PyDataset subclass defined inside predict()", "fork",
        f"runs: {where(proof)} (fork copies the class, nothing is pickled)",
        "no symptom claimed under fork", agrees=None, run=proof,
        note="latent: the same script breaks as soon as the start method pickles (macOS, Windows, Python 3.14 Linux)",
    )
    assert proof.error is None, proof.describe()
    assert_in_workers(proof)
    assert sorted(indices(proof.batches)) == list(range(4)), proof.describe()


@pytest.mark.parametrize("method", ALL)
def test_kmp204_fix_module_level_class(method, evidence):
    proof = finished(run("KMP204_good.py", method))
    evidence.record(
        "KMP204", "good: the class at module level", method,
        proof.error_text or where(proof), "fix: runs clean",
        agrees=proof.error is None, run=proof,
    )
    assert proof.error is None, proof.describe()
    assert_in_workers(proof)
    assert sorted(indices(proof.batches)) == list(range(4)), proof.describe()


# --- KMP301 multiprocessing-launch-without-main-guard ----------------------------------------


@pytest.mark.parametrize("method", PICKLING)
def test_kmp301_missing_main_guard_hangs(method, evidence):
    proof = run(
        "KMP301_bad.py", method, timeout=HANG_TIMEOUT, hung=bootstrap_errors(2), settle=HANG_SETTLE
    )
    crashes = proof.stderr.count(BOOTSTRAP_ERROR)
    evidence.record(
        "KMP301", "bad: predict at module level", method,
        hang_text(
            proof,
            f"{crashes} workers died with RuntimeError '...before the current process has finished "
            "its bootstrapping phase' and were respawned",
        ),
        "RuntimeError (bootstrapping phase) in every worker, respawned; the parent hangs",
        agrees=proof.timed_out and crashes >= 2, run=proof,
    )
    assert_hang(proof, "the parent should hang")
    assert "RuntimeError" in proof.stderr, proof.describe()
    assert "An attempt has been made to start a new process" in proof.stderr, proof.describe()
    assert crashes >= 2, "the pool should keep respawning dying workers:\n" + proof.describe()


def test_kmp301_missing_main_guard_works_under_fork(evidence):
    proof = finished(run("KMP301_bad.py", "fork"))
    evidence.record(
        "KMP301", "bad: predict at module level", "fork",
        f"runs: {where(proof)} (fork does not re-import the script)",
        "no symptom claimed under fork", agrees=None, run=proof,
    )
    assert_in_workers(proof)
    assert indices(proof.batches) == list(range(4)), proof.describe()


@pytest.mark.parametrize("method", PICKLING)
def test_kmp301_fix_main_guard(method, evidence):
    proof = finished(run("KMP301_good.py", method))
    evidence.record(
        "KMP301", "good: predict under the main guard", method, where(proof), "fix: runs clean",
        agrees=True, run=proof,
    )
    assert "bootstrapping phase" not in proof.stderr, proof.describe()
    assert_in_workers(proof)
    assert indices(proof.batches) == list(range(4)), proof.describe()


@pytest.mark.parametrize("method", PICKLING)
def test_kmp301_missing_main_guard_hangs_tf_keras(method, evidence):
    case = "bad (tf_keras): predict at module level"
    spec = "RuntimeError (bootstrapping phase) in the workers; the parent hangs"
    needs_tf_keras(evidence, "KMP301", case, method, "KMP301_tfkeras_bad.py", spec)
    proof = run(
        "KMP301_tfkeras_bad.py", method, timeout=HANG_TIMEOUT, hung=bootstrap_errors(1),
        settle=TF_KERAS_HANG_SETTLE,
    )
    crashes = proof.stderr.count(BOOTSTRAP_ERROR)
    evidence.record(
        "KMP301", case, method,
        hang_text(
            proof,
            "RuntimeError '...before the current process has finished its bootstrapping phase' "
            f"printed {crashes} times, from a background thread of each worker",
        ),
        spec, agrees=proof.timed_out and crashes >= 1, run=proof,
        note="unlike Keras 3, tf-keras raises it in the re-imported worker's own enqueuer thread: the worker "
        "stays alive and hangs too, so the pool never respawns it",
    )
    assert_hang(proof, "the parent should hang")
    assert "An attempt has been made to start a new process" in proof.stderr, proof.describe()
    assert crashes >= 1, proof.describe()


# --- KMP302 generator-with-multiprocessing (Keras 2 only) ------------------------------------


KMP302_BAD = "bad (tf_keras): generator, workers=2, use_multiprocessing=True"


def test_kmp302_generator_duplicates_under_fork_keras2(evidence):
    needs_tf_keras(evidence, "KMP302", KMP302_BAD, "fork", "KMP302_bad.py",
                   "every worker yields the whole stream (duplicated data)")
    proof = finished(run("KMP302_bad.py", "fork"))
    evidence.record(
        "KMP302", KMP302_BAD, "fork",
        f"indices {indices(proof.batches)} from {where(proof)}",
        "every worker yields the whole stream (duplicated data)",
        agrees=len(set(indices(proof.batches))) < len(proof.batches), run=proof,
    )
    assert proof.error is None, proof.describe()
    assert len(set(indices(proof.batches))) < len(proof.batches), proof.describe()


def test_kmp302_generator_cannot_be_pickled_under_spawn_keras2(evidence):
    needs_tf_keras(evidence, "KMP302", KMP302_BAD, "spawn", "KMP302_bad.py",
                   "TypeError: cannot pickle 'generator' object, then a hang")
    proof = run("KMP302_bad.py", "spawn", timeout=TF_KERAS_HANG_TIMEOUT)
    printed = "cannot pickle 'generator' object" in proof.stderr + proof.stdout
    evidence.record(
        "KMP302", KMP302_BAD, "spawn",
        hang_text(proof, "stderr: cannot pickle 'generator' object" if printed else ""),
        "TypeError: cannot pickle 'generator' object, then a hang",
        agrees=proof.timed_out and printed, run=proof,
    )
    assert printed, proof.describe()
    assert_hang(proof, "tf-keras should hang after the pickling error")


def test_kmp302_generator_on_threads_is_not_thread_safe_keras2(evidence):
    case = "bad (tf_keras): generator, workers=2, use_multiprocessing=False (threads)"
    spec = "RuntimeError: Your generator is NOT thread-safe"
    needs_tf_keras(evidence, "KMP302", case, "fork", "KMP302_threads_bad.py", spec)
    proof = finished(run("KMP302_threads_bad.py", "fork"))
    evidence.record(
        "KMP302", case, "fork", wrapped_text(proof, spec), spec,
        agrees=wrapped_by_tf_keras(proof, spec), run=proof,
        note="threads: no process is started, so the start method plays no part",
    )
    assert_wrapped_by_tf_keras(proof, spec)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_kmp302_fix_sequence_keras2(method, evidence):
    needs_tf_keras(evidence, "KMP302", "good (tf_keras): a Sequence", method, "KMP302_good.py",
                   "fix: each index once")
    proof = finished(run("KMP302_good.py", method))
    evidence.record(
        "KMP302", "good (tf_keras): a Sequence", method, where(proof), "fix: each index once",
        agrees=indices(proof.batches) == list(range(6)), run=proof,
    )
    assert proof.error is None, proof.describe()
    assert_in_workers(proof)
    assert indices(proof.batches) == list(range(6)), proof.describe()


def test_kmp302_keras3_generator_with_worker_arguments_is_rejected(evidence):
    proof = finished(run("KMP305_generator_bad.py", "fork"))
    evidence.record(
        "KMP302", "Keras 3: a generator with workers/use_multiprocessing passed to predict", "fork",
        f"{proof.error_text}; without the arguments: {where(proof)}",
        "no Keras 3 claim (Keras 3 has no multiprocessing path for generators: the call is KMP305)",
        agrees=None, run=proof,
    )
    assert_error(proof, "TypeError", "unexpected keyword argument 'workers'")
    assert indices(proof.batches) == list(range(6)), proof.describe()
    assert_in_parent(proof)


# --- KMP303 ignored-worker-arguments ---------------------------------------------------------


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_kmp303_nonpositive_workers_load_in_the_main_thread(method, evidence):
    proof = finished(run("KMP303_bad.py", method))
    minus_one, zero = proof.batches, proof.result["batches_workers_0"]
    on_main = all(row[2] == 1.0 for row in minus_one + zero)
    evidence.record(
        "KMP303", "bad (Keras 3): workers=-1 / workers=0 with use_multiprocessing=True", method,
        f"workers=-1: {where(proof, minus_one)}; workers=0: {where(proof, zero)}"
        + ("; all on the main thread" if on_main else ""),
        "every batch loads in the main thread",
        agrees=pids(minus_one + zero) == {proof.parent_pid} and on_main, run=proof,
    )
    assert indices(minus_one) == list(range(4)) and indices(zero) == list(range(4)), proof.describe()
    assert_in_parent(proof, minus_one)
    assert_in_parent(proof, zero)
    assert on_main, proof.describe()


@pytest.mark.parametrize("method", ["fork"])
def test_kmp303_fix_positive_workers(method, evidence):
    proof = finished(run("KMP303_good.py", method))
    evidence.record(
        "KMP303", "good (Keras 3): workers=2, use_multiprocessing=True", method, where(proof),
        "fix: worker processes", agrees=proof.parent_pid not in proof.batch_pids, run=proof,
    )
    assert_in_workers(proof)
    assert indices(proof.batches) == list(range(4)), proof.describe()


@pytest.mark.parametrize("script, case", [("KMP303_tfdata_bad.py", "bad"), ("KMP303_tfdata_good.py", "good")])
def test_kmp303_tf_data_keras2(script, case, evidence):
    label = f"{case} (tf_keras): tf.data.Dataset"
    if case == "bad":
        label += " with workers=4, use_multiprocessing=True"
    needs_tf_keras(evidence, "KMP303", label, "fork", script,
                   "arguments silently ignored" if case == "bad" else "fix: tf.data parallelism")
    proof = finished(run(script, "fork"))
    evidence.record(
        "KMP303", label, "fork", f"{where(proof)}; {proof.result['children']} worker processes alive",
        "arguments silently ignored" if case == "bad" else "fix: tf.data parallelism",
        agrees=proof.batch_pids == {proof.parent_pid}, run=proof,
    )
    assert indices(proof.batches) == list(range(6)), proof.describe()
    assert_in_parent(proof)
    assert proof.result["children"] == 0, proof.describe()


# --- KMP304 pool-inside-worker ---------------------------------------------------------------


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_kmp304_pool_inside_worker(method, evidence):
    proof = finished(run("KMP304_bad.py", method))
    expected = "AssertionError: daemonic processes are not allowed to have children"
    evidence.record(
        "KMP304", "bad: multiprocessing.Pool in __getitem__", method, proof.error_text or where(proof),
        expected, agrees=proof.error_text == expected, run=proof,
    )
    assert_error(proof, "AssertionError", "daemonic processes are not allowed to have children")
    assert proof.batches == [], proof.describe()


@pytest.mark.parametrize("method", ["fork"])
def test_kmp304_fix_threads_inside_worker(method, evidence):
    proof = finished(run("KMP304_good.py", method))
    evidence.record(
        "KMP304", "good: ThreadPoolExecutor in __getitem__", method,
        f"{where(proof)}, values {values(proof.batches)}", "fix: runs clean",
        agrees=proof.error is None, run=proof,
    )
    assert_clean_run(proof, [0.0, 10.0, 20.0, 30.0])


# --- KMP305 worker-arguments-rejected-by-keras3 ----------------------------------------------


def test_kmp305_keras3_rejects_worker_arguments(evidence):
    proof = finished(run("KMP305_bad.py", "fork"))
    errors = proof.result["errors"]
    text = "; ".join(
        f"{name}: {err['type']}: {err['message']}" if err else f"{name}: no error"
        for name, err in ((name, errors.get(name)) for name in ("predict", "fit", "evaluate"))
    )
    evidence.record(
        "KMP305", "bad: workers=2, use_multiprocessing=True passed to predict/fit/evaluate", "fork", text,
        "fit/predict: TypeError ... unexpected keyword argument 'workers'; "
        "evaluate: ValueError: Arguments not recognized",
        agrees=all(name in errors for name in ("predict", "fit", "evaluate")), run=proof,
    )
    for name in ("predict", "fit"):
        assert errors.get(name), proof.describe()
        assert errors[name]["type"] == "TypeError", proof.describe()
        assert f"{name}() got an unexpected keyword argument 'workers'" in errors[name]["message"], proof.describe()
    assert errors.get("evaluate"), proof.describe()
    assert errors["evaluate"]["type"] == "ValueError", proof.describe()
    assert errors["evaluate"]["message"].startswith("Arguments not recognized: {"), proof.describe()
    assert "'workers': 2" in errors["evaluate"]["message"], proof.describe()


def test_kmp305_fix_arguments_on_the_loader(evidence):
    proof = finished(run("KMP305_good.py", "fork"))
    evidence.record(
        "KMP305", "good: workers/use_multiprocessing on the PyDataset constructor", "fork",
        f"predict: {where(proof)}; evaluate loss {proof.result['loss']}", "fix: worker processes",
        agrees=proof.error is None, run=proof,
    )
    assert proof.error is None, proof.describe()
    assert_in_workers(proof)
    assert indices(proof.batches) == list(range(4)), proof.describe()
    assert proof.result["loss"] == 0.0, proof.describe()


# --- KMP306 generator-method-removed-in-keras3 ----------------------------------------------

KMP306_METHODS = ("fit_generator", "evaluate_generator", "predict_generator")


def test_kmp306_generator_methods_raise_attribute_error_on_keras3(evidence):
    proof = finished(run("KMP306_bad.py", "fork"))
    errors = proof.result["errors"]
    text = "; ".join(
        f"{name}: {errors[name]['type']}: {errors[name]['message']}" if errors.get(name) else f"{name}: no error"
        for name in KMP306_METHODS
    )
    expected = {
        name: {"type": "AttributeError", "message": f"'Sequential' object has no attribute '{name}'"}
        for name in KMP306_METHODS
    }
    evidence.record(
        "KMP306", "bad: fit_generator/evaluate_generator/predict_generator on a Keras 3 model", "fork",
        text, "AttributeError: 'Sequential' object has no attribute 'fit_generator'",
        agrees=errors == expected, run=proof,
        note="no worker starts: the start method plays no part",
    )
    assert errors == expected, proof.describe()


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_kmp306_fix_evaluate_and_predict_take_the_loader(method, evidence):
    proof = finished(run("KMP306_good.py", method))
    evidence.record(
        "KMP306", "good: evaluate/predict with the same PyDataset, worker settings on its constructor",
        method, f"predict: {where(proof)}; evaluate loss {proof.result['loss']}", "fix: runs clean",
        agrees=proof.error is None and proof.parent_pid not in proof.batch_pids, run=proof,
    )
    assert proof.error is None, proof.describe()
    assert_in_workers(proof)
    assert indices(proof.batches) == list(range(4)), proof.describe()
    assert proof.result["loss"] == 0.0, proof.describe()


# --- KMP307 argparse-bool-worker-switch ------------------------------------------------------


@pytest.mark.parametrize("method", ALL)
def test_kmp307_type_bool_option_false_starts_worker_processes(method, evidence):
    proof = finished(run("KMP307_bad.py", method))
    parsed = proof.result.get("parsed")
    evidence.record(
        "KMP307", "bad: --multiprocessing False with type=bool", method,
        f"args.multiprocessing == {parsed}; {where(proof)}",
        "bool('False') is True: the pool starts",
        agrees=parsed is True and proof.parent_pid not in proof.batch_pids, run=proof,
    )
    assert parsed is True, proof.describe()
    assert_in_workers(proof)
    assert sorted(indices(proof.batches)) == list(range(4)), proof.describe()


@pytest.mark.parametrize("method", ALL)
def test_kmp307_fix_boolean_optional_action(method, evidence):
    proof = finished(run("KMP307_good.py", method))
    rejected = proof.result["old_spelling_rejected"]
    evidence.record(
        "KMP307", "good: action=argparse.BooleanOptionalAction, --no-multiprocessing", method,
        f"args.multiprocessing == {proof.result['parsed']}; {where(proof)}; "
        f"'--multiprocessing False' rejected: {rejected}",
        "fix: processes off when asked; the old spelling is an error",
        agrees=proof.result["parsed"] is False and rejected, run=proof,
    )
    assert proof.result["parsed"] is False, proof.describe()
    assert rejected, proof.describe()
    assert_in_parent(proof)


# --- KMP401 sequence-getitem-state-write -----------------------------------------------------


@pytest.mark.parametrize("method", ALL)
def test_kmp401_getitem_state_write_is_lost(method, evidence):
    proof = finished(run("KMP401_bad.py", method))
    calls = proof.result["calls"]
    worker_counts = {
        pid: max(int(row[2]) for row in proof.batches if int(row[1]) == pid) for pid in proof.batch_pids
    }
    evidence.record(
        "KMP401", "bad: self.calls += 1 in __getitem__", method,
        f"parent calls == {calls} after {where(proof)}; per-worker counts {sorted(worker_counts.values())}",
        "the parent keeps calls=0 after 6 batches", agrees=calls == 0, run=proof,
    )
    assert_in_workers(proof)
    assert indices(proof.batches) == list(range(6)), proof.describe()
    assert calls == 0, proof.describe()
    assert sum(worker_counts.values()) == 6, "each worker counts only its own batches:\n" + proof.describe()


@pytest.mark.parametrize("method", ["fork"])
def test_kmp401_fix_state_kept_in_the_parent(method, evidence):
    proof = finished(run("KMP401_good.py", method))
    evidence.record(
        "KMP401", "good: count in on_epoch_end (parent) and from the returned batches", method,
        f"{where(proof)}; parent calls == {proof.result['calls']}, epochs == {proof.result['epochs']}",
        "fix: parent state correct", agrees=proof.result["epochs"] == 1, run=proof,
    )
    assert_in_workers(proof)
    assert proof.result["calls"] == 6, proof.describe()
    assert proof.result["epochs"] == 1, proof.describe()


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_kmp401_iterator_on_self_is_replayed_by_every_worker(method, evidence):
    proof = finished(run("KMP401_iterator_bad.py", method))
    rows = [int(v) for v in values(proof.batches)]
    per_worker = {
        pid: [int(row[2]) for row in proof.batches if int(row[1]) == pid] for pid in proof.worker_pids
    }
    evidence.record(
        "KMP401", "bad: next(self.rows) on iter(range(6)) made in __init__", method,
        f"rows {rows} for indices {indices(proof.batches)} ({len(per_worker)} workers, each from row 0)",
        "each worker advances its own copy and replays the stream",
        agrees=len(set(rows)) < len(rows), run=proof,
    )
    assert_in_workers(proof)
    assert indices(proof.batches) == list(range(6)), proof.describe()
    assert len(per_worker) == 2, "both workers must take batches for the proof to be meaningful\n" + proof.describe()
    for own in per_worker.values():
        assert own == list(range(len(own))), proof.describe()
    assert rows.count(0) == 2, proof.describe()


# --- KMP402 sequence-unseeded-random ---------------------------------------------------------


def _draws(proof: ProofRun):
    first, second = proof.batches, proof.result["second_epoch"]
    return first, second, values(first), values(second)


def test_kmp402_unseeded_random_repeats_under_fork(evidence):
    proof = finished(run("KMP402_bad.py", "fork"))
    first, second, v1, v2 = _draws(proof)
    per_worker = Counter(int(row[1]) for row in first)
    evidence.record(
        "KMP402", "bad: np.random.uniform() in __getitem__", "fork",
        f"{len(set(v1))} distinct values out of {len(v1)} batches from {len(per_worker)} workers; "
        f"second epoch repeats them: {set(v1) <= set(v2) or set(v2) <= set(v1)}",
        "workers draw identical values (6 distinct of 12), the same again every epoch",
        agrees=len(set(v1)) < len(v1), run=proof,
    )
    assert_in_workers(proof)
    assert len(per_worker) == 2, "both workers must take batches for the proof to be meaningful\n" + proof.describe()
    assert len(set(v1)) < len(v1), proof.describe()
    # Both workers start from the same RNG state: the distinct values are exactly the draws of the
    # busiest worker, and every other worker's draws are a prefix of them.
    assert len(set(v1)) == max(per_worker.values()), proof.describe()
    assert set(v1) <= set(v2) or set(v2) <= set(v1), "the next epoch should redraw the same values\n" + proof.describe()


def test_kmp402_unseeded_random_is_distinct_under_spawn(evidence):
    proof = finished(run("KMP402_bad.py", "spawn"))
    first, second, v1, v2 = _draws(proof)
    evidence.record(
        "KMP402", "bad: np.random.uniform() in __getitem__", "spawn",
        f"{len(set(v1))} distinct values out of {len(v1)} batches; second epoch new values: {not set(v1) & set(v2)}",
        "no symptom claimed under spawn", agrees=None, run=proof,
        note="fork-only hazard: a freshly spawned worker re-imports numpy and gets a fresh seed",
    )
    assert_in_workers(proof)
    assert len(set(v1)) == len(v1), proof.describe()
    assert not set(v1) & set(v2), proof.describe()


@pytest.mark.parametrize("method", ["fork"])
def test_kmp402_fix_seed_per_epoch_and_index(method, evidence):
    proof = finished(run("KMP402_good.py", method))
    first, second, v1, v2 = _draws(proof)
    evidence.record(
        "KMP402", "good: default_rng([seed, epoch, index]) in __getitem__", method,
        f"{len(set(v1))} distinct values out of {len(v1)}; second epoch all new: {not set(v1) & set(v2)}",
        "fix: distinct draws", agrees=len(set(v1)) == len(v1), run=proof,
    )
    assert_in_workers(proof)
    assert len(set(v1)) == len(v1) == 12, proof.describe()
    assert not set(v1) & set(v2), proof.describe()


def one_stream(rows) -> bool:
    """Every worker drew a prefix of the same stream: the distinct values are exactly the draws of
    the busiest worker, and every other worker's draws are among them."""
    by_worker: dict[int, set[float]] = {}
    for row, value in zip(rows, values(rows)):
        by_worker.setdefault(int(row[1]), set()).add(value)
    busiest = max(by_worker.values(), key=len)
    counts = Counter(int(row[1]) for row in rows)
    return len(set(values(rows))) == max(counts.values()) and all(v <= busiest for v in by_worker.values())


RANDOM_SEEDED = "bad: random.seed(0) at import time, random.random() in __getitem__"


@pytest.mark.parametrize("method", PICKLING)
def test_kmp402_import_time_seed_replays_random_in_every_worker(method, evidence):
    proof = finished(run("KMP402_random_seeded_bad.py", method))
    first, second, v1, v2 = _draws(proof)
    both = v1 + v2
    evidence.record(
        "KMP402", RANDOM_SEEDED, method,
        f"{len(set(both))} distinct values out of {len(both)} draws (2 epochs, "
        f"{len(pids(first))} + {len(pids(second))} workers): every worker replays one stream",
        "every worker and every epoch replays the same stream (4 of 16 distinct)",
        agrees=one_stream(first) and one_stream(second), run=proof,
    )
    assert_in_workers(proof, first)
    assert_in_workers(proof, second)
    assert len(pids(first)) == 2, "both workers must take batches for the proof to be meaningful\n" + proof.describe()
    assert one_stream(first), proof.describe()
    assert one_stream(second), proof.describe()
    assert set(v1) <= set(v2) or set(v2) <= set(v1), "the next epoch should redraw the same values\n" + proof.describe()


def test_kmp402_import_time_seed_random_differs_under_fork(evidence):
    proof = finished(run("KMP402_random_seeded_bad.py", "fork"))
    first, second, v1, v2 = _draws(proof)
    evidence.record(
        "KMP402", RANDOM_SEEDED, "fork",
        f"{len(set(v1 + v2))} distinct values out of {len(v1 + v2)} draws (random reseeds in every forked child)",
        "no symptom claimed under fork", agrees=None, run=proof,
        note="fork does not re-import the script and CPython reseeds random after fork: the hazard is "
        "spawn/forkserver's (macOS, Windows, Python 3.14 Linux)",
    )
    assert_in_workers(proof)
    assert len(set(v1 + v2)) == len(v1 + v2), proof.describe()


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_kmp402_random_without_import_time_seed_is_distinct(method, evidence):
    proof = finished(run("KMP402_random_ok.py", method))
    first, second, v1, v2 = _draws(proof)
    evidence.record(
        "KMP402", "ok: random.random() in __getitem__, random.seed(0) only under the main guard", method,
        f"{len(set(v1 + v2))} distinct values out of {len(v1 + v2)} draws from "
        f"{len(pids(first))} + {len(pids(second))} workers",
        "silent: random reseeds itself in every forked child; spawned workers start fresh",
        agrees=len(set(v1 + v2)) == len(v1 + v2), run=proof,
    )
    assert_in_workers(proof, first)
    assert len(pids(first)) == 2, "both workers must take batches for the proof to be meaningful\n" + proof.describe()
    assert len(set(v1 + v2)) == len(v1 + v2) == 16, proof.describe()


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_kmp402_generator_on_self_repeats(method, evidence):
    proof = finished(run("KMP402_rng_on_self_bad.py", method))
    first, second, v1, v2 = _draws(proof)
    evidence.record(
        "KMP402", "bad: np.random.default_rng(seed) made in __init__, drawn in __getitem__", method,
        f"{len(set(v1 + v2))} distinct values out of {len(v1 + v2)} draws (2 epochs); "
        "every worker starts from the generator's state in the parent",
        "identical in every worker, every epoch",
        agrees=one_stream(first) and one_stream(second), run=proof,
    )
    assert_in_workers(proof, first)
    assert len(pids(first)) == 2, "both workers must take batches for the proof to be meaningful\n" + proof.describe()
    assert one_stream(first), proof.describe()
    assert one_stream(second), proof.describe()
    assert set(v1) <= set(v2) or set(v2) <= set(v1), proof.describe()


# --- KMP403 framework-call-in-worker ---------------------------------------------------------


# A clean fork run of these proofs takes 3-5 s here, predict itself well under 2 s (spawn up to
# 27 s on a busy machine); a deadlock never ends. The proof prints PREDICT_STARTED just before
# predict: the deadlock is established JAX_HANG_SETTLE seconds after that line, and
# JAX_HANG_TIMEOUT only bounds a machine under load (before, a 40 s clock could expire while the
# proof was still importing JAX, and count as the deadlock).
JAX_HANG_TIMEOUT = 300.0
# runs of a fork-deadlock proof before it counts as not hanging (see the test)
JAX_HANG_ATTEMPTS = 3
JAX_HANG_SETTLE = 30.0
PREDICT_STARTED = "predict: started"
JAX_FORK_WARNING = "os.fork() was called. os.fork() is incompatible with multithreaded code, and JAX is multithreaded"
JAX_CASES = [
    ("KMP403_bad.py", "bad: KERAS_BACKEND=jax, jax.numpy in __getitem__", "jax"),
    ("KMP403_keras_ops_bad.py", "bad: KERAS_BACKEND=jax, keras.ops in __getitem__", "jax"),
    ("KMP403_jax_in_init_bad.py", "bad: KERAS_BACKEND=numpy, jax.numpy in __init__ and __getitem__", "numpy"),
    ("KMP403_layer_bad.py", "bad: KERAS_BACKEND=jax, a keras.layers.Rescaling made in __init__, called in __getitem__", "jax"),
]


@pytest.mark.parametrize("script, case, backend", JAX_CASES)
def test_kmp403_jax_in_fork_workers_deadlocks(script, case, backend, evidence):
    # Whether a forked worker deadlocks depends on what JAX's own threads hold at the moment of
    # the fork: nearly always, not always (a heavily loaded machine once let one run finish). The
    # hazard is that it can: up to JAX_HANG_ATTEMPTS runs, and one must hang.
    for attempt in range(1, JAX_HANG_ATTEMPTS + 1):
        proof = run(
            script, "fork", timeout=JAX_HANG_TIMEOUT, settle=JAX_HANG_SETTLE,
            hung=lambda stdout, stderr: PREDICT_STARTED in stdout,
        )
        if proof.timed_out:
            break
    warned = JAX_FORK_WARNING in proof.stderr
    evidence.record(
        "KMP403", case, "fork",
        hang_text(
            proof,
            "no exception; " + ("the parent printed JAX's RuntimeWarning about os.fork()" if warned
                                else "nothing printed (JAX's RuntimeWarning about os.fork() did not show)")
            + ("" if attempt == 1 else f"; hung on run {attempt} of {JAX_HANG_ATTEMPTS}"),
        ),
        "deadlock without an error: no exception, predict never returns",
        agrees=proof.timed_out and "Traceback" not in proof.stderr, run=proof,
    )
    assert_hang(proof, "the forked workers should deadlock")
    assert PREDICT_STARTED in proof.stdout, "the proof must hang in predict:\n" + proof.describe()
    assert "Traceback" not in proof.stderr, "the deadlock is silent:\n" + proof.describe()


@pytest.mark.parametrize("method", PICKLING)
@pytest.mark.parametrize("script, case, backend", JAX_CASES)
def test_kmp403_jax_works_in_spawned_workers(script, case, backend, method, evidence):
    proof = finished(run(script, method))
    evidence.record(
        "KMP403", case, method, f"runs: {where(proof)}, values {values(proof.batches)}",
        "spawn and forkserver work", agrees=proof.error is None, run=proof,
    )
    assert proof.result["backend"] == backend, proof.describe()
    assert proof.error is None, proof.describe()
    assert_in_workers(proof)
    assert indices(proof.batches) == list(range(4)), proof.describe()


def test_kmp403_jax_works_in_fork_workers_when_the_parent_never_ran_jax(evidence):
    proof = finished(run("KMP403_jax_not_in_parent_ok.py", "fork"))
    evidence.record(
        "KMP403", "ok: KERAS_BACKEND=numpy, jax.numpy only in __getitem__ (the parent never runs JAX)", "fork",
        f"{where(proof)}, values {values(proof.batches)}",
        "silent: each forked worker starts JAX itself; the deadlock needs JAX running in the parent",
        agrees=proof.error is None, run=proof,
        note="the spec reports every jax call in worker code; measured, the deadlock needs JAX's runtime "
        "started in the parent before the fork (the JAX backend, or a JAX call in __init__), so the rule "
        "asks for that evidence",
    )
    assert proof.result["backend"] == "numpy", proof.describe()
    assert_clean_run(proof, [0.0, 2.0, 4.0, 6.0])


def test_kmp403_fix_numpy_in_the_loader(evidence):
    proof = finished(run("KMP403_good.py", "fork"))
    evidence.record(
        "KMP403", "good: KERAS_BACKEND=jax, numpy in __getitem__", "fork",
        f"{where(proof)}, values {values(proof.batches)}", "fix: runs clean",
        agrees=proof.error is None, run=proof,
    )
    assert proof.result["backend"] == "jax", proof.describe()
    assert_clean_run(proof, [0.0, 2.0, 4.0, 6.0])


def test_kmp403_keras_ops_on_the_numpy_backend_work_under_fork(evidence):
    proof = finished(run("KMP403_numpy_backend_ok.py", "fork"))
    evidence.record(
        "KMP403", "ok: KERAS_BACKEND=numpy, keras.ops in __getitem__", "fork",
        f"{where(proof)}, values {values(proof.batches)}", "silent: keras.ops on numpy work in fork workers",
        agrees=proof.error is None, run=proof,
    )
    assert proof.result["backend"] == "numpy", proof.describe()
    assert_clean_run(proof, [0.0, 1.0, 2.0, 3.0])


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_kmp403_torch_in_fork_workers_works(backend, evidence):
    case = f"ok: torch (CPU build) in __getitem__ after the parent used torch, Keras backend {backend}"
    spec = "not claimed: torch in fork workers works (measured), so the rule leaves it out"
    if importlib.util.find_spec("torch") is None:
        reason = "needs torch (a CPU build), not installed"
        evidence.record("KMP403", case, "fork", f"not run: {reason}", spec, agrees=None, script="KMP403_torch_ok.py")
        pytest.skip(reason)
    proof = finished(run_proof("KMP403_torch_ok.py", "fork", timeout=90.0, args=(backend,)))
    evidence.record(
        "KMP403", case, "fork",
        f"{where(proof)}, means {values(proof.batches)} (torch {proof.result['torch']}, "
        f"{proof.result['torch_threads']} threads)",
        spec, agrees=proof.error is None, run=proof,
    )
    assert proof.result["backend"] == backend, proof.describe()
    assert_clean_run(proof, [float(i) for i in range(6)])


TF_OPS = "tf.io.decode_jpeg, tf.image.resize and tf.convert_to_tensor in __getitem__ after the parent used TensorFlow"


@pytest.mark.parametrize(
    "script, case, needs",
    [
        ("KMP403_tf_ops_ok.py", f"ok: {TF_OPS} (Keras 3, TensorFlow backend)", ("tensorflow",)),
        ("KMP403_tf_ops_tfkeras_ok.py", f"ok (tf_keras): {TF_OPS}", ("tensorflow", "tf_keras")),
    ],
)
def test_kmp403_tensorflow_ops_in_fork_workers_work(script, case, needs, evidence):
    spec = "not claimed: TensorFlow ops in fork workers work (measured), so the rule leaves them out"
    missing = [name for name in needs if importlib.util.find_spec(name) is None]
    if missing:
        reason = f"needs {' and '.join(missing)} (tensorflow-cpu + tf-keras), not installed"
        evidence.record("KMP403", case, "fork", f"not run: {reason}", spec, agrees=None, script=script)
        pytest.skip(reason)
    proof = finished(run(script, "fork"))
    evidence.record(
        "KMP403", case, "fork",
        f"{where(proof)}, values {values(proof.batches)} (tensorflow {proof.result['tensorflow']})",
        spec, agrees=proof.error is None, run=proof,
    )
    assert_clean_run(proof, [100.0, 101.0, 102.0, 103.0])


# --- KMP501 / KMP502 / KMP503: the Keras 3 PyDataset contract --------------------------------


def test_kmp501_super_init_not_called(evidence):
    proof = finished(run("KMP501_bad.py", "fork"))
    warned = proof.result["warnings"]
    evidence.record(
        "KMP501", "bad: __init__ without super().__init__()", "fork",
        f"{warned[0].split('. ')[0] if warned else 'no warning'}; {where(proof)} "
        f"(workers={proof.result['workers']}, use_multiprocessing={proof.result['use_multiprocessing']})",
        "UserWarning: Your PyDataset class should call super().__init__(**kwargs); all batches in the parent",
        agrees=bool(warned) and proof.batch_pids == {proof.parent_pid}, run=proof,
    )
    assert any(
        w.startswith("UserWarning: Your `PyDataset` class should call `super().__init__(**kwargs)`") for w in warned
    ), proof.describe()
    assert_in_parent(proof)
    assert (proof.result["workers"], proof.result["use_multiprocessing"]) == (1, False), proof.describe()


@pytest.mark.parametrize("script, rule", [("KMP501_good.py", "KMP501"), ("KMP502_good.py", "KMP502")])
def test_kmp501_kmp502_fix_forward_kwargs(script, rule, evidence):
    proof = finished(run(script, "fork"))
    evidence.record(
        rule, "good: super().__init__(**kwargs)", "fork",
        f"{where(proof)}, {len(proof.result['warnings'])} warnings", "fix: worker processes",
        agrees=proof.parent_pid not in proof.batch_pids, run=proof,
    )
    assert proof.result["warnings"] == [], proof.describe()
    assert_in_workers(proof)
    assert (proof.result["workers"], proof.result["use_multiprocessing"]) == (2, True), proof.describe()


def test_kmp502_kwargs_not_forwarded(evidence):
    proof = finished(run("KMP502_bad.py", "fork"))
    warned = proof.result["warnings"]
    evidence.record(
        "KMP502", "bad: super().__init__() drops **kwargs", "fork",
        f"{len(warned)} warnings; {where(proof)} "
        f"(workers={proof.result['workers']}, use_multiprocessing={proof.result['use_multiprocessing']})",
        "the caller's workers=/use_multiprocessing= vanish", agrees=proof.batch_pids == {proof.parent_pid},
        run=proof,
    )
    assert warned == [], "the loss is silent:\n" + proof.describe()
    assert_in_parent(proof)
    assert (proof.result["workers"], proof.result["use_multiprocessing"]) == (1, False), proof.describe()


def test_kmp503_reserved_attributes(evidence):
    proof = finished(run("KMP503_bad.py", "fork"))
    preset, decoded = proof.batches, proof.result["decoded_batches"]
    off_main = [row for row in decoded if row[2] == 0.0]
    evidence.record(
        "KMP503", "bad: self.workers/self.use_multiprocessing set before super().__init__(**kwargs)", "fork",
        f"reset to {proof.result['preset_settings']} by PyDataset.__init__; {where(proof, preset)}",
        "the base resets them", agrees=proof.result["preset_settings"] == [1, False], run=proof,
    )
    evidence.record(
        "KMP503", "bad: self.workers = 4 as the loader's own decode-thread count", "fork",
        f"Keras reads it as its worker count: {len(off_main)} of {len(decoded)} batches loaded on "
        f"Keras worker threads (settings {proof.result['decoded_settings']}), none requested",
        "the base reinterprets them", agrees=len(off_main) == len(decoded), run=proof,
    )
    assert proof.result["preset_settings"] == [1, False], proof.describe()
    assert_in_parent(proof, preset)
    assert all(row[2] == 1.0 for row in preset), "Preset should load on the main thread:\n" + proof.describe()
    assert proof.result["decoded_settings"] == [4, False], proof.describe()
    assert_in_parent(proof, decoded)
    assert len(off_main) == len(decoded), "Decoded should load on Keras' threads:\n" + proof.describe()
    assert [row[3] for row in decoded] == [0.0, 10.0, 20.0, 30.0], proof.describe()


@pytest.mark.parametrize("method", ["fork"])
def test_kmp503_fix_own_names(method, evidence):
    proof = finished(run("KMP503_good.py", method))
    decoded = proof.result["decoded_batches"]
    evidence.record(
        "KMP503", "good: settings via super().__init__(workers=2, ...), own count in self.decode_threads",
        method,
        f"Preset: {where(proof)} (settings {proof.result['preset_settings']}); "
        f"Decoded: {where(proof, decoded)} on the main thread: {all(row[2] == 1.0 for row in decoded)}",
        "fix: each setting means one thing", agrees=proof.parent_pid not in proof.batch_pids, run=proof,
    )
    assert proof.result["preset_settings"] == [2, True], proof.describe()
    assert_in_workers(proof)
    assert proof.result["decoded_settings"] == [1, False], proof.describe()
    assert_in_parent(proof, decoded)
    assert all(row[2] == 1.0 for row in decoded), proof.describe()
