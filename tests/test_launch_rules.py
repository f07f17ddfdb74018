"""Launch rules KMP302-305: value resolution and the one-finding-per-hazard decisions."""

from __future__ import annotations

import ast
import textwrap

import pytest

from pylint_keras_mp.config import Options
from pylint_keras_mp.engine import analyze
from pylint_keras_mp.facts import UNKNOWN, Autotune, Many, ModuleFacts


def facts_of(source: str, **options) -> ModuleFacts:
    source = textwrap.dedent(source)
    return ModuleFacts(ast.parse(source), source, "<test>", Options(**options))


def codes(source: str, **options) -> list[tuple[int, str]]:
    findings = analyze(textwrap.dedent(source), "<test>", Options(**options))
    return [(f.line, f.code) for f in findings]


def workers_value(source: str):
    facts = facts_of(source)
    call = next(node for node in ast.walk(facts.tree) if isinstance(node, ast.Call) and node.keywords)
    return facts.resolver.resolve_int(call.keywords[0].value, None)


@pytest.mark.parametrize(
    "source, expected",
    [
        ("f(workers=4)", 4),
        ("f(workers=-1)", -1),
        ("N = 3\nf(workers=N)", 3),
        ("N = 3\nN = 4\nf(workers=N)", UNKNOWN),
        ("f(workers=n)", UNKNOWN),
        ("f(workers=os.cpu_count() - 1)", UNKNOWN),
    ],
)
def test_worker_counts_resolve_to_literals_and_module_constants(source, expected):
    assert workers_value("import os\n" + source) == expected


@pytest.mark.parametrize("spelling", ["os.cpu_count()", "multiprocessing.cpu_count()"])
def test_cpu_counts_are_more_than_one(spelling):
    value = workers_value(f"import os, multiprocessing\nf(workers={spelling})")
    assert isinstance(value, Many) and value > 1


@pytest.mark.parametrize("spelling", ["tf.data.AUTOTUNE", "tf.data.experimental.AUTOTUNE"])
def test_autotune_is_minus_one_as_keras_sees_it(spelling):
    value = workers_value(f"import tensorflow as tf\nf(workers={spelling})")
    assert isinstance(value, Autotune) and value == -1


LAUNCH = """
import tensorflow as tf
import numpy as np

x = np.ones((8, 4))


def train(model, ds):
    model.fit(x, x, workers=4, use_multiprocessing=True)
    model.fit(tf.data.Dataset.range(4).batch(2), workers=4)
    model.fit(ds, workers=-1)
"""


def test_one_finding_per_call_keras2_reports_ignored_keras3_reports_rejected():
    assert codes(LAUNCH, keras_version="2") == [(9, "KMP303"), (10, "KMP303"), (11, "KMP303")]
    assert codes(LAUNCH, keras_version="3") == [(9, "KMP305"), (10, "KMP305"), (11, "KMP305")]


GENERATOR = """
import tensorflow as tf


def batches():
    yield 1


def train(model):
    model.fit(batches(), workers=4, use_multiprocessing=True)
"""


def test_generator_launch_is_kmp302_under_keras2_and_only_kmp305_under_keras3():
    assert codes(GENERATOR, keras_version="2") == [(10, "KMP302")]
    assert codes(GENERATOR, keras_version="3") == [(10, "KMP305")]


def test_generator_bound_under_the_main_guard_is_followed():
    source = """
    import tensorflow as tf


    def batches():
        yield 1


    if __name__ == "__main__":
        gen = batches()
        tf.keras.Sequential().fit(gen, workers=2)
    """
    assert codes(source, keras_version="2") == [(11, "KMP302")]


def test_autotune_workers_start_no_process_so_kmp303_not_kmp301():
    source = """
    import tensorflow as tf


    class Loader(tf.keras.utils.Sequence):
        def __len__(self):
            return 1

        def __getitem__(self, index):
            return index


    tf.keras.Sequential().fit(Loader(), workers=tf.data.AUTOTUNE, use_multiprocessing=True)
    """
    assert codes(source, keras_version="2") == [(13, "KMP303")]


@pytest.mark.parametrize(
    "expression",
    [
        "tf.data.Dataset.range(4).as_numpy_iterator()",
        "iter(tf.data.Dataset.range(4))",
        "pd.read_csv('a.csv', chunksize=10)",
        "np.random.default_rng(0)",
        "np.nditer(np.ones(3))",
        "unknown_loader()",
    ],
)
def test_iterators_are_neither_datasets_nor_arrays(expression):
    facts = facts_of(f"import numpy as np\nimport pandas as pd\nimport tensorflow as tf\nv = {expression}\n")
    value = facts.resolver.module_constant("v")
    assert not facts.data_kinds.is_dataset_value(value, None)
    assert not facts.data_kinds.is_in_memory_value(value, None)


@pytest.mark.parametrize(
    "expression, dataset",
    [
        ("tf.data.Dataset.from_tensor_slices(x).shuffle(8).batch(2).prefetch(tf.data.AUTOTUNE)", True),
        ("tf.keras.utils.image_dataset_from_directory('d')", True),
        ("np.load('x.npy')", False),
        ("pd.read_csv('a.csv')[['a']].values.astype('float32')", False),
    ],
)
def test_datasets_and_arrays_built_in_the_module_are_known(expression, dataset):
    facts = facts_of(f"import numpy as np\nimport pandas as pd\nimport tensorflow as tf\nv = {expression}\n")
    value = facts.resolver.module_constant("v")
    assert facts.data_kinds.is_dataset_value(value, None) is dataset
    assert facts.data_kinds.is_in_memory_value(value, None) is (not dataset)


@pytest.mark.parametrize(
    "call",
    [
        "model.fit(*args, workers=-1, use_multiprocessing=True)",
        "model.fit(**options)",
        "model.fit(workers=-1)",
        "model.fit(x=(i for i in range(3)), workers=4)",
        "getattr(model, 'fit')(x, workers=-1)",
        "model.fit(lambda: 1, workers=2, use_multiprocessing=True)",
        "model.fit(g, g, workers=4)",
    ],
)
def test_odd_calls_never_crash(call):
    source = (
        "import tensorflow as tf\nimport numpy as np\ng = (i for i in range(3))\n\n"
        f"def f(model, x, args, options):\n    {call}\n"
    )
    for version in ("2", "3", "auto"):
        findings = analyze(source, "<odd>", Options(keras_version=version))
        assert all(f.code != "KMP900" for f in findings), [f.full_text for f in findings]


def test_rules_run_alone_when_selected():
    options = Options(keras_version="3", select=frozenset({"KMP305"}))
    found = analyze(textwrap.dedent(LAUNCH), "<test>", options)
    assert {f.code for f in found} == {"KMP305"}


def messages(source: str, code: str, **options) -> list[str]:
    findings = analyze(textwrap.dedent(source), "<test>", Options(**options))
    return [f.message for f in findings if f.code == code]


WRAPPED = """
import tensorflow as tf


class Loader(tf.keras.utils.Sequence):
    def __len__(self):
        return 1

    def __getitem__(self, index):
        return index


def batches():
    yield 1


def train(model):
    model.fit(Loader(), validation_data=batches(), workers=4, use_multiprocessing=True)
    model.fit(batches(), use_multiprocessing=True)
    model.fit(batches(), workers=3, use_multiprocessing=True)
"""


def test_kmp302_names_the_argument_and_claims_duplication_only_with_several_workers():
    validation, single, several = messages(WRAPPED, "KMP302", keras_version="2")
    assert "feeds the generator batches() as validation_data= to 4 worker processes" in validation
    assert "as x to 1 worker process:" in single
    assert "duplicated" not in single and "cannot pickle 'generator' object" in single
    assert "as x to 3 worker processes" in several and "duplicated data" in several


def test_kmp302_a_plain_iterator_object_in_one_worker_process_duplicates_nothing():
    source = """
    import tensorflow as tf


    class Stream:
        def __next__(self):
            return 1


    def train(model):
        model.fit(Stream(), use_multiprocessing=True)
        model.fit(Stream(), workers=2, use_multiprocessing=True)
    """
    assert codes(source, keras_version="2") == [(12, "KMP302")]


def test_options_dict_entries_are_named_in_messages():
    source = """
    import numpy as np
    import tensorflow as tf

    FIT_OPTIONS = {"epochs": 2, "workers": 4, "use_multiprocessing": True}


    def train(model):
        model.fit(np.ones((8, 4)), **FIT_OPTIONS)
    """
    [kmp303] = messages(source, "KMP303", keras_version="2")
    assert "passes workers=4, use_multiprocessing=True (from **FIT_OPTIONS) with in-memory arrays" in kmp303
    [kmp305] = messages(source, "KMP305", keras_version="3")
    assert "TypeError: ...fit() got an unexpected keyword argument 'workers'" in kmp305


def test_options_dict_values_resolve_in_the_dicts_own_scope():
    # N is local to train and different there: the module-level dict sees the module's N.
    source = """
    import tensorflow as tf

    N = -1
    OPTIONS = {"workers": N, "use_multiprocessing": True}


    def train(model, loader):
        N = 4
        model.fit(loader, **OPTIONS)
    """
    [message] = messages(source, "KMP303", keras_version="2")
    assert "a negative count means no workers" in message


@pytest.mark.parametrize(
    "binding",
    [
        "OPTIONS = {'workers': 4, 'use_multiprocessing': True}\nOPTIONS['use_multiprocessing'] = False",
        "OPTIONS = {'workers': 4, 'use_multiprocessing': True}\nOPTIONS.pop('use_multiprocessing')",
        "OPTIONS = {'workers': 4, 'use_multiprocessing': True}\nOPTIONS = {}",
        "OPTIONS = {**BASE, 'use_multiprocessing': True}",
        "OPTIONS = dict(BASE, use_multiprocessing=True)",
        "OPTIONS = {1: 4, 'use_multiprocessing': True}",
    ],
)
def test_options_dicts_that_cannot_be_read_are_unknown(binding):
    source = (
        "import tensorflow as tf\nBASE = {}\n" + binding + "\n"
        "class Loader(tf.keras.utils.Sequence):\n"
        "    def __len__(self):\n        return 1\n\n"
        "    def __getitem__(self, index):\n        return index\n\n"
        "tf.keras.Sequential().fit(Loader(), **OPTIONS)\n"
    )
    assert codes(source, keras_version="2") == []


def test_assume_multiprocessing_covers_kwargs_that_cannot_be_read():
    source = """
    import tensorflow as tf


    class Loader(tf.keras.utils.Sequence):
        def __len__(self):
            return 1

        def __getitem__(self, index):
            return index


    tf.keras.Sequential().fit(Loader(), **load_options())
    tf.keras.Sequential().fit(tf.data.Dataset.range(3), **load_options())
    """
    assert codes(source, keras_version="2") == []
    assert codes(source, keras_version="2", assume_multiprocessing=True) == [(13, "KMP301")]
    # Keras 3 rejects use_multiprocessing on fit: **kwargs there cannot start processes
    assert codes(source, keras_version="3", assume_multiprocessing=True) == []


@pytest.mark.parametrize(
    "lines, kind",
    [
        ("ds = tf.data.Dataset.range(8)\nds = ds.shuffle(8)\nds = ds.batch(2)", "dataset"),
        ("ds = tf.data.Dataset.range(8)\nif flag:\n    ds = ds.repeat()", "dataset"),
        ("ds = tf.data.Dataset.range(8)\nds = ds.batch(2)\nds = make(ds)", None),
        ("ds = ds.batch(2)", None),  # never grounded in a dataset
        ("ds = tf.data.Dataset.range(8)\nfor ds in parts:\n    pass", None),
        ("x = np.load('x.npy')\nx = x / 255.0\nx = x.reshape(-1, 4)", "arrays"),
        ("a, b = train_test_split(np.ones(8))\nx = a", "arrays"),
        ("(x, y), (tx, ty) = keras.datasets.mnist.load_data()\nds = tx", "arrays"),
        ("x = StandardScaler().fit_transform(raw)", "arrays"),
        ("sc = StandardScaler()\nx = sc.fit_transform(raw)\nx = sc.transform(x)", "arrays"),
        ("x = frame.values", "arrays"),
        ("x = frame.to_numpy()", "arrays"),
        ("x = Encoder().transform(raw)", None),
        ("x = np.values", None),  # an attribute of a module, not of a frame
        ("a, *rest = train_test_split(np.ones(8))\nx = a", None),
    ],
)
def test_data_kinds_through_every_binding(lines, kind):
    header = (
        "import keras\nimport numpy as np\nimport tensorflow as tf\n"
        "from sklearn.model_selection import train_test_split\n"
        "from sklearn.preprocessing import StandardScaler\nfrom mylib import Encoder\n"
    )
    facts = facts_of(header + lines + "\n")
    name = "ds" if lines.lstrip().startswith("ds") or "ds = tx" in lines else "x"
    value = ast.Name(id=name, ctx=ast.Load())
    assert facts.data_kinds.is_dataset_value(value, None) is (kind == "dataset")
    assert facts.data_kinds.is_in_memory_value(value, None) is (kind == "arrays")


def test_validation_split_zero_or_unknown_is_no_evidence_of_arrays():
    source = """
    import tensorflow as tf


    def train(model, loader, split):
        model.fit(loader, validation_split=0.0, workers=4)
        model.fit(loader, validation_split=split, workers=4)
        model.fit(loader, validation_split=0.1, workers=4)
    """
    assert codes(source, keras_version="2") == [(8, "KMP303")]


def test_names_rebound_from_each_other_many_times_stay_cheap():
    import time

    lines = ["import numpy as np", "import tensorflow as tf", "a = np.ones(3)", "b = np.ones(3)"]
    for _ in range(40):
        lines += ["a = b + a", "b = a * b"]
    lines += ["c = d", "d = c", "model = tf.keras.Sequential()"]
    lines += [f"model.fit({name}, workers=4)" for name in ("a", "b", "c")]
    started = time.perf_counter()
    found = codes("\n".join(lines) + "\n", keras_version="2")
    assert time.perf_counter() - started < 10
    # a and b are arrays on every path; c and d only refer to each other: unknown
    assert found == [(len(lines) - 2, "KMP303"), (len(lines) - 1, "KMP303")]
