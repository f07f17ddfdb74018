"""KMP303 bad (Keras 3): workers=-1 or workers=0 with use_multiprocessing=True.

Keras starts a pool only for workers > 1, or workers >= 1 with use_multiprocessing=True, so both
loaders silently load every batch in the main process, the scikit-learn "-1 = all cores" habit
included.
Run: python proofs/KMP303_bad.py [fork|spawn|forkserver]
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
    all_cores = Batches(4, workers=-1, use_multiprocessing=True)  # expect: KMP303
    no_workers = Batches(4, workers=0, use_multiprocessing=True)  # expect: KMP303
    result = {
        "parent_pid": os.getpid(),
        "batches": model.predict(all_cores, verbose=0).tolist(),
        "batches_workers_0": model.predict(no_workers, verbose=0).tolist(),
    }
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
