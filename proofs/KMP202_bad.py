"""KMP202 bad: the loader keeps a generator object on self and pulls rows from it.

Under spawn/forkserver the generator cannot be pickled into the workers. Under fork each worker
advances its own copy, so rows repeat and others never appear.
Run: python proofs/KMP202_bad.py [fork|spawn|forkserver]
"""
import json
import multiprocessing
import os
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "numpy")

import keras  # noqa: E402
import numpy as np  # noqa: E402


def read_rows(n):
    for row in range(n):
        yield float(row)


class Rows(keras.utils.PyDataset):
    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = n
        self.rows = read_rows(n)  # expect: KMP202

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        time.sleep(0.1)
        row = next(self.rows)  # expect: KMP401
        return np.array([[index, os.getpid(), row, 0.0]], dtype="float32")


def main():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Identity()])
    data = Rows(6, workers=2, use_multiprocessing=True)
    result = {"parent_pid": os.getpid(), "batches": [], "error": None}
    try:
        result["batches"] = model.predict(data, verbose=0).tolist()
    except Exception as exc:  # noqa: BLE001 - the proof reports whatever Keras raises
        result["error"] = {"type": type(exc).__name__, "message": str(exc)}
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
