"""KMP401 fixed: state that must survive is kept where it runs: the parent.

on_epoch_end runs in the parent, so its counter persists; the number of batches is counted from
what predict returns.
Run: python proofs/KMP401_good.py [fork|spawn|forkserver]
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
        self.epochs = 0

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        time.sleep(0.05)
        return np.array([[index, os.getpid(), 0.0, 0.0]], dtype="float32")

    def on_epoch_end(self):
        self.epochs += 1


def main():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Identity()])
    data = Batches(6, workers=2, use_multiprocessing=True)
    batches = model.predict(data, verbose=0)
    result = {
        "parent_pid": os.getpid(),
        "batches": batches.tolist(),
        "calls": len(batches),
        "epochs": data.epochs,
    }
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
