"""KMP303 fixed (Keras 2 / tf_keras): parallelism for tf.data comes from tf.data itself.

Needs tensorflow + tf-keras (not installed in CI: the runtime test skips it).
Run: python proofs/KMP303_tfdata_good.py [fork|spawn|forkserver]
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
    dataset = tf.data.Dataset.from_generator(rows, output_signature=spec)
    dataset = dataset.map(lambda row: row * 1.0, num_parallel_calls=tf.data.AUTOTUNE).batch(1).prefetch(2)
    out = model.predict(dataset, verbose=0)
    result = {
        "parent_pid": os.getpid(),
        "batches": out.tolist(),
        "children": len(multiprocessing.active_children()),
    }
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    main()
