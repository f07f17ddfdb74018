"""Write the README's rule table from the rules' declarations (pylint_keras_mp/rules/kmpNNN_*.py).

    python scripts/rule_table.py            # rewrite the table in README.md
    python scripts/rule_table.py --check    # exit 1 if README.md differs (tests/test_readme.py)
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BEGIN = "<!-- rule table: written by scripts/rule_table.py from the rule declarations -->"
END = "<!-- end of rule table -->"


def table() -> str:
    sys.path.insert(0, str(ROOT))
    from pylint_keras_mp.registry import RULES

    rows = ["| code | pylint | symbol | what |", "| --- | --- | --- | --- |"]
    for rule in RULES:
        rows.append(
            f"| [{rule.code}](docs/rules/{rule.code}.md) | `{rule.msgid}` | `{rule.symbol}` | "
            f"{rule.level}: {rule.summary} |"
        )
    return "\n".join(rows)


def rewritten(text: str) -> str:
    """The README text with the table between the markers replaced."""
    start = text.index(BEGIN) + len(BEGIN)
    stop = text.index(END, start)
    return f"{text[:start]}\n{table()}\n{text[stop:]}"


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    new = rewritten(text)
    if "--check" in argv:
        if new != text:
            print("README.md's rule table is out of date: run python scripts/rule_table.py")
            return 1
        return 0
    if new != text:
        README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
