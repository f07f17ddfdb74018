"""KMP502 fixed: the caller's worker settings reach PyDataset through super().__init__(**kwargs).

Run: python proofs/KMP502_good.py [fork|spawn|forkserver]
"""
import json
import multiprocessing
import os
import sys
import warnings

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


def main():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Identity()])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = Batches(4, workers=2, use_multiprocessing=True)
        batches = model.predict(data, verbose=0)
    result = {
        "parent_pid": os.getpid(),
        "batches": batches.tolist(),
        "warnings": [f"{w.category.__name__}: {w.message}" for w in caught],
        "workers": data.workers,
        "use_multiprocessing": data.use_multiprocessing,
    }
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
