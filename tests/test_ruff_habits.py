"""Ruff's command-line habits, with Ruff's spellings and meanings: --output-format and its
formats, --show-source, --show-fixes, --add-noqa, --exit-non-zero-on-fix, --watch, stdin as
``stdin.py``, extend-safe-fixes / extend-unsafe-fixes, file-level and range suppressions, and the
hints when fixes are held back."""

from __future__ import annotations

import json
import subprocess
import time
from xml.etree import ElementTree

import pytest

from tests.fixture_support import FIXTURES, _bin

LAMBDAS = (FIXTURES / "KMP201" / "bad_lambda_and_closures.py").read_text(encoding="utf-8")
KERAS3_ARGUMENTS = (FIXTURES / "KMP305" / "bad_keras3_fit_arguments.py").read_text(encoding="utf-8")
MODULE_LEVEL_LAUNCH = (FIXTURES / "KMP301" / "bad_module_level_predict.py").read_text(encoding="utf-8")


def lint(*args: str, cwd, stdin: str | None = None, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [_bin("keras-mp-lint"), "--isolated", *args], capture_output=True, text=True, cwd=cwd,
        input=stdin, timeout=timeout,
    )


def lines_of(text: str, code: str = "KMP") -> list[int]:
    return [int(line.split(":")[1]) for line in text.splitlines() if f": {code}" in line]


def test_output_format_is_format(tmp_path):
    (tmp_path / "a.py").write_text(LAMBDAS)
    assert lint("--output-format", "json", "a.py", cwd=tmp_path).stdout == lint(
        "--format", "json", "a.py", cwd=tmp_path
    ).stdout
    assert json.loads(lint("--output-format", "json", "a.py", cwd=tmp_path).stdout)


def test_stdin_without_a_name_is_stdin_py(tmp_path):
    proc = lint("-", cwd=tmp_path, stdin=LAMBDAS)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith("stdin.py:12:9: KMP201 "), proc.stdout


def test_full_format_and_show_source(tmp_path):
    (tmp_path / "a.py").write_text(LAMBDAS)
    full = lint("--output-format", "full", "a.py", cwd=tmp_path).stdout
    assert " --> a.py:12:9\n" in full
    assert "12 |         self.post = lambda x: x / scale  # expect: KMP201\n" in full
    assert "   |         ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^" in full  # the stored value underlined
    assert lint("--show-source", "a.py", cwd=tmp_path).stdout == full
    concise = lint("--output-format", "concise", "a.py", cwd=tmp_path).stdout
    assert lint("--output-format", "full", "--no-show-source", "a.py", cwd=tmp_path).stdout == concise
    assert concise == lint("a.py", cwd=tmp_path).stdout and " --> " not in concise


def test_full_format_shows_blank_lines_inside_the_range(tmp_path):
    """A finding over several lines shows them all, blank ones included, so the numbers in the
    gutter follow each other (only blank lines after the range's last text are left out)."""
    (tmp_path / "nb.ipynb").write_text(json.dumps({
        "nbformat": 4, "nbformat_minor": 5, "metadata": {},
        "cells": [
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
             "source": "import keras\n\n\nclass Rows(keras.utils.PyDataset):\n"
                       "    def __len__(self):\n        return 1\n\n"
                       "    def __getitem__(self, i):\n        return i, i\n\n\n"
                       "model = keras.Sequential([])\n"
                       "model.fit(Rows(workers=2, use_multiprocessing=True))\n"},
        ],
    }))
    full = lint("--output-format", "full", "nb.ipynb", cwd=tmp_path).stdout
    assert "KMP203" in full, full
    gutter = [int(line.split("|")[0]) for line in full.splitlines() if line.split("|")[0].strip().isdigit()]
    assert "\n7 |\n" in full, full  # no trailing space on a blank line
    assert gutter == list(range(4, 10)), full


def test_full_format_marks_only_what_fix_would_fix(tmp_path):
    """Ruff's [*]: a safe fix, or an unsafe one when --unsafe-fixes (or extend-safe-fixes) makes
    --fix apply it; KMP201's fix is unsafe."""
    (tmp_path / "a.py").write_text(
        "import keras\n\n\nclass Rows(keras.utils.PyDataset):\n"
        "    def __init__(self, **kwargs):\n        super().__init__(**kwargs)\n"
        "        self.post = lambda x: x * 2\n"
    )
    (tmp_path / "b.py").write_text(KERAS3_ARGUMENTS)

    def heads(*args):
        out = lint("--output-format", "full", *args, "a.py", "b.py", cwd=tmp_path).stdout
        return {line.split(" ", 2)[1] == "[*]" for line in out.splitlines() if line.startswith("KMP201 ")}, {
            line.split(" ", 2)[1] == "[*]" for line in out.splitlines() if line.startswith("KMP305 ")
        }

    for args, marked in [((), False), (("--unsafe-fixes",), True), (("--extend-safe-fixes", "KMP201"), True)]:
        lambdas, safe = heads(*args)
        assert (True in lambdas) is marked and True in safe, args


def test_machine_formats(tmp_path):
    (tmp_path / "a.py").write_text(LAMBDAS)
    reference = json.loads(lint("--output-format", "json", "a.py", cwd=tmp_path).stdout)
    assert len(reference) == 7

    records = [json.loads(line) for line in lint("--output-format", "json-lines", "a.py", cwd=tmp_path).stdout.splitlines()]
    assert records == reference

    junit = ElementTree.fromstring(lint("--output-format", "junit", "a.py", cwd=tmp_path).stdout)
    assert junit.tag == "testsuites" and junit.get("failures") == "7"
    (suite,) = junit.findall("testsuite")
    assert suite.get("name") == "a.py" and suite.get("tests") == "7"
    cases = suite.findall("testcase")
    assert [case.get("line") for case in cases] == [str(r["line"]) for r in reference]
    assert all(case.find("failure").get("message") for case in cases)
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "b.py").write_text("x = 1\n")
    empty = ElementTree.fromstring(lint("--output-format", "junit", "b.py", cwd=clean).stdout)
    assert empty.get("failures") == "0"

    gitlab = json.loads(lint("--output-format", "gitlab", "a.py", cwd=tmp_path).stdout)
    assert [issue["location"]["positions"]["begin"]["line"] for issue in gitlab] == [r["line"] for r in reference]
    for issue in gitlab:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert issue["location"]["path"] == "a.py"
    assert len({issue["fingerprint"] for issue in gitlab}) == len(gitlab)

    pylint_lines = lint("--output-format", "pylint", "a.py", cwd=tmp_path).stdout.splitlines()
    assert pylint_lines[0].startswith("a.py:12: [KMP201(sequence-lambda-attribute)] Frames stores")

    rdjson = json.loads(lint("--output-format", "rdjson", "a.py", cwd=tmp_path).stdout)
    assert rdjson["source"]["name"] == "pylint-keras-mp"
    assert [d["location"]["range"]["start"]["line"] for d in rdjson["diagnostics"]] == [r["line"] for r in reference]
    assert all(d["code"]["value"] == "KMP201" and d["code"]["url"] for d in rdjson["diagnostics"])


def test_file_level_range_and_line_suppressions(tmp_path):
    lines = LAMBDAS.splitlines(keepends=True)
    everything = {12, 21, 22, 23, 24, 25, 27}
    (tmp_path / "plain.py").write_text(LAMBDAS)
    assert set(lines_of(lint("plain.py", cwd=tmp_path).stdout)) == everything

    (tmp_path / "file.py").write_text("# keras-mp: disable-file\n" + LAMBDAS)
    assert lint("file.py", cwd=tmp_path).stdout == ""
    (tmp_path / "file_codes.py").write_text("# keras-mp: disable-file[KMP4]\n" + LAMBDAS)
    assert len(lines_of(lint("file_codes.py", cwd=tmp_path).stdout)) == 7  # other codes only

    ranged = lines[:20] + ["        # keras-mp: disable[KMP201]\n"] + lines[20:23] + [
        "        # keras-mp: enable[KMP201]\n"
    ] + lines[23:]
    (tmp_path / "ranged.py").write_text("".join(ranged))
    # lines 21-23 of the original are hidden; after the enable comment the range ends
    assert lines_of(lint("ranged.py", cwd=tmp_path).stdout) == [12, 26, 27, 29]

    unmatched = lines[:11] + ["        # keras-mp: disable[sequence-lambda-attribute]\n"] + lines[11:]
    (tmp_path / "unmatched.py").write_text("".join(unmatched))
    # without enable: to the end of the block (__init__), not beyond
    assert lint("unmatched.py", cwd=tmp_path).stdout == ""
    nested = "".join(unmatched).replace("    def __len__", "    def helper(self):\n        self.late = lambda: 0\n\n    def __len__")
    (tmp_path / "nested.py").write_text(nested)
    assert "late" in lint("nested.py", cwd=tmp_path).stdout

    ignored = LAMBDAS.replace(
        "self.post = lambda x: x / scale  # expect: KMP201", "self.post = lambda x: x / scale  # keras-mp: ignore[KMP201]"
    )
    (tmp_path / "ignored.py").write_text(ignored)
    found = lint("ignored.py", cwd=tmp_path)
    assert 12 not in lines_of(found.stdout) and len(lines_of(found.stdout)) == 6
    assert "(1 suppressed)" in found.stderr


def test_add_noqa(tmp_path):
    source = tmp_path / "a.py"
    source.write_text(LAMBDAS)
    proc = lint("--add-noqa", "a.py", cwd=tmp_path)
    assert proc.returncode == 0 and "Added 7 noqa directives." in proc.stderr
    text = source.read_text()
    assert "self.post = lambda x: x / scale  # expect: KMP201  # noqa: KMP201\n" in text
    assert "normalise = lambda x: x - 0.5  # noqa: E731\n" in text  # no finding there
    after = lint("a.py", cwd=tmp_path)
    assert after.returncode == 0 and "(7 suppressed)" in after.stderr
    again = lint("--add-noqa", "a.py", cwd=tmp_path)
    assert "Added 0 noqa directives." in again.stderr and source.read_text() == text
    # codes are merged into a noqa already on the line
    source.write_text(LAMBDAS.replace("x / scale  # expect: KMP201", "x / scale  # noqa: E731"))
    lint("--add-noqa", "a.py", cwd=tmp_path)
    assert "self.post = lambda x: x / scale  # noqa: E731, KMP201\n" in source.read_text()


def test_fix_hints_show_fixes_and_exit_non_zero_on_fix(tmp_path):
    (tmp_path / "launch.py").write_text(MODULE_LEVEL_LAUNCH)
    held = lint("launch.py", cwd=tmp_path)
    assert "fixable with --unsafe-fixes)" in held.stderr.splitlines()[-1], held.stderr
    diff = lint("--diff", "launch.py", cwd=tmp_path)
    assert diff.stdout == "" and diff.returncode == 0
    assert "No fixes to show: " in diff.stderr and "fixable with --unsafe-fixes" in diff.stderr
    assert "@@" in lint("--diff", "--unsafe-fixes", "launch.py", cwd=tmp_path).stdout
    # extend-safe-fixes makes the unsafe fix safe: --diff shows it without --unsafe-fixes
    assert "@@" in lint("--diff", "--extend-safe-fixes", "KMP301", "launch.py", cwd=tmp_path).stdout

    keras3 = tmp_path / "keras3.py"
    keras3.write_text(KERAS3_ARGUMENTS)
    # extend-unsafe-fixes holds the safe KMP305 fixes back
    held_back = lint("--fix", "--extend-unsafe-fixes", "KMP305", "keras3.py", cwd=tmp_path)
    assert keras3.read_text() == KERAS3_ARGUMENTS and held_back.returncode == 1
    fixed = lint("--fix", "--show-fixes", "--exit-non-zero-on-fix", "--ignore", "KMP305", "keras3.py", cwd=tmp_path)
    assert fixed.returncode == 0  # nothing selected, nothing fixed: --exit-non-zero-on-fix stays 0
    fixed = lint("--fix", "--show-fixes", "--exit-non-zero-on-fix", "keras3.py", cwd=tmp_path)
    assert keras3.read_text() != KERAS3_ARGUMENTS
    assert "- keras3.py:\n" in fixed.stderr and "× KMP305 (worker-arguments-rejected-by-keras3)" in fixed.stderr
    assert fixed.returncode == 1  # a file changed


def test_fixable_suffix_says_what_the_settings_make_of_the_fix(tmp_path):
    """The message's "(fixable with ...)" and the summary agree with extend-safe-fixes and
    extend-unsafe-fixes: KMP301's unsafe fix made safe is fixable with --fix alone, KMP305's
    safe fix made unsafe needs --unsafe-fixes."""
    (tmp_path / "launch.py").write_text(MODULE_LEVEL_LAUNCH)
    (tmp_path / "keras3.py").write_text(KERAS3_ARGUMENTS)
    safe, unsafe = "(fixable with keras-mp-lint --fix)", "(fixable with keras-mp-lint --fix --unsafe-fixes)"

    def suffixes(*args):
        proc = lint("--output-format", "concise", *args, "launch.py", "keras3.py", cwd=tmp_path)
        found = {
            (line.split(":")[0], suffix)
            for line in proc.stdout.splitlines()
            for suffix in (safe, unsafe)
            if suffix in line
        }
        return found, proc.stderr.splitlines()[-1]

    plain, summary = suffixes()
    assert plain == {("launch.py", unsafe), ("keras3.py", safe)}, plain
    assert "more with --unsafe-fixes" in summary, summary
    extended, summary = suffixes("--extend-safe-fixes", "KMP301")
    assert extended == {("launch.py", safe), ("keras3.py", safe)}, extended
    assert "--unsafe-fixes" not in summary, summary
    held, summary = suffixes("--extend-unsafe-fixes", "KMP305")
    assert held == {("launch.py", unsafe), ("keras3.py", unsafe)}, held
    assert summary.endswith("fixable with --unsafe-fixes) in 2 files"), summary
    records = json.loads(lint("--output-format", "json", "--extend-safe-fixes", "KMP301", "launch.py", cwd=tmp_path).stdout)
    assert records and all(r["message"].endswith(safe) and r["fix"]["applicability"] == "safe" for r in records)


def test_extend_fixes_from_the_configuration(tmp_path):
    (tmp_path / "launch.py").write_text(MODULE_LEVEL_LAUNCH)
    (tmp_path / "pyproject.toml").write_text('[tool.keras-mp-lint]\nextend-safe-fixes = ["KMP3"]\n')
    proc = subprocess.run(
        [_bin("keras-mp-lint"), "--diff", "launch.py"], capture_output=True, text=True, cwd=tmp_path, timeout=300
    )
    assert "@@" in proc.stdout, proc.stderr
    # the host linters word the suffix as keras-mp-lint does: the configuration made it safe
    safe, unsafe = "(fixable with keras-mp-lint --fix)", "(fixable with keras-mp-lint --fix --unsafe-fixes)"
    for command in (
        [_bin("keras-mp-lint"), "--output-format", "concise", "launch.py"],
        [_bin("flake8"), "--select=KMP", "launch.py"],
        [_bin("pylint"), "--load-plugins=pylint_keras_mp", "--disable=all", "--enable=keras-mp", "launch.py"],
    ):
        out = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=300).stdout
        assert safe in out and unsafe not in out, (command[0], out)


def test_watch_lints_again_when_a_file_changes(tmp_path):
    source = tmp_path / "a.py"
    source.write_text("x = 1\n")
    process = subprocess.Popen(
        [_bin("keras-mp-lint"), "--isolated", "--watch", "a.py"], cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        seen = []

        def wait_for(text: str, bound: float = 120.0) -> None:
            deadline = time.monotonic() + bound
            while time.monotonic() < deadline:
                line = process.stdout.readline()
                if not line:
                    break
                seen.append(line)
                if text in line:
                    return
            pytest.fail(f"{text!r} not printed; got {''.join(seen)}")

        wait_for("Watching for file changes.")
        assert not any("KMP201" in line for line in seen)
        time.sleep(1.1)  # a different modification time on coarse file systems
        source.write_text(LAMBDAS)
        wait_for("KMP201")
        wait_for("Watching for file changes.")
    finally:
        process.terminate()
        process.wait(timeout=30)
