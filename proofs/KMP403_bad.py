"""KMP403 bad: with the JAX backend, __getitem__ calls jax.numpy in worker processes.

JAX runs its own threads in the parent. A forked worker inherits its state without those
threads, and its first jax.numpy call waits for them forever: predict never returns, and no
exception is raised (the parent only prints "RuntimeWarning: os.fork() was called ... JAX is
multithreaded, so this will likely lead to a deadlock."). spawn and forkserver workers start a
fresh JAX runtime and work.
Run: python proofs/KMP403_bad.py [fork|spawn|forkserver]
"""
import json
import multiprocessing
import os
import sys

os.environ["KERAS_BACKEND"] = "jax"

import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402


class Normalized(keras.utils.PyDataset):
    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        scaled = jnp.asarray([index, 1.0]) * 2.0  # expect: KMP403
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
