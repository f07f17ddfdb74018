"""Running one proof script in its own process group, with a hard timeout, and reading its result.

A proof prints one line ``RESULT {json}``. A proof that hangs (the missing main guard under spawn
and forkserver) is killed with its whole process group when the timeout expires, so no stray Keras
worker survives the test. A hang that shows itself in the output (the workers' RuntimeError) is
waited for by what the proof printed, not by the clock: ``hung(stdout, stderr)`` says when the
output proves the hang, and the proof is stopped ``settle`` seconds later if it is still running
(``timeout`` is then only a generous bound for a machine under load). Output goes to files, not pipes: an orphaned worker holding a pipe open
would otherwise make a finished proof look like a hang.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[2]
PROOFS = ROOT / "proofs"
RESULT_PREFIX = "RESULT "


@dataclass
class ProofRun:
    script: str
    start_method: str
    returncode: int | None
    timed_out: bool
    seconds: float
    stdout: str
    stderr: str
    result: dict | None = field(default=None)

    @property
    def error(self) -> dict | None:
        return (self.result or {}).get("error")

    @property
    def error_text(self) -> str:
        error = self.error
        return f"{error['type']}: {error['message']}" if error else ""

    @property
    def batches(self) -> list[list[float]]:
        return (self.result or {}).get("batches") or []

    @property
    def parent_pid(self) -> int | None:
        return (self.result or {}).get("parent_pid")

    @property
    def batch_pids(self) -> set[int]:
        return {int(row[1]) for row in self.batches}

    @property
    def worker_pids(self) -> set[int]:
        return self.batch_pids - {self.parent_pid}

    def describe(self) -> str:
        """Everything a failing assertion needs to explain itself."""
        return (
            f"{self.script} [{self.start_method}] rc={self.returncode} timed_out={self.timed_out} "
            f"{self.seconds:.1f}s\nresult={json.dumps(self.result)}\n"
            f"--- stdout (tail) ---\n{self.stdout[-2000:]}\n--- stderr (tail) ---\n{self.stderr[-4000:]}"
        )


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_proof(
    script: str,
    start_method: str,
    timeout: float = 60.0,
    args: tuple[str, ...] = (),
    backend: str = "numpy",
    hung: Callable[[str, str], bool] | None = None,
    settle: float = 3.0,
) -> ProofRun:
    """Run ``proofs/<script>`` with ``<start_method>`` as argv[1] under the numpy Keras backend
    (``backend="jax"`` for proofs that train: the numpy backend has no ``fit``). ``hung``: see
    the module's docstring."""
    return _run(
        script, start_method, timeout, [str(PROOFS / script), start_method, *args],
        backend=backend, hung=hung, settle=settle,
    )


NOTEBOOK_RUNNER = Path(__file__).resolve().parent / "notebook_runner.py"


def run_notebook(
    notebook: str, start_method: str, timeout: float = 60.0, beside: tuple[str, ...] = ()
) -> ProofRun:
    """Execute ``proofs/<notebook>`` with nbclient on an ipykernel of this interpreter, with
    ``start_method`` in ``KMP_START_METHOD``, in a temporary folder holding a copy of it and of
    the ``beside`` modules. The cells get ``timeout`` seconds each; the kernel's process group
    (and with it every worker the kernel started) is killed at the end, whatever happened."""

    def prepare(folder: str) -> list[str]:
        for name in (notebook, *beside):
            shutil.copy(PROOFS / name, Path(folder, name))
        pgid_file = str(Path(folder, "kernel.pgid"))
        return [str(NOTEBOOK_RUNNER), str(Path(folder, notebook)), start_method, pgid_file, str(timeout)]

    def kill_kernel(folder: str) -> None:
        try:
            _kill_group(int(Path(folder, "kernel.pgid").read_text()))
        except (OSError, ValueError):
            pass

    # the runner's own hard limit: the kernel's start and shutdown on top of the cells' timeout
    run = _run(notebook, start_method, timeout + 60.0, prepare, kill_kernel)
    if run.returncode == CELL_TIMEOUT_STATUS:  # a cell hung: the runner stopped it at the timeout
        run.timed_out, run.returncode = True, None
    return run


CELL_TIMEOUT_STATUS = 3  # notebook_runner.py's exit status when a cell did not finish


def _wait_for_hang(proc, deadline: float, out_path: Path, err_path: Path, hung, settle: float) -> None:
    """Wait until the process ends (returns) or, once its output shows ``hung``, ``settle``
    seconds more (raises ``TimeoutExpired``, as when ``deadline`` passes first)."""
    while True:
        if proc.poll() is not None:
            return
        now = time.monotonic()
        if now >= deadline:
            raise subprocess.TimeoutExpired(proc.args, deadline)
        out = out_path.read_text(encoding="utf-8", errors="replace")
        err = err_path.read_text(encoding="utf-8", errors="replace")
        if hung(out, err):
            proc.wait(timeout=max(min(settle, deadline - now), 0.1))
            return
        time.sleep(0.2)


def _run(
    script, start_method, timeout, args, after=None, backend="numpy", hung=None, settle=3.0
) -> ProofRun:
    """Run ``sys.executable ARGS`` in a temporary folder, in its own process group, with a hard
    timeout; ``args`` may be a function of the folder, ``after(folder)`` runs when it is over.
    With ``hung``, the output is read as it comes: once ``hung(stdout, stderr)`` holds, the
    process gets ``settle`` more seconds to finish, then counts as hanging."""
    env = dict(os.environ)
    env.pop("PYTHONWARNINGS", None)
    env.update(
        KERAS_BACKEND=backend,
        JAX_PLATFORMS="cpu",
        PYTHONUNBUFFERED="1",
        PYTHONDONTWRITEBYTECODE="1",
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    with tempfile.TemporaryDirectory(prefix="kmp-proof-") as tmp:
        if callable(args):
            args = args(tmp)
        out_path, err_path = Path(tmp, "stdout"), Path(tmp, "stderr")
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            started = time.monotonic()
            proc = subprocess.Popen(
                [sys.executable, *args],
                cwd=tmp,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
            timed_out = False
            try:
                if hung is None:
                    proc.wait(timeout=timeout)
                else:
                    _wait_for_hang(proc, started + timeout, out_path, err_path, hung, settle)
            except subprocess.TimeoutExpired:
                timed_out = True
                _kill_group(proc.pid)
                proc.wait()
            finally:
                seconds = time.monotonic() - started
                # The proof's own process group only: workers left behind by a failed proof.
                _kill_group(proc.pid)
                if after is not None:
                    after(tmp)
        stdout = out_path.read_text(encoding="utf-8", errors="replace")
        stderr = err_path.read_text(encoding="utf-8", errors="replace")
    result = None
    for line in stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            result = json.loads(line.removeprefix(RESULT_PREFIX))
    return ProofRun(
        script=script,
        start_method=start_method,
        returncode=None if timed_out else proc.returncode,
        timed_out=timed_out,
        seconds=seconds,
        stdout=stdout,
        stderr=stderr,
        result=result,
    )
