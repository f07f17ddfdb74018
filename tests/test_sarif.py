"""SARIF 2.1.0 from keras-mp-lint, flake8 (--format=keras-mp-sarif) and pylint (SarifReporter):
valid against the OASIS schema, one rule per registry entry, and the same results everywhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from pylint_keras_mp import __version__
from pylint_keras_mp.service import analyze_file
from pylint_keras_mp.registry import RULES, RULES_BY_CODE
from tests.fixture_support import FIXTURES, ROOT
from tests.test_cli import LAMBDA_LOADER, run_cli, write

# The OASIS schema lives in the repository (source and licence: tests/data/README.md); a missing
# schema is a failure, not a skip.
SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def validator():
    assert SCHEMA_PATH.is_file(), f"the SARIF schema is missing at {SCHEMA_PATH}"
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )


def assert_valid(validator, log: dict) -> None:
    errors = sorted(validator.iter_errors(log), key=lambda error: list(error.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def cli_sarif(*args, cwd=ROOT) -> dict:
    proc = run_cli("--format", "sarif", *args, cwd=cwd)
    assert proc.returncode in (0, 1, 2) and "Traceback" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout)


def region_of(result: dict) -> dict:
    return result["locations"][0]["physicalLocation"]["region"]


def uri_of(result: dict) -> str:
    return result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]


@pytest.fixture(scope="module")
def fixtures_log(validator):
    return cli_sarif("fixtures")


def test_fixtures_sarif_validates(validator, fixtures_log):
    assert_valid(validator, fixtures_log)
    assert fixtures_log["version"] == "2.1.0"


def test_driver_has_one_rule_per_registry_entry(fixtures_log):
    driver = fixtures_log["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("pylint-keras-mp", __version__)
    assert driver["informationUri"].startswith("https://")
    assert [rule["id"] for rule in driver["rules"]] == [rule.code for rule in RULES]
    for entry, rule in zip(driver["rules"], RULES):
        assert entry["name"] == rule.symbol
        assert entry["shortDescription"]["text"] == rule.summary
        assert rule.summary in entry["fullDescription"]["text"]
        assert entry["helpUri"] == rule.url()
        assert rule.generic_fix in entry["help"]["text"]
        assert rule.generic_fix in entry["help"]["markdown"]
        expected_level = {"W": "warning", "E": "error", "F": "error"}[rule.severity]
        assert entry["defaultConfiguration"]["level"] == expected_level
    assert driver["rules"][[r.code for r in RULES].index("KMP900")]["defaultConfiguration"] == {
        "level": "error"
    }


def test_results_are_the_engines_findings_with_their_rule(fixtures_log):
    run = fixtures_log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == ROOT.as_uri() + "/"
    expected = []
    files = list(FIXTURES.rglob("*.py")) + list(FIXTURES.rglob("*.ipynb"))
    for path in sorted(files, key=lambda path: path.relative_to(ROOT).as_posix()):
        for finding in analyze_file(str(path)):  # notebooks: sorted by cell, then line
            expected.append((path.relative_to(ROOT).as_posix(), finding))
    assert len(run["results"]) == len(expected) > 0
    for result, (relative, finding) in zip(run["results"], expected):
        rule = rules[result["ruleIndex"]]
        assert result["ruleId"] == rule["id"] == finding.code
        assert rule["helpUri"] == finding.url  # the page each message links to
        assert result["level"] == rule["defaultConfiguration"]["level"]
        assert result["message"]["text"] == finding.message
        location = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert location == {"uri": relative, "uriBaseId": "%SRCROOT%"}
        region = {"startLine": finding.line + finding.cell_offset, "startColumn": finding.col + 1}
        if finding.end_line is not None:  # not for a KMP900
            region.update(endLine=finding.end_line + finding.cell_offset, endColumn=finding.end_col + 1)
        assert region_of(result) == region
        if finding.cell is not None:
            assert result["properties"] == {"cell": finding.cell, "lineInCell": finding.line}
    fingerprints = [r["partialFingerprints"]["primaryLocationLineHash"] for r in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints)


def test_docs_url_option_reaches_rules_and_results(validator):
    log = cli_sarif("--docs-url", "https://docs.example.org/keras-mp", "fixtures/KMP201")
    assert_valid(validator, log)
    run = log["runs"][0]
    assert all(
        rule["helpUri"] == f"https://docs.example.org/keras-mp/{rule['id']}.md"
        for rule in run["tool"]["driver"]["rules"]
    )


def test_fingerprints_survive_unrelated_edits_and_tell_identical_lines_apart(tmp_path):
    bad = write(
        tmp_path / "loader.py",
        LAMBDA_LOADER.replace(
            "        self.post = lambda batch: batch / 255.0\n",
            "        self.post = lambda batch: batch / 255.0\n" * 2,
        ),
    )
    before = cli_sarif("loader.py", cwd=tmp_path)["runs"][0]["results"]
    bad.write_text(
        "# a comment\n\n\n"
        + bad.read_text(encoding="utf-8").replace(
            "    def __len__(self):",
            "    def size(self):\n        return 0\n\n    def __len__(self):",
        ),
        encoding="utf-8",
    )
    after = cli_sarif("loader.py", cwd=tmp_path)["runs"][0]["results"]
    assert [region_of(r)["startLine"] + 3 for r in before] == [
        region_of(r)["startLine"] for r in after
    ]
    prints = [r["partialFingerprints"]["primaryLocationLineHash"] for r in before]
    assert prints == [r["partialFingerprints"]["primaryLocationLineHash"] for r in after]
    assert len(set(prints)) == 2 and prints[0].split(":")[0] == prints[1].split(":")[0]


def test_paths_outside_the_working_directory_and_unparsable_files(validator, tmp_path):
    write(tmp_path / "outside" / "broken.py", "import keras\nclass (keras.utils.PyDataset):\n")
    write(tmp_path / "outside" / "odd name #1.py", LAMBDA_LOADER)
    (tmp_path / "cwd").mkdir()
    log = cli_sarif(tmp_path / "outside", cwd=tmp_path / "cwd")
    assert_valid(validator, log)
    results = log["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["KMP901", "KMP201"]
    assert results[0]["level"] == "error"
    for result in results:
        location = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert "uriBaseId" not in location and location["uri"].startswith("file:///")
    assert uri_of(results[1]).endswith("/outside/odd%20name%20%231.py")


def test_zero_files_give_a_valid_log_without_results(validator, tmp_path):
    log = cli_sarif(cwd=tmp_path)
    assert_valid(validator, log)
    assert log["runs"][0]["results"] == []


# --- the same SARIF from flake8 and pylint -------------------------------------------------


def _comparable(log: dict) -> list[tuple]:
    return [
        (
            uri_of(r),
            r["ruleId"],
            r.get("ruleIndex"),
            r["level"],
            r["message"]["text"],
            region_of(r)["startLine"],
            region_of(r)["startColumn"],
            r["partialFingerprints"]["primaryLocationLineHash"],
        )
        for r in log["runs"][0]["results"]
    ]


def _tool(name: str) -> str:
    path = BIN / name
    assert path.exists(), f"{path} is missing: pip install -e '.[test]'"
    return str(path)


def _env() -> dict:
    env = dict(os.environ)
    env.pop("PYTHONWARNINGS", None)
    return env


FRONT_END_TARGETS = ["fixtures/KMP101", "fixtures/KMP201", "fixtures/KMP202"]


def test_flake8_sarif_formatter_matches_keras_mp_lint(validator, tmp_path):
    output = tmp_path / "flake8.sarif"
    for _ in range(2):  # a second run replaces the file rather than appending a second document
        proc = subprocess.run(
            [
                _tool("flake8"),
                "--isolated",
                "--select=KMP",
                "--format=keras-mp-sarif",
                f"--output-file={output}",
                *FRONT_END_TARGETS,
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=_env(),
            timeout=300,
        )
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    log = json.loads(output.read_text(encoding="utf-8"))
    assert_valid(validator, log)
    expected = cli_sarif(*FRONT_END_TARGETS)
    assert _comparable(log) == _comparable(expected)
    assert log["runs"][0]["tool"] == expected["runs"][0]["tool"]


def test_flake8_sarif_formatter_keeps_other_plugins_codes(validator, tmp_path):
    write(tmp_path / "mixed.py", "import os\n" + LAMBDA_LOADER)
    proc = subprocess.run(
        [_tool("flake8"), "--isolated", "--select=KMP,F401", "--format=keras-mp-sarif", "mixed.py"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_env(),
        timeout=300,
    )
    log = json.loads(proc.stdout)
    assert_valid(validator, log)
    results = log["runs"][0]["results"]
    assert [(r["ruleId"], "ruleIndex" in r) for r in results] == [("F401", False), ("KMP201", True)]


def test_pylint_sarif_reporter_matches_keras_mp_lint(validator):
    proc = subprocess.run(
        [
            _tool("pylint"),
            "--load-plugins=pylint_keras_mp",
            "--disable=all",
            "--enable=keras-mp",
            "--persistent=n",
            "--score=n",
            "--output-format=pylint_keras_mp.pylint_reporter.SarifReporter",
            *FRONT_END_TARGETS,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_env(),
        timeout=600,
    )
    assert "Traceback" not in proc.stderr and proc.returncode & 32 == 0, proc.stderr
    log = json.loads(proc.stdout)
    assert_valid(validator, log)
    expected = cli_sarif(*FRONT_END_TARGETS)
    assert _comparable(log) == _comparable(expected)
    assert [region_of(r) for r in log["runs"][0]["results"]] == [
        region_of(r) for r in expected["runs"][0]["results"]
    ]
    assert {r["ruleId"] for r in log["runs"][0]["results"]} <= set(RULES_BY_CODE)


WIDE_LINE = '    tag = "🚀é"; model.fit(batches(), steps_per_epoch=1, workers=2, use_multiprocessing=True)'
WIDE_SOURCE = f"""import tf_keras  # Keras 2, where fit takes worker arguments


def batches():
    yield 1


def train(model):
{WIDE_LINE}
"""


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_sarif_columns_are_utf16_code_units_in_every_front_end(validator, tmp_path):
    """ast counts UTF-8 bytes; SARIF's columnKind utf16CodeUnits counts an emoji as 2, é as 1."""
    write(tmp_path / "wide.py", WIDE_SOURCE)
    start = WIDE_LINE.index("model.fit")
    expected = {
        "startLine": 9,
        "startColumn": _utf16_units(WIDE_LINE[:start]) + 1,
        "endLine": 9,
        "endColumn": _utf16_units(WIDE_LINE) + 1,
    }
    # the three ways of counting differ on this line, so only UTF-16 code units pass
    assert len({len(WIDE_LINE[:start].encode("utf-8")), _utf16_units(WIDE_LINE[:start]), start}) == 3

    logs = {"keras-mp-lint": cli_sarif("wide.py", cwd=tmp_path)}
    flake8 = subprocess.run(
        [_tool("flake8"), "--isolated", "--select=KMP", "--format=keras-mp-sarif", "wide.py"],
        capture_output=True, text=True, cwd=tmp_path, env=_env(), timeout=300,
    )
    logs["flake8"] = json.loads(flake8.stdout)
    pylint = subprocess.run(
        [
            _tool("pylint"), "--load-plugins=pylint_keras_mp", "--disable=all", "--enable=keras-mp",
            "--persistent=n", "--score=n",
            "--output-format=pylint_keras_mp.pylint_reporter.SarifReporter", "wide.py",
        ],
        capture_output=True, text=True, cwd=tmp_path, env=_env(), timeout=300,
    )
    logs["pylint"] = json.loads(pylint.stdout)
    for name, log in logs.items():
        assert_valid(validator, log)
        assert log["runs"][0]["columnKind"] == "utf16CodeUnits", name
        results = log["runs"][0]["results"]
        assert [r["ruleId"] for r in results] == ["KMP302"], name
        region = region_of(results[0])
        if name == "flake8":  # flake8 hands its formatters no end position
            assert region == {k: expected[k] for k in ("startLine", "startColumn")}, name
        else:
            assert region == expected, name
