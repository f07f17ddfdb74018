"""The README stays true: every rule is listed, and the commands it shows are the ones CI runs."""

from __future__ import annotations

import re

import pytest

from pylint_keras_mp.registry import RULES
from tests.fixture_support import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_readme_lists_every_rule_with_its_link(rule):
    row = f"| [{rule.code}](docs/rules/{rule.code}.md) | `{rule.msgid}` | `{rule.symbol}` | {rule.level}: "
    assert row in README


def test_ci_runs_the_readme_test_command():
    commands = re.findall(r"```bash\n(.*?)```", README, re.DOTALL)
    test_command = next(c for c in commands if "pytest" in c).strip()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    install, run = test_command.split("&& pip install", 1)[1].split("&&")
    assert f"pip install{install}".strip().replace("--quiet ", "") in ci.replace("--quiet ", "")
    assert re.search(rf"^{re.escape(run.strip())}$", ci, re.MULTILINE)
