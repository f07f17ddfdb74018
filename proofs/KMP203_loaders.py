"""KMP203 good: the data loader of proofs/KMP203_bad.ipynb, in a module that proofs/KMP203_good.ipynb
imports, so spawn and forkserver workers can import it too."""
import os

import keras
import numpy as np


class Batches(keras.utils.PyDataset):
    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        return np.array([[index, os.getpid(), 0.0, 0.0]], dtype="float32")
