"""Import fixed fixture modules and exercise their data loaders, in a fresh interpreter with
Keras on its numpy backend: ``python -m tests.exercise_fixed FILE...`` prints one JSON record per
file (each loader class built, its length and first batch read, and whether it survives a round
trip through a spawn worker), or the error that stopped it.

A module is imported under a name other than ``__main__``, as a spawn worker imports the main
script: what runs under the main guard does not run, what is left at module level does.
"""

from __future__ import annotations

import importlib
import inspect
import json
import multiprocessing
import pickle
import sys
import tempfile
import traceback
from pathlib import Path

import numpy as np

# Arguments by parameter name, for the loaders of the fixtures.
_FOLDER = tempfile.mkdtemp()
_PATHS = []
for _i in range(4):
    _path = Path(_FOLDER) / f"item{_i}.txt"
    _path.write_text(f"{_i}\n")
    _PATHS.append(str(_path))
SAMPLES = {
    "x": lambda: np.ones((8, 4), dtype="float32"),
    "y": lambda: np.ones((8,), dtype="float32"),
    "data": lambda: np.ones((8, 4), dtype="float32"),
    "n": lambda: 4,
    "size": lambda: 4,
    "length": lambda: 4,
    "paths": lambda: list(_PATHS),
    "items": lambda: list(range(8)),
    "files": lambda: list(_PATHS),
    "path": lambda: _PATHS[0],
    "scale": lambda: 2.0,
    "batch_size": lambda: 2,
    "seed": lambda: 0,
}


def _first_batch(loader):
    return loader[0]


def _round_trip(loader) -> bool:
    """In a spawn worker: the loader arrived; its first batch is read where it has one."""
    if _defines(type(loader), "__getitem__"):
        loader[0]
    return True


def _loader_classes(module) -> list[type]:
    import keras

    bases = tuple(
        base
        for base in (getattr(keras.utils, "PyDataset", None), getattr(keras.utils, "Sequence", None))
        if base is not None
    )
    return [
        value
        for value in vars(module).values()
        if inspect.isclass(value)
        and issubclass(value, bases)
        and value not in bases
        and value.__module__ == module.__name__
    ]


def _arguments(cls) -> tuple[list, dict] | None:
    """Sample arguments for the required parameters of the loader's ``__init__``."""
    positional, keywords = [], {}
    for name, parameter in inspect.signature(cls.__init__).parameters.items():
        if name == "self" or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.default is not parameter.empty:
            continue
        if name not in SAMPLES:
            return None
        if parameter.kind == parameter.POSITIONAL_ONLY:
            positional.append(SAMPLES[name]())
        else:
            keywords[name] = SAMPLES[name]()
    return positional, keywords


def _defines(cls, method: str) -> bool:
    """Whether the loader (or a base of its module) defines the method, not Keras's base."""
    return any(method in vars(klass) for klass in cls.__mro__ if klass.__module__ == cls.__module__)


def exercise(path: str, folder: Path) -> tuple[dict, list]:
    """The record of one fixed module, and its loaders to send to a spawn worker."""
    record: dict = {"path": path, "loaders": {}}
    # an importable name in a folder on sys.path: a spawn worker imports the module by it
    name = "fixed_" + "".join(c if c.isalnum() else "_" for c in Path(path).stem)
    (folder / f"{name}.py").write_bytes(Path(path).read_bytes())
    built = []
    try:
        module = importlib.import_module(name)
    except BaseException as exc:  # the fixed module itself fails: that is what is tested
        record["error"] = f"import: {type(exc).__name__}: {exc}"
        record["traceback"] = traceback.format_exc()
        return record, built
    for cls in _loader_classes(module):
        entry: dict = {}
        record["loaders"][cls.__name__] = entry
        arguments = _arguments(cls)
        if arguments is None:
            entry["error"] = "no sample for a required parameter"
            continue
        try:
            loader = cls(*arguments[0], **arguments[1])
            entry["built"] = True
            if _defines(cls, "__len__"):
                entry["length"] = len(loader)
            if _defines(cls, "__getitem__"):
                _first_batch(loader)
                entry["batch"] = True
        except BaseException as exc:
            entry["error"] = f"{type(exc).__name__}: {exc}"
            entry["traceback"] = traceback.format_exc()
            continue
        try:
            pickle.dumps(loader)
            entry["picklable"] = True
            built.append((entry, loader))
        except Exception as exc:
            entry["picklable"] = False
            entry["pickle_error"] = f"{type(exc).__name__}: {exc}"
    return record, built


def main(paths: list[str]) -> None:
    from concurrent.futures import ProcessPoolExecutor

    folder = Path(tempfile.mkdtemp())
    # TensorFlow is not installed here: ``tensorflow.keras`` is Keras 3 itself (as in
    # TensorFlow 2.16 and later), and its array functions are
    # keras.ops's, so the fixtures written against it import
    (folder / "tensorflow.py").write_text("import keras\nfrom keras.ops import *\n")
    sys.path.insert(0, str(folder))
    records, to_spawn = [], []
    for path in paths:
        record, built = exercise(path, folder)
        records.append(record)
        to_spawn.extend(built)
    if to_spawn:
        # one spawn worker receives every picklable loader and reads its first batch (a broken
        # unpickling ends the pool instead of hanging it)
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            for entry, loader in to_spawn:
                try:
                    pool.submit(_round_trip, loader).result(timeout=300)
                    entry["spawn"] = True
                except BaseException as exc:
                    entry["spawn"] = False
                    entry["spawn_error"] = f"{type(exc).__name__}: {exc}"
                    break
    for record in records:
        print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
