"""Keras 3 ``model.fit`` (KERAS_BACKEND=torch) on a torch DataLoader(num_workers=2).

Keras iterates the DataLoader as it is: its workers, its pickling, its seeding. Cases (argv[2]):
  lambda_attribute  the Dataset stores a lambda (KMP201: spawn/forkserver fail inside fit)
  collate_lambda    collate_fn=lambda (KMP601: the same inside fit)
  plain             module-level functions only (silent: fit trains on every batch)

Run: python proofs/torch_keras_fit.py [fork|spawn|forkserver] CASE
"""
import json
import multiprocessing
import os
import sys

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import torch  # noqa: E402
from torch.utils.data import DataLoader, Dataset  # noqa: E402


def double(x):
    return 2.0 * x


def pairs(batch):
    xs = torch.stack([x for x, _ in batch])
    ys = torch.stack([y for _, y in batch])
    return xs, ys


class Points(Dataset):
    def __init__(self, n, post=double):
        self.n = n
        self.post = post

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        x = torch.tensor([float(index), float(os.getpid())])
        return x, torch.tensor([self.post(float(index))])


def main(case):
    post = (lambda x: 2.0 * x) if case == "lambda_attribute" else double
    collate = (lambda batch: pairs(batch)) if case == "collate_lambda" else pairs
    loader = DataLoader(Points(8, post), batch_size=2, num_workers=2, collate_fn=collate)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    result = {"case": case, "parent_pid": os.getpid(), "backend": keras.backend.backend(),
              "keras": keras.__version__, "torch": torch.__version__, "error": None}
    try:
        history = model.fit(loader, epochs=2, verbose=0)
        result["epochs"] = len(history.history["loss"])
    except Exception as exc:  # noqa: BLE001 - the proof reports whatever Keras raises
        result["error"] = {"type": type(exc).__name__, "message": str(exc)[:2000]}
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main(sys.argv[2] if len(sys.argv) > 2 else "plain")
