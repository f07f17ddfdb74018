"""Automatic fixes: fixture pairs checked byte for byte through the real CLI, and what a fix must
guarantee: the result compiles, the fixed findings are gone, nothing new appears, a second run
changes nothing, unsafe fixes wait for --unsafe-fixes, and --diff never writes."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from pylint_keras_mp.engine import analyze
from pylint_keras_mp.service import analyze_file
from pylint_keras_mp.fixes import FIXABLE_CODES, FIXABLE_SUFFIX, UNSAFE, apply_edits, rule_fixes
from pylint_keras_mp.fixing import fix_source
from pylint_keras_mp.registry import RULES_BY_CODE
from tests.fixture_support import (
    FIX_FIXTURES,
    FIXTURES,
    _group_by_options,
    fix_fixture_files,
    fixed_path,
    fixture_files,
    flake8_findings,
    pylint_findings,
)
from tests.test_cli import run_cli, write

FIX_LIST = fix_fixture_files()
IDS = [fixture.id for fixture in FIX_LIST]


def cli_flags(fixture) -> list[str]:
    return ["--isolated", *fixture.cli_flags(prefix="--")]


def test_every_fix_is_declared_and_has_fixtures():
    declared = rule_fixes()
    assert set(declared) == FIXABLE_CODES
    for code, fix in declared.items():
        assert code in RULES_BY_CODE and fix.code == code
        assert fix.applicability in ("safe", "unsafe")
        assert sorted((FIX_FIXTURES / code).glob("*.fixed.py")), f"no fix fixture for {code}"


@pytest.mark.parametrize("fixture", FIX_LIST, ids=IDS)
def test_cli_fix_gives_the_expected_file_byte_for_byte(fixture, tmp_path):
    copy = tmp_path / fixture.path.name
    shutil.copyfile(fixture.path, copy)
    proc = run_cli("--fix", "--unsafe-fixes", *cli_flags(fixture), copy, cwd=tmp_path)
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
    assert copy.read_bytes() == fixed_path(fixture.path).read_bytes()


@pytest.mark.parametrize("fixture", FIX_LIST, ids=IDS)
def test_fixed_file_compiles_without_the_fixed_findings_and_nothing_new(fixture):
    fixed = fixed_path(fixture.path)
    compile(fixed.read_text(encoding="utf-8"), str(fixed), "exec")
    before = analyze_file(str(fixture.path), fixture.options)
    after = analyze_file(str(fixed), fixture.options)
    assert all(f.code != "KMP900" for f in before + after)
    assert [f for f in after if f.fix is not None] == [], "a fix was left unapplied"
    unfixed = Counter(f.code for f in before if f.fix is None)
    assert Counter(f.code for f in after) == unfixed
    changed = fixed.read_bytes() != fixture.path.read_bytes()
    assert changed == any(f.fix is not None for f in before)


@pytest.mark.parametrize("fixture", FIX_LIST, ids=IDS)
def test_fixing_twice_changes_nothing(fixture, tmp_path):
    copy = tmp_path / fixture.path.name
    shutil.copyfile(fixed_path(fixture.path), copy)
    proc = run_cli("--fix", "--unsafe-fixes", *cli_flags(fixture), copy, cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert copy.read_bytes() == fixed_path(fixture.path).read_bytes()


@pytest.mark.parametrize("fixture", FIX_LIST, ids=IDS)
def test_diff_prints_the_fixes_and_never_writes(fixture, tmp_path):
    copy = tmp_path / fixture.path.name
    shutil.copyfile(fixture.path, copy)
    proc = run_cli("--diff", "--unsafe-fixes", *cli_flags(fixture), copy, cwd=tmp_path)
    assert copy.read_bytes() == fixture.path.read_bytes(), "--diff wrote the file"
    expected = fixed_path(fixture.path).read_text(encoding="utf-8")
    original = fixture.path.read_text(encoding="utf-8")
    if expected == original:
        assert (proc.returncode, proc.stdout) == (0, ""), proc.stderr
        return
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith(f"--- {copy}\n+++ {copy}\n@@ "), proc.stdout
    removed = [line[1:] for line in proc.stdout.splitlines()[2:] if line.startswith("-")]
    added = [line[1:] for line in proc.stdout.splitlines()[2:] if line.startswith("+")]
    assert Counter(original.splitlines()) - Counter(removed) + Counter(added) == Counter(
        expected.splitlines()
    )


@pytest.mark.parametrize("fixture", FIX_LIST, ids=IDS)
def test_safe_fixes_leave_the_unsafe_ones(fixture):
    source = fixture.path.read_text(encoding="utf-8")
    safe = fix_source(source, str(fixture.path), fixture.options, unsafe=False)
    assert all(f.fix.applicability == "safe" for f in safe.fixed)
    left = analyze(safe.source, str(fixture.path), fixture.options)
    assert all(f.fix.applicability == UNSAFE for f in left if f.fix is not None)
    everything = fix_source(source, str(fixture.path), fixture.options, unsafe=True)
    assert everything.source == fixed_path(fixture.path).read_text(encoding="utf-8")


def test_unsafe_fix_needs_unsafe_fixes_on_the_command_line(tmp_path):
    original = FIX_FIXTURES / "KMP301" / "main_guard.py"
    copy = tmp_path / "script.py"
    shutil.copyfile(original, copy)
    proc = run_cli("--isolated", "--fix", copy, cwd=tmp_path)
    assert proc.returncode == 1 and "KMP301" in proc.stdout, proc.stderr
    assert FIXABLE_SUFFIX[UNSAFE].strip() in proc.stdout
    assert copy.read_bytes() == original.read_bytes()
    proc = run_cli("--isolated", "--fix", "--unsafe-fixes", copy, cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout == "", proc.stdout + proc.stderr
    assert "Fixed 1 finding(s) in 1 file(s)." in proc.stderr


def test_fix_only_reports_nothing_and_exits_zero(tmp_path):
    original = FIX_FIXTURES / "KMP501" / "not_certain.py"
    copy = write(tmp_path / "loaders.py", original.read_text(encoding="utf-8"))
    proc = run_cli("--isolated", "--fix-only", copy, cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, ""), proc.stderr
    assert copy.read_bytes() == original.read_bytes()  # nothing there is certainly fixable
    proc = run_cli("--isolated", copy, cwd=tmp_path)
    assert proc.returncode == 1 and len(proc.stdout.splitlines()) == 3, proc.stdout


def test_json_fix_edits_rebuild_the_fixed_module(tmp_path):
    fixture = FIX_FIXTURES / "KMP305" / "move_to_constructor.py"
    proc = run_cli("--isolated", "--format=json", fixture, cwd=tmp_path)
    records = json.loads(proc.stdout)
    source = fixture.read_text(encoding="utf-8")
    with_fix = [r for r in records if r["fix"]]
    assert with_fix and any(r["fix"] is None for r in records)
    for record in with_fix:
        fix = record["fix"]
        assert fix["applicability"] == "safe" and fix["message"]
        assert record["message"].endswith(FIXABLE_SUFFIX["safe"])
        from pylint_keras_mp.fixes import Edit

        edits = [
            Edit(e["location"]["row"], e["end_location"]["row"], e["content"]) for e in fix["edits"]
        ]
        assert all(e["location"]["column"] == e["end_location"]["column"] == 1 for e in fix["edits"])
        compile(apply_edits(source, edits), "fixed.py", "exec")


def test_sarif_results_carry_fixes(tmp_path):
    from tests.test_sarif import SCHEMA_PATH

    fixture = FIX_FIXTURES / "KMP501" / "super_init_first.py"
    proc = run_cli("--isolated", "--format=sarif", fixture, cwd=FIXTURES.parent)
    results = json.loads(proc.stdout)["runs"][0]["results"]
    assert len(results) == 3 and all(len(r["fixes"]) == 1 for r in results)
    change = results[0]["fixes"][0]["artifactChanges"][0]
    assert change["artifactLocation"] == results[0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert change["replacements"][0]["insertedContent"]["text"].strip().startswith("def __init__")
    assert SCHEMA_PATH.name  # the log is validated with every fixture in test_sarif.py


def test_pylint_and_flake8_say_keras_mp_lint_can_fix_it():
    fixtures = [f for f in fixture_files() if f.path.parent.name == "KMP501"] + [
        f for f in FIX_LIST if f.path.parent.name in ("KMP501", "KMP201")
    ]
    pylint, flake8 = pylint_findings(fixtures), flake8_findings(fixtures)
    seen = Counter()
    for fixture in fixtures:
        engine = sorted(
            (f.line, f.col, f.code, f.text) for f in analyze_file(str(fixture.path), fixture.options)
        )
        assert sorted(pylint[fixture.path]) == engine
        assert sorted(flake8[fixture.path]) == engine
        for finding in analyze_file(str(fixture.path), fixture.options):
            suffix = FIXABLE_SUFFIX[finding.fix.applicability] if finding.fix else None
            seen[suffix] += 1
            if suffix:
                assert finding.message.endswith(suffix)
            else:
                assert "keras-mp-lint --fix" not in finding.message
    assert seen[FIXABLE_SUFFIX["safe"]] and seen[FIXABLE_SUFFIX[UNSAFE]] and seen[None]


# --- whole trees -----------------------------------------------------------------------------------

FIXED_CODES = {"KMP301", "KMP303", "KMP305", "KMP306", "KMP501", "KMP502"}


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.py"))}


def test_bundled_fixtures_fix_cleanly(tmp_path):
    """Every bundled fixture (per options group, as the fixture tests lint them): --diff writes
    nothing, --fix --unsafe-fixes leaves compiling files, no fixable finding, and every finding
    that had no fix exactly as before."""
    fixtures = [f for f in fixture_files() if FIXTURES in f.path.parents]
    for number, (_options, group) in enumerate(_group_by_options(fixtures).items()):
        root = tmp_path / f"group{number}"
        copies = []
        for fixture in group:
            copy = root / fixture.path.relative_to(FIXTURES)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(fixture.path, copy)
            copies.append((fixture, copy))
        flags = cli_flags(group[0])
        before = {copy: analyze_file(str(copy), fixture.options) for fixture, copy in copies}
        snapshot = _snapshot(root)
        proc = run_cli("--diff", "--unsafe-fixes", *flags, *[c for _, c in copies], cwd=root)
        assert "Traceback" not in proc.stderr, proc.stderr
        assert _snapshot(root) == snapshot, "--diff wrote a file"
        assert proc.returncode == (1 if any(f.fix for fs in before.values() for f in fs) else 0)
        proc = run_cli("--fix", "--unsafe-fixes", *flags, *[c for _, c in copies], cwd=root)
        assert "Traceback" not in proc.stderr, proc.stderr
        for fixture, copy in copies:
            text = copy.read_text(encoding="utf-8")
            compile(text, str(copy), "exec")
            after = analyze_file(str(copy), fixture.options)
            assert not [f for f in after if f.fix], fixture.id
            kept = sorted((f.code, f.message) for f in before[copy] if f.fix is None)
            assert sorted((f.code, f.message) for f in after) == kept, fixture.id


PROJECT = {
    "pyproject.toml": '[tool.keras-mp-lint]\nkeras-version = "3"\n',
    "train.py": '''\
"""Train the classifier (run as a script)."""
import os

import keras
import numpy as np

from augment import jitter

EPOCHS = 3
seen = []


class ImageBatches(keras.utils.PyDataset):
    def __init__(self, images, labels, batch_size=32):
        self.images = images
        self.labels = labels
        self.batch_size = batch_size

    def __len__(self):
        return len(self.images) // self.batch_size

    def __getitem__(self, index):
        seen.append(index)  # KMP101: lost in the workers
        start = index * self.batch_size
        batch = self.images[start : start + self.batch_size]
        return jitter(batch, 0.1), self.labels[start : start + self.batch_size]


model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(2)])
model.compile(optimizer="adam", loss="mse")
train_data = ImageBatches(np.zeros((256, 8)), np.zeros((256, 2)))
model.fit(train_data, epochs=EPOCHS, workers=os.cpu_count(), use_multiprocessing=True)
model.save("classifier.keras")
''',
    "augment.py": '''\
import numpy as np


def jitter(batch, amount):
    return batch + amount * np.ones_like(batch)
''',
    "evaluate.py": '''\
import keras
import numpy as np

from keras.utils import PyDataset


class Holdout(PyDataset):
    def __init__(self, x, **kwargs):
        super().__init__()
        self.x = x

    def __len__(self):
        return len(self.x)

    def __getitem__(self, index):
        return self.x[index : index + 1], self.x[index : index + 1]


class Shuffled(keras.utils.PyDataset):
    def __init__(self, x, **kwargs):
        super().__init__(**kwargs)
        self.x = x

    def __len__(self):
        return len(self.x)

    def __getitem__(self, index):
        self.x = self.x[::-1]  # KMP401
        return self.x[:1], self.x[:1]


def main():
    model = keras.models.load_model("classifier.keras")
    model.evaluate_generator(Holdout(np.zeros((16, 8))), workers=2, use_multiprocessing=True)
    model.predict(Shuffled(np.zeros((16, 8)), workers=-1))


if __name__ == "__main__":
    main()
''',
}


def test_a_project_fixes_cleanly(tmp_path):
    for name, text in PROJECT.items():
        write(tmp_path / name, text)
    before = run_cli("--format=json", ".", cwd=tmp_path)
    before_records = json.loads(before.stdout)
    codes = Counter(r["code"] for r in before_records)
    assert {"KMP303", "KMP305", "KMP306", "KMP501", "KMP502"} <= set(codes), codes
    snapshot = _snapshot(tmp_path)
    proc = run_cli("--diff", ".", cwd=tmp_path)
    assert proc.returncode == 1 and proc.stdout.count("+++ ") == 2, proc.stdout
    assert _snapshot(tmp_path) == snapshot
    # Safe fixes only: with its worker arguments on the loader, train.py's module-level fit now
    # starts processes at import time (KMP301), which only the unsafe fix moves.
    proc = run_cli("--fix", ".", cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert {r["code"] for r in json.loads(run_cli("--format=json", ".", cwd=tmp_path).stdout)} & FIXED_CODES == {
        "KMP301"
    }
    proc = run_cli("--fix", "--unsafe-fixes", ".", cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    after = json.loads(run_cli("--format=json", ".", cwd=tmp_path).stdout)
    assert not {r["code"] for r in after} & FIXED_CODES, after
    for path in tmp_path.rglob("*.py"):
        compile(path.read_text(encoding="utf-8"), str(path), "exec")
    others = lambda records: sorted(  # noqa: E731
        (r["path"], r["code"], r["message"]) for r in records if r["code"] not in FIXED_CODES
    )
    assert others(after) == others(before_records)


@pytest.mark.parametrize("code", sorted(RULES_BY_CODE))
def test_rule_page_says_whether_and_how_it_fixes(code):
    from tests.fixture_support import DOCS

    text = (DOCS / f"{code}.md").read_text(encoding="utf-8")
    section = text.split("\n## Automatic fix\n", 1)
    assert len(section) == 2, f"{code}.md lacks '## Automatic fix'"
    first_word = section[1].strip().split()[0].rstrip(":")
    declared = rule_fixes().get(code)
    expected = {None: ("None", "None."), "safe": ("Safe",), "unsafe": ("Unsafe",)}
    assert first_word in expected[declared.applicability if declared else None]


def test_every_fixable_bad_proof_is_run_fixed():
    from tests.fixture_support import PROOFS
    from tests.runtime.test_fixed_proofs import FIXED_PROOFS, proof_fixture

    fixable = set()
    for path in sorted(PROOFS.glob("KMP*_bad.py")):
        fixture = proof_fixture(path.name)
        if any(f.fix is not None for f in analyze_file(str(path), fixture.options)):
            fixable.add(path.name)
    assert fixable == set(FIXED_PROOFS)


def test_moving_worker_arguments_brings_the_forwarding_even_when_kmp501_is_not_selected(tmp_path):
    original = FIX_FIXTURES / "KMP305" / "with_kmp501.py"
    copy = tmp_path / "train.py"
    shutil.copyfile(original, copy)
    proc = run_cli("--isolated", "--keras-version=3", "--select=KMP305", "--fix", copy, cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    text = copy.read_text(encoding="utf-8")
    assert "def __init__(self, x, **kwargs):\n        super().__init__(**kwargs)\n" in text
    assert "Batches(np.ones((8, 4)), workers=2, use_multiprocessing=True)" in text
    assert "model.fit(data, epochs=1)\n" in text
    assert "model.predict_generator(data, workers=2, use_multiprocessing=True)" in text  # KMP306
    compile(text, str(copy), "exec")


def test_fix_leaves_suppressed_findings_alone(tmp_path):
    text = (FIX_FIXTURES / "KMP301" / "main_guard.py").read_text(encoding="utf-8")
    launch = "batches = model.predict(data, verbose=0)\n"
    assert launch in text
    copy = write(tmp_path / "script.py", text.replace(launch, launch[:-1] + "  # noqa: KMP301\n"))
    before = copy.read_bytes()
    proc = run_cli("--isolated", "--fix", "--unsafe-fixes", copy, cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout == "", proc.stdout + proc.stderr
    assert copy.read_bytes() == before


LOCK_LOADER = (
    "import threading\nimport keras\n\n\nclass Loader(keras.utils.PyDataset):\n"
    "    def __init__(self, **kwargs):\n        super().__init__(**kwargs)\n"
    "        self.lock = threading.Lock()\n\n    def __len__(self):\n        return 1\n\n"
    "    def __getitem__(self, index):\n        return index, index\n"
)
REMOVED_METHOD = (
    "# keras-mp-options: keras-version=3\nimport keras\n\n\ndef train(model, batches):\n"
    "    model.fit_generator(batches, epochs=2)\n"
)


@pytest.mark.parametrize(
    ("source", "code", "imports_libcst"), [(LOCK_LOADER, "KMP202", False), (REMOVED_METHOD, "KMP306", True)]
)
def test_a_fix_imports_libcst_only_when_it_uses_it(tmp_path, source, code, imports_libcst):
    """Each code's fix is imported on its own: a run whose fixable findings are KMP202's (no
    LibCST) does not pay LibCST's import (about a third of Ruff's whole run over Keras' source)."""
    import subprocess
    import sys

    path = tmp_path / "loader.py"
    path.write_text(source)
    probe = (
        "import json, sys\nfrom pylint_keras_mp.service import analyze_file\n"
        "from pylint_keras_mp.config import Options\n"
        f"found = analyze_file({str(path)!r}, Options())\n"
        "print(json.dumps([[f.code, f.fix is not None] for f in found]))\n"
        "print('libcst' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    found, imported = done.stdout.splitlines()
    assert [code, True] in json.loads(found)
    assert imported == str(imports_libcst)
