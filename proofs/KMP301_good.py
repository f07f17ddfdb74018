"""KMP301 fixed: the launch lives under the main guard, so a re-imported worker skips it.

Run: python proofs/KMP301_good.py [fork|spawn|forkserver]
"""
import json
import multiprocessing
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "numpy")

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


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Identity()])
    data = Batches(4, workers=2, use_multiprocessing=True)
    batches = model.predict(data, verbose=0)
    print("RESULT " + json.dumps({"parent_pid": os.getpid(), "batches": batches.tolist()}), flush=True)
