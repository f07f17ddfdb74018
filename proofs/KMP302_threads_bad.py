"""KMP302 bad (Keras 2 / tf_keras): a plain generator fed to predict with two worker threads.

The threads call next() on the same generator at once; tf-keras stops with "RuntimeError: Your
generator is NOT thread-safe", re-raised in the caller wrapped in "UnknownError: Graph execution
error". No process is started, so the start method does not matter.
Needs tensorflow + tf-keras (not installed in CI: the runtime test skips it).
Run: python proofs/KMP302_threads_bad.py [fork|spawn|forkserver]
"""
import json
import multiprocessing
import os
import sys
import time

import numpy as np
import tf_keras as keras


def batches(n):
    for index in range(n):
        time.sleep(0.05)
        yield (np.array([[index, os.getpid(), 0.0, 0.0]], dtype="float32"),)


def main():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4, use_bias=False, kernel_initializer="identity")])
    result = {"parent_pid": os.getpid(), "batches": [], "error": None}
    try:
        out = model.predict(batches(6), steps=6, workers=2, use_multiprocessing=False, verbose=0)  # expect: KMP302
        result["batches"] = out.tolist()
    except Exception as exc:  # noqa: BLE001 - the proof reports whatever Keras raises
        result["error"] = {"type": type(exc).__name__, "message": str(exc)}
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
