"""Class attributes are not pickled with the instance: a class-level lambda and lock work.

Pickle stores an instance as a reference to its class plus its __dict__; a spawned or forkserver
worker re-imports this module and rebuilds the class body, lambda and lock included. Only
attributes set on self travel (KMP201/KMP202). Note that each worker gets its own lock: a
class-level lock does not synchronise across processes.
Run: python proofs/KMP201_class_attribute_ok.py [fork|spawn|forkserver]
"""
import json
import multiprocessing
import os
import sys
import threading

os.environ.setdefault("KERAS_BACKEND", "numpy")

import keras  # noqa: E402
import numpy as np  # noqa: E402


class Frames(keras.utils.PyDataset):
    post = staticmethod(lambda x: x * 2.0)
    offset = lambda self, x: x + 1.0  # noqa: E731
    lock = threading.Lock()

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        with self.lock:
            value = self.offset(self.post(index))
        return np.array([[index, os.getpid(), value, 0.0]], dtype="float32")


def main():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Identity()])
    data = Frames(4, workers=2, use_multiprocessing=True)
    result = {"parent_pid": os.getpid(), "batches": [], "error": None}
    try:
        result["batches"] = model.predict(data, verbose=0).tolist()
    except Exception as exc:  # noqa: BLE001 - the proof reports whatever Keras raises
        result["error"] = {"type": type(exc).__name__, "message": str(exc)}
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
