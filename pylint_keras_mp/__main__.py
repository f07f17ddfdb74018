"""``python -m pylint_keras_mp``: the same as the ``keras-mp-lint`` command."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
