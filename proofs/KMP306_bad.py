"""KMP306 bad: Keras 2 training code on Keras 3, which removed the *_generator methods.

fit_generator, evaluate_generator and predict_generator raise AttributeError before anything is
loaded.
Run: python proofs/KMP306_bad.py [fork|spawn|forkserver]
"""
# keras-mp-options: keras-version=3
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
        model.fit_generator(data, epochs=1, verbose=0)  # expect: KMP306
    except Exception as exc:  # noqa: BLE001 - the proof reports whatever Keras raises
        errors["fit_generator"] = {"type": type(exc).__name__, "message": str(exc)}
    try:
        model.evaluate_generator(data, verbose=0)  # expect: KMP306
    except Exception as exc:  # noqa: BLE001
        errors["evaluate_generator"] = {"type": type(exc).__name__, "message": str(exc)}
    try:
        model.predict_generator(data, workers=2, use_multiprocessing=True)  # expect: KMP306
    except Exception as exc:  # noqa: BLE001
        errors["predict_generator"] = {"type": type(exc).__name__, "message": str(exc)}
    result = {"parent_pid": os.getpid(), "errors": errors, "backend": keras.backend.backend()}
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
