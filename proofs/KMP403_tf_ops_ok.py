"""KMP403 near miss: TensorFlow ops in __getitem__ of fork workers (Keras 3, TensorFlow backend).

The parent runs TensorFlow first (encoding a JPEG and a predict on arrays), then the forked
workers decode the JPEG with tf.io.decode_jpeg, resize with tf.image.resize and build tensors
with tf.convert_to_tensor: measured to work under fork (CPU build of TensorFlow). Silent.
Needs tensorflow (not installed in CI: the runtime test skips it).
Run: python proofs/KMP403_tf_ops_ok.py [fork|spawn|forkserver]
"""
import json
import multiprocessing
import os
import sys

os.environ["KERAS_BACKEND"] = "tensorflow"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


class Decoded(keras.utils.PyDataset):
    def __init__(self, n, jpeg, **kwargs):
        super().__init__(**kwargs)
        self.n = n
        self.jpeg = jpeg

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        image = tf.cast(tf.io.decode_jpeg(self.jpeg), tf.float32)
        small = tf.image.resize(image + float(index), (4, 4))
        value = float(tf.convert_to_tensor(small)[0, 0, 0])
        return np.array([[index, os.getpid(), value, 0.0]], dtype="float32")


def main():
    jpeg = tf.io.encode_jpeg(np.full((16, 16, 3), 100, np.uint8)).numpy()
    model = keras.Sequential([keras.Input((4,)), keras.layers.Identity()])
    model.predict(np.zeros((2, 4), "float32"), verbose=0)  # the parent's TensorFlow runtime is up
    data = Decoded(4, jpeg, workers=2, use_multiprocessing=True)
    result = {"parent_pid": os.getpid(), "backend": keras.backend.backend(), "batches": [], "error": None}
    result["tensorflow"] = tf.__version__
    try:
        result["batches"] = np.asarray(model.predict(data, verbose=0)).tolist()
    except Exception as exc:  # noqa: BLE001 - the proof reports whatever Keras raises
        result["error"] = {"type": type(exc).__name__, "message": str(exc)}
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
