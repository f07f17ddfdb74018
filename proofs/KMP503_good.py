"""KMP503 fixed: Keras' settings go through super().__init__, the class's own under its own name.

Preset fixes its worker settings in super().__init__(workers=2, use_multiprocessing=True,
**kwargs): the batches load in two worker processes. Decoded keeps its thread count in
self.decode_threads: with the default settings every batch loads on the main thread.
Run: python proofs/KMP503_good.py [fork|spawn|forkserver]
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
        super().__init__(workers=2, use_multiprocessing=True, **kwargs)
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
        self.decode_threads = decode_threads

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        with ThreadPoolExecutor(self.decode_threads) as pool:
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
