"""pylint-keras-mp: catch Keras data loaders that break under multiprocessing.

Load it in pylint with ``--load-plugins=pylint_keras_mp``; flake8 finds it through its entry point.
"""

from __future__ import annotations

from .version import __version__  # noqa: F401 (the release number, set there)

# sys.path as it is now, before a host linter adds the linted folders: where later imports come from
from . import isolation as _isolation  # noqa: E402,F401


def register(linter) -> None:
    """pylint's plugin hook."""
    from .pylint_plugin import register as register_checkers

    register_checkers(linter)
