"""KMP305 bad, with a generator: the Keras 2 way to load a generator in worker processes.

Keras 3 has no multiprocessing path for a plain generator: predict refuses the Keras 2 worker
arguments with TypeError, and without them the generator runs in the parent process only. So
the Keras 2 hazard of KMP302 (duplicated or unpicklable streams) cannot happen under Keras 3;
the fix for parallel loading is a PyDataset.
Run: python proofs/KMP305_generator_bad.py [fork|spawn|forkserver]
"""
# keras-mp-options: keras-version=3
import json
import multiprocessing
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "numpy")

import keras  # noqa: E402
import numpy as np  # noqa: E402


def batches(n):
    for index in range(n):
        yield (np.array([[index, os.getpid(), 0.0, 0.0]], dtype="float32"),)


def main():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Identity()])
    result = {"parent_pid": os.getpid(), "batches": [], "error": None}
    try:
        model.predict(batches(6), steps=6, workers=2, use_multiprocessing=True, verbose=0)  # expect: KMP305
    except Exception as exc:  # noqa: BLE001 - the proof reports whatever Keras raises
        result["error"] = {"type": type(exc).__name__, "message": str(exc)}
    result["batches"] = model.predict(batches(6), steps=6, verbose=0).tolist()
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
