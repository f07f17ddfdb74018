"""KMP402 bad: __init__ makes one numpy Generator, stores it on self, and __getitem__ draws from it.

Every worker receives a copy of the loader with the same generator state (copied under fork,
pickled under spawn and forkserver), so the workers draw the same values, and again every epoch.
Run: python proofs/KMP402_rng_on_self_bad.py [fork|spawn|forkserver]
"""
import json
import multiprocessing
import os
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "numpy")

import keras  # noqa: E402
import numpy as np  # noqa: E402


class Augmented(keras.utils.PyDataset):
    def __init__(self, n, seed=1234, **kwargs):
        super().__init__(**kwargs)
        self.n = n
        self.rng = np.random.default_rng(seed)

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        time.sleep(0.1)
        noise = self.rng.uniform()  # expect: KMP402
        return np.array([[index, os.getpid(), noise, 0.0]], dtype="float32")


def main():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Identity()])
    data = Augmented(8, workers=2, use_multiprocessing=True)
    first = model.predict(data, verbose=0)
    second = model.predict(data, verbose=0)
    result = {"parent_pid": os.getpid(), "batches": first.tolist(), "second_epoch": second.tolist()}
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
