"""The rule catalog is consistent, documented, and both front ends read it."""

from __future__ import annotations

import configparser
import re

import pytest

from pylint_keras_mp.engine import analyze
from pylint_keras_mp.notebook import analyze_notebook
from pylint_keras_mp.registry import DEFAULT_DOCS_URL, RULES, docs_base_url, get_rule
from tests.fixture_support import DOCS, ROOT, code_blocks_under


def test_codes_symbols_and_msgids_are_unique():
    for attribute in ("code", "symbol", "msgid"):
        values = [getattr(rule, attribute) for rule in RULES]
        assert len(values) == len(set(values)), f"duplicate {attribute}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_identity_follows_the_spec(rule):
    assert re.fullmatch(r"KMP[1-9]\d\d", rule.code)
    assert rule.msgid == f"{rule.severity}7{rule.code[3:]}"
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", rule.symbol)
    assert get_rule(rule.code) is get_rule(rule.symbol) is get_rule(rule.msgid) is rule


def test_docs_base_url_is_the_documentation_url_in_setup_cfg():
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    urls = dict(
        line.split("=", 1)
        for line in parser["metadata"]["project_urls"].strip().splitlines()
    )
    assert urls["Documentation "].strip() == DEFAULT_DOCS_URL == docs_base_url()


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_every_rule_has_a_docs_page_in_the_expected_shape(rule):
    page = DOCS / f"{rule.code}.md"
    assert page.exists(), f"missing {page}"
    text = page.read_text(encoding="utf-8")
    assert text.startswith(f"# {rule.code} `{rule.symbol}`")
    assert rule.msgid in text.splitlines()[0]
    for heading in ("What it does", "Why is this bad?", "When it stays silent", "In a notebook", "Options"):
        assert f"\n## {heading}" in text, f"{page.name} lacks '## {heading}'"
    assert rule.url().endswith(f"/rules/{rule.code}.md")


DOCUMENTED = [rule for rule in RULES if rule.code != "KMP900"]


@pytest.mark.parametrize("rule", DOCUMENTED, ids=lambda r: r.code)
def test_docs_example_reports_the_rule_and_fix_reports_nothing(rule):
    text = (DOCS / f"{rule.code}.md").read_text(encoding="utf-8")
    options_line = re.search(r"<!-- keras-mp-options: (.*?) -->", text)
    from pylint_keras_mp.config import options_from_mapping

    values = dict(item.split("=", 1) for item in options_line.group(1).split()) if options_line else {}
    options = options_from_mapping(values)
    bad_blocks = code_blocks_under(text, "Example")
    good_blocks = code_blocks_under(text, "Use instead")
    assert bad_blocks and good_blocks, "page needs an Example and a Use instead python block"
    if "<!-- keras-mp-lint-as: notebook -->" in text:
        # a notebook rule: the blocks are notebooks written in the percent format (`# %%` starts
        # a cell), as VS Code and Jupytext show them
        bad = analyze_notebook(percent_notebook(bad_blocks[0]), f"{rule.code}_example.ipynb", options)
        good = analyze_notebook(percent_notebook(good_blocks[0]), f"{rule.code}_fixed.ipynb", options)
    else:
        bad = analyze(bad_blocks[0], f"{rule.code}_example.py", options)
        good = analyze(good_blocks[0], f"{rule.code}_fixed.py", options)
    assert rule.code in {f.code for f in bad}, [f.full_text for f in bad]
    assert good == [], [f.full_text for f in good]


def percent_notebook(code: str) -> str:
    """An nbformat 4 notebook with one code cell per ``# %%`` section of ``code``."""
    import json

    cells = [part.strip("\n") + "\n" for part in re.split(r"^# %%.*\n", code, flags=re.MULTILINE)]
    return json.dumps(
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {},
            "cells": [
                {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": cell}
                for cell in cells
                if cell.strip()
            ],
        }
    )


# --- the declarations every list of rules is derived from -------------------------------------

from pylint_keras_mp import engine, fixes, registry, rules  # noqa: E402
from pylint_keras_mp.config import OPTION_SPECS  # noqa: E402

RULE_DECLARATIONS = [module.RULE for module in rules.RULE_MODULES]


def test_every_rule_module_declares_its_rule_and_every_list_derives_from_them():
    files = sorted(
        path.stem
        for path in (ROOT / "pylint_keras_mp" / "rules").glob("kmp[0-9][0-9][0-9]_*.py")
        if not path.stem.endswith("_fix")
    )
    assert [module.__name__.rpartition(".")[2] for module in rules.RULE_MODULES] == files
    assert [rule.code for rule in RULE_DECLARATIONS] == [f"KMP{name[3:6]}" for name in files]
    assert [rule.code for rule in RULES] == [r.code for r in RULE_DECLARATIONS] + ["KMP900", "KMP901"]
    # the codes known without importing a rule (the settings', a cached run's) are the declared ones
    assert registry.CODES == tuple(rule.code for rule in RULES)
    assert [codes for codes, _ in rules.RULE_CHECKS] == [(r.code,) for r in RULE_DECLARATIONS]
    assert fixes.FIXABLE_CODES == {r.code for r in RULE_DECLARATIONS if r.autofix}
    from pylint_keras_mp import prefilter

    assert set(prefilter._DECLARED_WORDS) == {w for r in RULE_DECLARATIONS for w in r.words}
    assert set(engine._NEEDED_WORDS) | {"+".join(p) for p in prefilter._NEEDED_TOGETHER} == set(
        prefilter._DECLARED_WORDS
    )


@pytest.mark.parametrize("rule", RULE_DECLARATIONS, ids=lambda r: r.code)
def test_declared_words_and_options_are_real(rule):
    # every word passes the pre-filter's probes, so no rule's module is skipped for want of it
    assert rule.words
    for word in rule.words:
        parts = word.split("+")
        assert all(part.isidentifier() for part in parts), word
        if len(parts) == 1:
            assert any(probe in word for probe in engine._NEEDED_PROBES), word
        assert engine.names_needed_words(f"x = {' + '.join(parts)}\n", rule_options()), word
        if len(parts) > 1:
            # every part is needed: one alone does not pass (unless another rule's word is it)
            for part in parts:
                assert part in engine._NEEDED_WORDS or not engine.names_needed_words(
                    f"x = {part}\n", rule_options()
                ), word
    page = (DOCS / f"{rule.code}.md").read_text(encoding="utf-8")
    options_section = page.split("\n## Options", 1)[1].split("\n## ", 1)[0]
    names = {spec.name for spec in OPTION_SPECS}
    for option in rule.options:
        assert option in names, option
        assert f"keras-mp-{option}" in options_section, f"{rule.code}'s page does not document {option}"


def rule_options():
    from pylint_keras_mp.config import Options

    return Options()


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_every_declared_form_is_rendered_somewhere(rule):
    """What a rule declares is what it renders: each ``form`` is named by its check."""
    if not rule.forms:
        return
    module = next((m for m in rules.RULE_MODULES if m.RULE is rule), None)
    source = (ROOT / module.__file__).read_text(encoding="utf-8")
    for form, _, _ in rule.forms:
        assert f'"{form}"' in source.split("RULE = Rule(", 1)[0] + source.split("\n)\n", 1)[1], form


def test_every_fixture_that_reports_a_rule_names_one_of_its_words():
    """A rule's declared words are the words it needs: each single-file fixture that expects it
    names one of them (or a configured base), as a whole identifier of the code."""
    from pylint_keras_mp.prefilter import names_declared_word
    from pylint_keras_mp.text import normalised
    from tests.fixture_support import fixture_files

    declared = {rule.code: rule for rule in RULE_DECLARATIONS}
    missing = []
    for fixture in fixture_files():
        text = normalised(fixture.path.read_text(encoding="utf-8"))
        configured = tuple(base.rpartition(".")[2] for base in fixture.options.sequence_bases)
        for _, code in fixture.expected():
            if code in declared and not names_declared_word(text, declared[code].words + configured):
                missing.append(f"{fixture.id}: {code}")
    assert not missing, missing
