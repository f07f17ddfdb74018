"""KMP303 fixed (Keras 3): an explicit positive worker count on the loader starts the pool.

Run: python proofs/KMP303_good.py [fork|spawn|forkserver]
"""
import json
import multiprocessing
import os
import sys
import threading
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
        on_main_thread = threading.current_thread() is threading.main_thread()
        return np.array([[index, os.getpid(), float(on_main_thread), 0.0]], dtype="float32")


def main():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Identity()])
    data = Batches(4, workers=2, use_multiprocessing=True)
    result = {"parent_pid": os.getpid(), "batches": model.predict(data, verbose=0).tolist()}
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
