"""Edge cases of KMP401/402/501/502/503 and the self-state facts they share, beyond the fixtures."""

from __future__ import annotations

import ast
import textwrap

import pytest

from pylint_keras_mp.config import Options
from pylint_keras_mp.engine import analyze
from pylint_keras_mp.facts import ModuleFacts

HEADER = "import keras\nimport numpy as np\nfrom keras.utils import PyDataset\n\n"


def codes(body: str, keras_version: str = "3", **options) -> list[tuple[int, str]]:
    """(line, code) of the findings for HEADER + body; lines count from the body's first line."""
    source = HEADER + textwrap.dedent(body)
    offset = HEADER.count("\n")
    found = analyze(source, "case.py", Options(keras_version=keras_version, **options))
    return [(f.line - offset, f.code) for f in found]


INIT_CASES = {
    "match without a wildcard can fall through": (
        """
        class D(PyDataset):
            def __init__(self, mode, **kwargs):
                match mode:
                    case "a":
                        super().__init__(**kwargs)
        """,
        [(3, "KMP501")],
    ),
    "match with a wildcard calls on every path": (
        """
        class D(PyDataset):
            def __init__(self, mode, **kwargs):
                match mode:
                    case "a":
                        super().__init__(workers=2, **kwargs)
                    case _:
                        super().__init__(**kwargs)
        """,
        [],
    ),
    "call in finally": (
        """
        class D(PyDataset):
            def __init__(self, path, **kwargs):
                try:
                    self.n = len(open(path).read())
                except OSError:
                    self.n = 0
                finally:
                    super().__init__(**kwargs)
        """,
        [],
    ),
    "call in a with block": (
        """
        import threading
        LOCK = threading.Lock()

        class D(PyDataset):
            def __init__(self, **kwargs):
                with LOCK:
                    super().__init__(**kwargs)
        """,
        [],
    ),
    "return after the call": (
        """
        class D(PyDataset):
            def __init__(self, x, **kwargs):
                super().__init__(**kwargs)
                if x is None:
                    return
                self.x = x
        """,
        [],
    ),
    "nested function defining its own super call does not count": (
        """
        class D(PyDataset):
            def __init__(self, **kwargs):
                def later():
                    super(D, self).__init__(**kwargs)
                self.later = later
        """,
        [(3, "KMP501"), (6, "KMP201")],
    ),
}


@pytest.mark.parametrize("body, expected", INIT_CASES.values(), ids=INIT_CASES.keys())
def test_super_init_paths(body, expected):
    assert codes(body) == expected


STATE_CASES = {
    "a rebind computed from the old value": (
        """
        class D(PyDataset):
            def __len__(self):
                return 1
            def __getitem__(self, index):
                self.x = self.x.astype("float32")
                return self.x[index]
        """,
        [(6, "KMP401")],
    ),
    "a mutation of an item": (
        """
        class D(PyDataset):
            def __getitem__(self, index):
                self.groups[index % 2].append(index)
                return index
        """,
        [(4, "KMP401")],
    ),
    "a cache the parent reads is not pure memoisation": (
        """
        class D(PyDataset):
            def __getitem__(self, index):
                if index not in self.cache:
                    self.cache[index] = index * 2
                return self.cache[index]
            def on_epoch_end(self):
                print(len(self.cache), "cached batches")
        """,
        [(5, "KMP401")],
    ),
    "a scratch attribute read by the caller after fit": (
        """
        class D(PyDataset):
            def __getitem__(self, index):
                self.last = index
                return index

        if __name__ == "__main__":
            data = D(workers=2, use_multiprocessing=True)
            keras.Sequential().predict(data)
            print(data.last)
        """,
        [(4, "KMP401")],
    ),
    "early-return lazy initialisation": (
        """
        class D(PyDataset):
            def __getitem__(self, index):
                return self._handle().read(index)
            def _handle(self):
                if self.fh is not None:
                    return self.fh
                self.fh = open("data.bin", "rb")
                return self.fh
        """,
        [],
    ),
}


@pytest.mark.parametrize("body, expected", STATE_CASES.values(), ids=STATE_CASES.keys())
def test_worker_state_writes(body, expected):
    assert codes(body) == expected


RANDOM_LOADER = """
class D(PyDataset):
    def __init__(self, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
    def __len__(self):
        return 4
    def __getitem__(self, index):
        {reseed}
        return np.random.rand(3)

"""


@pytest.mark.parametrize(
    "reseed, launch, options, expected",
    [
        ("pass", "D(**config)", {}, []),
        ("pass", "D(**config)", {"assume_multiprocessing": True}, [(10, "KMP402")]),
        ("np.random.seed(self.seed)", "D(use_multiprocessing=True)", {}, [(10, "KMP402")]),
        ("np.random.seed(self.seed + index)", "D(use_multiprocessing=True)", {}, []),
        ("np.random.seed()", "D(use_multiprocessing=True)", {}, []),
        # Keras 2 launches: processes for unknown data, not for a generator expression; under
        # Keras 3 fit_generator raises AttributeError and starts nothing (KMP306)
        ("pass", "model.fit_generator(train_data, use_multiprocessing=True)", {"keras_version": "2"}, [(10, "KMP402")]),
        ("pass", "model.fit_generator(train_data, use_multiprocessing=True)", {}, []),
        ("pass", "model.fit_generator((i for i in range(3)), use_multiprocessing=True)", {"keras_version": "2"}, []),
    ],
)
def test_global_random_needs_visible_processes_and_no_per_call_seed(reseed, launch, options, expected):
    body = RANDOM_LOADER.format(reseed=reseed) + f"def run(model, config, train_data):\n    {launch}\n"
    found = [item for item in codes(body, **options) if item[1] == "KMP402"]
    assert found == expected


def test_class_defining_the_property_itself_is_not_reported():
    body = """
    class D(PyDataset):
        workers = property(lambda self: self._mine)
        def __init__(self, **kwargs):
            self.workers = 3
            super().__init__(**kwargs)
        def __getitem__(self, index):
            return self.workers
    """
    assert codes(body) == []


def test_self_attribute_uses_are_classified():
    source = HEADER + textwrap.dedent(
        """
        class D(PyDataset):
            def __getitem__(self, index):
                self.a = 1
                self.b += 1
                self.c[index] = 1
                self.d[index][0] += 1
                del self.e[index]
                self.f.append(index)
                self.g(index)
                self.h.scale = 2
                if index in self.i:
                    pass
                len(self.j)
                return self.k
        """
    )
    facts = ModuleFacts(ast.parse(source), source, "case.py", Options())
    uses = {use.attr: use.use for use in facts.self_state.self_attribute_uses(facts.hierarchy.data_loaders[0])}
    assert uses == {
        "a": "rebind",
        "b": "augment",
        "c": "item-store",
        "d": "item-augment",
        "e": "item-delete",
        "f": "call",
        "g": "call-self",
        "h": "attr-store",
        "i": "membership",
        "j": "argument",
        "k": "read",
    }


JAX_LOADER = """
{backend}
class D(PyDataset):
    def __init__(self, **kwargs):
        super().__init__(use_multiprocessing=True, **kwargs)
    def __len__(self):
        return 4
    def __getitem__(self, index):
        return keras.ops.ones((2,)) * index
"""


@pytest.mark.parametrize(
    "backend, options, expected",
    [
        ('import os\nos.environ["KERAS_BACKEND"] = "jax"', {}, [(10, "KMP403")]),
        ('keras.config.set_backend("jax")', {}, [(9, "KMP403")]),
        ('import os\nos.environ.setdefault("KERAS_BACKEND", "jax")', {}, [(10, "KMP403")]),
        ("", {"keras_backend": "jax"}, [(9, "KMP403")]),
        # an assignment in the module wins over the option; the option over a default
        ('import os\nos.environ["KERAS_BACKEND"] = "numpy"', {"keras_backend": "jax"}, []),
        ('import os\nos.environ.setdefault("KERAS_BACKEND", "jax")', {"keras_backend": "numpy"}, []),
        # unknown: conflicting assignments, a computed value, nothing at all
        ('import os\nos.environ["KERAS_BACKEND"] = "jax"\nos.environ["KERAS_BACKEND"] = "torch"', {}, []),
        ('import os\nos.environ["KERAS_BACKEND"] = os.getenv("B", "jax")', {}, []),
        ("", {}, []),
    ],
)
def test_keras_ops_in_workers_follow_the_backend(backend, options, expected):
    found = [item for item in codes(JAX_LOADER.format(backend=backend), **options) if item[1] == "KMP403"]
    assert found == expected


def test_import_time_random_seed_is_found_through_import_time_functions_only():
    body = """
    import random
    def seed_everything():
        random.seed(7)
    def unused():
        random.seed(7)
    {call}
    class D(PyDataset):
        def __init__(self, **kwargs):
            super().__init__(use_multiprocessing=True, **kwargs)
        def __len__(self):
            return 4
        def __getitem__(self, index):
            return random.random()
    """
    assert [c for c in codes(body.replace("{call}", "seed_everything()")) if c[1] == "KMP402"] == [(14, "KMP402")]
    assert [c for c in codes(body.replace("{call}", "")) if c[1] == "KMP402"] == []


@pytest.mark.parametrize(
    "body, expected",
    [
        ("n = self.n\n        n += 1\n        self.n = n", [(8, "KMP401")]),
        ("m = self.n + index\n        total = m * 2\n        self.n = total", [(8, "KMP401")]),
        ("n = self.n\n        n = 0\n        self.n = n", []),
        ("n = self.n\n        return n", []),
    ],
)
def test_aliased_writes_back_to_self(body, expected):
    source = f"""
class D(PyDataset):
    def __len__(self):
        return 4
    def __getitem__(self, index):
        {body}
        return index
"""
    assert [c for c in codes(source) if c[1] == "KMP401"] == expected
