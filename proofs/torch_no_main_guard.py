"""torch DataLoader(num_workers=2) iterated at import time, with no main guard (KMP301).

spawn and forkserver workers re-import this script, which builds and iterates the loader again
inside the worker: the worker dies while bootstrapping and the parent's iteration fails.

Run: python proofs/torch_no_main_guard.py [fork|spawn|forkserver]
"""
import json
import multiprocessing
import os
import sys

import torch
from torch.utils.data import DataLoader, Dataset


class Rows(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, index):
        return torch.tensor([index, os.getpid(), float(index)], dtype=torch.float64)


if multiprocessing.current_process().name == "MainProcess" and not getattr(sys, "_kmp_started", False):
    sys._kmp_started = True
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")

if multiprocessing.current_process().name != "MainProcess":
    # a spawn/forkserver worker re-importing the script: it iterates like any script, uncaught
    for row in DataLoader(Rows(), batch_size=None, num_workers=2):
        print(row)
result = {"parent_pid": os.getpid(), "batches": [], "error": None}
try:
    for row in DataLoader(Rows(), batch_size=None, num_workers=2, timeout=30):
        result["batches"].append(row.tolist())
except Exception as exc:  # noqa: BLE001 - the proof reports whatever torch raises
    result["error"] = {"type": type(exc).__name__, "message": str(exc)[:2000]}
print("RESULT " + json.dumps(result), flush=True)
