"""KMP306 fixed: fit/evaluate/predict take the same PyDataset; the worker settings go to it.

(The numpy backend implements no training step, so the proof runs evaluate and predict; fit takes
the loader the same way.)

Run: python proofs/KMP306_good.py [fork|spawn|forkserver]
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
    data = Batches(4, workers=2, use_multiprocessing=True)
    result = {"parent_pid": os.getpid(), "batches": [], "error": None, "loss": None}
    try:
        result["loss"] = float(model.evaluate(data, verbose=0))
        result["batches"] = model.predict(data, verbose=0).tolist()
    except Exception as exc:  # noqa: BLE001 - the proof reports whatever Keras raises
        result["error"] = {"type": type(exc).__name__, "message": str(exc)}
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
