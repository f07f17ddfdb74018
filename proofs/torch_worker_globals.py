"""torch DataLoader(num_workers=2): module globals and self state seen from the workers.

Cases (argv[2]):
  global_write      SEEN.append(index) in __getitem__   (KMP101: the parent's SEEN stays [])
  state_write       self.calls += 1 in __getitem__      (KMP401: the parent's count stays 0)
  main_only_global  __getitem__ reads SCALE, bound only under the main guard (KMP102)

Run: python proofs/torch_worker_globals.py [fork|spawn|forkserver] CASE
"""
import json
import multiprocessing
import os
import sys

import torch
from torch.utils.data import DataLoader, Dataset

SEEN = []


class Counted(Dataset):
    def __init__(self, n, case):
        self.n = n
        self.case = case
        self.calls = 0

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        value = float(index)
        if self.case == "global_write":
            SEEN.append(index)
        elif self.case == "state_write":
            self.calls += 1
        elif self.case == "main_only_global":
            value = index * SCALE  # noqa: F821 - bound only under the main guard
        return torch.tensor([index, os.getpid(), value], dtype=torch.float64)


def main(case):
    data = Counted(6, case)
    result = {"case": case, "parent_pid": os.getpid(), "batches": [], "error": None}
    try:
        for row in DataLoader(data, batch_size=None, num_workers=2):
            result["batches"].append(row.tolist())
    except Exception as exc:  # noqa: BLE001 - the proof reports whatever torch raises
        result["error"] = {"type": type(exc).__name__, "message": str(exc)[:2000]}
    result["seen"] = SEEN
    result["calls"] = data.calls
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    SCALE = 2.0
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main(sys.argv[2] if len(sys.argv) > 2 else "global_write")
