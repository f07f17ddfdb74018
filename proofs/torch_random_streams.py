"""torch DataLoader(num_workers=2): which random streams repeat across workers and epochs.

torch seeds ``random``, ``torch`` and numpy's global generator in every worker and every epoch
(torch/utils/data/_utils/worker.py), so module-level draws are distinct; a generator object
stored on the dataset in ``__init__`` is copied into every worker and replays its stream.

Cases (argv[2]):
  np_global        np.random.random() in __getitem__                       (silent)
  np_global_seeded np.random.seed(0) at import time, np.random.random()    (silent)
  random_module    random.random() in __getitem__                          (silent)
  rng_on_self      self.rng = np.random.default_rng(0) in __init__         (KMP402)
  random_state_on_self self.rng = np.random.RandomState(0) in __init__     (KMP402)
  rng_per_worker   the generator made per worker in worker_init_fn         (silent)
  seed_in_worker_init worker_init_fn calls np.random.seed(0)               (every worker the same)

Run: python proofs/torch_random_streams.py [fork|spawn|forkserver] CASE
"""
import json
import multiprocessing
import os
import random
import sys

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, get_worker_info

CASE = sys.argv[2] if len(sys.argv) > 2 else "np_global"
if CASE == "np_global_seeded":
    np.random.seed(0)


class Draws(Dataset):
    def __init__(self, n, rng=None):
        self.n = n
        self.rng = rng

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        if CASE in ("np_global", "np_global_seeded", "seed_in_worker_init"):
            value = np.random.random()
        elif CASE == "random_module":
            value = random.random()
        else:
            value = self.rng.random() if self.rng is not None else np.random.random()
        return torch.tensor([index, os.getpid(), value], dtype=torch.float64)


def own_generator(worker_id):
    info = get_worker_info()
    info.dataset.rng = np.random.default_rng(info.seed % 2**32)


def fixed_seed(worker_id):
    np.random.seed(0)


def main():
    rng = None
    kwargs = {}
    if CASE == "rng_on_self":
        rng = np.random.default_rng(0)
    elif CASE == "random_state_on_self":
        rng = np.random.RandomState(0)
    elif CASE == "rng_per_worker":
        rng = np.random.default_rng(0)
        kwargs["worker_init_fn"] = own_generator
    elif CASE == "seed_in_worker_init":
        kwargs["worker_init_fn"] = fixed_seed
    loader = DataLoader(Draws(8, rng), batch_size=None, num_workers=2, **kwargs)
    result = {"case": CASE, "parent_pid": os.getpid(), "batches": [], "error": None}
    try:
        for _epoch in range(2):
            for row in loader:
                result["batches"].append(row.tolist())
    except Exception as exc:  # noqa: BLE001 - the proof reports whatever torch raises
        result["error"] = {"type": type(exc).__name__, "message": str(exc)[:2000]}
    values = [round(row[2], 12) for row in result["batches"]]
    result["draws"] = len(values)
    result["distinct"] = len(set(values))
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
