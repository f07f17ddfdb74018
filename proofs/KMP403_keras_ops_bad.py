"""KMP403 bad: with the JAX backend, __getitem__ calls keras.ops in worker processes.

keras.ops runs on JAX here, so a forked worker deadlocks exactly like a direct jax.numpy call:
predict never returns and no exception is raised. spawn and forkserver work.
Run: python proofs/KMP403_keras_ops_bad.py [fork|spawn|forkserver]
"""
import json
import multiprocessing
import os
import sys

os.environ["KERAS_BACKEND"] = "jax"

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402


class Normalized(keras.utils.PyDataset):
    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        scaled = ops.convert_to_numpy(ops.multiply(ops.ones((2,)), index))  # expect: KMP403
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
