"""The package as a user gets it: build the sdist and, from it, the wheel; check the metadata and
what the sdist carries; install the wheel into a fresh virtual environment and run the console
script, `keras-mp-lint rule KMP201`, the flake8 plugin and the pylint plugin from it.

Kept fast without cutting corners: the build runs without isolation on the test environment's
setuptools, and the fresh environment gets the wheel with ``--no-deps`` while pylint and flake8
(and their own dependencies) are linked in from the test environment, one distribution at a time,
so the first runs prove that keras-mp-lint and the flake8 plugin work without pylint installed.
"""

from __future__ import annotations

import email
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from pylint_keras_mp import __version__
from tests.fixture_support import DOCS, ROOT
from tests.test_cli import LAMBDA_LOADER, _checkout_copy, write

BIN = "Scripts" if os.name == "nt" else "bin"
BUILD_LOG: list[str] = []  # the output of the module's build


def sh(*cmd, cwd=None, env=None, timeout=600) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [str(part) for part in cmd], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout
    )
    return proc


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """dist/ with the sdist, and the wheel built from that sdist (python -m build's default)."""
    base = tmp_path_factory.mktemp("packaging")
    source = _checkout_copy(base / "source")
    dist = base / "dist"
    # byte-compiling left on, as on a release machine (its absence is a warning of its own)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    proc = sh(
        sys.executable, "-m", "build", "--no-isolation", "--outdir", dist, source, cwd=base, env=env
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (sdist,) = dist.glob("*.tar.gz")
    (wheel,) = dist.glob("*.whl")
    BUILD_LOG.append(proc.stdout + proc.stderr)
    return base, sdist, wheel


def test_the_build_warns_about_nothing(built):
    """No deprecated licence classifier, no MANIFEST.in line that matches nothing."""
    warnings = [line for line in BUILD_LOG[-1].splitlines() if re.search(r"warn|deprecat", line, re.I)]
    assert warnings == [], warnings


def test_twine_check_passes(built):
    _base, sdist, wheel = built
    proc = sh(sys.executable, "-m", "twine", "check", "--strict", sdist, wheel)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("PASSED") == 2, proc.stdout


def test_sdist_carries_what_its_tests_read(built):
    _base, sdist, _wheel = built
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    required = {
        "LICENSE",
        "README.md",
        "CHANGELOG.md",
        "RELEASING.md",
        "CONTRIBUTING.md",
        "setup.cfg",
        "setup.py",
        "pyproject.toml",
        ".pre-commit-hooks.yaml",
        ".ci/run",
        "tests/data/sarif-schema-2.1.0.json",
        "tests/data/README.md",
        "tests/fixture_support.py",
        "tests/runtime/harness.py",
        "scripts/evidence.py",
        "docs/integrations.md",
    }
    tracked = sh("git", "ls-files", cwd=ROOT).stdout.split()
    required |= {name for name in tracked if name.startswith(("fixtures/", "proofs/", "docs/rules/", "tests/"))}
    assert required - names == set()
    assert not any("__pycache__" in name for name in names)


def test_sdist_runs_its_own_tests(built, tmp_path):
    """The unpacked sdist, with nothing else on the path, passes the tests that read its files
    (the registry and docs pages, and the SARIF schema)."""
    _base, sdist, _wheel = built
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path, filter="data") if sys.version_info >= (3, 12) else archive.extractall(tmp_path)
    (unpacked,) = tmp_path.glob("pylint_keras_mp-*")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONWARNINGS")}
    env["PYTHONPATH"] = str(unpacked)
    proc = sh(
        sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
        "tests/test_registry.py", "tests/test_sarif.py::test_fixtures_sarif_validates",
        cwd=unpacked, env=env,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert re.search(r"\d+ passed", proc.stdout) and "failed" not in proc.stdout


def test_wheel_metadata(built):
    from trove_classifiers import classifiers as known

    _base, _sdist, wheel = built
    with zipfile.ZipFile(wheel) as archive:
        (meta_name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        meta = email.message_from_string(archive.read(meta_name).decode("utf-8"))
        names = archive.namelist()
        licence = next(n for n in names if n.endswith("LICENSE"))
        assert "MIT License" in archive.read(licence).decode("utf-8")
    assert meta["Version"] == __version__
    assert meta["License-Expression"] == "MIT"  # SPDX; no licence classifier besides
    assert not any(c.startswith("License ::") for c in meta.get_all("Classifier"))
    assert meta["Author"] and meta["Maintainer"]
    classifiers = meta.get_all("Classifier")
    assert set(classifiers) <= known, set(classifiers) - known
    for version in ("3.10", "3.11", "3.12", "3.13", "3.14"):
        assert f"Programming Language :: Python :: {version}" in classifiers
    assert "Operating System :: OS Independent" in classifiers
    assert meta["Requires-Python"] == ">=3.10"
    urls = dict(entry.split(", ", 1) for entry in meta.get_all("Project-URL"))
    assert {"Documentation", "Source", "Issue Tracker", "Changelog"} <= set(urls)
    # pylint is an extra; the base install needs nothing but tomli on old Pythons
    requires = meta.get_all("Requires-Dist")
    assert [r for r in requires if "extra ==" not in r] == [
        "libcst>=1.1",
        'tomli>=1.1; python_version < "3.11"',
    ]
    assert any(r.startswith("pylint") and 'extra == "pylint"' in r for r in requires)
    # the long description renders on an index page: no relative links left
    description = meta.get_payload()
    assert "# pylint-keras-mp" in description
    links = re.findall(r"\]\(([^)\s]+)\)", description)
    assert links and all(re.match(r"^(https?://|#)", link) for link in links), [
        link for link in links if not re.match(r"^(https?://|#)", link)
    ]


def _closure(names: list[str]) -> list[metadata.Distribution]:
    """The installed distributions ``names`` need, with their dependencies (markers evaluated)."""
    seen: dict[str, metadata.Distribution] = {}
    pending = list(names)
    while pending:
        name = pending.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue
        dist = metadata.distribution(name)
        seen[key] = dist
        for text in dist.requires or []:
            requirement = Requirement(text)
            if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
                continue
            pending.append(requirement.name)
    return list(seen.values())


def _link_into(site_packages: Path, names: list[str]) -> None:
    """Symlink the installed files of ``names`` and their dependencies into ``site_packages``."""
    for dist in _closure(names):
        tops = {Path(str(file)).parts[0] for file in dist.files or [] if not str(file).startswith("..")}
        for top in tops:
            source = Path(dist.locate_file(top))
            target = site_packages / top
            if source.exists() and not target.exists() and top != "__pycache__":
                target.symlink_to(source, target_is_directory=source.is_dir())


def test_wheel_installs_and_runs_in_a_fresh_environment(built, tmp_path):
    _base, _sdist, wheel = built
    venv = tmp_path / "venv"
    assert sh(sys.executable, "-m", "venv", "--without-pip", venv).returncode == 0
    python = venv / BIN / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONWARNINGS")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    install = sh(
        sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", wheel,
        env=env,
    )
    assert install.returncode == 0, install.stderr
    elsewhere = tmp_path / "project"
    write(elsewhere / "train.py", LAMBDA_LOADER)

    # the package comes from the wheel, not from the checkout, and pylint/flake8 are absent
    probe = sh(
        python, "-c",
        "import importlib.util, pylint_keras_mp, pylint_keras_mp.cli, pylint_keras_mp.flake8_plugin;"
        "print(pylint_keras_mp.__file__);"
        "print(importlib.util.find_spec('pylint'), importlib.util.find_spec('flake8'))",
        cwd=elsewhere, env=env,
    )
    assert probe.returncode == 0, probe.stderr
    location, absent = probe.stdout.splitlines()
    assert Path(location).is_relative_to(venv) and absent == "None None"

    script = venv / BIN / "keras-mp-lint"
    version = sh(script, "--version", cwd=elsewhere, env=env)
    assert version.stdout.strip() == f"keras-mp-lint {__version__}"
    page = sh(script, "rule", "KMP201", cwd=elsewhere, env=env)
    assert page.returncode == 0 and page.stdout == (DOCS / "KMP201.md").read_text(encoding="utf-8")
    lint = sh(script, "train.py", cwd=elsewhere, env=env)
    assert lint.returncode == 1 and lint.stdout.startswith("train.py:8:9: KMP201 "), lint.stderr

    site_packages = Path(
        sh(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", env=env).stdout.strip()
    )
    _link_into(site_packages, ["flake8"])
    flake8 = sh(python, "-m", "flake8", "--isolated", "--select=KMP", "train.py", cwd=elsewhere, env=env)
    assert flake8.returncode == 1 and "train.py:8:9: KMP201 " in flake8.stdout, flake8.stderr

    _link_into(site_packages, ["pylint"])
    pylint = sh(
        python, "-m", "pylint", "--load-plugins=pylint_keras_mp", "--disable=all",
        "--enable=keras-mp", "--persistent=n", "train.py", cwd=elsewhere, env=env,
    )
    assert "train.py:8:8: E7201: " in pylint.stdout, pylint.stdout + pylint.stderr
