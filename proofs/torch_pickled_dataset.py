"""torch DataLoader(num_workers=2): what a Dataset and the DataLoader's own callables must survive.

Each case builds one program shape and iterates the loader for two epochs. Under spawn and
forkserver torch pickles the dataset, collate_fn and worker_init_fn into every worker (the
sampler stays in the parent); under fork they are copied.

Cases (argv[2]):
  lambda_attribute       self.post = lambda x: ...            (KMP201)
  nested_attribute       self.post = <nested function>         (KMP201)
  local_class_attribute  self.post = <instance of a local class> (KMP201)
  local_dataset_class    the Dataset class defined in a function (KMP204)
  lock_attribute         self.lock = threading.Lock()          (KMP202)
  file_attribute         self.handle = open(path)              (KMP202)
  generator_attribute    self.stream = (i for i in ...)        (KMP202)
  lmdb_attribute         self.env = lmdb.open(folder)          (KMP202; needs lmdb)
  collate_lambda         collate_fn=lambda batch: ...          (KMP601)
  worker_init_nested     worker_init_fn=<nested function>      (KMP601)
  collate_bound_unpicklable  collate_fn=<bound method of an object holding a lock> (KMP601)
  sampler_local          sampler=<instance of a local class>   (silent: the sampler runs in the parent)
  collate_partial        collate_fn=functools.partial(<module function>)  (silent)
  collate_bound_dataset  collate_fn=dataset.collate (picklable dataset)   (silent)
  lazy_open              the file opened lazily in __getitem__ (silent)
  plain                  module-level classes and functions only (silent)

Run: python proofs/torch_pickled_dataset.py [fork|spawn|forkserver] CASE
"""
import functools
import json
import multiprocessing
import os
import sys
import tempfile
import threading
import warnings

import torch
from torch.utils.data import DataLoader, Dataset, Sampler

N = 8


def scale(x, factor=2.0):
    return x * factor


def stack(batch, offset=0.0):
    return torch.stack(batch) + offset


class Rows(Dataset):
    """Item i is [i, worker pid, value]; ``post`` maps the index to the value."""

    def __init__(self, n, post=scale, **held):
        self.n = n
        self.post = post
        for name, value in held.items():
            setattr(self, name, value)
        self.handle_path = None
        self.handle = getattr(self, "handle", None)

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        value = float(self.post(index))
        if getattr(self, "stream", None) is not None:
            value = float(next(self.stream))
        if self.handle is not None:
            self.handle.seek(0)
            value = float(len(self.handle.read()))
        return torch.tensor([index, os.getpid(), value], dtype=torch.float64)

    def collate(self, batch):
        return torch.stack(batch)


class LazyRows(Rows):
    """The recommended fix for a file: open it in the worker, on first use."""

    def __init__(self, n, path):
        super().__init__(n)
        self.handle_path = path
        self.handle = None

    def __getitem__(self, index):
        if self.handle is None:
            self.handle = open(self.handle_path)  # noqa: SIM115 - one per worker, on purpose
        return super().__getitem__(index)


class Collator:
    def __init__(self):
        self.lock = threading.Lock()

    def collate(self, batch):
        with self.lock:
            return torch.stack(batch)


def build(case, path):
    """The dataset and the DataLoader keyword arguments of one case."""
    if case == "lambda_attribute":
        return Rows(N, post=lambda x: x * 2.0), {}
    if case == "nested_attribute":
        def double(x):
            return x * 2.0
        return Rows(N, post=double), {}
    if case == "local_class_attribute":
        class Doubler:
            def __call__(self, x):
                return x * 2.0
        return Rows(N, post=Doubler()), {}
    if case == "local_dataset_class":
        class LocalRows(Rows):
            pass
        return LocalRows(N), {}
    if case == "lock_attribute":
        return Rows(N, lock=threading.Lock()), {}
    if case == "file_attribute":
        return Rows(N, handle=open(path)), {}  # noqa: SIM115
    if case == "generator_attribute":
        return Rows(N, stream=(2.0 * i for i in range(100))), {}
    if case == "lmdb_attribute":
        import lmdb  # only this case needs it

        folder = tempfile.mkdtemp()
        writer = lmdb.open(folder)
        with writer.begin(write=True) as txn:
            txn.put(b"num-samples", str(N).encode())
        writer.close()
        return Rows(N, env=lmdb.open(folder, readonly=True, lock=False)), {}
    if case == "collate_lambda":
        return Rows(N), {"batch_size": 2, "collate_fn": lambda batch: torch.stack(batch)}
    if case == "worker_init_nested":
        def init(worker_id):
            torch.set_num_threads(1)
        return Rows(N), {"worker_init_fn": init}
    if case == "collate_bound_unpicklable":
        return Rows(N), {"batch_size": 2, "collate_fn": Collator().collate}
    if case == "sampler_local":
        class Forward(Sampler):
            def __init__(self, n):
                self.n = n

            def __iter__(self):
                return iter(range(self.n))

            def __len__(self):
                return self.n
        return Rows(N), {"sampler": Forward(N)}
    if case == "collate_partial":
        return Rows(N), {"batch_size": 2, "collate_fn": functools.partial(stack, offset=0.0)}
    if case == "collate_bound_dataset":
        data = Rows(N)
        return data, {"batch_size": 2, "collate_fn": data.collate}
    if case == "lazy_open":
        return LazyRows(N, path), {}
    if case == "plain":
        return Rows(N), {}
    raise SystemExit(f"unknown case {case}")


def main(case):
    result = {"case": case, "parent_pid": os.getpid(), "batches": [], "epochs": [], "error": None,
              "warnings": [], "torch": torch.__version__}
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as text:
        text.write("x" * 3)
    data, kwargs = build(case, text.name)
    kwargs.setdefault("batch_size", None)
    loader = DataLoader(data, num_workers=2, **kwargs)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _epoch in range(2):
                rows = []
                for batch in loader:
                    rows.extend(batch.reshape(-1, 3).tolist())
                result["epochs"].append(rows)
                result["batches"].extend(rows)
        result["warnings"] = [str(w.message)[:300] for w in caught]
    except Exception as exc:  # noqa: BLE001 - the proof reports whatever torch raises
        result["error"] = {"type": type(exc).__name__, "message": str(exc)[:2000]}
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main(sys.argv[2] if len(sys.argv) > 2 else "plain")
