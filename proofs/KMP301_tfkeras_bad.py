"""KMP301 bad (Keras 2 / tf_keras): predict with worker processes runs at import time.

Under spawn and forkserver every worker re-imports this file and reaches predict again; its own
enqueuer thread prints "RuntimeError: An attempt has been made to start a new process before the
current process has finished its bootstrapping phase", and the worker and the parent hang forever.
Needs tensorflow + tf-keras (not installed in CI: the runtime test skips it).
Run: python proofs/KMP301_tfkeras_bad.py [fork|spawn|forkserver]   (the start method is set at the top)
"""
import json
import multiprocessing
import os
import sys

multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn", force=True)

import numpy as np  # noqa: E402
import tf_keras as keras  # noqa: E402


class Batches(keras.utils.Sequence):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        return (np.array([[index, os.getpid(), 0.0, 0.0]], dtype="float32"),)


model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4, use_bias=False, kernel_initializer="identity")])
batches = model.predict(Batches(4), workers=2, use_multiprocessing=True, verbose=0)  # expect: KMP301
print("RESULT " + json.dumps({"parent_pid": os.getpid(), "batches": batches.tolist()}), flush=True)
