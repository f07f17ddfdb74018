"""KMP402 fixed: a generator seeded per epoch and per index inside __getitem__.

Distinct values for every batch and every epoch, reproducible, whatever worker runs the index.
The epoch counter is advanced in on_epoch_end, which runs in the parent.
Run: python proofs/KMP402_good.py [fork|spawn|forkserver]
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
        self.seed = seed
        self.epoch = 0

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        time.sleep(0.1)
        rng = np.random.default_rng([self.seed, self.epoch, index])
        noise = rng.uniform()
        return np.array([[index, os.getpid(), noise, 0.0]], dtype="float32")

    def on_epoch_end(self):
        self.epoch += 1


def main():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Identity()])
    data = Augmented(12, workers=2, use_multiprocessing=True)
    first = model.predict(data, verbose=0)
    second = model.predict(data, verbose=0)
    result = {"parent_pid": os.getpid(), "batches": first.tolist(), "second_epoch": second.tolist()}
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
