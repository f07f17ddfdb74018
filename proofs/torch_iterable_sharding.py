"""torch DataLoader(num_workers=2) over an IterableDataset: every worker runs ``__iter__``.

Cases (argv[2]):
  unsharded  __iter__ yields every item, whatever the worker          (KMP602: each item twice)
  sharded    __iter__ yields items[info.id::info.num_workers]          (silent: each item once)

Run: python proofs/torch_iterable_sharding.py [fork|spawn|forkserver] CASE
"""
import json
import multiprocessing
import os
import sys

import torch
from torch.utils.data import DataLoader, IterableDataset, get_worker_info


class Items(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        for index in range(self.n):
            yield torch.tensor([index, os.getpid(), float(index)], dtype=torch.float64)


class ShardedItems(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        for index in range(start, self.n, step):
            yield torch.tensor([index, os.getpid(), float(index)], dtype=torch.float64)


def main(case):
    data = Items(8) if case == "unsharded" else ShardedItems(8)
    result = {"case": case, "parent_pid": os.getpid(), "batches": [], "error": None}
    try:
        for row in DataLoader(data, batch_size=None, num_workers=2):
            result["batches"].append(row.tolist())
    except Exception as exc:  # noqa: BLE001 - the proof reports whatever torch raises
        result["error"] = {"type": type(exc).__name__, "message": str(exc)[:2000]}
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main(sys.argv[2] if len(sys.argv) > 2 else "unsharded")
