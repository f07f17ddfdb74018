"""What makes an import a Keras import, shared by the engine's text pre-filter and the facts.

A dotted import path with one of these components brings Keras in (``keras.utils``,
``tensorflow.keras``, ``tf_keras``, ``efficientnet.keras``...). The pre-filter looks for these
words, so a module with such an import is never skipped. (A module of its own, so that the
pre-filter does not import the facts package for files it skips.)
"""

KERAS_COMPONENTS = ("keras", "tensorflow", "tf_keras")
