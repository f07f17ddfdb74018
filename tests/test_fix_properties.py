"""A property of every fix: applied (``--fix --unsafe-fixes``) to generated data loaders and
scripts, the result compiles, no finding that had a fix is left, nothing new appears, and the
fixed module runs: imported in a fresh interpreter with Keras (numpy backend), each loader is
built, read, and sent through a spawn worker unless the fixed file still says it cannot be."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pylint_keras_mp.config import Options
from pylint_keras_mp.engine import analyze
from pylint_keras_mp.fixing import fix_source
from tests.test_fixes_run import UNPICKLABLE_CODES, exercise

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

LAMBDA_BODIES = (
    "batch",
    "batch * SCALE",
    "(batch + SCALE) / 2",
    "len(batch) and batch",
    "(\n            batch\n            * SCALE\n        )",
    "batch[::-1]  # reversed",
)
TAIL_STATEMENTS = (
    'print("done")',
    "rows = [\n    1,\n\n    2,\n]",
    'TEXT = """first\nsecond\n  third"""',
    "# a comment of the run",
    "for i in range(2):\n    print(i)",
    "import os",
    "total = 1 + \\\n    2",
    'if __name__ == "__main__":\n    print("main")',
    "",
)

# made in __init__ (KMP202): made again in each worker by its fix, or not fixable (a file opened
# to write)
HANDLES = (
    'self.f = open(path, "rb")',
    'self.text = open(path, encoding="utf-8")  # read in the workers',
    "self.lock = threading.Lock()",
    "self._guard = threading.RLock()",
    'self.sink = open(os.devnull, "w")',
)


@st.composite
def loader_modules(draw) -> tuple[str, str]:
    """(source, keras version option) of a module with a loader class and, perhaps, launches."""
    version = draw(st.sampled_from(["2", "3"]))
    base = draw(st.sampled_from(["keras.utils.PyDataset", "keras.utils.Sequence"]))
    name = draw(st.sampled_from(["Frames", "_Frames", "__Frames"]))
    forwards = draw(st.sampled_from(["super().__init__(**kwargs)", "super().__init__()", ""]))
    attrs = draw(st.lists(st.sampled_from(["post", "_post", "__post", "scale"]), unique=True, max_size=3))
    handles = draw(st.lists(st.sampled_from(HANDLES), unique=True, max_size=3))
    path = ", path=__file__" if handles else ""
    init = [f"    def __init__(self, x{path}, **kwargs):"]
    if forwards:
        init.append(f"        {forwards}")
    init.append("        self.x = x")
    for attr in attrs:
        body = draw(st.sampled_from(LAMBDA_BODIES))
        init.append(f"        self.{attr} = lambda batch: {body}")
    init += [f"        {handle}" for handle in handles]
    chain = "self.x[index : index + 1]"
    for attr in attrs:
        chain = f"self.{attr}({chain})"
    lines = [
        "import os",
        "import threading",
        "",
        "import keras",
        "import numpy as np",
        "",
        "SCALE = np.float32(2)",
        "",
        "",
        f"class {name}({base}):",
        *init,
        "",
        "    def __len__(self):",
        "        return len(self.x)",
        "",
        "    def __getitem__(self, index):",
        f"        return {chain}",
        "",
        "",
        "def train(model, x, y):",
    ]
    launches = draw(st.lists(st.sampled_from([
        "    model.fit(x, y, workers=4, use_multiprocessing=True)",
        f"    model.fit({name}(x), workers=2, use_multiprocessing=True)",
        f"    model.fit_generator({name}(x), epochs=1)",
        "    model.predict(x, max_queue_size=4)",
    ]), min_size=1, max_size=3))
    lines += launches + [""]
    if draw(st.booleans()):  # a run at import time: KMP301
        lines += [
            "",
            "model = keras.Sequential([keras.Input((4,)), keras.layers.Identity()])",
            f"batches = model.predict({name}(np.ones((8, 4)), workers=2, use_multiprocessing=True))",
        ]
        lines += draw(st.lists(st.sampled_from(TAIL_STATEMENTS), max_size=4))
    return "\n".join(lines) + "\n", version


def test_every_fix_compiles_removes_its_finding_and_runs(tmp_path):
    fixed_files: list[tuple[Path, Options]] = []

    @SETTINGS
    @given(loader_modules())
    def property_of_fixes(case):
        source, version = case
        options = Options(keras_version=version)
        before = analyze(source, "generated.py", options)
        assert not [f for f in before if f.code in ("KMP900", "KMP901")], before
        result = fix_source(source, "generated.py", options, unsafe=True)
        compile(result.source, "fixed.py", "exec", dont_inherit=True)
        after = analyze(result.source, "generated.py", options)
        assert [f.full_text for f in after if f.fix is not None] == []
        assert not [f for f in after if f.code in ("KMP900", "KMP901")], after
        # nothing new: every code is as frequent as before, less what was fixed
        new = Counter(f.code for f in after) - Counter(f.code for f in before)
        assert not new - Counter({"KMP305": new["KMP305"]}), (new, source)
        if result.fixed:
            path = tmp_path / f"case{len(fixed_files)}.py"
            path.write_text(result.source, encoding="utf-8")
            fixed_files.append((path, options))

    property_of_fixes()
    assert len(fixed_files) >= 20, "the generator seldom makes a fixable module"
    records = exercise([path for path, _ in fixed_files])
    for path, options in fixed_files:
        record = records[str(path)]
        assert "error" not in record, (path.read_text(), record.get("traceback"))
        still = {
            f.line for f in analyze(path.read_text(encoding="utf-8"), str(path), options)
            if f.code in UNPICKLABLE_CODES
        }
        for name, entry in record["loaders"].items():
            assert "error" not in entry, (path.read_text(), entry.get("traceback"))
            if not still:
                assert entry.get("spawn"), (path.read_text(), entry)
