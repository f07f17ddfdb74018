"""KMP307 fixed: the switch declared ``action=argparse.BooleanOptionalAction``.

``--no-multiprocessing`` turns processes off (every batch loads in the parent process), and the
old spelling ``--multiprocessing False`` is now an error instead of the opposite of what it says.
Run: python proofs/KMP307_good.py [fork|spawn|forkserver]   (the start method is set at the top)
"""
import argparse
import contextlib
import io
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
        return np.array([[index, os.getpid(), 0.0, 0.0]], dtype="float32")


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn", force=True)
    parser = argparse.ArgumentParser()
    parser.add_argument("--multiprocessing", action=argparse.BooleanOptionalAction, default=False)
    old_spelling = io.StringIO()
    with contextlib.redirect_stderr(old_spelling):
        try:
            parser.parse_args(["--multiprocessing", "False"])
            rejected = False
        except SystemExit:
            rejected = True
    args = parser.parse_args(["--no-multiprocessing"])
    model = keras.Sequential([keras.Input((4,)), keras.layers.Identity()])
    data = Batches(4, workers=2, use_multiprocessing=args.multiprocessing)
    batches = model.predict(data, verbose=0)
    result = {
        "parent_pid": os.getpid(),
        "parsed": args.multiprocessing,
        "old_spelling_rejected": rejected,
        "old_spelling_error": old_spelling.getvalue().strip().splitlines()[-1:],
        "batches": batches.tolist(),
    }
    print("RESULT " + json.dumps(result), flush=True)
