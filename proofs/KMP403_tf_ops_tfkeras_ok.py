"""KMP403 near miss (Keras 2 / tf_keras): TensorFlow ops in __getitem__ of fork workers.

The parent runs TensorFlow first (encoding a JPEG and a predict on arrays), then tf-keras' fork
workers decode, resize and convert with TensorFlow: measured to work (CPU build). Silent.
Needs tensorflow + tf-keras (not installed in CI: the runtime test skips it).
Run: python proofs/KMP403_tf_ops_tfkeras_ok.py [fork|spawn|forkserver]
"""
import json
import multiprocessing
import os
import sys

import numpy as np
import tensorflow as tf
import tf_keras as keras


class Decoded(keras.utils.Sequence):
    def __init__(self, n, jpeg):
        self.n = n
        self.jpeg = jpeg

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        image = tf.cast(tf.io.decode_jpeg(self.jpeg), tf.float32)
        small = tf.image.resize(image + float(index), (4, 4))
        value = float(tf.convert_to_tensor(small)[0, 0, 0])
        return (np.array([[index, os.getpid(), value, 0.0]], dtype="float32"),)


def main():
    jpeg = tf.io.encode_jpeg(np.full((16, 16, 3), 100, np.uint8)).numpy()
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4, use_bias=False, kernel_initializer="identity")])
    model.predict(np.zeros((2, 4), "float32"), verbose=0)  # the parent's TensorFlow runtime is up
    result = {"parent_pid": os.getpid(), "backend": "tf_keras", "batches": [], "error": None}
    result["tensorflow"] = tf.__version__
    try:
        out = model.predict(Decoded(4, jpeg), workers=2, use_multiprocessing=True, verbose=0)
        result["batches"] = np.asarray(out).tolist()
    except Exception as exc:  # noqa: BLE001 - the proof reports whatever Keras raises
        result["error"] = {"type": type(exc).__name__, "message": str(exc)}
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
