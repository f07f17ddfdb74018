"""Fixes that run, not only compile: every fix fixture's fixed output is imported in a fresh
interpreter (Keras on its numpy backend) and its data loaders are built and read; a loader the
fixed file no longer reports as unpicklable goes through a spawn worker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pylint_keras_mp.service import analyze_file
from tests.fixture_support import fix_fixture_files, fixed_path

ROOT = Path(__file__).resolve().parent.parent
# what a fixed loader must not be reported for any more if it is to cross a process boundary
UNPICKLABLE_CODES = {"KMP201", "KMP202"}

CHANGED = [
    fixture
    for fixture in fix_fixture_files()
    if fixed_path(fixture.path).read_bytes() != fixture.path.read_bytes()
]


def exercise(paths: list[Path]) -> dict[str, dict]:
    env = {**os.environ, "KERAS_BACKEND": "numpy", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "tests.exercise_fixed", *map(str, paths)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    return {record["path"]: record for record in records}


@pytest.fixture(scope="module")
def exercised() -> dict[str, dict]:
    return exercise([fixed_path(fixture.path) for fixture in CHANGED])


_PIPELINE_PACKAGES = ("torch", "grain")


def _imports(path: Path, package: str) -> bool:
    import ast

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import) and any(
            alias.name.split(".")[0] == package for alias in node.names
        ):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == package:
            return True
    return False


def _unpicklable_classes(path: Path, options) -> set[str]:
    """Loader classes the fixed file still reports as unpicklable (the fix left them so)."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = {
        f.line for f in analyze_file(str(path), options) if f.code in UNPICKLABLE_CODES
    }
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        and any(node.lineno <= line <= node.end_lineno for line in lines)
    }


@pytest.mark.parametrize("fixture", CHANGED, ids=[f.id for f in CHANGED])
def test_the_fixed_module_runs_and_its_loaders_work(fixture, exercised):
    path = fixed_path(fixture.path)
    for pipeline in _PIPELINE_PACKAGES:
        if _imports(path, pipeline):
            # torch and grain are in the torch-proofs extra, not in the test extra
            pytest.importorskip(pipeline)
    record = exercised[str(path)]
    assert "error" not in record, record.get("traceback", record["error"])
    unpicklable = _unpicklable_classes(path, fixture.options)
    for name, entry in record["loaders"].items():
        assert "error" not in entry, f"{name}: {entry.get('traceback', entry['error'])}"
        assert entry["built"]
        if name in unpicklable:
            continue
        assert entry["picklable"], f"{name}: {entry.get('pickle_error')}"
        assert entry["spawn"], f"{name}: {entry.get('spawn_error')}"


def test_the_fixed_loaders_are_exercised(exercised):
    loaders = [entry for record in exercised.values() for entry in record["loaders"].values()]
    assert len(loaders) >= 20 and sum(bool(entry.get("spawn")) for entry in loaders) >= 15


def test_the_kmp201_fix_makes_loaders_that_spawn_workers_receive(exercised):
    # the case that compiled and was idempotent, yet failed at run time: the fixed lambda of a
    # private attribute named by a mangled name
    record = exercised[str(fixed_path(ROOT / "fixtures/fixes/KMP201/private_attribute.py"))]
    assert record["loaders"]["Frames"]["spawn"] is True


def test_the_exercise_catches_a_fix_that_breaks_at_run_time(tmp_path):
    # what the fix gave before: ``self._post = __post`` in the class reads ``_Frames__post``
    broken = tmp_path / "broken.fixed.py"
    broken.write_text(
        "import keras\n\n\ndef __post(batch):\n    return batch\n\n\n"
        "class Frames(keras.utils.PyDataset):\n"
        "    def __init__(self, x, **kwargs):\n"
        "        super().__init__(**kwargs)\n        self.x = x\n        self._post = __post\n\n"
        "    def __len__(self):\n        return len(self.x)\n\n"
        "    def __getitem__(self, index):\n        return self._post(self.x[index])\n"
    )
    [record] = exercise([broken]).values()
    assert "NameError" in record["loaders"]["Frames"]["error"]


# KMP202's fix under the workers that pickle the loader: each worker makes its handles again
_KMP202_TORCH = """
import multiprocessing, sys
import h5py, lmdb, numpy as np
from torch.utils.data import DataLoader
sys.path.insert(0, {folder!r})
from torch_handles_fixed import Features

if __name__ == "__main__":
    base = {base!r}
    with h5py.File(base + ".h5", "w") as out:
        out["a"], out["b"], out["c"] = np.arange(3), np.arange(3) * 2, np.arange(3) * 3
    env = lmdb.open(base + ".lmdb")
    with env.begin(write=True) as txn:
        for key, label in (("a", 1), ("b", 2), ("c", 3)):
            txn.put(key.encode(), str(label).encode())
    env.close()
    dataset = Features(base, ["a", "b", "c"])
    expected = [(dataset[i][0].tolist(), dataset[i][1]) for i in range(3)]
    loader = DataLoader(dataset, batch_size=None, num_workers=2, multiprocessing_context="spawn")
    got = [(features.tolist(), int(label)) for features, label in loader]
    assert got == expected, (got, expected)
    print("OK", got)
"""

_KMP202_KERAS = """
import multiprocessing, os, sys
sys.path.insert(0, {folder!r})
from keras.src.trainers.data_adapters.py_dataset_adapter import PyDatasetAdapter
from keras_records_fixed import Records

if __name__ == "__main__":
    multiprocessing.set_start_method("spawn")
    path = {base!r} + ".bin"
    with open(path, "wb") as out:
        out.write(bytes(range(8)))
    records = Records(path, workers=2, use_multiprocessing=True)
    adapter = PyDatasetAdapter(records, shuffle=False)
    got = [batch[0].tolist() for batch in adapter.get_numpy_iterator()]
    assert got == [[[2.0 * i, 2.0 * i + 1]] for i in range(4)], got
    print("OK", got)
"""


def _run_fixed_loader(tmp_path, fixture: str, script: str) -> str:
    fixed = fixed_path(ROOT / "fixtures/fixes/KMP202" / f"{fixture}.py")
    (tmp_path / f"{fixture}_fixed.py").write_bytes(fixed.read_bytes())
    main = tmp_path / "main.py"
    main.write_text(script.format(folder=str(tmp_path), base=str(tmp_path / "data")))
    env = {**os.environ, "KERAS_BACKEND": "numpy"}
    proc = subprocess.run(
        [sys.executable, str(main)], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    return proc.stdout


def test_the_kmp202_fix_opens_each_handle_again_in_torch_spawn_workers(tmp_path):
    for package in ("torch", "h5py", "lmdb"):
        pytest.importorskip(package)
    assert _run_fixed_loader(tmp_path, "torch_handles", _KMP202_TORCH).startswith("OK")


def test_the_kmp202_fix_opens_the_file_again_in_keras_spawn_workers(tmp_path):
    # Keras' own pool (use_multiprocessing=True) under spawn, reading records by offset
    assert _run_fixed_loader(tmp_path, "keras_records", _KMP202_KERAS).startswith("OK")
