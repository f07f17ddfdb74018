"""The engine, and pylint and flake8 with the plugin, never crash: generated and hostile modules.

The contract checked on every input: ``analyze`` returns a sorted list of findings and never
raises; there is at most one KMP900 or KMP901 per file; a KMP901 (always alone) means Python
itself cannot compile the file, and so does a KMP900 that is alone (a KMP900 next to other
findings is a rule that failed, which is a bug here too);
the tree handed in by flake8 is not modified; the findings do not depend on line endings.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pylint_keras_mp.config import Options
from pylint_keras_mp.engine import Finding, analyze
from pylint_keras_mp.faults import STRICT
from pylint_keras_mp.registry import RULES_BY_CODE

ROOT = Path(__file__).resolve().parent.parent

OPTION_SETS = (
    Options(),
    Options(assume_multiprocessing=True),
    Options(keras_version="2", assume_multiprocessing=True),
    Options(keras_version="3", sequence_bases=("mylib.Base",)),
)

# Deterministic in CI: the same examples on every run, no example database on disk.
PROPERTY_SETTINGS = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

# hypothesmith compiles what it generates; CPython's SyntaxWarnings about it are not ours.
HYPOTHESMITH_WARNINGS = pytest.mark.filterwarnings("ignore::SyntaxWarning")

SCAFFOLD = """\
import keras
import multiprocessing
from keras.utils import PyDataset, Sequence


class Loader(keras.utils.Sequence):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.items = []

    def __getitem__(self, index):
        return self.helper(index)

    def helper(self, index):
        return index

"""


def python_rejects(source: str | bytes) -> str | None:
    """Why CPython cannot compile the source, or None when it can."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, "<test>", "exec", dont_inherit=True)
    except (
        SyntaxError,
        ValueError,
        UnicodeDecodeError,
        LookupError,
        RecursionError,
        MemoryError,
    ) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def check_contract(
    source: str | bytes, filename: str = "<test>", option_sets=OPTION_SETS
) -> dict[Options, list[Finding]]:
    """Run the option sets; assert the contract; return the findings per option set."""
    results = {}
    rejected: object = ...
    for options in option_sets:
        findings = analyze(source, filename, options)
        assert isinstance(findings, list)
        assert all(isinstance(f, Finding) for f in findings)
        assert findings == sorted(findings)
        internal = [f for f in findings if f.code in ("KMP900", "KMP901")]
        assert len(internal) <= 1, internal
        if internal:
            if rejected is ...:
                rejected = python_rejects(source)
            assert rejected, f"{internal[0].code} on a module Python compiles: {internal[0].message}"
            assert len(findings) == 1, "a rule failed on a module Python rejects"
        for finding in findings:
            assert finding.code in RULES_BY_CODE
            assert finding.line >= 1 and finding.col >= 0
            assert finding.message and "\n" not in finding.message
        results[options] = findings
    return results


def fingerprint(tree: ast.AST) -> list:
    """Everything about a tree, including attributes added to its nodes (iterative: ast.dump
    recurses and fails on the deep trees below)."""
    found: list = []
    stack = [tree]
    while stack:
        node = stack.pop()
        found.append((type(node).__name__, tuple(sorted(vars(node)))))
        for name in node._fields + node._attributes:
            value = getattr(node, name, None)
            if isinstance(value, ast.AST):
                stack.append(value)
            elif isinstance(value, list):
                found.append(len(value))
                for item in value:
                    if isinstance(item, ast.AST):
                        stack.append(item)
                    else:
                        found.append(repr(item))
            else:
                found.append(repr(value))
    return found


def check_tree_untouched(source: str) -> None:
    """flake8 shares its tree with every plugin: the engine must neither change it nor annotate
    its nodes, and must report the same with flake8's tree as with its own parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    before = fingerprint(tree)
    with_tree = analyze(source, "<flake8>", Options(assume_multiprocessing=True), tree=tree)
    assert fingerprint(tree) == before
    assert with_tree == analyze(source, "<flake8>", Options(assume_multiprocessing=True))


def as_method_body(code: str) -> str:
    return (
        SCAFFOLD
        + "    def generated(self, index):\n"
        + textwrap.indent(code, " " * 8)
        + "\n        pass\n"
    )


# --------------------------------------------------------------------------- generated modules
@HYPOTHESMITH_WARNINGS
@settings(PROPERTY_SETTINGS, max_examples=60)
@given(hypothesmith.from_grammar())
def test_arbitrary_modules_after_a_keras_scaffold(code):
    source = SCAFFOLD + code
    check_contract(source)
    check_tree_untouched(source)


@HYPOTHESMITH_WARNINGS
@settings(PROPERTY_SETTINGS, max_examples=40)
@given(hypothesmith.from_grammar())
def test_arbitrary_code_inside_a_data_loader_method(code):
    check_contract(as_method_body(code))


@HYPOTHESMITH_WARNINGS
@settings(PROPERTY_SETTINGS, max_examples=15)
@given(hypothesmith.from_node())
def test_arbitrary_syntax_trees_after_a_keras_scaffold(code):
    source = SCAFFOLD + code
    check_contract(source)
    check_tree_untouched(source)


# Keras-shaped modules assembled from the pieces the rules look at, so that every rule runs.
BASES = st.sampled_from(
    [
        "keras.utils.Sequence",
        "keras.utils.PyDataset",
        "Sequence",
        "PyDataset",
        "tf.keras.utils.Sequence",
        "mylib.Base",
        "object",
        "Loader",
        "D0",
        "D1",
        "make_base()",
        "*bases",
        "collections.abc.Sequence",
        "keras.utils.Sequence, metaclass=Meta",
    ]
)
VALUES = st.sampled_from(
    [
        "1",
        "-1",
        "0",
        "4",
        "True",
        "False",
        "None",
        "N",
        "FLAG",
        "os.cpu_count()",
        "cfg['w']",
        "kwargs",
        "lambda: 0",
        "open('f')",
        "threading.Lock()",
        "(i for i in range(3))",
        "gen()",
        "iter(ds)",
        "tf.data.Dataset.range(3)",
        "np.zeros(3)",
        "D0()",
        "self.helper",
        "local",
        "functools.partial(local)",
        "multiprocessing.Queue()",
        "tf.data.AUTOTUNE",
        "np.random.default_rng()",
        "np.random.rand()",
        "random.random()",
        "Inner()",
        "[lambda: 1]",
        "{'k': open('f')}",
        "ImageDataGenerator().flow(x)",
        "x if FLAG else y",
        "self.rng",
    ]
)
ATTRS = st.sampled_from(["f", "rng", "workers", "use_multiprocessing", "cache", "n", "gen"])
CALL_ARGS = st.lists(
    st.sampled_from(
        [
            "ds",
            "x",
            "y",
            "gen()",
            "D0()",
            "D1(workers=2, use_multiprocessing=True)",
            "workers={v}",
            "use_multiprocessing={v}",
            "max_queue_size={v}",
            "**cfg",
            "validation_split=0.1",
            "x=D0(use_multiprocessing=True)",
            "generator=gen()",
        ]
    ),
    max_size=4,
)


@st.composite
def statements(draw, in_method: bool):
    templates = [
        "self.{a} = {v}",
        "global G\nG = {v}",
        "CACHE[index] = {v}",
        "SEEN.append(index)",
        "self.{a} += 1",
        "if self.{a} is None:\n    self.{a} = {v}",
        "local = {v}",
        "def local():\n    return index",
        "class Inner:\n    pass",
        "del CACHE[index]",
        "with open('f') as self.{a}:\n    pass",
        "for self.{a} in range(3):\n    pass",
        "super().__init__({args})",
        "multiprocessing.Pool(2)",
        "np.random.shuffle(x)",
        "self.{a}: int",
        "self.{a}, self.n = {v}, {v}",
        "return self.helper(index)",
        "yield index",
        "model.{m}({args})",
        "{v}",
        "try:\n    self.{a}\nexcept AttributeError:\n" "    self.{a} = {v}",
        "nonlocal_value = [self.{a} for self.{a} in range(2)]",
        "match index:\n    case 0:\n        self.{a} = {v}\n    case _:\n        pass",
    ]
    if not in_method:
        templates = [
            t
            for t in templates
            if "self." not in t
            and "yield" not in t
            and "return" not in t
            and "nonlocal" not in t
            and "super()" not in t
        ]
    template = draw(st.sampled_from(templates))
    args = ", ".join(a.format(v=draw(VALUES)) for a in draw(CALL_ARGS))
    method = draw(
        st.sampled_from(["fit", "evaluate", "predict", "fit_generator", "predict_generator"])
    )
    return template.format(a=draw(ATTRS), v=draw(VALUES), args=args, m=method)


@st.composite
def keras_modules(draw):
    imports = draw(
        st.lists(
            st.sampled_from(
                [
                    "import keras",
                    "import tensorflow as tf",
                    "from keras.utils import Sequence",
                    "from keras.utils import PyDataset",
                    "from tensorflow.keras.utils import Sequence",
                    "import numpy as np",
                    "import random",
                    "import os",
                    "import threading",
                    "import functools",
                    "import multiprocessing",
                    "from keras.utils import *",
                    "import tf_keras",
                    "from keras.src.trainers import data_adapters",
                    "from keras.preprocessing.image import ImageDataGenerator",
                    "import collections.abc",
                ]
            ),
            min_size=1,
            max_size=6,
        )
    )
    lines = list(imports) + ["N = 4", "FLAG = True", "CACHE = {}", "SEEN = []", "bases = (object,)"]
    for number in range(draw(st.integers(1, 3))):
        lines.append(f"class D{number}({draw(BASES)}):")
        for method in draw(
            st.lists(
                st.sampled_from(
                    [
                        "__init__",
                        "__getitem__",
                        "__len__",
                        "on_epoch_end",
                        "helper",
                        "__getstate__",
                        "gen",
                        "__next__",
                    ]
                ),
                min_size=1,
                max_size=4,
                unique=True,
            )
        ):
            lines.append(f"    def {method}(self, index=0, **kwargs):")
            for statement in draw(st.lists(statements(in_method=True), min_size=1, max_size=4)):
                lines.append(textwrap.indent(statement, " " * 8))
    for statement in draw(st.lists(statements(in_method=False), max_size=4)):
        lines.append(statement)
    if draw(st.booleans()):
        lines.append("def train():")
        for statement in draw(st.lists(statements(in_method=False), min_size=1, max_size=3)):
            lines.append(textwrap.indent(statement, "    "))
        lines.append("train()")
    if draw(st.booleans()):
        lines.append('if __name__ == "__main__":')
        for statement in draw(st.lists(statements(in_method=False), min_size=1, max_size=3)):
            lines.append(textwrap.indent(statement, "    "))
    return "\n".join(lines) + "\n"


@settings(PROPERTY_SETTINGS, max_examples=300)
@given(keras_modules())
def test_keras_shaped_modules(source):
    results = check_contract(source)
    check_tree_untouched(source)
    # Line endings and a BOM change nothing.
    if not any(f.code in ("KMP900", "KMP901") for f in results[OPTION_SETS[1]]):
        expected = analyze(source, "<lf>", OPTION_SETS[1])
        assert analyze(source.replace("\n", "\r\n"), "<crlf>", OPTION_SETS[1]) == expected
        assert analyze(b"\xef\xbb\xbf" + source.encode(), "<bom>", OPTION_SETS[1]) == expected


# --------------------------------------------------------------------------- hostile inputs
LOADER = """\
import keras
from keras.utils import Sequence

SEEN = []


class Frames(keras.utils.Sequence):
    def __init__(self, paths, **kwargs):
        super().__init__(**kwargs)
        self.paths = paths
        self.post = lambda x: x
        self.handle = open(paths[0])

    def __getitem__(self, index):
        SEEN.append(index)
        return self.paths[index]
"""
LOADER_CODES = {"KMP101", "KMP201", "KMP202"}


def _nested_functions(depth: int) -> str:
    lines = ["import keras"]
    for level in range(depth):
        lines.append(" " * level + f"def f{level}():")
    lines.append(" " * depth + "model.fit(x, workers=4, use_multiprocessing=True)")
    lines.append("f0()")
    return "\n".join(lines) + "\n"


def _class_chain(length: int, reverse: bool) -> str:
    order = range(length, 0, -1) if reverse else range(1, length + 1)
    head = (
        "class C0(keras.utils.Sequence):\n    def __getitem__(self, i):\n        return self.m(i)\n"
    )
    body = "".join(f"class C{i}(C{i - 1}):\n    pass\n" for i in order)
    return "import keras\n" + (body + head if reverse else head + body)


def _big_module(lines: int) -> str:
    block = LOADER.split("\n", 4)[4]  # without the imports
    blocks = []
    count = 0
    number = 0
    while count < lines:
        text = block.replace("Frames", f"Frames{number}")
        blocks.append(text)
        count += text.count("\n")
        number += 1
    return "import keras\nfrom keras.utils import Sequence\n\nSEEN = []\n" + "".join(blocks)


def _method_cycle() -> str:
    return textwrap.dedent("""\
        import keras
        CACHE = {}
        class D(keras.utils.Sequence):
            def __getitem__(self, index):
                return self.a(index)
            def a(self, index):
                return self.b(index) + self.__getitem__(index)
            def b(self, index):
                CACHE[index] = self.a
                return self.a(index)
            @property
            def c(self):
                return self.c
        def f():
            g()
        def g():
            f()
            model.fit(D(), workers=2, use_multiprocessing=True)
        f()
        """)


HOSTILE: dict[str, bytes] = {
    "syntax_error": b"import keras\nclass D(keras.utils.Sequence):\n    def __getitem__(self, i:\n",
    "null_byte": b"import keras\nx = 1\x00\n",
    "non_utf8": b"import keras\nname = '\xff\xfe'\n",
    "latin1_cookie": b"# -*- coding: latin-1 -*-\n" + LOADER.encode() + b"name = '\xe9'\n",
    "unknown_cookie": b"# coding: no-such-codec\nimport keras\n",
    "bom": b"\xef\xbb\xbf" + LOADER.encode(),
    "bom_and_latin1_cookie": b"\xef\xbb\xbf# coding: latin-1\nimport keras\n",
    "utf16": "import keras\nx = 1\n".encode("utf-16"),
    "crlf": LOADER.replace("\n", "\r\n").encode(),
    "cr_only": LOADER.replace("\n", "\r").encode(),
    "tabs": LOADER.replace("    ", "\t").encode(),
    "inconsistent_tabs": b"import keras\nif x:\n        a = 1\n\tb = 2\n",
    "form_feed": b"import keras\n\x0c\n" + LOADER.encode() + b"\x0c\n",
    "empty": b"",
    "only_bom": b"\xef\xbb\xbf",
    "only_a_comment": b"# keras use_multiprocessing tensorflow\n",
    "docstring_only": b'"""keras"""\n',
    "no_trailing_newline": LOADER.rstrip("\n").encode(),
    "trailing_backslash": b"import keras\nx = 1 + \\\n",
    "huge_string": b"import keras\nBLOB = '" + b"keras " * 1_000_000 + b"'\n" + LOADER.encode(),
    "long_line": b"import keras\nx = [" + b"1, " * 300_000 + b"]\n",
    "module_50k_lines": _big_module(50_000).encode(),
    "parens_1000_deep": b"import keras\nx = " + b"(" * 1000 + b"1" + b")" * 1000 + b"\n",
    "sum_100k_terms": b"import keras\nx = " + b"+".join([b"a"] * 100_000) + b"\n",
    "and_100k_terms": b"import keras\nx = " + b" and ".join([b"a"] * 100_000) + b"\n",
    "unary_100k_deep": b"import keras\nx = " + b"-" * 100_000 + b"1\n",
    "attribute_chain_2500": b"import keras\nclass D(keras"
    + b".b" * 2500
    + b".Sequence):\n  pass\n"
    + b"x = a"
    + b".b" * 2500
    + b".ops\n",
    "worker_argument_2500_deep": b"import keras\nmodel.fit(x, workers="
    + b"-" * 2500
    + b"1, use_multiprocessing="
    + b"not " * 2500
    + b"True)\n",
    "calls_2500_deep": b"import keras\nclass D(keras.utils.Sequence):\n  def __init__(self):\n"
    + b"    self.x = open"
    + b"()" * 2500
    + b"\n",
    "nested_functions_90": _nested_functions(90).encode(),
    "nested_functions_101": _nested_functions(101).encode(),
    "class_chain_1500": _class_chain(1500, reverse=False).encode(),
    "class_chain_1500_reversed": _class_chain(1500, reverse=True).encode(),
    "dynamic_bases": textwrap.dedent("""\
        import keras
        class A(make_base()):
            pass
        class B(*bases):
            pass
        class C(**options):
            pass
        class D(keras.utils.Sequence, metaclass=Meta, **options):
            def __getitem__(self, i, *args, **kwargs):
                return self.f(*args, **kwargs)
        class E(keras.utils.Sequence if FLAG else object):
            pass
        class F(bases[0], keras.utils.Sequence):
            def __init__(self, *args, **kwargs):
                super(F, self).__init__(*args, **kwargs)
                self.fn = lambda: 0
        model.fit(D(**cfg), **cfg)
        model.fit(*args, **kwargs)
        """).encode(),
    "star_imports": b"from keras.utils import *\nfrom tensorflow.keras import *\n"
    b"class D(Sequence):\n    def __init__(self):\n        self.f = lambda: 0\n",
    "shadowed_sequence": textwrap.dedent("""\
        from keras.utils import Sequence
        import keras
        class Sequence:
            pass
        class D(Sequence):
            def __init__(self):
                self.f = lambda: 0
        Sequence = object
        def PyDataset():
            pass
        class E(PyDataset):
            pass
        """).encode(),
    "recursive_hierarchy": textwrap.dedent("""\
        import keras
        class A(B):
            def __getitem__(self, i):
                return self.f
        class B(A):
            pass
        class C(A, keras.utils.Sequence):
            def __init__(self):
                self.f = open("x")
        class S(S, keras.utils.Sequence):
            pass
        """).encode(),
    "method_and_function_cycles": _method_cycle().encode(),
    "unicode_names": "import keras\nclass Dätä(keras.utils.Sequence):\n    def __init__(self):\n"
    "        self.λ = lambda: 1\n".encode(),
    "odd_targets": textwrap.dedent("""\
        import keras, functools
        CACHE = {}
        class D(keras.utils.PyDataset):
            __getitem__ = lambda self, i: CACHE.update({i: i})
            f = open("x")
            def __init__(self, **kwargs):
                self.a, (self.b, *self.c) = lambda: 0, (open("x"), 1, 2)
                self.__dict__["g"] = lambda: 0
                setattr(self, "h", lambda: 0)
                self: int = 1
                del self.a
                with open("a") as (self.d, self.e):
                    pass
            def on_epoch_end(self):
                self = None
                global CACHE
                CACHE = {}
            async def __len__(self):
                return [x async for x in self]
        x: int
        """).encode(),
}
if sys.version_info >= (3, 12):
    HOSTILE["type_parameters"] = (
        b"import keras\ntype Alias[T] = list[T]\n"
        b"class D[T](keras.utils.Sequence):\n    def __getitem__[U](self, i: U) -> T:\n"
        b"        SEEN.append(i)\nSEEN = []\n"
    )

# Big inputs run with two option sets only, to keep the suite's time in check.
LARGE = {
    "module_50k_lines",
    "long_line",
    "huge_string",
    "class_chain_1500",
    "class_chain_1500_reversed",
    "and_100k_terms",
    "sum_100k_terms",
}
SLOW_LIMIT_SECONDS = 30.0  # generous for a loaded 2-core CI machine; typical figures are far lower


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_keeps_the_contract(name):
    data = HOSTILE[name]
    option_sets = OPTION_SETS[:2] if name in LARGE else OPTION_SETS
    started = time.perf_counter()
    check_contract(data, f"{name}.py", option_sets)
    elapsed = (time.perf_counter() - started) / len(option_sets)
    assert elapsed < SLOW_LIMIT_SECONDS, f"{name} took {elapsed:.1f}s per analysis"
    if name in LARGE:
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return
    if "\x00" not in text:
        check_tree_untouched(text)


def test_line_endings_tabs_and_bom_report_the_same_findings():
    expected = analyze(LOADER, "lf.py")
    assert {f.code for f in expected} == LOADER_CODES
    for name in ("crlf", "cr_only", "bom"):
        assert analyze(HOSTILE[name], f"{name}.py") == expected, name
    tabs = analyze(HOSTILE["tabs"], "tabs.py")
    assert [(f.line, f.code) for f in tabs] == [(f.line, f.code) for f in expected]


def test_a_50000_line_module_is_analysed_completely():
    findings = analyze(HOSTILE["module_50k_lines"], "big.py")
    loaders = HOSTILE["module_50k_lines"].count(b"(keras.utils.Sequence)")
    assert loaders > 2000
    codes = [f.code for f in findings]
    for code in LOADER_CODES - {"KMP101"}:
        assert codes.count(code) == loaders, code
    # every loader appends to the one global SEEN: one hazard, one finding, at its first write
    (write,) = [f for f in findings if f.code == "KMP101"]
    assert write.line == HOSTILE["module_50k_lines"].split(b"SEEN.append")[0].count(b"\n") + 1


def test_deep_hierarchies_and_chains_are_analysed_not_rejected():
    # Deeper than the recursion limit, yet valid Python: the analysis must not give up.
    for name in (
        "class_chain_1500_reversed",
        "attribute_chain_2500",
        "worker_argument_2500_deep",
        "calls_2500_deep",
    ):
        assert python_rejects(HOSTILE[name]) is None, name
        findings = analyze(HOSTILE[name], f"{name}.py", Options(assume_multiprocessing=True))
        assert not [f for f in findings if f.code == "KMP900"], name


def test_one_failing_rule_is_reported_once_and_the_others_still_report(monkeypatch):
    monkeypatch.delenv(STRICT, raising=False)  # the contained behaviour, as in use
    from pylint_keras_mp import rules

    def broken(facts, report):
        raise RecursionError("maximum recursion depth exceeded")

    def also_broken(facts, report):
        raise ValueError("boom")

    monkeypatch.setattr(
        rules,
        "RULE_CHECKS",
        [(("KMP101",), broken), *rules.RULE_CHECKS, (("KMP102",), also_broken)],
    )
    findings = analyze(LOADER, "loader.py")
    internal = [f for f in findings if f.code == "KMP900"]
    assert len(internal) == 1
    assert "KMP101 failed: RecursionError" in internal[0].message
    assert {f.code for f in findings} == LOADER_CODES | {"KMP900"}


def test_an_exception_that_cannot_be_printed_is_still_reported(monkeypatch):
    monkeypatch.delenv(STRICT, raising=False)  # the contained behaviour, as in use
    from pylint_keras_mp import rules

    class Unprintable(Exception):
        def __str__(self):
            raise RuntimeError("no")

    def broken(facts, report):
        raise Unprintable()

    monkeypatch.setattr(rules, "RULE_CHECKS", [(("KMP101",), broken)])
    [finding] = analyze(LOADER, "loader.py")
    assert finding.code == "KMP900" and "Unprintable" in finding.message


# --------------------------------------------------------------------------- real host linters
# The heaviest inputs stay out of the pylint run: astroid itself needs minutes (or its own
# recursion limit) on them, which says nothing about the plugin.
NOT_FOR_PYLINT = {
    "module_50k_lines",
    "huge_string",
    "long_line",
    "sum_100k_terms",
    "and_100k_terms",
    "unary_100k_deep",
    "attribute_chain_2500",
    "worker_argument_2500_deep",
    "calls_2500_deep",
    "class_chain_1500",
    "class_chain_1500_reversed",
}
# flake8 itself fails on these and stops the whole run: pyflakes hits RecursionError on the deep
# chains, and flake8's own ast.parse on the 100k-deep expressions crashes its -j workers. The
# plugin's side (flake8's tree handed to the engine) is covered by check_tree_untouched.
NOT_FOR_FLAKE8 = {
    "attribute_chain_2500",
    "calls_2500_deep",
    "worker_argument_2500_deep",
    "sum_100k_terms",
    "unary_100k_deep",
}
OUR_FRAME = re.compile(r"pylint_keras_mp[/\\]")


@pytest.fixture(scope="module")
def hostile_tree(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    for name, data in HOSTILE.items():
        (folder / f"{name}.py").write_bytes(data)
    return folder


def _bin(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def _per_file_codes(output: str, pattern: re.Pattern) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in output.splitlines():
        match = pattern.match(line)
        if match:
            found.setdefault(Path(match["path"]).stem, []).append(match["code"])
    return found


def _flake8_itself_fails_on(path: Path) -> bool:
    """A file flake8 cannot parse without failing itself, whatever its plugins: where CPython's
    ``compile`` raises ValueError instead of SyntaxError (null bytes, before 3.11.4), flake8's
    ``build_ast`` lets it through and the run ends with flake8's own traceback."""
    try:
        compile(path.read_bytes(), str(path), "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except ValueError:
        return True
    except (SyntaxError, RecursionError, MemoryError):
        return False
    return False


def test_flake8_with_the_plugin_survives_every_hostile_file(hostile_tree):
    files = sorted(
        str(path)
        for path in hostile_tree.glob("*.py")
        if path.stem not in NOT_FOR_FLAKE8 and not _flake8_itself_fails_on(path)
    )
    proc = subprocess.run(
        [_bin("flake8"), "--isolated", "--select=KMP,E999,E902", *files],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=hostile_tree,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode in (0, 1), output[-3000:]
    assert "Traceback" not in output and not OUR_FRAME.search(output), output[-3000:]
    assert "failed during execution" not in output, output[-3000:]
    codes = _per_file_codes(
        proc.stdout, re.compile(r"^(?P<path>.+?):\d+:\d+: (?P<code>[A-Z]+\d+) ")
    )
    for name, found in codes.items():
        assert found.count("KMP900") <= 1, (name, found)
    # flake8 parses the file first: a file it cannot parse gets E999/E902, never a KMP900.
    assert "KMP101" in codes["crlf"] and "KMP201" in codes["bom"]
    assert codes["module_50k_lines"].count("KMP201") > 2000


def test_pylint_with_the_plugin_survives_the_hostile_files(hostile_tree):
    files = sorted(
        str(path) for path in hostile_tree.glob("*.py") if path.stem not in NOT_FOR_PYLINT
    )
    proc = subprocess.run(
        [
            _bin("pylint"),
            "--load-plugins=pylint_keras_mp",
            "--disable=all",
            "--enable=keras-mp,syntax-error,astroid-error,parse-error",
            "--persistent=n",
            "--score=n",
            "--msg-template={path}:{line}:{column}: {msg_id} {symbol}",
            *files,
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=hostile_tree,
    )
    output = proc.stdout + proc.stderr
    assert not proc.returncode & 32, output[-3000:]  # usage error
    assert "Traceback" not in output and not OUR_FRAME.search(output), output[-3000:]
    assert "astroid-error" not in output, output[-3000:]
    codes = _per_file_codes(proc.stdout, re.compile(r"^(?P<path>.+?):\d+:\d+: (?P<code>[A-Z]\d+) "))
    for name, found in codes.items():
        assert found.count("F7900") <= 1, (name, found)
        if "F7900" in found:
            assert python_rejects(HOSTILE[name]), (name, found)
    assert "W7101" in codes["crlf"] and "E7201" in codes["bom"]


def test_the_engine_emits_no_warnings_of_its_own():
    # CPython warns about invalid escapes while parsing (SyntaxWarning from 3.12 on, shown by
    # default): that is the host linter's business, the plugin must not print it a second time.
    source = 'import keras\nPATTERN = "\\("\nclass D(keras.utils.Sequence):\n    f = "\\d"\n'
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        analyze(source, "warn.py")
    assert caught == []
