"""What the options table says about an unknown Keras version is what the rules do: the rules
about Keras 3 behaviour stay silent, KMP302 and KMP303 on a launch still report (the call is
wrong under both versions), and each code is named on the right side of that sentence."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pylint_keras_mp.config import Options
from pylint_keras_mp.engine import analyze
from pylint_keras_mp.facts import version

ROOT = Path(__file__).resolve().parent.parent

# one module per rule, with no Keras version evidence of its own
CASES = {
    "KMP302": "import keras\n\n\ndef batches():\n    yield 1\n\n\n"
    "def train(model):\n    model.fit(batches(), workers=4, use_multiprocessing=True)\n",
    "KMP303": "import keras\n\n\ndef train(model, x, y):\n"
    "    model.fit(x, y, workers=4, use_multiprocessing=True)\n",
    "KMP305": "import keras\n\n\ndef train(model, data):\n"
    "    model.fit(data, workers=4, use_multiprocessing=True)\n",
    "KMP306": "import keras\n\n\ndef train(model, data):\n    model.fit_generator(data)\n",
    "KMP501": "import keras\n\n\nclass Frames(keras.utils.Sequence):\n"
    "    def __init__(self, x):\n        self.x = x\n\n    def __len__(self):\n        return 1\n",
}


def codes(source: str, keras_version: str) -> set[str]:
    return {f.code for f in analyze(source, "<module>", Options(keras_version=keras_version))}


@pytest.fixture
def nothing_installed(monkeypatch):
    monkeypatch.setattr(version, "installed_version", lambda name: None)


def silent_when_unknown() -> dict[str, bool]:
    found = {}
    for code, source in CASES.items():
        known = codes(source, "2") | codes(source, "3")
        assert code in known, f"{code}'s case reports under no known version"
        found[code] = code not in codes(source, "auto")
    return found


def test_the_rules_behave_as_the_options_table_says(nothing_installed):
    row = next(
        line for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("| `keras-version` |")
    )
    silent_part, _, reporting_part = row.partition("stay silent")
    assert reporting_part, "the options table no longer says what stays silent"
    for code, silent in silent_when_unknown().items():
        said_silent = re.search(rf"\b{code}\b", silent_part) is not None
        said_reporting = re.search(rf"\b{code}\b", reporting_part) is not None
        if silent:
            assert said_silent, f"{code} is silent when the version is unknown; the table omits it"
        else:
            assert said_reporting, f"{code} reports when the version is unknown; the table omits it"


def test_kmp302_and_kmp303_report_under_an_unknown_version(nothing_installed):
    assert silent_when_unknown() == {
        "KMP302": False, "KMP303": False, "KMP305": True, "KMP306": True, "KMP501": True,
    }
