"""KMP402 bad: __getitem__ draws augmentation noise from numpy's global RNG.

Under fork every worker starts from a copy of the parent's RNG state and Keras never reseeds
them, so the workers draw the same "random" values, and the same again every epoch.
Run: python proofs/KMP402_bad.py [fork|spawn|forkserver]
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
    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        time.sleep(0.1)
        noise = np.random.uniform()  # expect: KMP402
        return np.array([[index, os.getpid(), noise, 0.0]], dtype="float32")


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
