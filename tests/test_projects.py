"""Fixture projects: several modules linted together, from the project root, through the
engine (file by file, as an editor does), keras-mp-lint, flake8 and pylint."""

from __future__ import annotations

import pytest

from tests.fixture_support import (
    PROJECT_SNAPSHOT,
    check_snapshot,
    cli_project_findings,
    engine_project_findings,
    fixture_projects,
    flake8_project_findings,
    project_snapshot_lines,
    pylint_project_findings,
)

PROJECT_LIST = fixture_projects()


def _codes(results):
    return {name: sorted((line, code) for line, _, code, _ in items) for name, items in results.items()}


@pytest.fixture(params=PROJECT_LIST, ids=lambda p: p.id)
def project(request, tmp_path):
    return request.param.copy_to(tmp_path)


@pytest.mark.parametrize("source", PROJECT_LIST, ids=lambda p: p.id)
def test_each_file_reports_exactly_its_expected_findings_and_messages(source, tmp_path):
    project = source.copy_to(tmp_path)
    results = engine_project_findings(project)
    assert _codes(results) == project.expected()
    check_snapshot(source.root, source.root / PROJECT_SNAPSHOT, project_snapshot_lines(results))


def test_every_front_end_reports_the_same_from_the_project_root(project):
    engine = engine_project_findings(project)
    assert cli_project_findings(project) == engine, "keras-mp-lint disagrees with the engine"
    assert flake8_project_findings(project) == engine, "flake8 disagrees with the engine"
    assert pylint_project_findings(project) == engine, "pylint disagrees with the engine"


# --- the project model -------------------------------------------------------------------------

import ast  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from pylint_keras_mp.config import Options  # noqa: E402
from pylint_keras_mp.service import analyze_file  # noqa: E402
from pylint_keras_mp.project import find_project_root, index as project_index, model  # noqa: E402


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _fresh_process_caches():
    project_index._INDEXES.clear()
    project_index._RECENT.clear()
    model._PROJECTS.clear()
    model._marked_folder_name.cache_clear()


LOADER_BASE = "import keras\n\nclass Base(keras.utils.PyDataset):\n    def __len__(self):\n        return 1\n"


def test_the_project_root_is_the_nearest_folder_with_a_project_file(tmp_path):
    _write(tmp_path, {"repo/setup.cfg": "", "repo/pkg/sub/mod.py": "", "scripts/run.py": ""})
    assert find_project_root((tmp_path / "repo/pkg/sub/mod.py").resolve()) == (tmp_path / "repo").resolve()
    # no project file above: a folder of scripts is its own project (tmp_path has none above it
    # unless the machine's temporary folder sits in a checkout, which pytest's does not)
    root = find_project_root((tmp_path / "scripts/run.py").resolve())
    assert root == (tmp_path / "scripts").resolve() or (root / ".git").exists() or any(
        (root / marker).exists() for marker in model.PROJECT_MARKERS
    )


def test_imports_resolve_relative_absolute_own_folder_first_and_source_roots(tmp_path):
    _write(
        tmp_path,
        {
            "pyproject.toml": "",
            "src/acme/__init__.py": "from .data.base import Base\n",
            "src/acme/data/__init__.py": "",
            "src/acme/data/base.py": "class Base: pass\n",
            "src/acme/data/images.py": "",
            "src/acme/utils.py": "",
            "scripts/helpers.py": "",
            "scripts/train.py": "",
            "helpers.py": "",
        },
    )
    project = model.Project(tmp_path.resolve(), (Path("src"),))
    images = (tmp_path / "src/acme/data/images.py").resolve()
    src = (tmp_path / "src").resolve()
    assert project.resolve_name(".base.Base", images) == (src / "acme/data/base.py", ["Base"])
    assert project.resolve_name("..utils", images) == (src / "acme/utils.py", [])
    assert project.resolve_name("..Base", images) == (src / "acme/__init__.py", ["Base"])
    assert project.resolve_name("acme.data.base.Base", images) == (src / "acme/data/base.py", ["Base"])
    assert project.resolve_name("acme.Base", images) == (src / "acme/__init__.py", ["Base"])
    assert project.resolve_name("numpy.random.rand", images) is None  # not in the project
    # a script's own folder comes first, then the source roots (the project root is one)
    train = (tmp_path / "scripts/train.py").resolve()
    assert project.resolve_name("helpers.f", train) == (tmp_path.resolve() / "scripts/helpers.py", ["f"])
    assert project.resolve_name("helpers.f", images) == (tmp_path.resolve() / "helpers.py", ["f"])
    assert project.module_name(src / "acme/data/base.py") == "acme.data.base"


def test_linting_one_file_uses_the_project_and_reports_that_file_only(tmp_path):
    _fresh_process_caches()
    _write(
        tmp_path,
        {
            "setup.py": "",
            "base.py": LOADER_BASE,
            "frames.py": (
                "import threading\nfrom base import Base\n\n\nclass Frames(Base):\n"
                "    def __init__(self, **kwargs):\n        super().__init__(**kwargs)\n"
                "        self.lock = threading.Lock()\n"
            ),
        },
    )
    findings = analyze_file(str(tmp_path / "frames.py"))
    assert [(f.line, f.code) for f in findings] == [(8, "KMP202")]
    assert analyze_file(str(tmp_path / "base.py")) == []


def test_a_change_in_one_file_changes_another_files_findings(tmp_path):
    _fresh_process_caches()
    _write(
        tmp_path,
        {
            "setup.cfg": "",
            "base.py": "import numpy as np\n"
            + LOADER_BASE
            + "\n    def __getitem__(self, i):\n        return np.random.rand()\n",
        },
    )
    before = analyze_file(str(tmp_path / "base.py"))
    _fresh_process_caches()
    _write(
        tmp_path,
        {
            "train.py": (
                "from base import Base\n\nif __name__ == '__main__':\n"
                "    Base(use_multiprocessing=True)\n"
            )
        },
    )
    after = analyze_file(str(tmp_path / "base.py"))
    assert [f.code for f in before] == []
    assert [f.code for f in after] == ["KMP402"]


def test_each_project_file_is_parsed_once(tmp_path, monkeypatch):
    project = FixtureProjectOf("new_user").copy_to(tmp_path)
    _fresh_process_caches()
    parsed: list[str] = []
    real_parse = ast.parse

    def counting_parse(source, filename="<unknown>", *args, **kwargs):
        parsed.append(str(filename))
        return real_parse(source, filename, *args, **kwargs)

    monkeypatch.setattr(ast, "parse", counting_parse)
    for name in project.files:
        analyze_file(str(project.root / name), Options())
    counted = [name for name in parsed if name.endswith(".py")]
    assert counted and len(counted) == len(set(counted)), counted


def FixtureProjectOf(name):
    return next(project for project in PROJECT_LIST if project.id == name)


def test_a_long_running_process_sees_files_change_on_disk(tmp_path, monkeypatch):
    # an editor's language server lints again and again in one process
    _fresh_process_caches()
    monkeypatch.setattr(project_index, "RECHECK_SECONDS", 0.0)
    _write(
        tmp_path,
        {
            "setup.cfg": "",
            "base.py": "import numpy as np\n"
            + LOADER_BASE
            + "\n    def __getitem__(self, i):\n        return np.random.rand()\n",
        },
    )
    assert analyze_file(str(tmp_path / "base.py")) == []
    _write(
        tmp_path,
        {
            "train.py": (
                "from base import Base\n\nif __name__ == '__main__':\n"
                "    Base(use_multiprocessing=True)\n"
            )
        },
    )
    assert [f.code for f in analyze_file(str(tmp_path / "base.py"))] == ["KMP402"]
    (tmp_path / "train.py").write_text("from base import Base\n", encoding="utf-8")
    assert analyze_file(str(tmp_path / "base.py")) == []


def _parsed_files(monkeypatch) -> list[str]:
    parsed: list[str] = []
    real_parse = ast.parse

    def counting_parse(source, filename="<unknown>", *args, **kwargs):
        parsed.append(Path(str(filename)).name)
        return real_parse(source, filename, *args, **kwargs)

    monkeypatch.setattr(ast, "parse", counting_parse)
    return parsed


def test_the_scan_parses_only_modules_that_name_keras_and_a_loader_base(tmp_path, monkeypatch):
    # a large checkout full of typing.Sequence and collections.abc.Sequence: none is parsed
    files = {"pyproject.toml": "", "base.py": LOADER_BASE, "train.py": "import threading\n"}
    for number in range(40):
        files[f"lib/typing_{number}.py"] = "from typing import Sequence\n\nclass S(Sequence): pass\n"
    files["lib/keras_word_only.py"] = "# keras is not used here\nx = 1\n"
    _write(tmp_path, files)
    _fresh_process_caches()
    parsed = _parsed_files(monkeypatch)
    index = project_index.index_for(str(tmp_path / "train.py"), Options())
    scanned = index.scan()
    assert [path.name for path in scanned] == ["base.py"]
    assert parsed == ["base.py"]


def test_the_scan_summarises_a_bounded_number_of_modules(tmp_path, monkeypatch):
    files = {"pyproject.toml": "", "train.py": "x = 1\n"}
    for number in range(12):
        files[f"loader_{number:02}.py"] = LOADER_BASE
    _write(tmp_path, files)
    _fresh_process_caches()
    monkeypatch.setattr(project_index, "MAX_SCANNED_MODULES", 5)
    index = project_index.index_for(str(tmp_path / "train.py"), Options())
    # in file order, and what is beyond the bound stays unknown
    assert [path.name for path in index.scan()] == [f"loader_{number:02}.py" for number in range(5)]


def test_a_project_without_loaders_reads_nothing_more_for_a_file_without_trigger_words(tmp_path, monkeypatch):
    files = {"pyproject.toml": "", "main.py": "import helpers\n\nhelpers.run()\n"}
    files["helpers.py"] = "from typing import Sequence\n\ndef run():\n    return Sequence\n"
    _write(tmp_path, files)
    _fresh_process_caches()
    parsed = _parsed_files(monkeypatch)
    assert analyze_file(str(tmp_path / "main.py"), Options()) == []
    assert parsed == []


def test_the_scan_reads_no_module_a_call_leads_to_when_it_names_no_loader(tmp_path, monkeypatch):
    # the launches are read once every loader class is known: ``ops.stack(...)`` of a module that
    # mentions no loader base and no loader class cannot make a loader, and ops.py is not read
    files = {
        "pyproject.toml": "",
        "ops.py": "def stack(x):\n    return x\n",
        "train.py": (
            "import keras\nimport ops\n\n\nclass Loader(keras.utils.PyDataset):\n"
            "    def __len__(self):\n        return 1\n\n"
            "    def __getitem__(self, i):\n        return i, i\n\n\n"
            "def main():\n    ops.stack(Loader(workers=2, use_multiprocessing=True))\n"
        ),
    }
    _write(tmp_path, files)
    _fresh_process_caches()
    parsed = _parsed_files(monkeypatch)
    index = project_index.index_for(str(tmp_path / "train.py"), Options())
    scanned = index.scan()
    assert [path.name for path in scanned] == ["train.py"] and scanned[tmp_path / "train.py"].started
    assert parsed == ["train.py"]


def test_a_loader_found_in_a_later_round_is_launched_from_an_earlier_one(tmp_path, monkeypatch):
    # train.py names a Keras base (first round); the loader it launches derives from the base
    # in base.py through data.py, which names only ``Base`` (second round): its launch is read
    # after both rounds, and data.py is still followed
    files = {
        "pyproject.toml": "",
        "base.py": LOADER_BASE,
        "data.py": "from base import Base\n\n\nclass Images(Base):\n    def __getitem__(self, i):\n        return i, i\n",
        "train.py": (
            "from keras.utils import PyDataset\nfrom data import Images\n\n\n"
            "def fit(model):\n    model.fit(Images(workers=2, use_multiprocessing=True))\n"
        ),
    }
    _write(tmp_path, files)
    _fresh_process_caches()
    index = project_index.index_for(str(tmp_path / "train.py"), Options())
    scanned = index.scan()
    assert sorted(path.name for path in scanned) == ["base.py", "data.py", "train.py"]
    assert scanned[tmp_path / "train.py"].started, "the launch of a second-round loader"


# --- return summaries --------------------------------------------------------------------------

RETURNING = '''
import threading
import helpers


def scale(x):
    return x


def nested():
    def inner(x):
        return x
    return inner


def module_function():
    return scale


def lock():
    return threading.Lock()


def disagree(flag):
    if flag:
        return threading.Lock()
    return scale


def maybe_lock(flag):
    if flag:
        return None
    return threading.Lock()


def through():
    return lock()


def pool():
    return helpers.make_pool(2)


def counts(n):
    yield from range(n)


class Box:
    @staticmethod
    def cells(n):
        for i in range(n):
            yield i

    def own(self):
        return self.cells(3)


def box():
    return Box()
'''


def test_a_return_summary_says_what_every_return_gives_and_holds_no_tree(tmp_path):
    _fresh_process_caches()
    _write(
        tmp_path,
        {
            "setup.py": "",
            "returning.py": RETURNING,
            "helpers.py": "import multiprocessing\n\ndef make_pool(n):\n    return multiprocessing.Pool(n)\n",
        },
    )
    index = project_index.index_for(str(tmp_path / "returning.py"), Options())
    facts = index.facts_of(index.path_of(str(tmp_path / "returning.py")))
    functions = dict(facts.walk.functions)
    functions["own"] = facts.hierarchy.class_methods(facts.walk.classes["Box"])["own"]

    def summary(name):
        found = facts.returns.returns_of(functions[name])
        return None if found is None else (found.kind, found.what, found.qualname)

    assert summary("nested") == ("local", "the nested function 'inner'", None)
    assert summary("module_function") == ("function", "the module-level function 'scale'", None)
    assert summary("lock") == ("made-by", "threading.Lock", "threading.Lock")
    assert summary("disagree") is None  # a lock in one branch, a function in the other: unknown
    assert summary("maybe_lock") == ("made-by", "threading.Lock", "threading.Lock")  # None aside
    assert summary("through")[::2] == ("made-by", "threading.Lock")
    assert summary("pool")[::2] == ("made-by", "multiprocessing.Pool")  # module.func(...)
    assert summary("counts")[0] == "generator"
    assert summary("own")[0] == "generator"  # self.method(...) of a generator staticmethod
    assert summary("box")[0] == "instance"
    found = facts.returns.returns_of(functions["box"])
    assert found.where[1:] == ("Box", facts.walk.classes["Box"].lineno)
    # computed once per function, and made of strings and tuples only (no tree kept alive)
    assert facts.returns.returns_of(functions["box"]) is found
    for value in vars(found).values():
        assert value is None or isinstance(value, (str, tuple))
        assert not any(isinstance(part, ast.AST) for part in (value if isinstance(value, tuple) else (value,)))


# --- loader bases in installed packages --------------------------------------------------------

INSTALLED_PACKAGE = {
    "keras_seq/__init__.py": "from .preprocessing import Generator\n",
    "keras_seq/preprocessing/__init__.py": "from .generator import Generator, Plain\n",
    "keras_seq/preprocessing/generator.py": (
        "import keras\n\n\nclass Generator(keras.utils.Sequence):\n    pass\n\n\n"
        "class Plain:\n    def __getitem__(self, index):\n        return index\n"
    ),
}
PROJECT_ON_INSTALLED_BASE = {
    "setup.cfg": "",
    "loaders.py": (
        "import threading\n\n"
        "import numpy as np\n"
        "from keras_seq import Generator\n"
        "from keras_seq.preprocessing.generator import Plain\n\n\n"
        "class Coco(Generator):\n"
        "    def __init__(self):\n"
        "        self.lock = threading.Lock()  # expect: KMP202\n\n"
        "    def __getitem__(self, index):\n"
        "        return np.random.random_sample()  # expect: KMP402\n\n\n"
        "class Container(Plain):\n"
        "    def __init__(self):\n"
        "        self.lock = threading.Lock()\n"
    ),
    # the launch that runs it in worker processes is in another module
    "train.py": (
        "# keras-mp-options: keras-version=2\n"
        "from tensorflow import keras\n\nfrom loaders import Coco\n\n"
        "if __name__ == \"__main__\":\n"
        "    model = keras.Sequential([keras.layers.Dense(1)])\n"
        "    model.fit_generator(Coco(), workers=2, use_multiprocessing=True)\n"
    ),
}


def _fresh_installed_caches():
    from pylint_keras_mp import installed
    from pylint_keras_mp.facts import installed_bases

    installed_bases._BASES.clear()
    installed._LISTINGS.clear()


def test_a_loader_base_from_an_installed_package_is_read_from_its_source(tmp_path, monkeypatch):
    from tests.fixture_support import FixtureProject

    site = tmp_path / "site"
    _write(site, INSTALLED_PACKAGE)
    _write(tmp_path / "project", PROJECT_ON_INSTALLED_BASE)
    project = FixtureProject(tmp_path / "project")
    # not installed: the base is unknown, and unknown is silent
    _fresh_process_caches()
    _fresh_installed_caches()
    assert _codes(engine_project_findings(project)) == {"loaders.py": [], "train.py": []}
    # installed (on the path every front end searches), never imported
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))
    _fresh_process_caches()
    _fresh_installed_caches()
    engine = engine_project_findings(project)
    assert _codes(engine) == project.expected()
    assert "keras_seq" not in sys.modules
    assert cli_project_findings(project) == engine, "keras-mp-lint disagrees with the engine"
    assert flake8_project_findings(project) == engine, "flake8 disagrees with the engine"
    assert pylint_project_findings(project) == engine, "pylint disagrees with the engine"
