"""KMP102 bad: __getitem__ reads SCALE, which the module binds only under the main guard.

Under spawn and forkserver every worker re-imports this file as __mp_main__, skips the guarded
block, and dies with NameError; Keras re-raises it in the parent.
Run: python proofs/KMP102_bad.py [fork|spawn|forkserver]
"""
import json
import multiprocessing
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "numpy")

import keras  # noqa: E402
import numpy as np  # noqa: E402


class Scaled(keras.utils.PyDataset):
    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        value = index * SCALE  # expect: KMP102
        return np.array([[index, os.getpid(), value, 0.0]], dtype="float32")


def main():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Identity()])
    data = Scaled(4, workers=2, use_multiprocessing=True)
    result = {"parent_pid": os.getpid(), "batches": [], "error": None}
    try:
        result["batches"] = model.predict(data, verbose=0).tolist()
    except Exception as exc:  # noqa: BLE001 - the proof reports whatever Keras raises
        result["error"] = {"type": type(exc).__name__, "message": str(exc)}
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    SCALE = 2.0
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
