"""KMP402 bad: the script seeds `random` at import time and __getitem__ draws from it.

spawn and forkserver workers re-import this file, so every worker runs random.seed(0) again and
replays one stream: the workers draw the same "random" values, and the same again every epoch
(Keras builds a new pool for every predict call and every fit epoch). Under fork CPython's
`random` reseeds itself in every child, so fork alone does not show it.
Run: python proofs/KMP402_random_seeded_bad.py [fork|spawn|forkserver]
"""
import json
import multiprocessing
import os
import random
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "numpy")

import keras  # noqa: E402
import numpy as np  # noqa: E402

random.seed(0)  # runs again in every spawn/forkserver worker


class Jittered(keras.utils.PyDataset):
    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        time.sleep(0.1)
        jitter = random.random()  # expect: KMP402
        return np.array([[index, os.getpid(), jitter, 0.0]], dtype="float32")


def main():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Identity()])
    data = Jittered(8, workers=2, use_multiprocessing=True)
    first = model.predict(data, verbose=0)
    second = model.predict(data, verbose=0)
    result = {"parent_pid": os.getpid(), "batches": first.tolist(), "second_epoch": second.tolist()}
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
