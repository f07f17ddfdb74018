"""Which Keras a module uses, and findings that do not depend on what is installed.

The only thing the linting environment decides is the Keras version of a module that shows none
(``keras-version = auto``): ``facts.version.installed_version`` reads the installed
distributions' metadata. The tests replace that one function with a table of versions, which
simulates environments with other packages installed (or none); nothing else is replaced.
"""

from __future__ import annotations

import ast
import re
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pylint_keras_mp.config import Options
from pylint_keras_mp.engine import analyze, might_apply
from pylint_keras_mp.facts import ModuleFacts, version
from tests.fixture_support import engine_findings, fixture_files

ENVIRONMENTS = {
    "nothing installed": {},
    "keras 3.15.1 and tensorflow 2.21.0": {"keras": "3.15.1", "tensorflow": "2.21.0"},
    "keras 2.15.0 and tensorflow 2.15.1": {"keras": "2.15.0", "tensorflow": "2.15.1"},
    "tensorflow-cpu 2.16.1 alone": {"tensorflow-cpu": "2.16.1"},
    "keras 2.13.1 alone": {"keras": "2.13.1"},
}


@pytest.fixture
def installed(monkeypatch):
    """Simulate the installed distributions (name -> version) and TF_USE_LEGACY_KERAS."""

    def use(versions: dict[str, str], legacy: str | None = None) -> None:
        monkeypatch.setattr(version, "installed_version", versions.get)
        if legacy is None:
            monkeypatch.delenv("TF_USE_LEGACY_KERAS", raising=False)
        else:
            monkeypatch.setenv("TF_USE_LEGACY_KERAS", legacy)

    return use


FIXTURES = fixture_files()


@pytest.mark.parametrize("environment", sorted(ENVIRONMENTS))
def test_every_fixture_gives_the_same_findings_whatever_is_installed(environment, installed):
    installed(ENVIRONMENTS[environment])
    differences = {
        fixture.id: found
        for fixture in FIXTURES
        if (found := engine_findings(fixture)) != fixture.expected()
    }
    assert differences == {}, f"findings that depend on the environment ({environment})"


def _docs_examples():
    from pylint_keras_mp.config import options_from_mapping
    from tests.fixture_support import DOCS, code_blocks_under

    for page in sorted(DOCS.glob("KMP*.md")):
        text = page.read_text(encoding="utf-8")
        line = re.search(r"<!-- keras-mp-options: (.*?) -->", text)
        values = dict(item.split("=", 1) for item in line.group(1).split()) if line else {}
        for heading in ("Example", "Use instead"):
            for block in code_blocks_under(text, heading)[:1]:
                yield f"{page.stem} {heading}", block, options_from_mapping(values)


@pytest.mark.parametrize("environment", sorted(ENVIRONMENTS))
def test_every_docs_example_gives_the_same_findings_whatever_is_installed(environment, installed):
    examples = list(_docs_examples())
    installed(ENVIRONMENTS["keras 3.15.1 and tensorflow 2.21.0"])  # what CI installs
    reference = {name: analyze(block, "example.py", options) for name, block, options in examples}
    installed(ENVIRONMENTS[environment])
    differences = {
        name: [f.code for f in found]
        for name, block, options in examples
        if (found := analyze(block, "example.py", options)) != reference[name]
    }
    assert differences == {}, f"docs examples that depend on the environment ({environment})"


def test_the_simulation_reaches_the_analysis(installed):
    # The same module under two simulated environments: the test above can fail.
    source = "import keras\n\ndef train(model, loader):\n    model.fit(loader, workers=4)\n"
    installed({"keras": "3.15.1"})
    assert [f.code for f in analyze(source, "t.py")] == ["KMP305"]
    installed({})
    assert [f.code for f in analyze(source, "t.py")] == []


def version_of(source: str, **options) -> int | None:
    source = textwrap.dedent(source)
    return ModuleFacts(ast.parse(source), source, "m.py", Options(**options)).version.keras_version


TF_KERAS = "import tensorflow as tf\nLoader = tf.keras.utils.Sequence\n"


@pytest.mark.parametrize(
    "versions, legacy, expected",
    [
        ({"tensorflow": "2.16.1"}, None, 3),
        ({"tensorflow-cpu": "2.21.0"}, None, 3),
        ({"tensorflow": "2.17.0rc1"}, None, 3),
        ({"tensorflow": "2.15.1"}, None, 2),
        ({"tensorflow-macos": "2.12.0"}, None, 2),
        ({"tensorflow": "2.16.1"}, "1", 2),
        ({"tensorflow": "2.16.1"}, "True", 2),
        ({"tensorflow": "2.16.1"}, "0", 3),
        ({"keras": "3.15.1"}, None, None),  # tf.keras needs TensorFlow: keras alone says nothing
        ({}, None, None),
    ],
)
def test_tf_keras_follows_the_installed_tensorflow(versions, legacy, expected, installed):
    installed(versions, legacy)
    assert version_of(TF_KERAS) == expected


@pytest.mark.parametrize(
    "versions, expected",
    [
        ({"keras": "3.15.1", "tensorflow": "2.21.0"}, 3),
        ({"keras": "2.15.0", "tensorflow": "2.15.1"}, 2),
        ({"keras": "3.15.1", "tensorflow": "2.15.1"}, None),  # the two disagree: unknown
        ({"keras": "3.15.1"}, 3),
    ],
)
def test_keras_and_tf_keras_in_one_module(versions, expected, installed):
    installed(versions)
    assert version_of("import keras\nimport tensorflow as tf\n") == expected


def test_keras_based_libraries_read_the_keras_distribution(installed):
    installed({"keras": "3.15.1"})
    assert version_of("from efficientnet.keras import EfficientNetB0\n") == 3
    assert version_of("import keras_tuner\n") is None  # not a Keras import: no lookup


@pytest.mark.parametrize("forced", ["auto", "2", "3"])
def test_tf_keras_is_keras_2_whatever_the_option_says(forced, installed):
    installed({"keras": "3.15.1", "tensorflow": "2.21.0"})
    assert version_of("import tf_keras\nimport keras\nkeras.ops.add\n", keras_version=forced) == 2
    assert version_of("from tf_keras.utils import Sequence\n", keras_version=forced) == 2


def test_evidence_in_the_module_wins_over_what_is_installed(installed):
    installed({"keras": "2.15.0", "tensorflow": "2.15.1"})
    assert version_of("from keras.utils import PyDataset\n") == 3
    installed({"keras": "3.15.1"})
    assert version_of("from keras.utils import data_utils\n") == 2
    # a call of fit_generator is no evidence of Keras 2: it is KMP306's mistake under Keras 3
    assert version_of("import keras\nkeras.Model().fit_generator(g)\n") == 3


# Keras 2 modules and names Keras 3 removed (ModuleNotFoundError / ImportError with Keras 3.15.1).
KERAS2_ONLY_IMPORTS = [
    "from keras.layers.core import Dense",
    "from keras.layers.convolutional import Conv2D",
    "from keras.layers.normalization import BatchNormalization",
    "from keras.layers.advanced_activations import LeakyReLU",
    "from keras.layers.merge import concatenate",
    "from keras.layers import CuDNNLSTM",
    "from keras.utils import multi_gpu_model",
    "from keras.utils.multi_gpu_utils import multi_gpu_model",
    "from keras.utils.np_utils import to_categorical",
    "from keras.utils.generic_utils import get_custom_objects",
    "from keras.backend.tensorflow_backend import set_session",
    "import keras.layers.core",
]
# The same names as Keras 3 still has them: no evidence, the installed Keras decides.
KERAS3_TOO_IMPORTS = [
    "from keras.layers import Dense, BatchNormalization, Normalization, LSTM",
    "from keras.utils import to_categorical, Sequence, get_custom_objects",
    "from keras.layers import Conv2D, concatenate, LeakyReLU",
]


@pytest.mark.parametrize("line", KERAS2_ONLY_IMPORTS)
def test_an_import_keras_3_removed_shows_keras_2(line, installed):
    installed({"keras": "3.15.1"})
    assert version_of(line + "\n") == 2


@pytest.mark.parametrize("line", KERAS3_TOO_IMPORTS)
def test_an_import_keras_3_still_has_shows_no_version(line, installed):
    installed({"keras": "3.15.1"})
    assert version_of(line + "\n") == 3
    installed({"keras": "2.15.0"})
    assert version_of(line + "\n") == 2


# --------------------------------------------------------------------- "does the module use Keras"
KERAS_IMPORTS = [
    "import keras",
    "import tensorflow as tf",
    "from tensorflow import keras",
    "import tf_keras",
    "from efficientnet.keras import EfficientNetB0",
    "import efficientnet.keras",
    "import segmentation_models.keras as sm",
    "from .keras import models",
    "from . import keras",
    "from project.tensorflow.layers import Block",
    "import ｋｅｒａｓ",  # NFKC-normalised by the parser to keras
    "from ｔｅｎｓｏｒｆｌｏｗ import ｋｅｒａｓ as k",
]
NOT_KERAS_IMPORTS = [
    "import keras_tuner",
    "import tensorflow_datasets as tfds",
    "from efficientnet.tfkeras import EfficientNetB0",
    "import mykeras",
    "import numpy as np",
]


def uses_keras(source: str) -> bool:
    return ModuleFacts(ast.parse(source), source, "m.py", Options()).version.uses_keras


@pytest.mark.parametrize("line", KERAS_IMPORTS)
def test_an_import_with_a_keras_component_uses_keras_and_passes_the_pre_filter(line):
    source = f"{line}\n\nx = 1\n"
    assert uses_keras(source)
    assert might_apply(source, Options())


@pytest.mark.parametrize("line", NOT_KERAS_IMPORTS)
def test_lookalike_imports_do_not_use_keras(line):
    assert not uses_keras(f"{line}\n")


COMPONENT = st.sampled_from(["keras", "tensorflow", "tf_keras", "efficientnet", "models", "tfk", "a"])


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.lists(COMPONENT, min_size=1, max_size=4), st.booleans(), st.integers(0, 2))
def test_the_pre_filter_never_skips_a_module_that_uses_keras(components, from_import, level):
    path = ".".join(components)
    if from_import:
        module, _, name = path.rpartition(".")
        line = f"from {'.' * level}{module} import {name}" if module or level else f"import {name}"
    else:
        line = f"import {path}"
    source = f"{line}\n"
    if uses_keras(source):
        assert might_apply(source, Options()), line
