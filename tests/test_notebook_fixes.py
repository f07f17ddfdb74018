"""Fixes in notebooks, through the real command line on notebooks written by nbformat: only the
fixed cell's source changes, magics and outputs stay, the result is a valid notebook without the
fixed finding, and what cannot be written back exactly is left alone with a warning."""

from __future__ import annotations

import difflib
import json

import nbformat
import pytest

from pylint_keras_mp.fixes import Edit, Fix
from pylint_keras_mp.fixes.notebooks import cell_fix
from pylint_keras_mp.fixing.notebooks import json_layout
from pylint_keras_mp.notebook import analyze_notebook, notebook_source, read_notebook
from pylint_keras_mp.service import analyze_file
from tests.test_cli import run_cli

LOADER_CELL = (
    "class Loader(keras.utils.PyDataset):\n"
    "    def __init__(self, x, **kwargs):\n"
    "        self.x = x\n"
    "\n"
    "    def __len__(self):\n"
    "        return 1\n"
    "\n"
    "    def __getitem__(self, i):\n"
    "        return self.x, self.x"
)


def _notebook(path, *cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Training")]
    for source in cells:
        cell = nbformat.v4.new_code_cell(source)
        cell.outputs = [nbformat.v4.new_output("stream", text="an output that must stay\n")]
        nb.cells.append(cell)
    nbformat.write(nb, str(path))
    return path


def _codes(path) -> list[tuple[int | None, str]]:
    return [(f.cell, f.code) for f in analyze_notebook(path.read_bytes(), str(path))]


@pytest.fixture
def notebook(tmp_path):
    return _notebook(
        tmp_path / "train.ipynb",
        "%matplotlib inline\nimport keras\nimport numpy as np",
        LOADER_CELL,
        "!nvidia-smi\nloader = Loader(np.zeros((4, 2)))",
    )


def test_fix_rewrites_only_the_fixed_cells_source(notebook):
    before = notebook.read_text(encoding="utf-8")
    assert _codes(notebook) == [(3, "KMP501")]
    proc = run_cli("--fix", "--isolated", notebook, cwd=notebook.parent)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Fixed 1 finding(s) in 1 file(s)." in proc.stderr
    after = notebook.read_text(encoding="utf-8")
    changed = [
        line
        for line in difflib.ndiff(before.splitlines(), after.splitlines())
        if line.startswith(("+ ", "- "))
    ]
    assert changed == ['+     "        super().__init__(**kwargs)\\n",']
    nbformat.validate(nbformat.reads(after, as_version=4))
    assert _codes(notebook) == []
    cells = json.loads(after)["cells"]
    assert "".join(cells[1]["source"]).startswith("%matplotlib inline\n")
    assert "".join(cells[3]["source"]).startswith("!nvidia-smi\n")
    assert all(cell.get("outputs", [1]) for cell in cells[1:])
    # a second run changes nothing
    assert run_cli("--fix", "--isolated", notebook, cwd=notebook.parent).returncode == 0
    assert notebook.read_text(encoding="utf-8") == after


def test_diff_names_the_cell_and_writes_nothing(notebook):
    before = notebook.read_bytes()
    proc = run_cli("--diff", "--isolated", notebook, cwd=notebook.parent)
    assert proc.returncode == 1, proc.stderr
    assert f"--- {notebook}:cell 3\n+++ {notebook}:cell 3\n" in proc.stdout
    assert "+        super().__init__(**kwargs)\n" in proc.stdout
    assert notebook.read_bytes() == before


def test_json_output_counts_fix_rows_in_the_cell_and_sarif_carries_no_notebook_fix(notebook):
    proc = run_cli("--format", "json", "--isolated", notebook, cwd=notebook.parent)
    [finding] = json.loads(proc.stdout)
    assert finding["cell"] == 3 and finding["line"] == 2
    [edit] = finding["fix"]["edits"]
    assert edit["location"]["row"] == 3 and edit["content"] == "        super().__init__(**kwargs)\n"
    sarif = json.loads(run_cli("--format", "sarif", "--isolated", notebook, cwd=notebook.parent).stdout)
    [result] = sarif["runs"][0]["results"]
    assert result["ruleId"] == "KMP501" and "fixes" not in result


def test_a_layout_that_cannot_be_written_back_is_left_alone_with_a_warning(notebook):
    document = json.loads(notebook.read_text(encoding="utf-8"))
    notebook.write_text(json.dumps(document, indent=3), encoding="utf-8")
    before = notebook.read_bytes()
    proc = run_cli("--fix", "--isolated", notebook, cwd=notebook.parent)
    assert proc.returncode == 1
    assert "not fixed: its JSON layout" in proc.stderr
    assert notebook.read_bytes() == before


@pytest.mark.parametrize("indent, sort_keys", [(1, True), (2, False), (None, True)])
def test_the_json_layout_is_found_back(tmp_path, indent, sort_keys):
    document = json.loads(_notebook(tmp_path / "a.ipynb", "import keras").read_text(encoding="utf-8"))
    text = json.dumps(document, indent=indent, sort_keys=sort_keys, ensure_ascii=False) + "\n"
    assert json_layout(text, document) is not None
    assert json_layout(text.replace('"cells"', ' "cells"', 1), document) is None


def test_a_fix_is_kept_only_inside_one_cell_and_off_masked_lines(notebook):
    source = notebook_source(read_notebook(notebook.read_bytes()))
    first, second, third = source.cells
    fix = Fix("KMP501", "safe", "m", (Edit(second.start + 1, second.start + 1, "x\n"),))
    assert cell_fix(fix, second, source.source).edits == (Edit(2, 2, "x\n"),)
    across = Fix("KMP501", "safe", "m", (Edit(second.end, third.start + 1, "x\n"),))
    assert cell_fix(across, second, source.source) is None
    magic = Fix("KMP501", "safe", "m", (Edit(third.start, third.start + 1, "pass\n"),))
    assert cell_fix(magic, third, source.source) is None  # the `!nvidia-smi` line
    assert cell_fix(magic, first, source.source) is None  # not in that cell


def test_a_handle_of_a_notebook_defined_loader_gets_no_fix(tmp_path):
    # the same class in a module gets KMP202's fix; in a notebook a spawn worker cannot even
    # import the class (KMP203), and the fix would not make it work
    handle_cell = (
        "class Records(keras.utils.PyDataset):\n"
        "    def __init__(self, path, **kwargs):\n"
        "        super().__init__(**kwargs)\n"
        '        self.f = open(path, "rb")\n'
        "\n"
        "    def __len__(self):\n"
        "        return 1\n"
        "\n"
        "    def __getitem__(self, i):\n"
        "        return self.f.read(4)"
    )
    launch = 'model.fit(Records("r.bin", workers=2, use_multiprocessing=True))'
    path = _notebook(tmp_path / "train.ipynb", "import keras\nmodel = keras.Sequential()", handle_cell, launch)
    findings = [f for f in analyze_notebook(path.read_bytes(), str(path)) if f.code == "KMP202"]
    assert findings and all(f.fix is None and "fixable" not in f.message for f in findings)
    module = tmp_path / "train.py"
    module.write_text("import keras\nmodel = keras.Sequential()\n\n\n" + handle_cell + "\n\n\n" + launch + "\n")
    assert [f.fix is not None for f in analyze_file(str(module)) if f.code == "KMP202"] == [True]
