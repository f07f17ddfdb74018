"""KMP402 near miss: __getitem__ draws from `random` and nothing seeds it at import time.

CPython's `random` module reseeds itself in every forked child, so fork workers draw distinct
values even though the parent called random.seed(0) under the main guard; spawn and forkserver
workers start with fresh OS entropy. Silent.
Run: python proofs/KMP402_random_ok.py [fork|spawn|forkserver]
"""
import json
import multiprocessing
import os
import random
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "numpy")

import keras  # noqa: E402
import numpy as np  # noqa: E402


class Jittered(keras.utils.PyDataset):
    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        time.sleep(0.1)
        jitter = random.random()
        return np.array([[index, os.getpid(), jitter, 0.0]], dtype="float32")


def main():
    random.seed(0)  # the parent only: forked children reseed, spawned ones never run this
    model = keras.Sequential([keras.Input((4,)), keras.layers.Identity()])
    data = Jittered(8, workers=2, use_multiprocessing=True)
    first = model.predict(data, verbose=0)
    second = model.predict(data, verbose=0)
    result = {"parent_pid": os.getpid(), "batches": first.tolist(), "second_epoch": second.tolist()}
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
