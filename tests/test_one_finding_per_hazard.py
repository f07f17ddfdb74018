"""One finding per hazard: a statement that several data loaders run (subclasses inheriting a
worker method or ``__init__``, loaders sharing a mixin, a helper or a held object) is reported
once, in every rule, naming the class that defines the method (a helper's: the first loader)."""

from __future__ import annotations

import textwrap
from collections import Counter

from pylint_keras_mp.config import Options
from pylint_keras_mp.engine import analyze

INHERITED = textwrap.dedent(
    """
    import threading
    from multiprocessing import Pool

    import jax.numpy as jnp
    import numpy as np
    from keras.utils import PyDataset

    SEEN = []


    def augment(x):
        SEEN.append(x)
        return x + np.random.rand()


    class Counter:
        def __init__(self):
            self.calls = 0

        def tick(self):
            self.calls += 1


    class Base(PyDataset):
        def __init__(self, fn=lambda x: x, **kwargs):
            self.lock = threading.Lock()
            self.fn = fn
            self.n = 0
            self.counter = Counter()

        def __len__(self):
            return 10

        def __getitem__(self, index):
            self.n += 1
            SEEN.append(index)
            self.counter.tick()
            with Pool(2) as pool:
                pool.map(abs, [index])
            return augment(np.random.rand() + MAIN_ONLY + jnp.zeros(1))


    class Train(Base):
        pass


    class Validation(Base):
        pass


    if __name__ == "__main__":
        MAIN_ONLY = 1
        model = None
        model.fit(Train(workers=2, use_multiprocessing=True))
        model.fit(Validation(workers=2, use_multiprocessing=True))
    """
)


def test_a_base_and_its_subclasses_make_one_finding_per_statement_in_every_rule():
    found = analyze(INHERITED, "loaders.py", Options(keras_version="3", keras_backend="jax"))
    codes = Counter(f.code for f in found)
    # every rule that judges worker code, attributes or __init__ reports here
    assert set(codes) >= {"KMP101", "KMP102", "KMP201", "KMP202", "KMP304", "KMP401", "KMP402", "KMP403", "KMP501"}
    per_statement = Counter((f.line, f.col, f.code) for f in found)
    assert all(count == 1 for count in per_statement.values()), per_statement
    # in Base's body: named after Base, the class that defines the method or stores the
    # attribute, whichever subclass runs it
    base = INHERITED.splitlines().index("class Base(PyDataset):") + 1
    in_base = [f for f in found if base <= f.line < base + 20]
    assert len(in_base) >= 8 and all(f.message.startswith("Base") for f in in_base), in_base
    # a helper function that both subclasses reach: once, named after the first loader reported
    helper = [f for f in found if f.line < base]
    assert sorted(f.code for f in helper) == ["KMP101", "KMP401", "KMP402"], helper


MIXIN = textwrap.dedent(
    """
    import keras
    import numpy as np


    class Cursor:
        def __getitem__(self, index):
            self.position += 1
            return np.zeros(1), np.zeros(1)

        def __len__(self):
            return 4


    class Images(Cursor, keras.utils.PyDataset):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.position = 0


    class Masks(Cursor, keras.utils.PyDataset):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.position = 0
    """
)


def test_a_mixin_method_two_loaders_inherit_is_one_finding_naming_the_mixin():
    found = [f for f in analyze(MIXIN, "mixin.py", Options(keras_version="3")) if f.code == "KMP401"]
    assert [(f.line, f.message.split(":")[0]) for f in found] == [
        (8, "Cursor.__getitem__ updates self.position")
    ]


def test_each_subclass_still_reports_what_only_it_does():
    source = INHERITED.replace(
        "class Validation(Base):\n    pass",
        "class Validation(Base):\n    def __getitem__(self, index):\n        self.n += 2\n        return index",
    )
    found = [f for f in analyze(source, "loaders.py", Options(keras_version="3")) if f.code == "KMP401"]
    messages = sorted(f.message.split(":")[0] for f in found)
    assert "Validation.__getitem__ updates self.n" in messages
    assert "Base.__getitem__ updates self.n" in messages
    assert len(messages) == len(set(messages))
