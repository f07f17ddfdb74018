"""KMP401 bad: __getitem__ advances an iterator kept on self instead of reading by index.

Each worker process advances its own copy of the iterator (copied under fork, pickled under
spawn and forkserver), so every worker replays the stream from the start: rows repeat and
others are never served, whatever index Keras asked for.
Run: python proofs/KMP401_iterator_bad.py [fork|spawn|forkserver]
"""
import json
import multiprocessing
import os
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "numpy")

import keras  # noqa: E402
import numpy as np  # noqa: E402


class Rows(keras.utils.PyDataset):
    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = n
        self.rows = iter(range(n))

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        time.sleep(0.1)
        row = next(self.rows)  # expect: KMP401
        return np.array([[index, os.getpid(), float(row), 0.0]], dtype="float32")


def main():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Identity()])
    data = Rows(6, workers=2, use_multiprocessing=True)
    batches = model.predict(data, verbose=0)
    print("RESULT " + json.dumps({"parent_pid": os.getpid(), "batches": batches.tolist()}), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
