"""The metadata reader that spares a run importlib.metadata's import gives importlib.metadata's
answers: for every distribution installed here, and for the layouts it leaves to it."""

from __future__ import annotations

from importlib import metadata as reference

import pytest

from pylint_keras_mp import installed


def test_every_installed_distribution_has_importlib_metadatas_version_and_urls():
    names = sorted({dist.metadata["Name"] for dist in reference.distributions()})
    assert len(names) > 20
    for name in names:
        assert installed.version(name) == reference.version(name), name
    urls = reference.metadata("pylint-keras-mp").get_all("Project-URL")
    assert installed.metadata("pylint-keras-mp")["project-url"] == urls
    assert installed.version("no-such-distribution-kmp") is None


def _dist_info(folder, name, version, kind="dist-info", file="METADATA"):
    info = folder / f"{name}-{version}.{kind}" if kind == "dist-info" else folder / f"{name}.{kind}"
    info.mkdir(parents=True)
    (info / file).write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\nbody: not a header\n",
        encoding="utf-8",
    )


@pytest.mark.parametrize(
    "layout",
    ["dist-info", "egg-info", "two candidates", "zip first", "later folder"],
)
def test_the_first_folder_that_knows_the_name_decides(tmp_path, monkeypatch, layout):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    _dist_info(second, "Kmp_Probe", "9.9")
    if layout == "dist-info":
        _dist_info(first, "kmp_probe", "1.0")
    elif layout == "egg-info":
        _dist_info(first, "kmp-probe", "1.1", kind="egg-info", file="PKG-INFO")
    elif layout == "two candidates":
        _dist_info(first, "kmp_probe", "1.2")
        _dist_info(first, "kmp.probe", "1.3")
    elif layout == "zip first":
        (tmp_path / "archive.zip").write_bytes(b"not really a zip")
        monkeypatch.syspath_prepend(str(second))
        monkeypatch.syspath_prepend(str(tmp_path / "archive.zip"))
    if layout != "zip first":
        monkeypatch.syspath_prepend(str(second))
        monkeypatch.syspath_prepend(str(first))
    assert installed.version("kmp-probe") == reference.version("kmp-probe")
    if layout == "later folder":
        assert installed.version("kmp-probe") == "9.9"
