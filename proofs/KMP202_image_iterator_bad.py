"""KMP202 bad: an ImageDataGenerator().flow() iterator is fed to process workers.

Keras' legacy image iterators keep a threading.Lock (and an index generator) on self. Keras 3's
flow() takes no worker arguments, but its result is a PyDataset whose workers and
use_multiprocessing can be set; under spawn and forkserver Keras then pickles it into the
workers and fails with "TypeError: cannot pickle '_thread.lock' object".
Run: python proofs/KMP202_image_iterator_bad.py [fork|spawn|forkserver]
"""
import json
import multiprocessing
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "numpy")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras.src.legacy.preprocessing.image import ImageDataGenerator  # noqa: E402


def main():
    images = np.arange(8, dtype="float32").reshape(8, 1, 1, 1) * np.ones((8, 2, 2, 1), "float32")
    flow = ImageDataGenerator().flow(images, batch_size=2, shuffle=False)
    flow.workers = 2
    flow.use_multiprocessing = True
    model = keras.Sequential([keras.Input((2, 2, 1)), keras.layers.Flatten()])
    result = {"parent_pid": os.getpid(), "values": [], "error": None}
    try:
        out = model.predict(flow, verbose=0)  # expect: KMP202
        result["values"] = [float(row[0]) for row in out]
    except Exception as exc:  # noqa: BLE001 - the proof reports whatever Keras raises
        result["error"] = {"type": type(exc).__name__, "message": str(exc)}
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
