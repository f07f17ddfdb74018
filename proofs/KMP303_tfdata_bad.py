"""KMP303 bad (Keras 2 / tf_keras): worker arguments passed with a tf.data.Dataset do nothing.

tf.data runs the pipeline itself; workers/use_multiprocessing apply only to Sequence and
generator input, so every element is still produced in the parent process.
Needs tensorflow + tf-keras (not installed in CI: the runtime test skips it).
Run: python proofs/KMP303_tfdata_bad.py [fork|spawn|forkserver]
"""
import json
import multiprocessing
import os
import sys

import numpy as np
import tensorflow as tf
import tf_keras as keras


def rows():
    for index in range(6):
        yield np.array([index, os.getpid(), 0.0, 0.0], dtype="float32")


def main():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4, use_bias=False, kernel_initializer="identity")])
    spec = tf.TensorSpec(shape=(4,), dtype=tf.float32)
    dataset = tf.data.Dataset.from_generator(rows, output_signature=spec).batch(1)
    out = model.predict(dataset, workers=4, use_multiprocessing=True, verbose=0)  # expect: KMP303
    result = {
        "parent_pid": os.getpid(),
        "batches": out.tolist(),
        "children": len(multiprocessing.active_children()),
    }
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
