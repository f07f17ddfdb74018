"""KMP302 fixed (Keras 2 / tf_keras): a Sequence hands each index to exactly one worker.

Needs tensorflow + tf-keras (not installed in CI: the runtime test skips it).
Run: python proofs/KMP302_good.py [fork|spawn|forkserver]
"""
import json
import multiprocessing
import os
import sys
import time

import numpy as np
import tf_keras as keras


class Batches(keras.utils.Sequence):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        time.sleep(0.05)
        return (np.array([[index, os.getpid(), 0.0, 0.0]], dtype="float32"),)


def main():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4, use_bias=False, kernel_initializer="identity")])
    result = {"parent_pid": os.getpid(), "batches": [], "error": None}
    try:
        out = model.predict(Batches(6), workers=2, use_multiprocessing=True, verbose=0)
        result["batches"] = out.tolist()
    except Exception as exc:  # noqa: BLE001 - the proof reports whatever Keras raises
        result["error"] = {"type": type(exc).__name__, "message": str(exc)}
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
