"""The test suite runs with the strict switch: a bug of the linter raises where it happens
instead of becoming a KMP900 (tests of the contained behaviour turn it off themselves).

The command line's results cache is off (tests that change the linter's behaviour in the process
must not be answered from a run before them, and no test project gets a cache folder); the
cache's own tests (test_cache.py) turn it on."""

import os

from pylint_keras_mp.faults import STRICT
from pylint_keras_mp.settings import NO_CACHE_ENV

os.environ[STRICT] = "1"
os.environ[NO_CACHE_ENV] = "1"
