"""mkdocs hooks: links from a docs page to a repository file outside ``docs/`` (the README, a
fixture, a proof) point at that file on GitHub, where they also work from the rendered site
(links inside ``docs/`` are left to mkdocs, which checks them with ``mkdocs build --strict``); and
the rules index gets its table from the rule declarations, so adding a rule needs no edit here."""

from __future__ import annotations

import posixpath
import re

REPOSITORY = "https://github.com/pylint-keras-mp/pylint-keras-mp/blob/main/"
_LINK = re.compile(r"\]\((?P<target>(?:\.\./)+[^)\s#]+)(?P<anchor>#[^)\s]*)?\)")


def on_page_markdown(markdown, page, config, files):
    folder = posixpath.dirname(page.file.src_uri)
    if RULE_TABLE_MARKER in markdown:
        markdown = markdown.replace(RULE_TABLE_MARKER, _rule_table())

    def rewrite(match):
        target = posixpath.normpath(posixpath.join("docs", folder, match["target"]))
        if target.startswith("docs/") or target.startswith(".."):
            return match.group(0)
        return f"]({REPOSITORY}{target}{match['anchor'] or ''})"

    return _LINK.sub(rewrite, markdown)


RULE_TABLE_MARKER = "<!-- rule table -->"


def _rule_table() -> str:
    """The rules, from their declarations (the registry), one row each."""
    import sys
    from pathlib import Path

    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    from pylint_keras_mp.registry import RULES

    rows = [
        f"| [{rule.code}]({rule.code}.md) | `{rule.msgid}` | `{rule.symbol}` | {rule.level} | "
        f"{rule.summary} |"
        for rule in RULES
    ]
    return "\n".join(["| code | pylint | symbol | level | finds |", "| --- | --- | --- | --- | --- |", *rows])
