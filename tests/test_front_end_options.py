"""Options and help behave the same way in the pylint and flake8 front ends."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from pylint_keras_mp.registry import get_rule
from tests.fixture_support import FIXTURES, ROOT, _bin

BAD = FIXTURES / "KMP201" / "bad_lambda_and_closures.py"


def run(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_pylint_help_msg_prints_what_fix_and_link():
    rule = get_rule("KMP201")
    proc = run(_bin("pylint"), "--load-plugins=pylint_keras_mp", f"--help-msg={rule.symbol}")
    text = " ".join(proc.stdout.split())
    assert f"{rule.symbol} ({rule.msgid})" in text
    assert "functools.partial" in text
    assert rule.url().replace("-", "") in text.replace("- ", "").replace("-", "")


def test_docs_url_option_changes_every_link_in_both_front_ends():
    base = "https://docs.example.org/kmp"
    pylint = run(
        _bin("pylint"), "--load-plugins=pylint_keras_mp", "--disable=all", "--enable=keras-mp",
        f"--keras-mp-docs-url={base}", str(BAD),
    )
    flake8 = run(_bin("flake8"), "--isolated", "--select=KMP", f"--keras-mp-docs-url={base}", str(BAD))
    for output in (pylint.stdout, flake8.stdout):
        lines = [line for line in output.splitlines() if "KMP201" in line or "E7201" in line]
        assert lines, output
        assert all(f"(see {base}/KMP201.md)" in line for line in lines), lines


def test_invalid_keras_version_is_a_clear_usage_error_in_both_front_ends():
    pylint = run(
        _bin("pylint"), "--load-plugins=pylint_keras_mp", "--keras-mp-keras-version=4", str(BAD)
    )
    flake8 = run(_bin("flake8"), "--isolated", "--select=KMP", "--keras-mp-keras-version=4", str(BAD))
    for proc in (pylint, flake8):
        assert proc.returncode != 0
        assert "keras-version" in proc.stderr and "4" in proc.stderr
        assert "Traceback" not in proc.stderr


def test_disabling_one_rule_in_pylint_keeps_the_others():
    proc = run(
        _bin("pylint"), "--load-plugins=pylint_keras_mp", "--disable=all", "--enable=keras-mp",
        "--disable=sequence-lambda-attribute", str(FIXTURES / "KMP202" / "bad_handles_in_init.py"), str(BAD),
    )
    assert "E7201" not in proc.stdout
    assert "E7202" in proc.stdout


def test_flake8_noqa_and_extend_ignore():
    proc = run(_bin("flake8"), "--isolated", "--select=KMP", "--extend-ignore=KMP201", str(BAD))
    assert "KMP201" not in proc.stdout
    proc = run(_bin("flake8"), "--isolated", "--select=KMP2", str(BAD))
    assert "KMP201" in proc.stdout


def test_invalid_keras_backend_is_a_clear_usage_error_in_every_front_end():
    pylint = run(
        _bin("pylint"), "--load-plugins=pylint_keras_mp", "--keras-mp-keras-backend=theano", str(BAD)
    )
    flake8 = run(_bin("flake8"), "--isolated", "--select=KMP", "--keras-mp-keras-backend=theano", str(BAD))
    cli = run(_bin("keras-mp-lint"), "--keras-backend", "theano", str(BAD))
    for proc in (pylint, flake8, cli):
        assert proc.returncode != 0
        assert "keras-backend" in proc.stderr and "theano" in proc.stderr
        assert "Traceback" not in proc.stderr


# --- booleans and invalid values read the same everywhere ----------------------------------

ASSUME = FIXTURES / "KMP301" / "bad_unknown_with_assume_option.py"
LAMBDA = FIXTURES / "KMP201" / "bad_lambda_and_closures.py"
PYLINT = ("--load-plugins=pylint_keras_mp", "--disable=all", "--enable=keras-mp", "--persistent=n")


def run_in(cwd, *cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.mark.parametrize(
    "flag, found",
    [
        ("--keras-mp-assume-multiprocessing", True),
        ("--keras-mp-assume-multiprocessing=yes", True),
        ("--keras-mp-assume-multiprocessing=true", True),
        ("--keras-mp-assume-multiprocessing=no", False),
        ("--no-keras-mp-assume-multiprocessing", False),
    ],
)
def test_flake8_boolean_is_a_flag_that_also_takes_yes_no(flag, found):
    proc = run(_bin("flake8"), "--isolated", "--select=KMP", flag, str(ASSUME))
    assert proc.returncode == (1 if found else 0), proc.stderr
    assert ("KMP301" in proc.stdout) is found


@pytest.mark.parametrize("flag", ["--keras-mp-assume-multiprocessing", "--keras-mp-assume-multiprocessing=yes"])
def test_pylint_bare_boolean_flag_does_not_eat_the_next_argument(flag):
    proc = run(_bin("pylint"), *PYLINT, flag, str(ASSUME), str(LAMBDA))
    assert "E7301" in proc.stdout and "E7201" in proc.stdout, proc.stdout + proc.stderr
    off = run(_bin("pylint"), *PYLINT, "--keras-mp-assume-multiprocessing=no", str(ASSUME))
    assert "E7301" not in off.stdout and off.returncode == 0, off.stdout + off.stderr


@pytest.mark.parametrize("value, found", [("true", True), ("false", False), ('"yes"', True), ('"no"', False)])
def test_pylint_boolean_in_pyproject(tmp_path, value, found):
    (tmp_path / "pyproject.toml").write_text(
        f"[tool.pylint.main]\nkeras-mp-assume-multiprocessing = {value}\n", encoding="utf-8"
    )
    proc = run_in(tmp_path, _bin("pylint"), *PYLINT, str(ASSUME))
    assert ("E7301" in proc.stdout) is found, proc.stdout + proc.stderr


@pytest.mark.parametrize("value, found", [("yes", True), ("true", True), ("no", False), ("false", False)])
def test_flake8_boolean_in_setup_cfg(tmp_path, value, found):
    (tmp_path / "setup.cfg").write_text(
        f"[flake8]\nkeras-mp-assume-multiprocessing = {value}\n", encoding="utf-8"
    )
    proc = run_in(tmp_path, _bin("flake8"), "--select=KMP", str(ASSUME))
    assert ("KMP301" in proc.stdout) is found, proc.stdout + proc.stderr


def test_flake8_invalid_value_in_setup_cfg_is_one_line_not_a_traceback(tmp_path):
    (tmp_path / "setup.cfg").write_text("[flake8]\nkeras-mp-keras-version = 7\n", encoding="utf-8")
    proc = run_in(tmp_path, _bin("flake8"), "--select=KMP", str(LAMBDA))
    assert proc.returncode == 2
    assert proc.stderr == (
        "flake8: error: keras-mp-keras-version: invalid value '7' in ./setup.cfg "
        "(allowed: auto, 2, 3)\n"
    )
    (tmp_path / "setup.cfg").write_text(
        "[flake8]\nkeras-mp-assume-multiprocessing = maybe\n", encoding="utf-8"
    )
    proc = run_in(tmp_path, _bin("flake8"), "--select=KMP", str(LAMBDA))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "keras-mp-assume-multiprocessing: invalid value 'maybe' in ./setup.cfg" in proc.stderr
    assert "(allowed: true, false, yes, no)" in proc.stderr


def test_pylint_invalid_value_in_pyproject_names_the_file(tmp_path):
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.pylint.main]\nkeras-mp-keras-version = "7"\n', encoding="utf-8")
    proc = run_in(tmp_path, _bin("pylint"), *PYLINT, str(LAMBDA))
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert (
        f"argument --keras-mp-keras-version: invalid value '7' in {config} (allowed: auto, 2, 3)"
        in proc.stderr
    )
    proc = run(_bin("pylint"), *PYLINT, "--keras-mp-assume-multiprocessing=maybe", str(LAMBDA))
    assert "invalid value 'maybe' (allowed: true, false, yes, no)" in proc.stderr


# --- docs-url: the folder the pages live under ---------------------------------------------


def documented_docs_url() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (url,) = set(re.findall(r"--docs-url[ =](https://\S+?/docs/rules)\b", readme))
    return url


def test_documented_docs_url_example_gives_working_links_in_every_front_end(tmp_path):
    base = documented_docs_url()
    page = get_rule("KMP201").code + ".md"
    expected = f"{base}/{page}"
    # the link points at a page that exists: <repository>/blob/<ref>/docs/rules/KMP201.md
    relative = expected.split("/blob/", 1)[1].split("/", 1)[1]
    assert (ROOT / relative).is_file(), relative
    assert "/rules/rules/" not in expected
    cli = run(str(Path(sys.executable).parent / "keras-mp-lint"), "--docs-url", base, str(LAMBDA))
    pylint = run(_bin("pylint"), *PYLINT, f"--keras-mp-docs-url={base}", str(LAMBDA))
    flake8 = run(_bin("flake8"), "--isolated", "--select=KMP", f"--keras-mp-docs-url={base}", str(LAMBDA))
    for proc in (cli, pylint, flake8):
        links = re.findall(r"\(see (\S+)\)", proc.stdout)
        assert links and set(links) == {expected}, proc.stdout


def test_docs_url_with_a_code_placeholder():
    base = "https://lint.example.org/keras-mp/{code}.html"
    cli = run(str(Path(sys.executable).parent / "keras-mp-lint"), "--docs-url", base, str(LAMBDA))
    assert "(see https://lint.example.org/keras-mp/KMP201.html)" in cli.stdout


# --- one configuration for every front end ------------------------------------------------------

KERAS_AGNOSTIC_LOADER = '''\
import keras


class Frames(keras.utils.Sequence):
    def __init__(self, items):
        self.items = items

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        return self.items[index]


def train(model, items):
    model.fit(Frames(items), workers=4, use_multiprocessing=True)
'''


def _codes_by_front_end(folder: Path, *extra_cli: str) -> dict[str, list[tuple[int, str]]]:
    """(line, code) of every keras-mp finding of ``train.py`` in each front end, run in ``folder``."""
    def cwd_run(*cmd: str) -> subprocess.CompletedProcess:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=folder, timeout=300)

    cli = cwd_run(_bin("keras-mp-lint"), "--format", "json", *extra_cli, "train.py")
    import json

    found = {"cli": sorted((r["line"], r["code"]) for r in json.loads(cli.stdout))}
    flake8 = cwd_run(_bin("flake8"), "--select=KMP", "train.py")
    found["flake8"] = sorted(
        (int(line.split(":")[1]), line.split(":")[3].split()[0]) for line in flake8.stdout.splitlines()
    )
    pylint = cwd_run(
        _bin("pylint"), "--load-plugins=pylint_keras_mp", "--disable=all", "--enable=keras-mp",
        "--output-format=parseable", "--score=n", "train.py",
    )
    from pylint_keras_mp.registry import RULES_BY_MSGID

    found["pylint"] = sorted(
        (int(line.split(":")[1]), RULES_BY_MSGID[re.search(r"\[(\w\d+)", line)[1]].code)
        for line in pylint.stdout.splitlines()
        if re.search(r"\[[EWF]7\d+", line)
    )
    return found


@pytest.mark.parametrize(
    "config_name, template",
    [
        ("pyproject.toml", '[tool.keras-mp-lint]\nkeras-version = "{}"\n'),
        (".keras-mp-lint.toml", 'keras-version = "{}"\n'),
        ("setup.cfg", "[keras-mp-lint]\nkeras-version = {}\n"),
    ],
)
def test_the_project_configuration_reaches_every_front_end(tmp_path, config_name, template):
    (tmp_path / "train.py").write_text(KERAS_AGNOSTIC_LOADER)
    by_version = {}
    for version in ("2", "3"):
        (tmp_path / config_name).write_text(template.format(version))
        by_version[version] = found = _codes_by_front_end(tmp_path)
        assert found["flake8"] == found["cli"] == found["pylint"], (version, found)
    # Keras 3 rejects the worker arguments of fit (KMP305); Keras 2 takes them
    assert (16, "KMP305") in by_version["3"]["cli"], by_version
    assert not any(code == "KMP305" for _line, code in by_version["2"]["cli"]), by_version


def test_the_host_options_override_the_project_configuration(tmp_path):
    (tmp_path / "train.py").write_text(KERAS_AGNOSTIC_LOADER)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.keras-mp-lint]\nkeras-version = "3"\nignore = ["KMP501"]\n'
    )
    configured = _codes_by_front_end(tmp_path)["flake8"]
    overridden = subprocess.run(
        [_bin("flake8"), "--select=KMP", "--keras-mp-keras-version=2", "train.py"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    assert "KMP305" in str(configured)
    assert "KMP501" not in str(configured)  # the configuration's ignore applies too
    assert "KMP305" not in overridden.stdout and "KMP501" not in overridden.stdout
    isolated = subprocess.run(
        [_bin("flake8"), "--isolated", "--select=KMP", "--keras-mp-keras-version=3", "train.py"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    assert "KMP501" in isolated.stdout, isolated.stdout  # --isolated: no configuration file


def test_an_unusable_project_configuration_is_a_warning_in_the_plugins(tmp_path):
    (tmp_path / "train.py").write_text(KERAS_AGNOSTIC_LOADER)
    (tmp_path / "pyproject.toml").write_text('[tool.keras-mp-lint]\nselect = 5\n')
    for cmd in (
        [_bin("flake8"), "--select=KMP", "train.py"],
        [_bin("pylint"), "--load-plugins=pylint_keras_mp", "--disable=all", "--enable=keras-mp", "train.py"],
    ):
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=300)
        assert "select must be" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
        assert "KMP501" in proc.stdout or "W7501" in proc.stdout, proc.stdout


@pytest.mark.parametrize(
    "option, value, shown, allowed",
    [
        ("python-version", "3", "'3'", "a version such as 3.10"),
        ("target-platforms", "linux,bsd", "'bsd'", "linux, macos, windows"),
    ],
)
def test_invalid_shaped_value_is_a_usage_error_in_every_front_end(tmp_path, option, value, shown, allowed):
    """A string or list option with a wrong value stops every front end with one line naming
    it, never a traceback (flake8) or an internal error per file (pylint)."""
    expected = f"invalid value {shown} (allowed: {allowed})"
    pylint = run(_bin("pylint"), *PYLINT, f"--keras-mp-{option}={value}", str(BAD))
    flake8 = run(_bin("flake8"), "--isolated", "--select=KMP", f"--keras-mp-{option}={value}", str(BAD))
    cli = run(_bin("keras-mp-lint"), f"--{option}", value, str(BAD))
    for proc in (pylint, flake8, cli):
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert option in proc.stderr and expected in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr and "F7900" not in proc.stdout
    (tmp_path / "loader.py").write_bytes(BAD.read_bytes())
    config = tmp_path / "pyproject.toml"
    config.write_text(f'[tool.keras-mp-lint]\n{option} = "{value}"\n', encoding="utf-8")
    cli = run_in(tmp_path, _bin("keras-mp-lint"), "loader.py")
    assert cli.returncode == 2
    assert cli.stderr == (
        f"keras-mp-lint: error: {option}: invalid value {shown} in {config} (allowed: {allowed})\n"
    )
    config.write_text(f'[tool.pylint.main]\nkeras-mp-{option} = "{value}"\n', encoding="utf-8")
    pylint = run_in(tmp_path, _bin("pylint"), *PYLINT, "loader.py")
    assert pylint.returncode != 0 and f"invalid value {shown} in {config}" in pylint.stderr


def test_valid_shaped_values_reach_the_pylint_plugin():
    """target-platforms and python-version given to pylint change KMP601's wording as they do
    in keras-mp-lint."""
    bad = FIXTURES / "KMP601" / "bad_torch_collate_lambda.py"
    args = ("--keras-mp-target-platforms=linux", "--keras-mp-python-version=3.14")
    pylint = run(_bin("pylint"), *PYLINT, *args, str(bad))
    cli = run(_bin("keras-mp-lint"), "--target-platforms", "linux", "--python-version", "3.14", str(bad))
    assert "(it fails on Linux)" in pylint.stdout and "(it fails on Linux)" in cli.stdout
