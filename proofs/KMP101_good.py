"""KMP101 fixed: each batch carries its own index back; the parent collects what was seen.

Run: python proofs/KMP101_good.py [fork|spawn|forkserver]
Prints one line "RESULT {json}": the batches (index, loader pid), the parent pid and SEEN.
"""
import json
import multiprocessing
import os
import sys
import time

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
        time.sleep(0.05)
        return np.array([[index, os.getpid(), 0.0, 0.0]], dtype="float32")


def main():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Identity()])
    data = Batches(6, workers=2, use_multiprocessing=True)
    batches = model.predict(data, verbose=0)
    seen = [int(row[0]) for row in batches]
    result = {"parent_pid": os.getpid(), "batches": batches.tolist(), "seen": seen}
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
