"""What the flake8 and pylint plugins keep alive between files, measured in real runs.

Both host linters lint each file once, so the plugin keeps no syntax tree (its own parse, the
host's tree, or another project module's) once a file's findings are reported: a tree kept
alive costs memory and is walked again by every full collection of the host's garbage
collector. The project questions keep only small summaries between files.

The project linted here makes the project layer parse other modules: 12 loaders whose base
class is in another module (their lambdas are reported only through that base), 12 modules that
never name Keras (the project scan runs for them), and a training script that launches a
project loader with process workers.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

LOADERS = 12
PLAIN = 12

# Runs flake8 in this process and prints, before each file's checks, how many ast.Module objects
# are alive. Garbage is collected first: pyflakes links every node to its parent, so flake8's own
# trees are freed by the collector, not when flake8 drops them.
FLAKE8_RUNNER = r"""
import ast, gc, sys
from flake8 import checker
from flake8.main.cli import main

alive = []
run_checks = checker.FileChecker.run_checks

def counted(self):
    gc.collect()
    alive.append(sum(1 for o in gc.get_objects() if isinstance(o, ast.Module)))
    return run_checks(self)

checker.FileChecker.run_checks = counted
try:
    main(sys.argv[1:])
except SystemExit:
    pass
gc.collect()
alive.append(sum(1 for o in gc.get_objects() if isinstance(o, ast.Module)))
print("ALIVE", " ".join(map(str, alive)), file=sys.stderr)
"""

# A pylint plugin that prints, when pylint visits each module, how many ast.Module objects are
# alive once garbage is collected (pylint's own trees are astroid's, not ast's).
PYLINT_COUNTER = r"""
import ast, gc, sys
from pylint.checkers import BaseChecker


class TreeCounter(BaseChecker):
    name = "tree-counter"
    msgs = {"W9999": ("unused", "tree-counter-unused", "unused")}

    def visit_module(self, node):
        gc.collect()
        alive = sum(1 for o in gc.get_objects() if isinstance(o, ast.Module))
        print("ALIVE", alive, file=sys.stderr)


def register(linter):
    linter.register_checker(TreeCounter(linter))
"""


def _project(root: Path) -> list[Path]:
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "memory"\n', encoding="utf-8")
    package = root / "data"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "base.py").write_text(
        "import keras\n\n\n"
        "class Base(keras.utils.PyDataset):\n"
        "    def __len__(self):\n"
        "        return 1\n",
        encoding="utf-8",
    )
    for number in range(LOADERS):
        (package / f"loader_{number:02d}.py").write_text(
            "from .base import Base\n\n\n"
            f"class Loader{number}(Base):\n"
            "    def __init__(self):\n"
            "        super().__init__()\n"
            "        self.scale = lambda x: x / 255  # expect: KMP201\n\n"
            "    def __getitem__(self, index):\n"
            "        return self.scale(index)\n",
            encoding="utf-8",
        )
    for number in range(PLAIN):
        (package / f"plain_{number:02d}.py").write_text(
            "import json\n\n\n"
            f"def read_{number}(path):\n"
            "    with open(path) as handle:\n"
            "        return json.load(handle)\n",
            encoding="utf-8",
        )
    (root / "train.py").write_text(
        "from data.loader_00 import Loader0\n\n"
        "if __name__ == '__main__':\n"
        "    model = None\n"
        "    model.fit(Loader0(), workers=4, use_multiprocessing=True)\n",
        encoding="utf-8",
    )
    return sorted(root.rglob("*.py"))


def _env(extra_path: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONWARNINGS", None)
    if extra_path is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(extra_path), env.get("PYTHONPATH")]))
    return env


def _alive(stderr: str) -> list[int]:
    counts = [int(n) for line in stderr.splitlines() if line.startswith("ALIVE") for n in line.split()[1:]]
    assert counts, stderr
    return counts


def test_flake8_keeps_no_tree_between_files(tmp_path):
    files = _project(tmp_path / "project")
    runner = tmp_path / "runner.py"
    runner.write_text(FLAKE8_RUNNER, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(runner), "--isolated", "-j1", "--select=KMP", *map(str, files)],
        capture_output=True, text=True, cwd=tmp_path / "project", env=_env(), timeout=600,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    # the run did the cross-module work: every loader's lambda is reported through its base
    reported = re.findall(r"loader_\d+\.py:7:\d+: KMP201", proc.stdout)
    assert len(reported) == LOADERS, proc.stdout
    alive = _alive(proc.stderr)
    assert len(alive) == len(files) + 1
    assert max(alive) == 0, alive



def test_flake8_keeps_no_tree_of_an_installed_module(tmp_path):
    """A loader base read from an installed package's source: its answer is kept, the module's
    tree is not (absltest's, under every Keras test case, stayed alive for the whole run)."""
    site = tmp_path / "site" / "vendor_seq"
    site.mkdir(parents=True)
    (site / "__init__.py").write_text("", encoding="utf-8")
    (site / "base.py").write_text(
        "import keras\n\n\nclass VendorBase(keras.utils.Sequence):\n    def __len__(self):\n        return 1\n",
        encoding="utf-8",
    )
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "vendored"\n', encoding="utf-8")
    files = []
    for number in range(3):
        path = root / f"loader_{number}.py"
        path.write_text(
            "from vendor_seq.base import VendorBase\n\n\n"
            f"class Loader{number}(VendorBase):\n"
            "    def __init__(self):\n"
            "        self.scale = lambda x: x / 255\n",
            encoding="utf-8",
        )
        files.append(path)
    runner = tmp_path / "runner.py"
    runner.write_text(FLAKE8_RUNNER, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(runner), "--isolated", "-j1", "--select=KMP", *map(str, files)],
        capture_output=True, text=True, cwd=root, env=_env(tmp_path / "site"), timeout=600,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    # the installed base was read: each loader's lambda is reported
    assert len(re.findall(r"loader_\d\.py:6:\d+: KMP201", proc.stdout)) == 3, proc.stdout
    alive = _alive(proc.stderr)
    assert len(alive) == len(files) + 1
    assert max(alive) == 0, alive

def test_pylint_keeps_no_tree_between_files(tmp_path):
    files = _project(tmp_path / "project")
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "tree_counter.py").write_text(PYLINT_COUNTER, encoding="utf-8")
    proc = subprocess.run(
        [
            sys.executable, "-m", "pylint", "--load-plugins=pylint_keras_mp,tree_counter",
            "--disable=all", "--enable=keras-mp,tree-counter-unused", "--persistent=n", "--score=n", "-j1",
            "--msg-template={path}:{line}:{column}: {msg_id}", *map(str, files),
        ],
        capture_output=True, text=True, cwd=tmp_path / "project", env=_env(plugins), timeout=600,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    reported = re.findall(r"loader_\d+\.py:7:\d+: [EW]7201", proc.stdout)
    assert len(reported) == LOADERS, proc.stdout + proc.stderr
    alive = _alive(proc.stderr)
    assert len(alive) == len(files)
    assert max(alive) == 0, alive


def test_the_command_line_keeps_the_text_of_files_with_findings_only(tmp_path):
    """A run over a large project holds every file's result until the output: a file without
    findings must not keep its text (a 5,000-file project peaked at 297 MB when each did)."""
    from pylint_keras_mp.arguments import build_parser
    from pylint_keras_mp.project_config import ProjectConfig
    from pylint_keras_mp.service import lint_file
    from pylint_keras_mp.settings import Settings

    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "plain.py").write_text("import keras\n\nVALUE = 1\n" * 50)
    (tmp_path / "loader.py").write_text(
        "import keras\n\n\nclass Batches(keras.utils.PyDataset):\n"
        "    def __init__(self, **kwargs):\n        super().__init__(**kwargs)\n"
        "        self.post = lambda batch: batch\n"
    )
    settings = Settings(build_parser().parse_args(["--no-cache", str(tmp_path)]), ProjectConfig(None, {}))
    plain = lint_file(str(tmp_path / "plain.py"), settings, want_fixes=True)
    loader = lint_file(str(tmp_path / "loader.py"), settings, want_fixes=True)
    assert not plain.findings and plain.lines == ()
    assert loader.findings and loader.lines[6] == "        self.post = lambda batch: batch\n"
