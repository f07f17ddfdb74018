"""Jupyter notebooks: every ``fixtures/**/*.ipynb`` through the engine, ``keras-mp-lint`` and
nbQA (pylint and flake8), with the expected findings written in the cells (``# expect:``)."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from pylint_keras_mp.notebook import (
    NotebookError,
    analyze_notebook,
    analyze_notebook_file,
    mask_ipython,
    notebook_source,
    read_notebook,
)
from tests.fixture_support import (
    EXPECT_RE,
    FIXTURES,
    PROOFS,
    ROOT,
    _bin,
    _env,
    check_snapshot,
    notebook_files,
    notebook_messages,
    snapshot_path,
)
from tests.test_cli import run_cli

NOTEBOOKS = notebook_files()
NOT_IN_NOTEBOOKS = {"KMP102", "KMP301"}

Expected = tuple  # (cell or None, line in cell or in the file, code)


def expected(path: Path) -> list[Expected]:
    """``# expect:`` comments in the code cells as (cell, line in cell, code); for a file that is
    not a notebook, in its raw text as (None, line, code)."""
    text = path.read_text(encoding="utf-8")
    found = []
    try:
        cells = read_notebook(text)["cells"]
    except NotebookError:
        for number, line in enumerate(text.splitlines(), 1):
            match = EXPECT_RE.search(line)
            if match:
                found += [(None, number, code.strip()) for code in match.group(1).split(",")]
        return sorted(found, key=str)
    for number, cell in enumerate(cells, 1):
        if cell["cell_type"] != "code":
            continue
        for line_number, line in enumerate("".join(cell["source"]).splitlines(), 1):
            match = EXPECT_RE.search(line)
            if match:
                found += [(number, line_number, code.strip()) for code in match.group(1).split(",")]
    return sorted(found, key=str)


def engine(path: Path) -> list[Expected]:
    return sorted(((f.cell, f.line, f.code) for f in analyze_notebook_file(str(path))), key=str)


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_there_are_notebook_fixtures_of_every_kind():
    names = {path.name for path in NOTEBOOKS}
    assert {"broken_json.ipynb", "good_no_code_cells.ipynb", "good_imported_loader.ipynb"} <= names
    assert any(code == "KMP203" for path in NOTEBOOKS for _, _, code in expected(path))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_engine_reports_exactly_the_expected_findings_in_each_cell(path):
    assert engine(path) == expected(path)
    check_snapshot(path, snapshot_path(path), notebook_messages(path))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_notebook_fixture_expectations_match_its_kind(path):
    codes = {code for _, _, code in expected(path)}
    assert not codes & NOT_IN_NOTEBOOKS, "KMP301 and KMP102 never apply in a notebook"
    if path.name.startswith("good"):
        assert codes == set()
    elif path.name.startswith("bad"):
        own = path.parent.name
        assert own in codes if own.startswith("KMP") else codes
    elif path.name.startswith("near"):
        assert path.parent.name not in codes and codes


def test_cli_finds_notebooks_in_folders_and_reports_what_the_engine_reports():
    proofs = [path.relative_to(ROOT) for path in PROOFS.glob("*.ipynb")]
    # every fixture folder that holds a notebook (KMP203's, KMP204's, fixtures/notebooks)
    folders = sorted({str(path.parent.relative_to(ROOT)) for path in NOTEBOOKS if PROOFS not in path.parents})
    proc = run_cli("--format", "json", *folders, *proofs)
    assert proc.returncode == 1, proc.stderr  # findings, the broken notebooks' KMP901 included
    reported: dict[Path, list] = {}
    for record in json.loads(proc.stdout):
        reported.setdefault((ROOT / record["path"]).resolve(), []).append(
            (record.get("cell"), record["line"], record["column"] - 1, record["code"], record["message"])
        )
    for path in NOTEBOOKS:
        findings = analyze_notebook_file(str(path))
        assert sorted(reported.get(path, []), key=str) == sorted(
            ((f.cell, f.line, f.col, f.code, f.message) for f in findings), key=str
        ), _id(path)
    assert all(code not in NOT_IN_NOTEBOOKS for records in reported.values() for *_, code, _ in records)


NOTEBOOK = FIXTURES / "KMP203" / "bad_lambda_attribute_in_a_cell.ipynb"


def test_text_output_names_the_cell_as_ruff_does():
    proc = run_cli(str(NOTEBOOK.relative_to(ROOT)))
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    path = str(NOTEBOOK.relative_to(ROOT))
    assert lines[0].startswith(f"{path}:cell 2:1:1: KMP203 data loader 'Frames' is defined in a notebook")
    assert "move the class into a .py module next to the notebook and import it" in lines[0]
    assert lines[1].startswith(f"{path}:cell 2:5:9: KMP201 Frames stores a lambda in self.post")


def test_json_output_adds_the_cell_beside_line_and_column():
    proc = run_cli("--format", "json", str(NOTEBOOK.relative_to(ROOT)))
    records = json.loads(proc.stdout)
    assert [(r["cell"], r["line"], r["column"], r["code"]) for r in records] == [
        (2, 1, 1, "KMP203"),
        (2, 5, 9, "KMP201"),
    ]
    assert list(records[0])[:4] == ["path", "cell", "line", "column"]


def test_pylint_output_names_the_cell_as_the_text_output_does():
    proc = run_cli("--format", "pylint", str(NOTEBOOK.relative_to(ROOT)))
    path = str(NOTEBOOK.relative_to(ROOT))
    lines = proc.stdout.splitlines()
    assert [line.split(" [")[0] for line in lines] == [f"{path}:cell 2:1:", f"{path}:cell 2:5:"]
    assert "[KMP203(notebook-defined-loader)] data loader 'Frames'" in lines[0]
    assert "[KMP201(sequence-lambda-attribute)] Frames stores a lambda in self.post" in lines[1]


def test_junit_output_adds_the_cell_beside_line_and_column():
    from xml.etree import ElementTree

    proc = run_cli("--format", "junit", str(NOTEBOOK.relative_to(ROOT)))
    cases = ElementTree.fromstring(proc.stdout).findall("./testsuite/testcase")
    assert [(c.get("cell"), c.get("line"), c.get("column"), c.get("name")) for c in cases] == [
        ("2", "1", "1", "pylint-keras-mp.KMP203"),
        ("2", "5", "9", "pylint-keras-mp.KMP201"),
    ]
    texts = [case.find("failure").text for case in cases]
    assert texts[0].startswith("cell 2, line 1, col 1, data loader 'Frames'")
    assert texts[1].startswith("cell 2, line 5, col 9, Frames stores a lambda in self.post")


def test_sarif_region_counts_lines_of_the_code_cells_concatenated():
    proc = run_cli("--format", "sarif", str(NOTEBOOK.relative_to(ROOT)))
    results = json.loads(proc.stdout)["runs"][0]["results"]
    # cell 1 has two lines, so line 5 of cell 2 is line 7 of the notebook's source
    regions = [
        (r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"], r["properties"])
        for r in results
    ]
    assert regions == [
        ("KMP203", 3, {"cell": 2, "lineInCell": 1}),
        ("KMP201", 7, {"cell": 2, "lineInCell": 5}),
    ]
    uri = results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.endswith("bad_lambda_attribute_in_a_cell.ipynb")
    # the fingerprint hashes the reported line of the cell, not a line of the JSON file
    lambda_line = "        self.post = lambda batch: batch / 255.0  # expect: KMP201"
    from pylint_keras_mp.output import _fingerprint

    assert results[1]["partialFingerprints"]["primaryLocationLineHash"] == _fingerprint(
        uri, "KMP201", lambda_line.strip(), 1
    )


def test_broken_notebooks_are_one_finding_naming_the_file_and_the_run_goes_on():
    broken = FIXTURES / "notebooks" / "broken_json.ipynb"
    good = FIXTURES / "KMP203" / "bad_loader_defined_in_a_cell.ipynb"
    proc = run_cli(str(broken.relative_to(ROOT)), str(good.relative_to(ROOT)))
    assert proc.returncode == 1  # KMP901 is the file's error, a finding
    assert "Traceback" not in proc.stderr
    lines = sorted(proc.stdout.splitlines(), key=lambda line: "KMP901" not in line)
    assert len(lines) == 2
    assert lines[0].startswith(f"{broken.relative_to(ROOT)}:3:1: KMP901 Python cannot parse this notebook")
    assert "not a Jupyter notebook: invalid JSON" in lines[0]
    assert lines[1].startswith(f"{good.relative_to(ROOT)}:cell 3:1:1: KMP203")


def test_notebooks_honour_excludes_and_skip_checkpoints(tmp_path):
    source = (FIXTURES / "KMP203" / "bad_loader_defined_in_a_cell.ipynb").read_text()
    for relative in ("train.ipynb", "old/train.ipynb", ".ipynb_checkpoints/train-checkpoint.ipynb"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(source)
    proc = run_cli("--format", "json", "--exclude", "old", ".", cwd=tmp_path)
    assert {record["path"] for record in json.loads(proc.stdout)} == {"train.ipynb"}
    (tmp_path / "pyproject.toml").write_text('[tool.keras-mp-lint]\nexclude = ["train.ipynb"]\n')
    proc = run_cli("--force-exclude", "train.ipynb", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout == ""
    proc = run_cli("--ignore", "KMP203", "train.ipynb", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout == ""


def test_a_loader_defined_in_a_py_file_is_not_kmp203():
    script = FIXTURES / "KMP203" / "good_loader_in_a_script.py"
    assert run_cli(str(script.relative_to(ROOT))).returncode == 0
    # the same cells as one notebook report it
    notebook = FIXTURES / "KMP203" / "bad_loader_defined_in_a_cell.ipynb"
    assert [f.code for f in analyze_notebook_file(str(notebook))] == ["KMP203"]


# --- reading and masking ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lines, masked",
    [
        (["%matplotlib inline\n"], ["pass\n"]),
        (["!pip install keras\n"], ["pass\n"]),
        (["files = !ls\n"], ["files = __ipython_magic__()\n"]),
        (["a, b = %sx echo 1 2\n"], ["a, b = __ipython_magic__()\n"]),
        (["keras.utils.PyDataset?\n", "??keras\n"], ["pass\n", "pass\n"]),
        (["for i in x:\n", "    !echo $i\n"], ["for i in x:\n", "    pass\n"]),
        (["%time f(1, \\\n", "        2)\n"], ["pass\n", "\n"]),
        (["%%bash\n", "echo (\n"], ["\n", "\n"]),
        (["%%time\n", "x = 1\n"], ["\n", "x = 1\n"]),
        # inside strings, brackets and continuations nothing is a magic
        (['s = """\n', "%d\n", '"""\n'], ['s = """\n', "%d\n", '"""\n']),
        (["x = (1,\n", "  !2)\n"], ["x = (1,\n", "  !2)\n"]),
        (["x = 1 + \\\n", "  %2\n"], ["x = 1 + \\\n", "  %2\n"]),
        (["x = 5 % 3  # what?\n"], ["x = 5 % 3  # what?\n"]),
        (["y = x != 2\n"], ["y = x != 2\n"]),
    ],
)
def test_ipython_syntax_is_masked_line_for_line(lines, masked):
    assert mask_ipython(lines) == masked


def _notebook(*cells) -> str:
    return json.dumps(
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {},
            "cells": [
                {"cell_type": kind, "metadata": {}, "source": text}
                | ({"outputs": [], "execution_count": None} if kind == "code" else {})
                for kind, text in cells
            ],
        }
    )


def test_cells_are_one_module_and_lines_map_back_to_cells():
    document = json.loads(_notebook(("markdown", "# x"), ("code", "a = 1\nb = 2"), ("code", ["c = 3\n", "d"])))
    source = notebook_source(document)
    assert source.source == "a = 1\nb = 2\nc = 3\nd\n"
    assert [(cell.number, cell.start, cell.end) for cell in source.cells] == [(2, 1, 2), (3, 3, 4)]
    assert source.cell_at(3).number == 3


def test_a_class_in_one_cell_and_its_launch_in_another_are_one_module():
    text = _notebook(
        ("code", "import keras\n"),
        ("code", "class DS(keras.utils.PyDataset):\n    def __getitem__(self, i):\n        return i\n"),
        ("markdown", "later"),
        ("code", "model.fit(DS(workers=2, use_multiprocessing=True))\n"),
    )
    (finding,) = analyze_notebook(text)
    assert (finding.cell, finding.line, finding.code) == (2, 1, "KMP203")
    assert "'DS'" in finding.message and "through model.fit(...)" in finding.message


@pytest.mark.parametrize(
    "text, reason",
    [
        ("{", "invalid JSON"),
        ("[1, 2]", "without 'nbformat'"),
        ('{"nbformat": 4}', "no list of cells"),
        ('{"nbformat": 3, "worksheets": []}', "nbformat=3"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_a_file_that_is_not_a_notebook_is_one_kmp900(text, reason):
    (finding,) = analyze_notebook(text, "x.ipynb")
    assert finding.code == "KMP901" and finding.cell is None and reason in finding.message


def test_a_cell_that_does_not_parse_is_reported_once_and_the_rest_is_analysed():
    text = _notebook(
        ("code", "import keras\n"),
        ("code", "x = (\n"),
        ("code", "class DS(keras.utils.PyDataset):\n    def __init__(self):\n        self.f = lambda: 1\n"),
    )
    findings = analyze_notebook(text)
    assert [(f.cell, f.line, f.code) for f in findings] == [
        (2, 1, "KMP901"),
        (3, 2, "KMP501"),
        (3, 3, "KMP201"),
    ]
    assert "Python cannot parse cell 2 of this notebook (SyntaxError: " in findings[0].message


# --- nbQA: pylint and flake8 on notebooks ------------------------------------------------------

NBQA_PATTERN = re.compile(
    r"^(?P<path>.+?\.ipynb):cell_(?P<cell>\d+):(?P<line>\d+):(?P<col>\d+):? (?P<code>[A-Z]+\d{3,4}):? "
)
# What nbQA can check: real notebooks (it stops on broken JSON, and leaves out a cell that does
# not parse without a word, where keras-mp-lint reports KMP901).
NBQA_NOTEBOOKS = [path for path in NOTEBOOKS if not any(cell is None for cell, *_ in expected(path))]
NBQA_CANNOT = {"KMP203", "KMP901"}


def _code_cell_numbers(path: Path) -> dict[int, int]:
    """nbQA numbers code cells only; keras-mp-lint (like Ruff) numbers every cell."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = [number for number, cell in enumerate(cells, 1) if cell["cell_type"] == "code"]
    return {position: number for position, number in enumerate(code, 1)}


def _nbqa(tool_args: list[str]) -> dict[Path, list[Expected]]:
    nbqa = _bin("nbqa")
    assert shutil.which(nbqa) or Path(nbqa).exists(), "nbqa is missing: pip install -e '.[test]'"
    proc = subprocess.run(
        [nbqa, *tool_args, *[str(path.relative_to(ROOT)) for path in NBQA_NOTEBOOKS]],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_env(),
        timeout=600,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    found: dict[Path, list[Expected]] = {path: [] for path in NBQA_NOTEBOOKS}
    for line in proc.stdout.splitlines():
        match = NBQA_PATTERN.match(line)
        if match:
            path = (ROOT / match["path"]).resolve()
            cell = _code_cell_numbers(path)[int(match["cell"])]
            found[path].append((cell, int(match["line"]), match["code"]))
    return found


def _without_kmp203(path: Path) -> list[tuple]:
    """The expected (cell, code) pairs but KMP203. nbQA runs ``autopep8 --select=E3`` on its copy
    of the cells before the linter, so a line in a cell whose class or def lacks PEP 8's blank
    lines comes back a few lines low (bad_magics_markdown_and_empty_cells.ipynb: 14 for 13);
    the cell and the code are what nbQA reliably gives."""
    return sorted(((cell, code) for cell, _, code in expected(path) if code not in NBQA_CANNOT), key=str)


def documented_nbqa(tool: str) -> list[str]:
    """The arguments of ``nbqa TOOL notebooks/ ...`` as docs/integrations.md shows it (the
    README shows the same lines)."""
    integrations = (ROOT / "docs" / "integrations.md").read_text(encoding="utf-8")
    (line,) = re.findall(rf"^nbqa {tool} notebooks/ .*$", integrations, re.MULTILINE)
    assert line in (ROOT / "README.md").read_text(encoding="utf-8")
    return shlex.split(line)[3:]


def test_nbqa_flake8_reports_every_rule_but_kmp203():
    # nbQA hands flake8 a script, so the notebook-only rule cannot run and the rules that do not
    # apply in notebooks must be ignored: the documented command line.
    found = _nbqa(["flake8", "--isolated", *documented_nbqa("flake8")])
    for path in NBQA_NOTEBOOKS:
        got = sorted(((cell, code) for cell, _, code in found[path]), key=str)
        assert got == _without_kmp203(path), _id(path)
    rows = FIXTURES / "notebooks" / "bad_rules_in_cells.ipynb"  # PEP 8 blank lines: exact lines
    assert sorted(found[rows], key=str) == expected(rows)


def test_nbqa_pylint_reports_every_rule_but_kmp203():
    from pylint_keras_mp.registry import RULES_BY_MSGID

    found = _nbqa(["pylint", *documented_nbqa("pylint"), "--persistent=n", "--score=n"])
    for path in NBQA_NOTEBOOKS:
        # pylint's own messages (C0114...) are not the plugin's
        got = sorted(
            ((cell, RULES_BY_MSGID[code].code) for cell, _, code in found[path] if code in RULES_BY_MSGID),
            key=str,
        )
        assert got == _without_kmp203(path), _id(path)


def test_without_the_ignores_nbqa_reports_a_notebook_launch_as_kmp301():
    """Why the documented nbQA command ignores KMP301: nbQA cannot say the code is a notebook."""
    nbqa = _bin("nbqa")
    notebook = FIXTURES / "KMP203" / "bad_loader_defined_in_a_cell.ipynb"
    proc = subprocess.run(
        [nbqa, "flake8", "--isolated", "--select=KMP", str(notebook.relative_to(ROOT))],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_env(),
        timeout=300,
    )
    assert ":cell_4:2:11: KMP301" in proc.stdout, proc.stdout + proc.stderr
    assert " KMP203 " not in proc.stdout
    assert "KMP301" not in run_cli(str(notebook.relative_to(ROOT))).stdout


# --- robustness -----------------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
_cell = st.fixed_dictionaries(
    {"cell_type": st.sampled_from(["code", "markdown", "raw", 3, None])},
    optional={
        "source": st.one_of(_json, st.text(max_size=80), st.lists(st.text(max_size=30), max_size=6)),
        "metadata": _json,
    },
)


@settings(max_examples=200, deadline=None)
@given(
    cells=st.one_of(_json, st.lists(st.one_of(_cell, _json), max_size=6)),
    version=st.sampled_from([4, 3, "4", None]),
)
def test_any_json_document_is_findings_never_an_exception(cells, version):
    if isinstance(cells, list):  # past the pre-filter, into the cells
        cells = [{"cell_type": "code", "source": "import keras\n"}, *cells]
    findings = analyze_notebook(json.dumps({"nbformat": version, "cells": cells}), "x.ipynb")
    assert all(isinstance(f.line, int) and f.line >= 1 for f in findings)
    # a rule or the reader that failed would say so in a KMP900 ("KMP201 failed: ...")
    assert not any("failed:" in f.message or "cannot read notebook" in f.message for f in findings)


def test_unknown_worker_settings_are_kmp203_only_when_assumed_on():
    from pylint_keras_mp.config import Options

    notebook = FIXTURES / "KMP203" / "good_unknown_settings.ipynb"
    assert analyze_notebook_file(str(notebook)) == []
    (finding,) = analyze_notebook_file(str(notebook), Options(assume_multiprocessing=True))
    assert (finding.cell, finding.line, finding.code) == (3, 1, "KMP203")


def test_automagic_lines_are_masked_only_in_a_cell_that_is_not_python_otherwise():
    assert mask_ipython(["pip install keras==3.15\n", "ls -l\n"], automagic=True) == ["pass\n", "pass\n"]
    # Python that happens to start with a magic's name is left alone
    for python in (["time = 3\n"], ["cd(path)\n"], ["ls + 1\n"], ["env - x\n"]):
        assert mask_ipython(python, automagic=True) == python
    text = _notebook(
        ("code", "pip install keras\nimport keras\n"),
        ("code", "class DS(keras.utils.PyDataset):\n    def __init__(self, **kw):\n"
                 "        super().__init__(**kw)\n        self.f = lambda: 1\n"),
    )
    assert [(f.cell, f.line, f.code) for f in analyze_notebook(text)] == [(2, 4, "KMP201")]
    # a cell with only a bare name stays Python: `ls` is a name there, and nothing is masked
    document = json.loads(_notebook(("code", "ls\nimport keras\n")))
    assert notebook_source(document).source == "ls\nimport keras\n"


def test_noqa_in_a_cell_and_a_notebook_on_standard_input(tmp_path):
    text = (FIXTURES / "KMP203" / "bad_lambda_attribute_in_a_cell.ipynb").read_text(encoding="utf-8")
    document = json.loads(text)
    source = document["cells"][1]["source"]
    source[4] = source[4].replace("# expect: KMP201", "# noqa: KMP201")
    (tmp_path / "train.ipynb").write_text(json.dumps(document), encoding="utf-8")
    proc = run_cli("--format", "json", "train.ipynb", cwd=tmp_path)
    assert [(r["cell"], r["line"], r["code"]) for r in json.loads(proc.stdout)] == [(2, 1, "KMP203")]
    proc = subprocess.run(
        [_bin("keras-mp-lint"), "--format", "json", "--stdin-filename", "nb/train.ipynb", "-"],
        input=text, capture_output=True, text=True, cwd=tmp_path, env=_env(), timeout=120,
    )
    records = json.loads(proc.stdout)
    assert [(r["path"], r["cell"], r["line"], r["code"]) for r in records] == [
        (str(Path("nb/train.ipynb")), 2, 1, "KMP203"),
        (str(Path("nb/train.ipynb")), 2, 5, "KMP201"),
    ]
