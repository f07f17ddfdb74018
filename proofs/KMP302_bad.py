"""KMP302 bad (Keras 2 / tf_keras): a plain generator fed to predict with use_multiprocessing=True.

Under fork every worker process gets its own copy of the generator and yields the whole stream,
so batches are duplicated without a warning; under spawn the generator cannot be pickled and the
run hangs. Needs tensorflow + tf-keras (not installed in CI: the runtime test skips it).
Run: python proofs/KMP302_bad.py [fork|spawn|forkserver]
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
        out = model.predict(batches(6), steps=6, workers=2, use_multiprocessing=True, verbose=0)  # expect: KMP302
        result["batches"] = out.tolist()
    except Exception as exc:  # noqa: BLE001 - the proof reports whatever Keras raises
        result["error"] = {"type": type(exc).__name__, "message": str(exc)}
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
