"""mkdocs hook: links from a docs page to a repository file outside ``docs/`` (the README, a
fixture, a proof) point at that file on GitHub, where they also work from the rendered site.
Links inside ``docs/`` are left to mkdocs, which checks them (``mkdocs build --strict``)."""

from __future__ import annotations

import posixpath
import re

REPOSITORY = "https://github.com/pylint-keras-mp/pylint-keras-mp/blob/main/"
_LINK = re.compile(r"\]\((?P<target>(?:\.\./)+[^)\s#]+)(?P<anchor>#[^)\s]*)?\)")


def on_page_markdown(markdown, page, config, files):
    folder = posixpath.dirname(page.file.src_uri)

    def rewrite(match):
        target = posixpath.normpath(posixpath.join("docs", folder, match["target"]))
        if target.startswith("docs/") or target.startswith(".."):
            return match.group(0)
        return f"]({REPOSITORY}{target}{match['anchor'] or ''})"

    return _LINK.sub(rewrite, markdown)
