"""Rewrite the expected results of fix fixtures (``<case>.fixed.py``) from the current fixes.

    python -m tests.regen_fixed fixtures/fixes/KMP501/super_init_first.py [...]

The result is ``keras-mp-lint --fix --unsafe-fixes`` with the fixture's options; review the diff.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pylint_keras_mp.fixing import fix_source
from tests.fixture_support import OPTIONS_RE, Fixture, fixed_path


def regenerate(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    match = OPTIONS_RE.search(text)
    fixture = Fixture(path, match.group(1).strip() if match else "")
    result = fix_source(text, str(path), fixture.options, unsafe=True)
    fixed_path(path).write_bytes(result.source.encode("utf-8"))


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        regenerate(Path(arg))
