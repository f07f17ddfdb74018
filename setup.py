"""The long description: the README with its relative links made absolute, so that they work on
a package index page too (the rest of the metadata is in setup.cfg)."""

import re
from pathlib import Path

from setuptools import setup

REPOSITORY = "https://github.com/pylint-keras-mp/pylint-keras-mp"
# Relative Markdown links and images: [text](docs/x.md), ![alt](img.png); not URLs or anchors.
RELATIVE_LINK = re.compile(r"(!?\[[^\]]*\]\()(?![a-z][a-z0-9+.-]*:|#|/)([^)\s]+)\)", re.IGNORECASE)


def absolute_links(markdown: str, ref: str = "main") -> str:
    return RELATIVE_LINK.sub(
        lambda match: f"{match.group(1)}{REPOSITORY}/blob/{ref}/{match.group(2)})", markdown
    )


README = Path(__file__).with_name("README.md").read_text(encoding="utf-8")

setup(long_description=absolute_links(README), long_description_content_type="text/markdown")
