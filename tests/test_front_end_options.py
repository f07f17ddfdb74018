"""Options and help behave the same way in the pylint and flake8 front ends."""

from __future__ import annotations

import subprocess

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
        assert all(f"(see {base}/rules/KMP201.md)" in line for line in lines), lines


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
