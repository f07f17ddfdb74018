"""What makes an import a Keras import, shared by the engine's text pre-filter and the facts.

A dotted import path with one of these components brings Keras in (``keras.utils``,
``tensorflow.keras``, ``tf_keras``, ``efficientnet.keras``...). The pre-filter looks for these
words, so a module with such an import is never skipped. (A module of its own, so that the
pre-filter does not import the facts package for files it skips.)
"""

KERAS_COMPONENTS = ("keras", "tensorflow", "tf_keras")

# The words without which a module holds no torch or grain finding: a Dataset base, the
# DataLoader, grain's multiprocessing prefetch or worker count (the pre-filter's, beside the
# Keras ones).
PIPELINE_WORDS = ("Dataset", "IterableDataset", "DataLoader", "mp_prefetch", "worker_count")
