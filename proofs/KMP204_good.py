"""KMP204 fixed: the data loader class at module level, what it took from the function passed
to its constructor. Runs under fork, spawn and forkserver.
Run: python proofs/KMP204_good.py [fork|spawn|forkserver]   (the start method is set at the top)
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


def predict(n):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Identity()])
    return model.predict(Batches(n, workers=2, use_multiprocessing=True), verbose=0)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn", force=True)
    result = {"parent_pid": os.getpid()}
    try:
        result["batches"] = predict(4).tolist()
    except Exception as error:
        result["error"] = {"type": type(error).__name__, "message": str(error)}
        result["batches"] = []
    print("RESULT " + json.dumps(result), flush=True)
