"""The project's file listing leaves out what its ``.gitignore`` files exclude, exactly as git
does: compared with ``git ls-files --others --exclude-standard`` in a real repository."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pylint_keras_mp.project import model

GIT = shutil.which("git")

TREE = [
    "train.py",
    "data/loader.py",
    "data/generated_1.py",
    "data/keep_generated.py",
    "versions/3.11/lib/typing.py",
    "build_tools/make.py",
    "notes/a.py",
    "notes/deep/b.py",
    "pkg/sub/cache/x.py",
    "pkg/sub/y.py",
    "pkg/local_only.py",
    "scratch_a.py",
    "scratch_b.py",
    "#hash.py",
    "docs/conf.py",
    "docs/api/conf.py",
]

ROOT_IGNORE = """\
# comments and blank lines

/versions
data/generated_*.py
!data/keep_generated.py
notes/
**/cache/
scratch_[ab].py
\\#hash.py
/docs/api
"""
NESTED_IGNORE = "local_only.py\n"


@pytest.mark.skipif(GIT is None, reason="git is not installed")
def test_the_listing_leaves_out_what_git_ignores(tmp_path):
    root = tmp_path / "repo"
    for name in TREE:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n", encoding="utf-8")
    (root / ".gitignore").write_text(ROOT_IGNORE, encoding="utf-8")
    (root / "pkg" / ".gitignore").write_text(NESTED_IGNORE, encoding="utf-8")
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run([GIT, "init", "-q", str(root)], check=True, env=env)
    listed = subprocess.run(
        [GIT, "ls-files", "--others", "--exclude-standard", "--", "*.py"],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout.split("\n")
    by_git = sorted(name for name in listed if name)
    project = model.Project(root.resolve())
    ours = sorted(path.relative_to(root.resolve()).as_posix() for path in project.all_files())
    assert ours == by_git
    # the patterns did exclude something of each kind
    assert "versions/3.11/lib/typing.py" not in ours and "data/keep_generated.py" in ours
    assert "pkg/local_only.py" not in ours and "docs/conf.py" in ours


def test_a_loader_in_an_ignored_folder_is_not_part_of_the_project(tmp_path):
    root = tmp_path / "proj"
    (root / "vendored").mkdir(parents=True)
    (root / "pyproject.toml").write_text("", encoding="utf-8")
    (root / ".gitignore").write_text("vendored/\n", encoding="utf-8")
    loader = "import keras\n\nclass Base(keras.utils.PyDataset):\n    def __len__(self):\n        return 1\n"
    (root / "vendored" / "base.py").write_text(loader, encoding="utf-8")
    (root / "base.py").write_text(loader, encoding="utf-8")
    project = model.Project(root.resolve())
    assert [path.name for path in project.all_files()] == ["base.py"]
