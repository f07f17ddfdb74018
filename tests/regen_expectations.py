"""Rewrite the ``# expect:`` comments of fixtures from the engine's current findings.

    python -m tests.regen_expectations fixtures/KMP201/bad_lambda.py [...]

Use it when a rule changes on purpose, then review the diff: it is the test's expectation.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from tests.fixture_support import EXPECT_RE, Fixture, OPTIONS_RE, engine_findings


def regenerate(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    match = OPTIONS_RE.search(text)
    fixture = Fixture(path, match.group(1).strip() if match else "")
    by_line: dict[int, list[str]] = {}
    for line, code in engine_findings(fixture):
        by_line.setdefault(line, []).append(code)
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        line = re.sub(r"\s*" + EXPECT_RE.pattern + r"\s*$", "", line)
        if number in by_line:
            line = f"{line}  # expect: {', '.join(sorted(set(by_line[number])))}"
        out.append(line)
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        regenerate(Path(arg))
