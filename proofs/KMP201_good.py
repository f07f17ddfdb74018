"""KMP201 fixed: a module-level function bound with functools.partial pickles by reference.

Run: python proofs/KMP201_good.py [fork|spawn|forkserver]
"""
import functools
import json
import multiprocessing
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "numpy")

import keras  # noqa: E402
import numpy as np  # noqa: E402


def scale_by(x, scale):
    return x * scale


class Frames(keras.utils.PyDataset):
    def __init__(self, n, scale=2.0, **kwargs):
        super().__init__(**kwargs)
        self.n = n
        self.post = functools.partial(scale_by, scale=scale)

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        return np.array([[index, os.getpid(), self.post(index), 0.0]], dtype="float32")


def main():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Identity()])
    data = Frames(4, workers=2, use_multiprocessing=True)
    result = {"parent_pid": os.getpid(), "batches": [], "error": None}
    try:
        result["batches"] = model.predict(data, verbose=0).tolist()
    except Exception as exc:  # noqa: BLE001 - the proof reports whatever Keras raises
        result["error"] = {"type": type(exc).__name__, "message": str(exc)}
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
