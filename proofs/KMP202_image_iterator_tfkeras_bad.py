"""KMP202 bad (Keras 2 / tf_keras): an ImageDataGenerator().flow() iterator fed to process workers.

The iterator keeps a threading.Lock (and an index generator) on self; under spawn and forkserver
tf-keras pickles it into its worker pool and "TypeError: cannot pickle '_thread.lock' object"
follows.
Needs tensorflow + tf-keras (not installed in CI: the runtime test skips it).
Run: python proofs/KMP202_image_iterator_tfkeras_bad.py [fork|spawn|forkserver]
"""
import json
import multiprocessing
import os
import sys

import numpy as np
import tf_keras as keras
from tf_keras.preprocessing.image import ImageDataGenerator


def main():
    images = np.arange(8, dtype="float32").reshape(8, 1, 1, 1) * np.ones((8, 2, 2, 1), "float32")
    flow = ImageDataGenerator().flow(images, batch_size=2, shuffle=False)
    model = keras.Sequential([keras.Input((2, 2, 1)), keras.layers.Flatten()])
    result = {"parent_pid": os.getpid(), "values": [], "error": None}
    try:
        out = model.predict(flow, workers=2, use_multiprocessing=True, verbose=0)  # expect: KMP202
        result["values"] = [float(row[0]) for row in out]
    except Exception as exc:  # noqa: BLE001 - the proof reports whatever Keras raises
        result["error"] = {"type": type(exc).__name__, "message": str(exc)}
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
