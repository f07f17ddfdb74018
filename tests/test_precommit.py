"""pre-commit, for real: `pre-commit try-repo` builds the hook's own environment from this
checkout (pip install from PyPI-resolved build dependencies) and runs it on a temporary repository.

try-repo only picks up tracked changes of a dirty checkout, so the test commits a copy of the
working tree (tracked and new files, minus ignored ones) to a scratch repository and tries that.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.fixture_support import FIXTURES, ROOT
from tests.test_cli import FIXED_LOADER, LAMBDA_LOADER, _checkout_copy, write

BIN = Path(sys.executable).parent
HOOKS_FILE = ROOT / ".pre-commit-hooks.yaml"
NOTEBOOK_DEFINED_LOADER = FIXTURES / "KMP203" / "bad_loader_defined_in_a_cell.ipynb"
NOTEBOOK_IMPORTED_LOADER = FIXTURES / "KMP203" / "good_imported_loader.ipynb"
INTEGRATIONS = ROOT / "docs" / "integrations.md"
GIT_IDENTITY = [
    "-c",
    "user.name=keras-mp tests",
    "-c",
    "user.email=tests@example.invalid",
    "-c",
    "commit.gpgsign=false",
    "-c",
    "init.defaultBranch=main",
]


def git(*args, cwd: Path) -> str:
    proc = subprocess.run(
        ["git", *GIT_IDENTITY, *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def pre_commit(*args, cwd: Path, home: Path) -> subprocess.CompletedProcess:
    executable = BIN / "pre-commit"
    assert executable.exists(), f"{executable} is missing: pip install -e '.[test]'"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "PYTHONHOME", "PYTHONWARNINGS", "VIRTUAL_ENV")
    }
    env.update(
        PRE_COMMIT_HOME=str(home),
        PRE_COMMIT_COLOR="never",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.invalid",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.invalid",
    )
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(
        [str(executable), *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=900
    )


@pytest.fixture(scope="module")
def hook_repository(tmp_path_factory) -> Path:
    """A committed copy of this checkout, as pre-commit would clone it from GitHub."""
    repository = _checkout_copy(tmp_path_factory.mktemp("hook-repo"))
    git("init", "-q", cwd=repository)
    git("add", "-A", cwd=repository)
    git("commit", "-q", "-m", "snapshot for pre-commit tests", cwd=repository)
    return repository


@pytest.fixture
def user_repository(tmp_path) -> Path:
    """A project with one bad file, many good ones, and a bad file in an excluded folder."""
    repository = tmp_path / "project"
    write(repository / "train.py", LAMBDA_LOADER)
    for index in range(40):
        write(repository / f"pkg{index % 4}" / f"module_{index:02d}.py", FIXED_LOADER)
    write(repository / "build" / "generated.py", LAMBDA_LOADER)  # default exclude: never linted
    write(repository / "README.md", "not python\n")
    write(repository / "notebooks" / "train.ipynb", NOTEBOOK_DEFINED_LOADER.read_text())
    git("init", "-q", cwd=repository)
    git("add", "-A", cwd=repository)
    return repository


def test_hook_manifest_is_valid():
    from pre_commit.clientlib import load_manifest

    (hook,) = load_manifest(str(HOOKS_FILE))
    assert hook["id"] == "keras-mp-lint"
    assert hook["language"] == "python"
    assert hook["types_or"] == ["python", "jupyter"]
    assert hook["entry"].split()[0] == "keras-mp-lint"
    assert hook["pass_filenames"] is True


def test_try_repo_fails_on_the_bad_file_and_passes_once_it_is_fixed(
    hook_repository, user_repository, tmp_path
):
    home = tmp_path / "pre-commit-home"
    failed = pre_commit(
        "try-repo",
        str(hook_repository),
        "keras-mp-lint",
        "--all-files",
        cwd=user_repository,
        home=home,
    )
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert re.search(
        r"^train\.py:8:9: KMP201 Frames stores a lambda in self\.post", output, re.MULTILINE
    ), output
    assert "keras-mp-lint" in output and "Failed" in output
    assert "generated.py" not in output  # --force-exclude keeps build/ out
    # pre-commit runs the files in batches: no batch prints a summary line of its own (two
    # would contradict each other: "Found 2 findings" and "No findings in 20 files")
    assert not re.search(r"^(Found \d+ finding|No findings in)", output, re.MULTILINE), output
    assert "pkg" not in output  # the good files are quiet
    assert re.search(  # notebooks are staged files of type jupyter
        r"^notebooks/train\.ipynb:cell 3:1:1: KMP203 data loader 'Batches'", output, re.MULTILINE
    ), output

    write(user_repository / "train.py", FIXED_LOADER)
    write(user_repository / "notebooks" / "train.ipynb", NOTEBOOK_IMPORTED_LOADER.read_text())
    git("add", "-A", cwd=user_repository)
    passed = pre_commit(
        "try-repo",
        str(hook_repository),
        "keras-mp-lint",
        "--all-files",
        cwd=user_repository,
        home=home,
    )
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"keras-mp-lint.*\.+Passed", passed.stdout), passed.stdout


def test_zero_files_succeed_without_linting_the_repository(
    hook_repository, user_repository, tmp_path
):
    """`always_run` with a `files` pattern that matches nothing runs the hook with zero file
    names: it must pass although the repository has a bad file."""
    rev = git("rev-parse", "HEAD", cwd=hook_repository).strip()
    config = {
        "repos": [
            {
                "repo": str(hook_repository),
                "rev": rev,
                "hooks": [
                    {
                        "id": "keras-mp-lint",
                        "always_run": True,
                        "files": r"^no-such-file$",
                        "verbose": True,
                    }
                ],
            }
        ]
    }
    (user_repository / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump(config), encoding="utf-8"
    )
    git("add", "-A", cwd=user_repository)
    proc = pre_commit("run", "--all-files", cwd=user_repository, home=tmp_path / "pre-commit-home")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "no paths given, nothing to lint" in output  # it ran, with zero files
    assert "KMP201" not in output


def _yaml_blocks(markdown: str) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", markdown, re.DOTALL)


def test_documented_pre_commit_configs_are_valid():
    import cfgv
    from pre_commit.clientlib import CONFIG_SCHEMA

    configs = [
        yaml.safe_load(block) for block in _yaml_blocks(INTEGRATIONS.read_text(encoding="utf-8"))
    ]
    configs = [config for config in configs if isinstance(config, dict) and "repos" in config]
    assert len(configs) >= 2, "docs/integrations.md should show the pre-commit snippets"
    hook_ids = set()
    for config in configs:
        cfgv.validate(config, CONFIG_SCHEMA)
        for repo in config["repos"]:
            if "pylint-keras-mp" in repo["repo"]:
                hook_ids |= {hook["id"] for hook in repo["hooks"]}
            for hook in repo["hooks"]:
                if hook["id"] in ("pylint", "flake8"):
                    assert "pylint-keras-mp" in " ".join(hook.get("additional_dependencies", []))
    assert hook_ids == {"keras-mp-lint"}


def test_documented_rev_exists_and_has_the_hook():
    """The snippets' `rev:` is a commit of this repository (until a release is tagged) whose
    hook manifest defines keras-mp-lint for Python files and notebooks."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    revs = set()
    for markdown in (readme, INTEGRATIONS.read_text(encoding="utf-8")):
        for block in _yaml_blocks(markdown):
            config = yaml.safe_load(block)
            if isinstance(config, dict) and "repos" in config:
                revs |= {
                    repo["rev"] for repo in config["repos"] if repo["repo"].endswith("/pylint-keras-mp")
                }
    assert len(revs) == 1, revs
    (rev,) = revs
    assert re.fullmatch(r"[0-9a-f]{40}|v\d+\.\d+\.\d+", rev), rev
    from pylint_keras_mp import __version__

    tags = git("tag", "--list", rev, cwd=ROOT).split()
    if rev == f"v{__version__}" and not tags:
        # the release commit itself, before RELEASING.md's step 5 tags it
        manifest = yaml.safe_load(HOOKS_FILE.read_text(encoding="utf-8"))
    else:
        manifest = yaml.safe_load(git("show", f"{rev}:.pre-commit-hooks.yaml", cwd=ROOT))
    (hook,) = [hook for hook in manifest if hook["id"] == "keras-mp-lint"]
    assert hook["types_or"] == ["python", "jupyter"]
    # the git URL install the README shows uses the same commit
    assert f"git+https://github.com/pylint-keras-mp/pylint-keras-mp@{rev}" in readme
