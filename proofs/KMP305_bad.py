"""KMP305 bad: Keras 2 habits in a Keras 3 program: worker arguments passed to fit/predict/evaluate.

Keras 3 takes them on the PyDataset constructor; fit and predict raise TypeError, evaluate raises
ValueError.
Run: python proofs/KMP305_bad.py [fork|spawn|forkserver]
"""
import json
import multiprocessing
import os
import sys

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
        x = np.array([[index, os.getpid(), 0.0, 0.0]], dtype="float32")
        return x, x


def main():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Identity()])
    model.compile(loss="mse")
    data = Batches(4)
    errors = {}
    try:
        model.predict(data, workers=2, use_multiprocessing=True)  # expect: KMP305
    except Exception as exc:  # noqa: BLE001 - the proof reports whatever Keras raises
        errors["predict"] = {"type": type(exc).__name__, "message": str(exc)}
    try:
        model.fit(data, workers=2, use_multiprocessing=True)  # expect: KMP305
    except Exception as exc:  # noqa: BLE001
        errors["fit"] = {"type": type(exc).__name__, "message": str(exc)}
    try:
        model.evaluate(data, workers=2, use_multiprocessing=True)  # expect: KMP305
    except Exception as exc:  # noqa: BLE001
        errors["evaluate"] = {"type": type(exc).__name__, "message": str(exc)}
    print("RESULT " + json.dumps({"parent_pid": os.getpid(), "errors": errors}), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
