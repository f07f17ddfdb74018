"""The test suite runs with the strict switch: a bug of the linter raises where it happens
instead of becoming a KMP900 (tests of the contained behaviour turn it off themselves)."""

import os

from pylint_keras_mp.faults import STRICT

os.environ[STRICT] = "1"
