"""KMP503 bad: a PyDataset uses the names workers / use_multiprocessing for its own settings.

They are PyDataset properties backed by _workers / _use_multiprocessing:
- Preset assigns them before super().__init__(**kwargs), which resets them to workers=1,
  use_multiprocessing=False: the two worker processes it asked for never start.
- Decoded stores the size of its own decode thread pool in self.workers: Keras reads it as its
  worker count and loads batches on 4 threads nobody asked for.
Run: python proofs/KMP503_bad.py [fork|spawn|forkserver]
"""
import json
import multiprocessing
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

os.environ.setdefault("KERAS_BACKEND", "numpy")

import keras  # noqa: E402
import numpy as np  # noqa: E402


def decode(part):
    return part * 10.0


class Preset(keras.utils.PyDataset):
    def __init__(self, n, **kwargs):
        self.workers = 2  # expect: KMP503
        self.use_multiprocessing = True  # expect: KMP503
        super().__init__(**kwargs)
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        on_main_thread = threading.current_thread() is threading.main_thread()
        return np.array([[index, os.getpid(), float(on_main_thread), 0.0]], dtype="float32")


class Decoded(keras.utils.PyDataset):
    def __init__(self, n, decode_threads=4, **kwargs):
        super().__init__(**kwargs)
        self.n = n
        self.workers = decode_threads  # expect: KMP503

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        with ThreadPoolExecutor(self.workers) as pool:
            parts = list(pool.map(decode, [index, 1]))
        on_main_thread = threading.current_thread() is threading.main_thread()
        return np.array([[index, os.getpid(), float(on_main_thread), parts[0]]], dtype="float32")


def main():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Identity()])
    preset = Preset(4)
    decoded = Decoded(4)
    result = {
        "parent_pid": os.getpid(),
        "batches": model.predict(preset, verbose=0).tolist(),
        "preset_settings": [preset.workers, preset.use_multiprocessing],
        "decoded_batches": model.predict(decoded, verbose=0).tolist(),
        "decoded_settings": [decoded.workers, decoded.use_multiprocessing],
    }
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
