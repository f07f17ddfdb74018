"""KMP201 bad (Keras 2 / tf_keras): the loader stores a lambda on self.

Under spawn and forkserver tf-keras pickles the loader into its worker pool from a background
thread: "AttributeError: Can't pickle local object ..." is printed there, and predict never
returns (Keras 3 raises the same error in the caller instead).
Needs tensorflow + tf-keras (not installed in CI: the runtime test skips it).
Run: python proofs/KMP201_tfkeras_bad.py [fork|spawn|forkserver]
"""
import json
import multiprocessing
import os
import sys

import numpy as np
import tf_keras as keras


class Frames(keras.utils.Sequence):
    def __init__(self, n, scale=2.0):
        self.n = n
        self.post = lambda x: x * scale  # expect: KMP201

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        return (np.array([[index, os.getpid(), self.post(index), 0.0]], dtype="float32"),)


def main():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4, use_bias=False, kernel_initializer="identity")])
    result = {"parent_pid": os.getpid(), "batches": [], "error": None}
    try:
        out = model.predict(Frames(4), workers=2, use_multiprocessing=True, verbose=0)
        result["batches"] = out.tolist()
    except Exception as exc:  # noqa: BLE001 - the proof reports whatever Keras raises
        result["error"] = {"type": type(exc).__name__, "message": str(exc)}
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
