"""What a rule declares about itself: the ``Rule`` each rule module defines as ``RULE`` beside its
``check`` (``pylint_keras_mp/rules/kmpNNN_*.py``). The registry, the pre-filter's words, the
fixable codes, ``--list-rules`` and the README's rule table are derived from these declarations.

Codes are stable. The pylint message id of ``KMPabc`` is ``<severity>7abc`` with the same digits.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from .installed import metadata

DEFAULT_DOCS_URL = "https://github.com/pylint-keras-mp/pylint-keras-mp/blob/main/docs"

SEVERITY_NAMES = {"W": "warning", "E": "error", "F": "fatal"}


@dataclass(frozen=True)
class Rule:
    """A rule's declaration (``RULE`` of its module)."""

    code: str  # KMP201
    symbol: str  # sequence-lambda-attribute
    severity: str  # "W", "E" or "F"
    summary: str  # one line for tables and --list-rules
    template: str  # message text, formatted with the fields a check supplies
    fix: str  # one clause: what to do instead
    # other wordings for special cases, (form, template, fix): a check picks one with the field
    # form=...; findings without it, and descriptions, use the main template and fix
    forms: tuple[tuple[str, str, str], ...] = ()
    # The pre-filter's words: whole identifiers of which a module must name one (or a configured
    # base, or take part through its project) for the rule to report in it. A module that names
    # no word of any rule is not analysed, so a rule must declare every word it needs. A word
    # ``a+b`` counts only where the module names both (``torch+Dataset``).
    words: tuple[str, ...] = ()
    # The options (config.OPTION_SPECS names, without prefix) that change what the rule reports.
    options: tuple[str, ...] = ()
    # The module (``kmpNNN_fix`` in pylint_keras_mp.fixes) that declares the rule's
    # automatic fix as ``FIX``; imported only when a finding may have a fix (it needs LibCST).
    autofix: str | None = None

    @property
    def msgid(self) -> str:
        return f"{self.severity}7{self.code[3:]}"

    @property
    def level(self) -> str:
        return SEVERITY_NAMES[self.severity]

    def url(self, base: str | None = None) -> str:
        """The rule's page. ``base`` (the docs-url option) is the folder the pages live under,
        or a template with ``{code}``; without it, the project's docs/rules/."""
        if not base:
            return f"{docs_base_url().rstrip('/')}/rules/{self.code}.md"
        if "{code}" in base:
            return base.replace("{code}", self.code)
        return f"{base.rstrip('/')}/{self.code}.md"

    def format(self, fields: dict[str, object], note: str = "") -> str:
        """The message without code or link: what, why (and ``note``, a clause naming the
        pipeline that runs the loader), and the fix."""
        template, fix = self.template, self.fix
        if fields.get("form"):
            template, fix = {form: (t, f) for form, t, f in self.forms}[fields["form"]]
        return f"{template.format(**fields)}{note}; {fix.format(**fields)}"

    @property
    def generic_fix(self) -> str:
        """The fix with its placeholders named, for descriptions without a finding."""
        import string  # start-up cost: only descriptions need it, never a run's findings

        names = [field for _, field, _, _ in string.Formatter().parse(self.fix) if field]
        return self.fix.format(**{name: f"<{name}>" for name in names})


@functools.lru_cache(maxsize=1)
def docs_base_url() -> str:
    """The Documentation URL from the installed package metadata (setup.cfg), else the default."""
    try:
        urls = (metadata("pylint-keras-mp") or {}).get("project-url", [])
    except Exception:
        return DEFAULT_DOCS_URL
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "documentation" and url.strip():
            return url.strip()
    return DEFAULT_DOCS_URL
