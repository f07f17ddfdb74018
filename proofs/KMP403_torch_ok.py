"""KMP403 near miss: a CPU build of PyTorch used in __getitem__ of fork workers.

The parent runs PyTorch first (a matrix product and a resize that use its OpenMP thread pool),
then the forked workers resize images and multiply matrices with torch: measured to work under
fork, spawn and forkserver, with the Keras numpy and torch backends alike. Silent.
Needs torch (not installed in CI: the runtime test skips it).
Run: python proofs/KMP403_torch_ok.py [fork|spawn|forkserver] [numpy|torch]
"""
import json
import multiprocessing
import os
import sys

os.environ["KERAS_BACKEND"] = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("KERAS_BACKEND", "numpy")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402


class Resized(keras.utils.PyDataset):
    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        image = torch.full((1, 3, 256, 256), float(index))
        small = F.interpolate(image, size=(64, 64), mode="bilinear")
        product = (torch.ones(256, 256) @ torch.ones(256, 256))[0, 0].item()
        return np.array([[index, os.getpid(), float(small.mean()), product]], dtype="float32")


def main():
    # The parent's own torch work starts torch's intra-op thread pool before the workers fork.
    (torch.ones(1024, 1024) @ torch.ones(1024, 1024)).sum()
    F.interpolate(torch.ones(1, 3, 512, 512), size=(128, 128), mode="bilinear")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Identity()])
    data = Resized(6, workers=2, use_multiprocessing=True)
    result = {"parent_pid": os.getpid(), "backend": keras.backend.backend(), "batches": [], "error": None}
    result["torch"] = torch.__version__
    result["torch_threads"] = torch.get_num_threads()
    try:
        result["batches"] = np.asarray(model.predict(data, verbose=0)).tolist()
    except Exception as exc:  # noqa: BLE001 - the proof reports whatever Keras raises
        result["error"] = {"type": type(exc).__name__, "message": str(exc)}
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
