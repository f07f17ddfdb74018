"""The narrow text pre-filter is sound: every fixture, fixture project, notebook fixture and
file of the robustness primer gives the same findings with it and without it
(``KERAS_MP_LINT_NO_PREFILTER``), and it does skip modules that cannot hold a finding."""

from __future__ import annotations

import importlib.util
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.fixture_support import FIXTURES, engine_project_findings, fixture_files, fixture_projects
from pylint_keras_mp import engine
from pylint_keras_mp.config import Options
from pylint_keras_mp.engine import NO_PREFILTER, analyze, may_hold_findings
from pylint_keras_mp.service import analyze_file
from pylint_keras_mp.project import index as project_index
from pylint_keras_mp.project import model

ROOT = Path(__file__).resolve().parent.parent


def _fresh_process_caches():
    project_index._INDEXES.clear()
    project_index._RECENT.clear()
    project_index._LINTED[0] = None
    model._PROJECTS.clear()
    model._marked_folder_name.cache_clear()


def _both_ways(monkeypatch, run):
    """(findings with the filter, findings without), each from fresh project caches."""
    results = []
    for off in (False, True):
        if off:
            monkeypatch.setenv(NO_PREFILTER, "1")
        else:
            monkeypatch.delenv(NO_PREFILTER, raising=False)
        _fresh_process_caches()
        results.append(run())
    monkeypatch.delenv(NO_PREFILTER, raising=False)
    _fresh_process_caches()
    return results


def test_fixtures_and_notebooks_give_the_same_findings_with_and_without_the_filter(monkeypatch):
    fixtures = [(f.path, f.options) for f in fixture_files()]
    fixtures += [(path, Options()) for path in sorted((FIXTURES / "notebooks").glob("*.ipynb"))]
    assert len(fixtures) > 100

    def run():
        return {str(path): analyze_file(str(path), options) for path, options in fixtures}

    on, off = _both_ways(monkeypatch, run)
    assert sum(map(len, off.values())) > 100
    assert on == off


@pytest.mark.parametrize("project", fixture_projects(), ids=lambda p: p.root.name)
def test_fixture_projects_give_the_same_findings_with_and_without_the_filter(monkeypatch, project):
    on, off = _both_ways(monkeypatch, lambda: engine_project_findings(project))
    assert on == off


def test_a_module_that_only_uses_keras_is_not_analysed(monkeypatch):
    source = "import keras\n\n\ndef build():\n    return keras.Sequential([])\n"
    assert not may_hold_findings(source, Options())
    built = []
    real = engine._module_facts
    monkeypatch.setattr(engine, "_module_facts", lambda *a, **k: built.append(a) or real(*a, **k))
    assert analyze(source, "m.py", Options()) == []
    assert built == []
    # not even compiled: a broken module that cannot hold a finding is no KMP901 either
    assert analyze(source + "def f(:\n", "m.py", Options()) == []
    assert built == []
    monkeypatch.setenv(NO_PREFILTER, "1")
    assert analyze(source, "m.py", Options()) == []
    assert len(built) == 1


@pytest.mark.parametrize(
    "source",
    [
        "class L(keras.utils.Sequence): pass",
        "class L(ＰｙＤａｔａｓｅｔ): pass",  # the parser NFKC-normalises identifiers
        "model.fit(x, workers=4)",
        "model.fit(x, **{'workers': 4})",
        "model.fit_generator(gen())",
        "self.max_queue_size = 10",
    ],
)
def test_what_every_finding_needs_passes_the_filter(source):
    assert may_hold_findings(source, Options())


@pytest.mark.parametrize(
    "source",
    ["model.fit(gen(), **FIT_OPTIONS)", "model\\\n    .predict(gen(), **options)"],
)
def test_an_unread_mapping_passes_the_filter_only_when_unknown_counts_as_processes(monkeypatch, source):
    # a **mapping the analysis cannot read leaves the launch unknown, and unknown is silent
    # unless assume-multiprocessing is on
    assert not may_hold_findings(source, Options())
    assert may_hold_findings(source, Options(assume_multiprocessing=True))
    launch = "import tf_keras\n\ndef gen():\n    yield 1\n\n" + source + "\n"
    found = [f.code for f in analyze(launch, "m.py", Options(assume_multiprocessing=True))]
    assert "KMP302" in found or "KMP301" in found
    monkeypatch.setenv(NO_PREFILTER, "1")  # analysed all the same: unknown is silent
    assert analyze(launch, "m.py", Options()) == []


@pytest.mark.parametrize(
    "source",
    [
        "loader = SequenceEnqueuer(data)",  # a longer identifier is another name
        "fit(x, num_workers=4)",
        "from typing import Sequences",
        "self._use_multiprocessing = True",
    ],
)
def test_words_count_only_as_whole_identifiers(source):
    assert not may_hold_findings("import keras\n" + source, Options())


@pytest.mark.parametrize("off", [False, True])
def test_a_broken_module_is_kmp901_only_where_a_finding_is_possible(monkeypatch, off):
    if off:  # the switch analyses every module, but KMP901 stays where the filter lets it be
        monkeypatch.setenv(NO_PREFILTER, "1")
    source = "from keras.utils import PyDataset\n\ndef f(:\n    pass\n"
    assert [f.code for f in analyze(source, "m.py", Options())] == ["KMP901"]
    assert analyze("import keras\ndef f(:\n", "m.py", Options()) == []


def test_a_configured_base_passes_the_filter():
    source = "class L(MyBase): pass"
    assert not may_hold_findings(source, Options())
    assert may_hold_findings(source, Options(sequence_bases=("pkg.base.MyBase",)))


def _load_primer():
    spec = importlib.util.spec_from_file_location("kmp_primer_prefilter", ROOT / "scripts" / "primer.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.primer
def test_the_robustness_primer_gives_the_same_findings_with_and_without_the_filter(monkeypatch):
    primer = _load_primer()
    files = primer.corpus([Path(sysconfig.get_paths()["stdlib"])])
    assert len(files) > 500
    configs = (Options(), Options(assume_multiprocessing=True))

    def run():
        found = {}
        for path in files:
            try:
                data = path.read_bytes()
            except OSError:
                continue
            for number, options in enumerate(configs):
                found[(str(path), number)] = analyze(data, str(path), options)
        return found

    on, off = _both_ways(monkeypatch, run)
    assert on == off


@pytest.mark.parametrize(
    "source, passes",
    [
        ('def f(xs):\n    """xs: Sequence of tensors."""\n', False),  # prose
        ("# the number of workers to start\n", False),
        ("class L(Sequence):\n    pass\n", True),
        ("Base = Sequence if NEW else object\n", True),  # a keyword may follow an identifier
        ("from keras.utils import Sequence as Base\n", True),
        ("loader = L(workers\t, use=1)\n", True),
        ("FIT = {'workers': 4}\n", True),
        ("x = (Sequence\n      )\n", True),
        ("class L(ＰｙＤａｔａｓｅｔ):\n    pass\n", True),
        ("# ＰｙＤａｔａｓｅｔ ｏｆ batches\n", False),
        ('"""Feed it a `keras.utils.PyDataset`, or a generator."""\n', False),
        ("x = 1  # Sequence\n", False),
        ("x = 1  #Sequence\n", False),
        ("x = 1  # keras.utils.Sequence\n", True),  # no way to tell from the word alone
        ("x = '#', Sequence\n", True),
    ],
)
def test_a_word_followed_by_a_name_on_its_line_is_prose(source, passes):
    assert may_hold_findings("import keras\n" + source, Options()) is passes


@pytest.mark.parametrize("as_bytes", [False, True])
def test_the_project_scan_looks_for_loader_bases_as_code(as_bytes):
    needs = [(frozenset({"keras"}), frozenset({"Sequence", "PyDataset"}))]

    def mentions(text):
        return project_index._mentions(text.encode() if as_bytes else text, needs)

    assert mentions("import keras\nclass L(keras.utils.PyDataset): pass\n")
    assert not mentions('import keras\n"""A Sequence of tensors."""\n')
    assert not mentions("import numpy\nclass L(Sequence): pass\n")
    assert mentions("import keras\nclass L(ＰｙＤａｔａｓｅｔ): pass\n")  # not ASCII


LAMBDA_LOADER = (
    "import keras\n\n\nclass L(keras.utils.PyDataset):\n"
    "    def __init__(self, **kwargs):\n        super().__init__(**kwargs)\n"
    "        self.f = lambda x: x\n\n    def __len__(self):\n        return 1\n\n"
    "    def __getitem__(self, i):\n        return self.f(i)\n"
)


def test_a_file_the_scan_found_without_words_is_not_read_again_unless_it_changed(tmp_path):
    _fresh_process_caches()
    for name in ("a.py", "b.py"):
        (tmp_path / name).write_text("import keras\n", encoding="utf-8")
    assert analyze_file(str(tmp_path / "a.py")) == []  # the scan of the folder runs here
    index = project_index.index_for(str(tmp_path / "b.py"), Options())
    b = index.path_of(str(tmp_path / "b.py"))
    assert index.known_silent(b)
    # a new text on disk (another size, another modification time): read and analysed
    (tmp_path / "b.py").write_text(LAMBDA_LOADER, encoding="utf-8")
    assert not index.known_silent(b)
    assert [f.code for f in analyze_file(str(tmp_path / "b.py"))] == ["KMP201"]
    _fresh_process_caches()


def test_the_scan_gives_no_verdict_for_a_file_with_words_or_a_project_with_loaders(tmp_path):
    _fresh_process_caches()
    (tmp_path / "loader.py").write_text(LAMBDA_LOADER, encoding="utf-8")
    (tmp_path / "other.py").write_text("import keras\n", encoding="utf-8")
    assert analyze_file(str(tmp_path / "other.py")) == []
    index = project_index.index_for(str(tmp_path / "other.py"), Options())
    # the folder defines a loader: a module naming its class takes part, so every file is read
    assert not index.known_silent(index.path_of(str(tmp_path / "other.py")))
    assert not index.known_silent(index.path_of(str(tmp_path / "loader.py")))
    _fresh_process_caches()


@pytest.mark.parametrize(
    "data",
    [
        b"x = 1\n",
        b"# -*- coding: latin-1 -*-\nx = '\xe9'\n",
        b"#!/usr/bin/env python\n# coding: latin-1\nx = '\xe9'\n",
        b"x = 1\n\n# coding: latin-1\ny = '\xe9'\n",  # a third line is no cookie
        b"\xef\xbb\xbfx = 1\n",
        b"x = '\xc3\xa9'\n",
        b"x = '\xe9'\n",
        b"x = 1\r# coding: latin-1\r'\xe9'",  # CR only: one line for tokenize
        b"",
    ],
)
def test_decoding_without_tokenize_gives_tokenizes_answer(data):
    import io
    import tokenize

    def reference():
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
        return text[1:] if text.startswith("\ufeff") else text

    def outcome(decode):
        try:
            return decode()
        except (SyntaxError, UnicodeDecodeError, LookupError):
            return "refused"  # every caller handles the three alike

    assert outcome(lambda: engine.decode_source(data)) == outcome(reference)


def test_from_imports_are_read_where_a_line_starts():
    """The installed-loader check reads ``from module import Names`` off the text; only a
    statement that starts a line (after indentation) counts, and one refused match does not hide
    the next line's."""
    text = (
        "from keras_retinanet.preprocessing.generator import Generator, other as o\n"
        "    from pkg.sub import (Loader,\n"
        "# from commented import Hidden\n"
        "xfrom glued import Hidden  # from trailing import Hidden\n"
        "x = 1; from after_code import Hidden\n"
        "\tfrom tabbed import Tabbed\n"
    )
    assert project_index._from_imports(text) == [
        ("keras_retinanet.preprocessing.generator", ["Generator", "other"]),
        ("pkg.sub", ["Loader"]),
        ("tabbed", ["Tabbed"]),
    ]
