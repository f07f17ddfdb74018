"""KMP403 bad: with the JAX backend, __init__ builds a Keras preprocessing layer and __getitem__
calls it in worker processes.

A Keras layer runs the backend's ops, here JAX: the forked workers deadlock on the call exactly
as on a direct jax.numpy call. spawn and forkserver work.
Run: python proofs/KMP403_layer_bad.py [fork|spawn|forkserver]
"""
import json
import multiprocessing
import os
import sys

os.environ["KERAS_BACKEND"] = "jax"

import keras  # noqa: E402
import numpy as np  # noqa: E402


class Normalized(keras.utils.PyDataset):
    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = n
        self.scale = keras.layers.Rescaling(2.0)

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        scaled = np.asarray(self.scale(np.array([index, 1.0], dtype="float32")))  # expect: KMP403
        return np.array([[index, os.getpid(), float(scaled[0]), 0.0]], dtype="float32")


def main():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Identity()])
    data = Normalized(4, workers=2, use_multiprocessing=True)
    result = {"parent_pid": os.getpid(), "backend": keras.backend.backend(), "batches": [], "error": None}
    print("predict: started", flush=True)  # a hang after this line is predict's
    try:
        result["batches"] = np.asarray(model.predict(data, verbose=0)).tolist()
    except Exception as exc:  # noqa: BLE001 - the proof reports whatever Keras raises
        result["error"] = {"type": type(exc).__name__, "message": str(exc)}
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
