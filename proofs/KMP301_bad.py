"""KMP301 bad: predict with a multiprocessing loader runs at import time, without a main guard.

Under spawn and forkserver every worker re-imports this file, reaches predict again and dies with
"RuntimeError: An attempt has been made to start a new process before the current process has
finished its bootstrapping phase"; the pool respawns it and the parent hangs forever.
Run: python proofs/KMP301_bad.py [fork|spawn|forkserver]   (the start method is set at the top)
"""
import json
import multiprocessing
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "numpy")
multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn", force=True)

import keras  # noqa: E402
import numpy as np  # noqa: E402


class Batches(keras.utils.PyDataset):
    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        return np.array([[index, os.getpid(), 0.0, 0.0]], dtype="float32")


model = keras.Sequential([keras.Input((4,)), keras.layers.Identity()])
data = Batches(4, workers=2, use_multiprocessing=True)
batches = model.predict(data, verbose=0)  # expect: KMP301
print("RESULT " + json.dumps({"parent_pid": os.getpid(), "batches": batches.tolist()}), flush=True)
