"""The README stays true: every rule is listed, and the commands it shows are the ones CI runs."""

from __future__ import annotations

import importlib.util
import re

import pytest

from pylint_keras_mp.registry import RULES
from tests.fixture_support import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_rule_table_is_the_one_the_declarations_give():
    """The table is written by scripts/rule_table.py from the rules' declarations."""
    spec = importlib.util.spec_from_file_location("rule_table", ROOT / "scripts" / "rule_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.rewritten(README) == README, "run python scripts/rule_table.py"
    assert module.main(["--check"]) == 0


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


def _setup_cfg_extras() -> set[str]:
    import configparser

    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg", encoding="utf-8")
    return set(parser["options.extras_require"])


def test_install_commands_name_extras_that_exist():
    extras = _setup_cfg_extras()
    named = re.findall(r"pip install (?:-e )?\"?(?:\.|pylint-keras-mp)\[([\w,]+)\]", README)
    assert named, "the README shows installs with extras"
    for group in named:
        assert set(group.split(",")) <= extras, group
    assert {"pylint", "flake8", "test"} <= extras


def test_quick_start_pylint_command_reports_the_bad_fixtures_only():
    import subprocess
    import sys
    from pathlib import Path

    commands = re.findall(r"```bash\n(.*?)```", README, re.DOTALL)
    quick = next(c for c in commands if "pylint --load-plugins" in c and "venv" in c).strip()
    install, pylint_command = quick.split(" && pylint ", 1)
    assert 'pip install -e ".[pylint]"' in install  # pylint is an extra: the command must ask for it
    argv = pylint_command.split()
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "pylint"), *argv, "--persistent=n"],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    reported = {line.split(":")[0] for line in proc.stdout.splitlines() if re.match(r"^\S+\.py:\d+", line)}
    assert any(Path(path).name.startswith("bad_") for path in reported), proc.stdout
    for path in reported:
        name = Path(path).name
        if Path(path).parts[:2] == ("fixtures", "projects"):
            continue  # a fixture project, checked with its own options by tests/test_projects.py
        if not name.startswith(("bad_", "near_")):
            # as the README says: only fixtures that need an option the command does not pass
            assert "# keras-mp-options:" in (ROOT / path).read_text(encoding="utf-8"), path


def test_readme_and_integrations_name_the_tag_of_the_package_version():
    from pylint_keras_mp import __version__

    tag = f"v{__version__}"
    for path in (ROOT / "README.md", ROOT / "docs" / "integrations.md"):
        text = path.read_text(encoding="utf-8")
        ours = r"pylint-keras-mp/pylint-keras-mp"
        revs = re.findall(rf"repo: https://github.com/{ours}\n\s+rev: (\S+)", text)
        pins = re.findall(rf"github.com/{ours}@([^\"\s]+)", text)
        clones = re.findall(rf"--branch (\S+) https://github.com/{ours}", text)
        assert revs and revs == [tag] * len(revs), (path.name, revs)
        assert set(pins) <= {tag} and set(clones) <= {tag}, (path.name, pins, clones)
        # no commit hash pinned anywhere
        assert not re.search(r"\b[0-9a-f]{40}\b", text), path.name
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## {re.escape(__version__)} \(\d{{4}}-\d\d-\d\d\)$", changelog, re.MULTILINE)


@pytest.mark.parametrize("pytest_status, ci_status", [(0, 0), (1, 1), (2, 2), (5, 1)])
def test_ci_fails_when_the_tests_fail_or_none_was_collected(tmp_path, pytest_status, ci_status):
    """.ci/run's status after its installs, with a stand-in pytest that exits with a status."""
    import os
    import subprocess

    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    after_install = ci.split('pip install --quiet -e ".[test]"\n', 1)[1]
    assert "pytest" in after_install
    fake = tmp_path / "pytest"
    fake.write_text(f"#!/bin/sh\nexit {pytest_status}\n", encoding="utf-8")
    fake.chmod(0o755)
    proc = subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + after_install],
        env={**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"},
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == ci_status, proc.stderr


def test_readme_option_table_lists_every_option():
    """The configuration table names every option the front ends accept, with its default."""
    from pylint_keras_mp.config import OPTION_SPECS

    table = README.split("| option | default | meaning |", 1)[1].split("\n\n", 1)[0]
    rows = {line.split("|")[1].strip().strip("`") for line in table.splitlines()[2:]}
    assert rows == {spec.name for spec in OPTION_SPECS}


def test_integrations_option_table_names_every_command_line_option():
    """docs/integrations.md's table of keras-mp-lint's options names each long option the
    command line accepts, and every output format."""
    from pylint_keras_mp.arguments import build_parser
    from pylint_keras_mp.output import FORMATS

    text = (ROOT / "docs" / "integrations.md").read_text(encoding="utf-8")
    table = text.split("| option | meaning |", 1)[1].split("\n\n", 1)[0]
    flags = {
        flag
        for action in build_parser()._actions
        for flag in action.option_strings
        if flag.startswith("--") and flag != "--help"
    }
    missing = sorted(flag for flag in flags if f"`{flag}" not in table)
    assert not missing, missing
    formats = table.split("`--format FORMAT`", 1)[1].split("\n", 1)[0]
    assert all(f"`{name}`" in formats for name in FORMATS), formats
