"""The command line's results cache (cache.py), run for real as a console script: a second run
over an unchanged project answers from the cache, any change a result depends on (the file, another
module of its project, a build file, the settings) is seen, a corrupt or foreign cache is ignored,
and concurrent runs keep each other's entries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pylint_keras_mp.settings import CACHE_ENV, NO_CACHE_ENV

BIN = Path(sys.executable).parent

LOADER = """\
import keras
import numpy as np


class Batches(keras.utils.PyDataset):
    def __init__(self, x, **kwargs):
        super().__init__(**kwargs)
        self.x = x

    def __len__(self):
        return len(self.x)

    def __getitem__(self, index):
        return self.x[index] + np.random.rand()
"""
# the same size, without the draw
LOADER_WITHOUT_DRAW = LOADER.replace("np.random.rand()", "np.float64(0.50)")
# KMP402 in loaders.py holds only while another module runs the loader in worker processes
TRAIN = """\
from loaders import Batches


def main(model, x):
    model.fit(Batches(x, workers=4, use_multiprocessing=True))


if __name__ == "__main__":
    main(None, [])
"""
TRAIN_NO_WORKERS = TRAIN.replace("Batches(x, workers=4, use_multiprocessing=True)", "Batches(x)")
DRAW = ("loaders.py", 14, "KMP402")

AN_HOUR = 3600 * 10**9


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.delenv(NO_CACHE_ENV, raising=False)
    monkeypatch.delenv(CACHE_ENV, raising=False)
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "p"\ndependencies = ["keras>=3"]\n')
    (root / "loaders.py").write_text(LOADER)
    (root / "train.py").write_text(TRAIN)
    (root / "util.py").write_text("def helper():\n    return 1\n")
    _age(root)
    return root


def _age(root: Path) -> None:
    """Date the files an hour back: their stamps are then trusted (not "racy")."""
    past = time.time_ns() - AN_HOUR
    for path in root.rglob("*"):
        if path.is_file() and ".keras_mp_lint_cache" not in path.parts:
            os.utime(path, ns=(past, past))


def lint(root: Path, *args: str) -> list[tuple[str, int, str]]:
    completed = subprocess.run(
        [str(BIN / "keras-mp-lint"), "--format", "json", *args, "."],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode in (0, 1), completed.stderr
    return sorted(
        (Path(item["path"]).name, item["line"], item["code"])
        for item in json.loads(completed.stdout)
    )


def cache_files(root: Path) -> list[Path]:
    return sorted((root / ".keras_mp_lint_cache").rglob("*.json"))


def test_a_second_run_answers_from_the_cache_without_reading_the_files(project):
    first = lint(project)
    assert DRAW in first
    folder = project / ".keras_mp_lint_cache"
    assert (folder / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (folder / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert len(cache_files(project)) == 1
    # The proof that the second run reads no module: a change that keeps the size and the
    # modification time is not seen (as in Ruff, an unchanged stamp is trusted).
    loader = project / "loaders.py"
    info = loader.stat()
    loader.write_text(LOADER_WITHOUT_DRAW)
    assert loader.stat().st_size == info.st_size
    os.utime(loader, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert lint(project) == first
    assert DRAW not in lint(project, "--no-cache")


# A run in one process that says which of the linter's modules it imported.
RUN_AND_LIST_MODULES = """\
import json, sys
from pylint_keras_mp.cli import main
main(["--format", "json", "."])
modules = sorted(name for name in sys.modules if name.startswith("pylint_keras_mp"))
print("MODULES " + json.dumps(modules), file=sys.stderr)
"""


def lint_and_list_modules(root: Path) -> tuple[list, list[str]]:
    completed = subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST_MODULES],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    listed = [line for line in completed.stderr.splitlines() if line.startswith("MODULES ")]
    assert listed, completed.stderr
    findings = sorted(
        (Path(item["path"]).name, item["line"], item["code"])
        for item in json.loads(completed.stdout)
    )
    return findings, json.loads(listed[-1].split(" ", 1)[1])


# The modules that analyse: the engine, the facts, the rules' checks, the project index, the
# fixes, the pre-filter, the notebook reader.
ANALYSIS = ("engine", "facts", "rules.kmp", "project.index", "fixes", "fixing", "prefilter", "notebook")


def _analysis_modules(modules: list[str]) -> list[str]:
    return [
        name for name in modules if name.removeprefix("pylint_keras_mp.").startswith(ANALYSIS)
    ]


def test_a_run_answered_from_the_cache_imports_no_analysis(project):
    """A run whose every file is answered from the cache shows its findings (their rules' names
    and levels included) without importing the engine, the facts, the rules or the project
    index: the interpreter's start and the linter's imports are most of a warm run's time."""
    first, cold = lint_and_list_modules(project)
    assert DRAW in first
    assert "pylint_keras_mp.engine" in _analysis_modules(cold)  # the check sees them when imported
    assert "pylint_keras_mp.rules.kmp402_unseeded_random" in _analysis_modules(cold)
    second, warm = lint_and_list_modules(project)
    assert second == first
    assert _analysis_modules(warm) == []


def test_the_rule_declarations_kept_with_the_results_are_the_declared_ones():
    from pylint_keras_mp import cache, registry

    for rule in registry.RULES:
        kept = json.loads(json.dumps(cache._rule_to_json(rule)))
        assert cache._rule_from_json(kept) == rule


def test_a_changed_file_is_linted_again(project):
    assert DRAW in lint(project)
    (project / "loaders.py").write_text(LOADER.replace("np.random.rand()", "1"))
    assert DRAW not in lint(project)


def test_a_change_in_another_module_of_the_project_is_seen(project):
    assert DRAW in lint(project)
    (project / "train.py").write_text(TRAIN_NO_WORKERS)
    assert lint(project) == []


def test_a_new_module_is_seen(project):
    (project / "train.py").write_text(TRAIN_NO_WORKERS)
    _age(project)
    assert lint(project) == []
    (project / "launch.py").write_text(TRAIN.replace("def main", "def run"))
    assert DRAW in lint(project)


def test_a_build_file_change_is_seen(project):
    """The Keras the project declares decides whether fit_generator exists (KMP306)."""
    (project / "old.py").write_text(
        "import keras\n\n\ndef train(model, batches):\n    model.fit_generator(batches)\n"
    )
    _age(project)
    assert ("old.py", 5, "KMP306") in lint(project)
    (project / "pyproject.toml").write_text('[project]\nname = "p"\ndependencies = ["keras<3"]\n')
    assert ("old.py", 5, "KMP306") not in lint(project)


def test_each_file_is_kept_with_its_nearest_project(project):
    """A file belongs to the project of the nearest folder above it that holds a project marker:
    a marker added to a subfolder makes its files (and its subfolders') another project, with
    entries of their own, though nothing the first project's entries depend on changed."""
    for folder in ("pkg", "pkg/sub", "pkg/sub/deep"):
        (project / folder).mkdir(parents=True)
        (project / folder / "mod.py").write_text("VALUE = 1\n")
    _age(project)
    first = lint(project)
    assert lint(project) == first == lint(project, "--no-cache")
    assert len(cache_files(project)) == 1
    (project / "pkg" / "sub" / "setup.cfg").write_text("[metadata]\nname = sub\n")
    assert lint(project) == first
    kept = {}
    for shard in cache_files(project):
        files = json.loads(shard.read_text())["files"]
        kept[shard.name] = sorted(Path(name).relative_to(project).as_posix() for name in files)
    # (the first project's entries for those files stay, never asked for again)
    assert len(kept) == 2
    assert ["pkg/sub/deep/mod.py", "pkg/sub/mod.py"] in kept.values()


def test_settings_that_change_results_have_their_own_entries(project):
    everything = lint(project)
    assert lint(project, "--select", "KMP3") == [f for f in everything if f[2].startswith("KMP3")]
    assert lint(project) == everything
    assert len(cache_files(project)) == 2


def test_a_file_changed_within_the_clock_granularity_is_seen(project):
    """A file written just now may be written again with the same size and the same stamp
    (a coarse file-system clock): its stamp is not trusted, its content is compared."""
    loader = project / "loaders.py"
    loader.write_text(LOADER)  # recent: racy
    first = lint(project)
    assert DRAW in first
    info = loader.stat()
    loader.write_text(LOADER_WITHOUT_DRAW)
    os.utime(loader, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert DRAW not in lint(project)


def test_a_corrupt_cache_is_ignored_and_rewritten(project):
    expected = lint(project)
    (shard,) = cache_files(project)
    for garbage in (b"{not json", b"[]", json.dumps({"format": 1, "files": []}).encode(), b"\xff\xfe"):
        shard.write_bytes(garbage)
        assert lint(project) == expected
        assert json.loads(shard.read_text())["format"] == 1


def test_a_cached_result_with_the_wrong_shape_is_ignored(project):
    expected = lint(project)
    (shard,) = cache_files(project)
    document = json.loads(shard.read_text())
    for entry in document["files"].values():
        entry["result"] = {"findings": [{"line": "x"}]}
    shard.write_text(json.dumps(document))
    assert lint(project) == expected


def test_no_cache_writes_nothing_and_cache_dir_moves_it(project, tmp_path):
    lint(project, "--no-cache")
    assert not (project / ".keras_mp_lint_cache").exists()
    elsewhere = tmp_path / "cache-here"
    expected = lint(project, "--cache-dir", str(elsewhere))
    assert not (project / ".keras_mp_lint_cache").exists()
    assert len(list(elsewhere.rglob("*.json"))) == 1
    assert lint(project, "--cache-dir", str(elsewhere)) == expected


def test_the_environment_variables(project, tmp_path, monkeypatch):
    monkeypatch.setenv(NO_CACHE_ENV, "1")
    lint(project)
    assert not (project / ".keras_mp_lint_cache").exists()
    monkeypatch.delenv(NO_CACHE_ENV)
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "env-cache"))
    lint(project)
    assert len(list((tmp_path / "env-cache").rglob("*.json"))) == 1


def test_the_configuration_file_names_the_cache_folder(project):
    (project / ".keras-mp-lint.toml").write_text('cache-dir = "build/lint-cache"\n')
    lint(project)
    assert len(list((project / "build" / "lint-cache").rglob("*.json"))) == 1
    assert not (project / ".keras_mp_lint_cache").exists()


def test_runs_at_the_same_time_keep_each_others_entries(project):
    for index in range(6):
        (project / f"extra{index}.py").write_text(f"VALUE = {index}\n")
    _age(project)
    files = sorted(path.name for path in project.glob("*.py"))
    halves = [files[::2], files[1::2]]
    runs = [
        subprocess.Popen([str(BIN / "keras-mp-lint"), *half], cwd=project, stdout=subprocess.DEVNULL)
        for half in halves
    ]
    for run in runs:
        assert run.wait(timeout=300) in (0, 1)
    (shard,) = cache_files(project)
    recorded = {Path(path).name for path in json.loads(shard.read_text())["files"]}
    # whole files only (renamed into place): the last writer's entries are all there, and
    # the other's too unless both read before either wrote
    assert any(set(half) <= recorded for half in halves)
    assert recorded <= set(files)


def test_the_cache_folder_is_never_linted(project):
    lint(project)
    (project / ".keras_mp_lint_cache" / "stray.py").write_text("import keras\nx = lambda: 1\n")
    completed = subprocess.run(
        [str(BIN / "keras-mp-lint"), "."], cwd=project, capture_output=True, text=True, timeout=300
    )
    assert ".keras_mp_lint_cache" not in completed.stdout
