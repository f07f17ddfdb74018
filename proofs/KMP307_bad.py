"""KMP307 bad: a worker switch declared ``type=bool``; the user turns it off on the command line.

argparse calls ``bool("False")``, which is True (any non-empty string is), so
``--multiprocessing False`` turns processes on and every batch loads in a worker process.
Run: python proofs/KMP307_bad.py [fork|spawn|forkserver]   (the start method is set at the top)
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
    parser.add_argument("--multiprocessing", type=bool, default=False)  # expect: KMP307
    # what a user types to keep the batches in the parent process
    errors = io.StringIO()
    with contextlib.redirect_stderr(errors):
        try:
            args = parser.parse_args(["--multiprocessing", "False"])
        except SystemExit:  # a declaration that rejects the spelling (the fixed version)
            args = None
    if args is None:
        rejected = {"parent_pid": os.getpid(), "rejected": errors.getvalue().strip().splitlines()[-1:]}
        print("RESULT " + json.dumps(rejected), flush=True)
        sys.exit(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Identity()])
    data = Batches(4, workers=2, use_multiprocessing=args.multiprocessing)
    batches = model.predict(data, verbose=0)
    result = {"parent_pid": os.getpid(), "parsed": args.multiprocessing, "batches": batches.tolist()}
    print("RESULT " + json.dumps(result), flush=True)
