"""After a change, the project's answers equal answers from scratch.

``--fix``'s passes and an editor's edits change one file of a project; the index then keeps the
scan's summaries of the modules whose imports cannot reach that file and summarises the others
again (``project/index.py``, ``_reset(changed=...)``). Every fixture project, each of its modules
changed in turn by edits that move every line, turn the worker processes off or take the loader
base away: every module's findings after the change must equal a fresh process's over the
changed files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pylint_keras_mp import engine
from pylint_keras_mp.config import Options
from pylint_keras_mp.project import index as project_index, model
from pylint_keras_mp.service import analyze_file
from tests.fixture_support import fixture_projects

EDITS = {
    "lines moved": lambda text: "\n\n# moved\n" + text,
    "no processes": lambda text: text.replace("use_multiprocessing=True", "use_multiprocessing=False").replace(
        "num_workers=", "num_workers=0 * "
    ),
    "no loader base": lambda text: text.replace("keras.utils.PyDataset", "object").replace(
        "keras.utils.Sequence", "object"
    ),
}


def _fresh_process_caches():
    project_index._INDEXES.clear()
    project_index._RECENT.clear()
    project_index._KEPT_CHARS = 0
    project_index._LINTED[0] = None
    model._PROJECTS.clear()
    model._KEY_OF_FILE.clear()
    model._marked_folder_name.cache_clear()


def _findings(path: Path, options: Options) -> list[tuple]:
    return sorted((f.line, f.col, f.code, f.message) for f in analyze_file(str(path), options, fixes=False))


@pytest.mark.parametrize("fixture", fixture_projects(), ids=lambda p: p.id)
def test_answers_after_a_change_equal_answers_from_scratch(fixture, tmp_path):
    root = fixture.copy_to(tmp_path)
    root = Path(getattr(root, "root", root))
    options = Options()
    modules = sorted(path for path in root.rglob("*.py") if path.is_file())
    originals = {path: path.read_text(encoding="utf-8") for path in modules}
    compared = 0
    for changed in modules:
        for name, edit in EDITS.items():
            new = edit(originals[changed])
            if new == originals[changed]:
                continue
            # warm: every module linted, then the change seen as --fix's next pass sees it
            _fresh_process_caches()
            for path in modules:
                _findings(path, options)
            engine.analyze(new, str(changed), options, fixes=False)
            incremental = {path: _findings(path, options) for path in modules if path != changed}
            incremental[changed] = sorted(
                (f.line, f.col, f.code, f.message)
                for f in engine.analyze(new, str(changed), options, fixes=False)
            )
            # from scratch, with the change on disk
            changed.write_text(new, encoding="utf-8")
            _fresh_process_caches()
            fresh = {path: _findings(path, options) for path in modules}
            changed.write_text(originals[changed], encoding="utf-8")
            assert incremental == fresh, (changed.relative_to(root), name)
            compared += 1
    _fresh_process_caches()
    assert compared, "no edit changed any module of the project"


PACKAGE_IMPORTS = {
    "pyproject.toml": "",
    "pkg/__init__.py": "from .loaders import Batches\n",
    "pkg/loaders.py": (
        "import keras\nimport numpy as np\n\n\nclass Batches(keras.utils.PyDataset):\n"
        "    def __len__(self):\n        return 4\n\n"
        "    def __getitem__(self, index):\n        return np.random.rand(2)\n"
    ),
    # reaches the loader only through its package's __init__: no import line names loaders
    "pkg/train.py": (
        "from . import Batches\n\n\ndef main(model):\n"
        "    model.fit(Batches(workers=2, use_multiprocessing=True))\n"
    ),
}


def test_a_module_that_imports_from_its_own_package_is_affected(tmp_path):
    """``from . import Batches`` names no module: the package's ``__init__`` (which re-exports
    the changed module) is what it reaches."""
    for name, text in PACKAGE_IMPORTS.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    options = Options()
    loaders = tmp_path / "pkg" / "loaders.py"
    modules = sorted(tmp_path.rglob("*.py"))
    _fresh_process_caches()
    before = {path: _findings(path, options) for path in modules}
    assert [code for *_, code, _ in before[loaders]] == ["KMP402"]
    moved = "\n\n# moved\n" + PACKAGE_IMPORTS["pkg/loaders.py"]
    engine.analyze(moved, str(loaders), options, fixes=False)
    after = sorted((f.line, f.code) for f in engine.analyze(moved, str(loaders), options, fixes=False))
    _fresh_process_caches()
    assert after == [(13, "KMP402")]

