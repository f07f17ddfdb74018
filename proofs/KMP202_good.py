"""KMP202 fixed: keep the path, open the file lazily in each worker, read rows by index.

Every batch is the row its index names, under fork, spawn and forkserver.
Run: python proofs/KMP202_good.py [fork|spawn|forkserver]
"""
import json
import multiprocessing
import os
import sys
import tempfile
import time

os.environ.setdefault("KERAS_BACKEND", "numpy")

import keras  # noqa: E402
import numpy as np  # noqa: E402

WIDTH = 8  # one label per line: "%7.1f\n"


class Labels(keras.utils.PyDataset):
    def __init__(self, path, n, **kwargs):
        super().__init__(**kwargs)
        self.path = path
        self.n = n
        self.fh = None

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        time.sleep(0.1)
        if self.fh is None:
            self.fh = open(self.path)
        self.fh.seek(index * WIDTH)
        label = float(self.fh.read(WIDTH))
        return np.array([[index, os.getpid(), label, 0.0]], dtype="float32")


def write_labels(n):
    path = os.path.join(tempfile.mkdtemp(), "labels.txt")
    with open(path, "w") as out:
        out.writelines("%7.1f\n" % (row * 10.0) for row in range(n))
    return path


def main():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Identity()])
    data = Labels(write_labels(6), 6, workers=2, use_multiprocessing=True)
    result = {"parent_pid": os.getpid(), "batches": [], "error": None}
    try:
        result["batches"] = model.predict(data, verbose=0).tolist()
    except Exception as exc:  # noqa: BLE001 - the proof reports whatever Keras raises
        result["error"] = {"type": type(exc).__name__, "message": str(exc)}
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
