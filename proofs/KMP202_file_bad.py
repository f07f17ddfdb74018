"""KMP202 bad: the loader opens its label file in __init__ and keeps the handle on self.

Under spawn/forkserver Keras pickles the loader into every worker and the handle cannot be
pickled.
Run: python proofs/KMP202_file_bad.py [spawn|forkserver]
"""
import json
import multiprocessing
import os
import sys
import tempfile

os.environ.setdefault("KERAS_BACKEND", "numpy")

import keras  # noqa: E402
import numpy as np  # noqa: E402

WIDTH = 8  # one label per line: "%7.1f\n"


class Labels(keras.utils.PyDataset):
    def __init__(self, path, n, **kwargs):
        super().__init__(**kwargs)
        self.n = n
        self.fh = open(path)  # expect: KMP202

    def __len__(self):
        return self.n

    def __getitem__(self, index):
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
    data = Labels(write_labels(4), 4, workers=2, use_multiprocessing=True)
    result = {"parent_pid": os.getpid(), "batches": [], "error": None}
    try:
        result["batches"] = model.predict(data, verbose=0).tolist()
    except Exception as exc:  # noqa: BLE001 - the proof reports whatever Keras raises
        result["error"] = {"type": type(exc).__name__, "message": str(exc)}
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
