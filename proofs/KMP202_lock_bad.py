"""KMP202 bad: the loader keeps a threading.Lock on self to guard its decoder.

Run: python proofs/KMP202_lock_bad.py [spawn|forkserver]
"""
import json
import multiprocessing
import os
import sys
import threading

os.environ.setdefault("KERAS_BACKEND", "numpy")

import keras  # noqa: E402
import numpy as np  # noqa: E402


class Decoded(keras.utils.PyDataset):
    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = n
        self.lock = threading.Lock()  # expect: KMP202

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        with self.lock:
            value = index * 10.0
        return np.array([[index, os.getpid(), value, 0.0]], dtype="float32")


def main():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Identity()])
    data = Decoded(4, workers=2, use_multiprocessing=True)
    result = {"parent_pid": os.getpid(), "batches": [], "error": None}
    try:
        result["batches"] = model.predict(data, verbose=0).tolist()
    except Exception as exc:  # noqa: BLE001 - the proof reports whatever Keras raises
        result["error"] = {"type": type(exc).__name__, "message": str(exc)}
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
