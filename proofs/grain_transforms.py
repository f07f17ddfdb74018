"""grain: what its multiprocessing prefetch (``mp_prefetch``) does with transforms.

grain starts its workers with the spawn context and pickles the pipeline with cloudpickle,
whatever start method the program set (grain/_src/python/dataset/transformations/
process_prefetch.py). Cases (argv[2]):
  lambda_map          .map(lambda x: ...)                          (silent: cloudpickle)
  local_transform     .map(<instance of a local MapTransform>)     (silent)
  main_only_global    the transform reads SCALE, bound only under the main guard (silent)
  file_transform      a transform holding an open file             (silent: measured)
  lock_transform      a transform holding a threading.Lock         (cannot be pickled)
  generator_transform a transform holding a generator object       (cannot be pickled)
  rng_on_transform    a transform holding np.random.default_rng(0), drawing in map (same stream?)
  np_global_seeded    np.random.seed(0) at import time, np.random.random() in map (same stream)
  np_global           np.random.random() in map, no seed             (distinct?)
  plain               module-level transform                          (silent)
  pool_transform      a transform holding a multiprocessing.Pool       (cannot be pickled?)
  thread_pool_transform  a transform holding a multiprocessing.pool.ThreadPool
  executor_transform  a transform holding a concurrent.futures.ThreadPoolExecutor
  process_executor_transform  a transform holding a concurrent.futures.ProcessPoolExecutor
  pool_in_map         map makes a multiprocessing.Pool and uses it     (children of a worker?)
  process_executor_in_map  map makes a concurrent.futures.ProcessPoolExecutor and uses it
  thread_pool_in_map  map makes a ThreadPool and uses it               (threads: fine?)

Run: python proofs/grain_transforms.py [fork|spawn|forkserver] CASE
"""
import json
import multiprocessing
import os
import sys
import tempfile
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing.pool import ThreadPool

import grain
from absl import flags

flags.FLAGS.mark_as_parsed()  # grain reads absl flags; a plain script parses none
import numpy as np

CASE = sys.argv[2] if len(sys.argv) > 2 else "plain"
if CASE == "np_global_seeded":
    np.random.seed(0)


class Tag(grain.transforms.Map):
    """Item i -> [i, worker pid, value]."""

    def __init__(self, held=None):
        self.held = held

    def map(self, index):
        value = float(index)
        if CASE == "main_only_global":
            value = index * SCALE  # noqa: F821 - bound only under the main guard
        elif CASE in ("np_global", "np_global_seeded"):
            value = float(np.random.random())
        elif CASE == "rng_on_transform":
            value = float(self.held.random())
        elif CASE == "generator_transform":
            value = float(next(self.held))
        elif CASE == "file_transform":
            self.held.seek(0)
            value = float(len(self.held.read()))
        elif CASE in ("pool_transform", "thread_pool_transform"):
            value = float(self.held.apply(abs, (-index,)))
        elif CASE in ("executor_transform", "process_executor_transform"):
            value = float(self.held.submit(abs, -index).result())
        elif CASE == "pool_in_map":
            with multiprocessing.Pool(2) as pool:
                value = float(sum(pool.map(abs, [-index])))
        elif CASE == "process_executor_in_map":
            with ProcessPoolExecutor(2) as executor:
                value = float(executor.submit(abs, -index).result())
        elif CASE == "thread_pool_in_map":
            with ThreadPool(2) as pool:
                value = float(sum(pool.map(abs, [-index])))
        return [index, os.getpid(), value]


def build(path):
    if CASE == "lambda_map":
        return lambda index: [index, os.getpid(), float(index)]
    if CASE == "local_transform":
        class LocalTag(grain.transforms.Map):
            def map(self, index):
                return [index, os.getpid(), float(index)]
        return LocalTag()
    if CASE == "lock_transform":
        return Tag(threading.Lock())
    if CASE == "generator_transform":
        return Tag(2.0 * i for i in range(100))
    if CASE == "rng_on_transform":
        return Tag(np.random.default_rng(0))
    if CASE == "file_transform":
        return Tag(open(path))  # noqa: SIM115
    if CASE == "pool_transform":
        return Tag(multiprocessing.Pool(2))
    if CASE == "thread_pool_transform":
        return Tag(ThreadPool(2))
    if CASE == "executor_transform":
        return Tag(ThreadPoolExecutor(2))
    if CASE == "process_executor_transform":
        return Tag(ProcessPoolExecutor(2))
    return Tag()


def main():
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as text:
        text.write("xyz")
    transform = build(text.name)
    data = grain.MapDataset.range(8).map(transform).to_iter_dataset()
    data = data.mp_prefetch(grain.multiprocessing.MultiprocessingOptions(num_workers=2))
    result = {"case": CASE, "parent_pid": os.getpid(), "batches": [], "error": None,
              "start_method": multiprocessing.get_start_method()}
    try:
        for _epoch in range(2):
            result["batches"].extend([float(v) for v in row] for row in data)
    except Exception as exc:  # noqa: BLE001 - the proof reports whatever grain raises
        result["error"] = {"type": type(exc).__name__, "message": str(exc)[:2000]}
    values = [round(row[2], 12) for row in result["batches"]]
    result["distinct"] = len(set(values))
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    SCALE = 2.0
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
