"""KMP403 bad: the parent runs JAX in __init__, and __getitem__ calls jax.numpy in worker processes.

The Keras backend is numpy, but the constructor's jax.numpy call starts JAX's runtime (and its
threads) in the parent; the forked workers then deadlock on their first JAX call, exactly as
with the JAX backend. spawn and forkserver work.
Run: python proofs/KMP403_jax_in_init_bad.py [fork|spawn|forkserver]
"""
import json
import multiprocessing
import os
import sys

os.environ["KERAS_BACKEND"] = "numpy"

import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402


class Normalized(keras.utils.PyDataset):
    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = n
        self.scale = float(jnp.asarray(2.0))  # JAX now runs in the parent

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        scaled = jnp.asarray([index, 1.0]) * self.scale  # expect: KMP403
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
