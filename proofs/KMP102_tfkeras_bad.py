"""KMP102 bad (Keras 2 / tf_keras): __getitem__ reads SCALE, bound only under the main guard.

Under spawn and forkserver every worker re-imports this file as __mp_main__, skips the guarded
block and dies with NameError; tf-keras re-raises it in the parent wrapped in
"UnknownError: Graph execution error".
Needs tensorflow + tf-keras (not installed in CI: the runtime test skips it).
Run: python proofs/KMP102_tfkeras_bad.py [fork|spawn|forkserver]
"""
import json
import multiprocessing
import os
import sys

import numpy as np
import tf_keras as keras


class Scaled(keras.utils.Sequence):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        value = index * SCALE  # expect: KMP102
        return (np.array([[index, os.getpid(), value, 0.0]], dtype="float32"),)


def main():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4, use_bias=False, kernel_initializer="identity")])
    result = {"parent_pid": os.getpid(), "batches": [], "error": None}
    try:
        out = model.predict(Scaled(4), workers=2, use_multiprocessing=True, verbose=0)
        result["batches"] = out.tolist()
    except Exception as exc:  # noqa: BLE001 - the proof reports whatever Keras raises
        result["error"] = {"type": type(exc).__name__, "message": str(exc)}
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    SCALE = 2.0
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
