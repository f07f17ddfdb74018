"""grain's multiprocessing prefetch iterated at import time, with no main guard.

grain's spawn workers re-import this script and start their own prefetch while bootstrapping.

Run: python proofs/grain_no_main_guard.py [fork|spawn|forkserver]
"""
import json
import multiprocessing
import os
import sys

import grain
from absl import flags

flags.FLAGS.mark_as_parsed()  # grain reads absl flags; a plain script parses none

if multiprocessing.current_process().name == "MainProcess" and not getattr(sys, "_kmp_started", False):
    sys._kmp_started = True
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")

data = grain.MapDataset.range(4).map(lambda i: [i, os.getpid(), float(i)]).to_iter_dataset()
data = data.mp_prefetch(grain.multiprocessing.MultiprocessingOptions(num_workers=2))
if multiprocessing.current_process().name != "MainProcess":
    # a grain worker re-importing the script: it iterates like any script would, uncaught
    print(list(data))
result = {"parent_pid": os.getpid(), "batches": [], "error": None}
try:
    result["batches"] = [[float(v) for v in row] for row in data]
except Exception as exc:  # noqa: BLE001 - the proof reports whatever grain raises
    result["error"] = {"type": type(exc).__name__, "message": str(exc)[:2000]}
print("RESULT " + json.dumps(result), flush=True)
