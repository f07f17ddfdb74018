#!/usr/bin/env python
"""How much the plugin adds to flake8 and pylint, and how the engine compares with ``ast.parse``.

    python benchmarks/overhead.py [--corpus keras|stdlib|both|none] [--repeat N] [--sample N]
                                  [--only flake8,pylint,engine] [--no-project] [--scale SIZES]
                                  [--json PATH]

Corpora (nothing is downloaded; both come with any machine that installed the test extras):

- ``keras``: the installed ``keras`` package's own source, every ``*.py`` under the package
  folder, located with ``importlib.util.find_spec`` (which does not import keras).
- ``stdlib``: ``sysconfig.get_paths()["stdlib"]`` without its top-level ``test/`` package and
  ``site-packages/`` (other folders' own test data, such as lib2to3's Python 2 files, stay in).

Every measurement is a subprocess, timed from the parent: wall time, CPU time (user + system, from
``os.wait4``, the number to trust on a shared machine) and peak resident memory of that process.
Variants of one comparison run interleaved (A B A B ...), ``--repeat`` times; the table shows
medians. The plugin's modules are byte-compiled first, as installing a package does (the runs
write no bytecode). Comparisons:

- flake8 ``-j1 --isolated``: defaults (``--select=E,F,W,C90``) with the plugin not registered at all
  (a runner filters it out of flake8's plugin discovery) versus ``--select=E,F,W,C90,KMP`` with the
  plugin. ``--select`` alone does not turn a flake8 plugin off: flake8 runs every registered AST
  plugin on every file and filters the codes when reporting, so the variant "registered but
  deselected" is measured too, to show that it costs the same as "on". On a shared machine a
  30-second run varies by seconds, more than the difference being measured; so each flake8 run
  also times its garbage collections and, with the plugin, the plugin's imports and calls (CPU),
  and the report says how much of flake8's time each part adds, medians of the runs.
- pylint ``-j1`` over a deterministic sample of ``--sample`` files (every k-th file of the sorted
  list): pylint's own parse cost (``--disable=all --enable=line-too-long``: ``--disable=all``
  alone makes pylint lint nothing at all) without and with the plugin loaded, only the plugin's
  messages (``--disable=all --enable=keras-mp``), and pylint's defaults without and with the
  plugin.
- the engine, single process: a loop of bare ``ast.parse`` over the files, a loop of
  ``analyze_file`` over the same files (all rules on), ``keras-mp-lint --jobs 1`` and
  ``--jobs 0`` (every core), and ``ruff check`` with its default rules on the same files, on one
  thread (``RAYON_NUM_THREADS=1``, ``--no-cache --isolated``; ruff is in the test extra).

``--scale 5000,10000,20000`` adds the scale table: for each size, a generated project of that
many files (copies of the standard library, hard-linked where possible, with the fixture
projects mixed into every copy, under one ``pyproject.toml``) linted by ``keras-mp-lint --jobs 1``
and ``--jobs 0``: time and peak memory against file count. ``--corpus none --scale ...`` runs the
scale table alone.

``--fix-scale`` adds the fix scale table: one generated file per size, linted alone (a folder
with a ``pyproject.toml``), by the engine without fixes (``analyze_file(..., fixes=False)``),
with them (``fixes=True``), and by ``keras-mp-lint --diff --unsafe-fixes``: a loader with
100 to 5,000 lambda attributes in one ``__init__`` (as many KMP201 findings), and a script whose
module-level ``predict`` (KMP301, its fix moves the rest under the main guard) is followed by
2,000 to 40,000 lines. CPU time per finding or per line should stay flat as the size grows.

The project mode is the headline (``--project``, the default): the installed corpora hold no
project file, so each of their folders would be a project of its own (a folder of scripts); the
corpus is copied under a folder with a ``pyproject.toml``, so that the whole corpus is one project
and its absolute imports (``from keras.src import ops``) resolve to its own files, as when users
and pre-commit run the linter from a project's root. ``--no-project`` lints the installed folders.

``keras-mp-lint`` runs cold (``--no-cache``) and warm: the same command with a results cache
filled by one unmeasured run before (``--cache-dir`` in the work folder), as a second run over an
unchanged project is. The language server's latency is measured by
``benchmarks/server_latency.py``.

Results go to ``benchmarks/results/overhead-<corpus>-<date>.json`` unless ``--json`` names a file.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
PLUGIN_DIST = "pylint-keras-mp"
# A finding of the plugin in any front end's output: "KMP201 ..." or pylint's ": E7201:".
PLUGIN_LINE = re.compile(r"\bKMP\d{3}\b|: [EWF]7\d{3}: ")

# Runs flake8 with the plugin registered ("on") or filtered out of plugin discovery ("off"); both
# variants go through this runner so that they pay the same start-up.
#
# Both also time the interpreter's garbage collections (gc.callbacks), and "on" the plugin's own
# calls (its checker's ``run``) and the import of its modules that flake8 loads, and say so on
# stderr as ``kmp-bench-split: plugin=S gc=S`` (CPU seconds): the whole-run difference is noisy
# on a shared machine (a run varies by seconds), these parts are not, and they say where the
# difference goes.
FLAKE8_RUNNER = r"""
import atexit, gc, sys, time
from flake8.plugins import finder
_discover = finder._find_importlib_plugins
def _without_keras_mp():
    for plugin in _discover():
        if plugin.package != %r:
            yield plugin
_spent = {"plugin": 0.0, "gc": 0.0}
_started = [0.0]
def _collection(phase, info):
    if phase == "start":
        _started[0] = time.process_time()
    else:
        _spent["gc"] += time.process_time() - _started[0]
gc.callbacks.append(_collection)
if sys.argv[1] == "off":
    finder._find_importlib_plugins = _without_keras_mp
else:
    _start = time.process_time()
    from pylint_keras_mp import flake8_formatter, flake8_plugin  # what flake8 loads of it
    _spent["plugin"] += time.process_time() - _start
    _run = flake8_plugin.KerasMPFlake8Checker.run
    def _timed_run(self):
        start = time.process_time()
        try:
            return list(_run(self))
        finally:
            _spent["plugin"] += time.process_time() - start
    flake8_plugin.KerasMPFlake8Checker.run = _timed_run
atexit.register(
    lambda: print("kmp-bench-split: plugin=%%.3f gc=%%.3f" %% (_spent["plugin"], _spent["gc"]), file=sys.stderr)
)
from flake8.main.cli import main
sys.exit(main(sys.argv[2:]))
""" % PLUGIN_DIST
SPLIT_LINE = re.compile(r"^kmp-bench-split: plugin=([\d.]+) gc=([\d.]+)$", re.MULTILINE)

PARSE_LOOP = r"""
import ast, sys, time
paths = open(sys.argv[1], encoding="utf-8").read().splitlines()
start = time.perf_counter()
failed = 0
for path in paths:
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        ast.parse(data, filename=path)
    except (SyntaxError, ValueError):
        failed += 1
print("files", len(paths), "unparsable", failed, "seconds", time.perf_counter() - start)
"""

ENGINE_LOOP = r"""
import sys, time
from pylint_keras_mp.service import analyze_file
paths = open(sys.argv[1], encoding="utf-8").read().splitlines()
start = time.perf_counter()
found = 0
for path in paths:
    for finding in analyze_file(path):
        found += 1
        print(path, finding.line, finding.code)
print("files", len(paths), "findings", found, "seconds", time.perf_counter() - start)
"""


# --------------------------------------------------------------------------------- corpora
def keras_root() -> Path:
    """The installed keras package folder, found without importing keras."""
    spec = importlib.util.find_spec("keras")
    if spec is not None and spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0])
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        dist = distribution("keras")
    except PackageNotFoundError:
        raise SystemExit("keras is not installed: pip install -e '.[test]'") from None
    for entry in dist.files or ():
        if entry.parts and entry.parts[-1] == "__init__.py" and entry.parts[0] == "keras":
            return Path(dist.locate_file(entry)).parent
    raise SystemExit("cannot locate the keras package folder")


def python_files(root: Path, skip_top: tuple[str, ...] = ()) -> list[str]:
    files = []
    for folder, dirs, names in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(
            d for d in dirs if d != "__pycache__" and not (here == root and d in skip_top)
        )
        files.extend(str(here / name) for name in sorted(names) if name.endswith(".py"))
    return sorted(files)


def corpus_files(name: str) -> tuple[Path, list[str]]:
    if name == "keras":
        root = keras_root()
        return root, python_files(root)
    root = Path(sysconfig.get_paths()["stdlib"])
    return root, python_files(root, skip_top=("test", "site-packages"))


def as_project(root: Path, files: list[str], target: Path) -> tuple[Path, list[str]]:
    """A copy of the corpus under ``target``, which holds a ``pyproject.toml``: one project."""
    copy = target / root.name
    for path in files:
        destination = copy / Path(path).relative_to(root)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
    (target / "pyproject.toml").write_text('[project]\nname = "corpus"\n', encoding="utf-8")
    return copy, [str(copy / Path(path).relative_to(root)) for path in files]


def scale_tree(target: Path, size: int) -> Path:
    """A project of ``size`` files under ``target``: copies of the standard library (hard links
    where the file system allows), each with the fixture projects mixed in, under one
    ``pyproject.toml``, so that the project analysis covers the whole tree."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    library = [Path(path) for path in python_files(stdlib, skip_top=("site-packages",))]
    extra = sorted((ROOT / "fixtures" / "projects").rglob("*.py"))
    target.mkdir(parents=True, exist_ok=True)
    (target / "pyproject.toml").write_text('[project]\nname = "scale"\n', encoding="utf-8")
    made, copy = 0, 0
    while made < size:
        folder = target / f"copy{copy:02d}"
        sources = [(path, folder / path.relative_to(ROOT / "fixtures")) for path in extra]
        sources += [(path, folder / "lib" / path.relative_to(stdlib)) for path in library]
        for source, destination in sources:
            if made >= size:
                break
            destination.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(source, destination)
            except OSError:
                shutil.copyfile(source, destination)
            made += 1
        copy += 1
    return target


def stride_sample(files: list[str], size: int) -> list[str]:
    """``size`` files spread evenly over the sorted list (deterministic, no randomness)."""
    if size <= 0 or size >= len(files):
        return list(files)
    return [files[(index * len(files)) // size] for index in range(size)]


# --------------------------------------------------------------------------------- measuring
@dataclass
class Run:
    wall: float
    cpu: float
    maxrss_kb: int
    returncode: int
    output_lines: int
    plugin_lines: int
    # flake8 runs (FLAKE8_RUNNER): CPU seconds in the plugin's imports and calls, and in garbage
    # collections
    plugin_cpu: float | None = None
    gc_cpu: float | None = None


def _zero_ok(code: int) -> bool:
    return code == 0


def _flake8_ok(code: int) -> bool:
    return code in (0, 1)


def _pylint_ok(code: int) -> bool:
    return code >= 0 and not code & (1 | 32)  # 1: fatal message, 32: usage error


@dataclass
class Variant:
    name: str
    command: list[str]
    accept: Callable[[int], bool] = _zero_ok  # is this return code a successful run?
    runs: list[Run] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)  # on top of the common environment
    prime: bool = False  # run once, unmeasured, before the measured runs (a warm cache)

    def median(self, attr: str) -> float:
        return statistics.median(getattr(run, attr) for run in self.runs)


def run_once(
    command: list[str],
    workdir: Path,
    accept: Callable[[int], bool] = _zero_ok,
    env: dict[str, str] | None = None,
) -> Run:
    """Run ``command``; wall time here, CPU time and peak RSS of that child from wait4."""
    out_path, err_path = workdir / "stdout.txt", workdir / "stderr.txt"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            command, stdout=out, stderr=err, cwd=workdir, env={**_env(), **(env or {})}
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = err_path.read_text(errors="replace")
    if "Traceback" in stderr or not accept(proc.returncode):
        shown = " ".join(_short_command(command).split()[:12])
        raise SystemExit(f"command failed ({proc.returncode}): {shown}\n{stderr[-3000:]}")
    # counted line by line: reading a large output whole (flake8's on the standard library)
    # would grow this process, and a child's peak memory (wait4's ru_maxrss) counts the memory
    # it starts with, before it executes the command
    output_lines = plugin = 0
    with open(out_path, encoding="utf-8", errors="replace") as output:
        for line in output:
            output_lines += 1
            plugin += PLUGIN_LINE.search(line) is not None
    split = SPLIT_LINE.search(stderr)
    return Run(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        maxrss_kb=usage.ru_maxrss,  # kilobytes on Linux
        returncode=proc.returncode,
        output_lines=output_lines,
        plugin_lines=plugin,
        plugin_cpu=float(split[1]) if split else None,
        gc_cpu=float(split[2]) if split else None,
    )


def _compile_plugin() -> None:
    """Byte-compile the plugin's modules, as installing a package does: the runs set
    PYTHONDONTWRITEBYTECODE, and a checkout that has never been imported would otherwise compile
    its source again in every measured process."""
    import compileall

    spec = importlib.util.find_spec("pylint_keras_mp")
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            compileall.compile_dir(folder, quiet=1)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("PYTHONWARNINGS", "PYTHONPROFILEIMPORTTIME", "PYTHONDEVMODE"):
        env.pop(name, None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def measure(variants: list[Variant], repeat: int, workdir: Path, label: str) -> None:
    for variant in variants:
        if variant.prime:
            run_once(variant.command, workdir, variant.accept, variant.env)
    for round_number in range(repeat):
        for variant in variants:
            run = run_once(variant.command, workdir, variant.accept, variant.env)
            variant.runs.append(run)
            print(
                f"  [{label} {round_number + 1}/{repeat}] {variant.name}: {run.wall:.2f}s wall, "
                f"{run.cpu:.2f}s cpu, {run.maxrss_kb / 1024:.0f} MB",
                flush=True,
            )


# --------------------------------------------------------------------------------- comparisons
def flake8_variants(files: list[str], runner: Path) -> list[Variant]:
    def flake8(mode: str, select: str) -> list[str]:
        return [
            sys.executable,
            str(runner),
            mode,
            "--isolated",
            "-j1",
            f"--select={select}",
            *files,
        ]

    return [
        Variant("flake8, plugin not registered", flake8("off", "E,F,W,C90"), _flake8_ok),
        Variant(
            "flake8 + plugin (--select=E,F,W,C90,KMP)", flake8("on", "E,F,W,C90,KMP"), _flake8_ok
        ),
        Variant(
            "flake8, plugin registered, --select=E,F,W,C90", flake8("on", "E,F,W,C90"), _flake8_ok
        ),
    ]


def pylint_variants(files: list[str], rcfile: Path) -> list[Variant]:
    def pylint(*flags: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "pylint",
            f"--rcfile={rcfile}",
            "--persistent=n",
            "--score=n",
            "-j1",
            *flags,
            *files,
        ]

    plugin = "--load-plugins=pylint_keras_mp"
    # pylint --disable=all alone lints nothing ("No files to lint: exiting."), so the baseline for
    # "pylint's own parse cost" enables one cheap token-based message: astroid still builds every
    # module, and no checker that infers runs.
    parse_only = ("--disable=all", "--enable=line-too-long")
    return [
        Variant("pylint parse only (line-too-long)", pylint(*parse_only), _pylint_ok),
        Variant("pylint parse only, plugin loaded", pylint(plugin, *parse_only), _pylint_ok),
        Variant(
            "pylint --disable=all --enable=keras-mp",
            pylint(plugin, "--disable=all", "--enable=keras-mp"),
            _pylint_ok,
        ),
        Variant("pylint defaults", pylint(), _pylint_ok),
        Variant("pylint defaults + plugin", pylint(plugin), _pylint_ok),
    ]


def ruff_command() -> list[str] | None:
    """``ruff check`` with its default rules, no cache, no configuration (ruff is in the test
    extra); None when it is not installed."""
    here = Path(sys.executable).parent / "ruff"
    ruff = str(here) if here.exists() else shutil.which("ruff")
    if ruff is None:
        return None
    return [ruff, "check", "--no-cache", "--isolated", "--exit-zero", "--quiet"]


def engine_variants(file_list: Path, files: list[str], cache: Path) -> list[Variant]:
    py = sys.executable
    variants = [
        Variant("ast.parse loop", [py, "-c", PARSE_LOOP, str(file_list)]),
        Variant("engine analyze_file loop", [py, "-c", ENGINE_LOOP, str(file_list)]),
    ]
    if importlib.util.find_spec("pylint_keras_mp.cli") is not None:
        lint = [py, "-m", "pylint_keras_mp", "--isolated", "--exit-zero", "--quiet"]
        cold = [*lint, "--no-cache"]
        variants.append(Variant("keras-mp-lint --jobs 1", [*cold, "--jobs", "1", *files]))
        variants.append(Variant("keras-mp-lint --jobs 0", [*cold, "--jobs", "0", *files]))
        # the same command again over the unchanged files: answered from its results cache
        warm = [*lint, "--cache-dir", str(cache), "--jobs", "1", *files]
        variants.append(Variant("keras-mp-lint --jobs 1, warm cache", warm, prime=True))
    ruff = ruff_command()
    if ruff is not None:
        # one thread, like keras-mp-lint --jobs 1
        variants.append(
            Variant("ruff check (one thread)", [*ruff, *files], env={"RAYON_NUM_THREADS": "1"})
        )
    return variants


def overhead(variant: Variant, baseline: Variant, attr: str) -> float:
    return variant.median(attr) / baseline.median(attr) - 1.0


# --------------------------------------------------------------------------------- report
def machine() -> dict[str, object]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import version

    versions = {}
    for dist in ("pylint", "astroid", "flake8", "pycodestyle", "pyflakes", "keras", PLUGIN_DIST):
        try:
            versions[dist] = version(dist)
        except Exception:
            versions[dist] = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "versions": versions,
    }


def table(groups: list[dict]) -> str:
    header = (
        f"{'corpus':7} {'variant':48} {'files':>5} {'wall s':>8} {'cpu s':>8} {'cpu +%':>7} "
        f"{'wall +%':>7} {'peak MB':>8} {'mem +%':>7} {'out':>6}"
    )
    lines = [header, "-" * len(header)]
    # A child's peak (wait4's ru_maxrss) starts from this process's own peak when it forks: a row
    # at or below that is a floor, not a measurement, and is marked.
    floor_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    floored = False
    for group in groups:
        for row in group["rows"]:

            def pct(key):
                value = row.get(key)
                return f"{value * 100:+6.1f}%" if value is not None else f"{'':>7}"

            lines.append(
                f"{group['corpus']:7} {row['variant']:48} {group['files']:>5} {row['wall']:8.2f} "
                f"{row['cpu']:8.2f} {pct('cpu_overhead')} {pct('wall_overhead')} "
                f"{row['peak_mb']:8.1f} {pct('memory_overhead')} {row['plugin_lines']:>6}"
            )
            if row["peak_mb"] <= floor_mb * 1.02:
                lines[-1] += "  (peak: floor)"
                floored = True
        lines.append("")
    if floored:
        lines.append(
            f"(peak: floor): at or below this process's own peak, {floor_mb:.1f} MB, which a "
            "child's peak counts from; not a measurement"
        )
    return "\n".join(lines)


def summarise(
    corpus: str, kind: str, files: list[str], variants: list[Variant], baselines: dict[str, str]
) -> dict:
    by_name = {variant.name: variant for variant in variants}
    rows = []
    for variant in variants:
        base = by_name.get(baselines.get(variant.name, ""))
        row = {
            "variant": variant.name,
            "wall": variant.median("wall"),
            "cpu": variant.median("cpu"),
            "peak_mb": variant.median("maxrss_kb") / 1024,
            "plugin_lines": variant.runs[-1].plugin_lines,
            "output_lines": variant.runs[-1].output_lines,
            "returncode": variant.runs[-1].returncode,
            "baseline": base.name if base else None,
            "runs": [asdict(run) for run in variant.runs],
            "command": _short_command(variant.command),
        }
        if all(run.gc_cpu is not None for run in variant.runs):
            row["plugin_cpu"] = variant.median("plugin_cpu")
            row["gc_cpu"] = variant.median("gc_cpu")
        if base is not None:
            row["cpu_overhead"] = overhead(variant, base, "cpu")
            row["wall_overhead"] = overhead(variant, base, "wall")
            row["memory_overhead"] = overhead(variant, base, "maxrss_kb")
            row["cpu_ratio"] = variant.median("cpu") / base.median("cpu")
            row["wall_ratio"] = variant.median("wall") / base.median("wall")
        rows.append(row)
    return {"corpus": corpus, "kind": kind, "files": len(files), "rows": rows}


def _short_command(command: list[str]) -> str:
    shown = []
    for part in command:
        if part.endswith(".py") and os.path.isabs(part):
            shown.append("<files>")
            continue
        shown.append("<script>" if "\n" in part else part)
    collapsed: list[str] = []
    for part in shown:
        if part == "<files>" and collapsed and collapsed[-1] == "<files>":
            continue
        collapsed.append(part)
    return " ".join(collapsed)


def targets(groups: list[dict]) -> list[str]:
    """The issue's targets, checked against the medians (CPU time; memory from peak RSS)."""
    verdicts = []

    def row(corpus, variant):
        for group in groups:
            if group["corpus"] == corpus:
                for item in group["rows"]:
                    if item["variant"] == variant:
                        return item
        return None

    for corpus, limit in (("stdlib", 0.02), ("keras", 0.05)):
        item = row(corpus, "flake8 + plugin (--select=E,F,W,C90,KMP)")
        if item:
            ok = item["cpu_overhead"] <= limit
            verdicts.append(
                f"flake8 overhead on {corpus}: {item['cpu_overhead'] * 100:+.1f}% cpu "
                f"({item['wall_overhead'] * 100:+.1f}% wall), target <= {limit * 100:.0f}%: "
                f"{'met' if ok else 'MISSED'}"
            )
            base = row(corpus, "flake8, plugin not registered")
            if "gc_cpu" in item and base and "gc_cpu" in base:
                # the parts of the difference that a shared machine's noise does not blur
                unit = base["cpu"] / 100
                collections = item["gc_cpu"] - base["gc_cpu"]
                verdicts.append(
                    f"flake8 on {corpus}, where the difference goes (medians): the plugin's own "
                    f"imports and calls {item['plugin_cpu']:.2f} s ({item['plugin_cpu'] / unit:+.1f}%), "
                    f"flake8's garbage collections {collections:+.2f} s "
                    f"({collections / unit:+.1f}%); together "
                    f"{(item['plugin_cpu'] + collections) / unit:+.1f}% of flake8's time "
                    f"without the plugin"
                )
            verdicts.append(
                f"flake8 peak memory on {corpus}: {item['memory_overhead'] * 100:+.1f}%, "
                "target <= 10%: "
                f"{'met' if item['memory_overhead'] <= 0.10 else 'MISSED'}"
            )
    for corpus in ("keras", "stdlib"):
        item = row(corpus, "pylint defaults + plugin")
        if item:
            verdicts.append(
                f"pylint overhead on {corpus} (sample): {item['cpu_overhead'] * 100:+.1f}% cpu "
                f"({item['wall_overhead'] * 100:+.1f}% wall), target <= 5%: "
                f"{'met' if item['cpu_overhead'] <= 0.05 else 'MISSED'}"
            )
            verdicts.append(
                f"pylint peak memory on {corpus}: {item['memory_overhead'] * 100:+.1f}%, "
                "target <= 10%: "
                f"{'met' if item['memory_overhead'] <= 0.10 else 'MISSED'}"
            )
    for corpus in ("keras", "stdlib"):
        for variant in ("engine analyze_file loop", "keras-mp-lint --jobs 1"):
            item = row(corpus, variant)
            if item:
                verdicts.append(
                    f"{variant} on {corpus}: {item['cpu_ratio']:.2f}x bare ast.parse (cpu), "
                    f"{item['wall_ratio']:.2f}x wall, target <= 2x: "
                    f"{'met' if item['cpu_ratio'] <= 2 else 'MISSED'}"
                )
        ruff = row(corpus, "ruff check (one thread)")
        for variant, limit in (("keras-mp-lint --jobs 1", 1.0), ("keras-mp-lint --jobs 1, warm cache", 0.3)):
            ours = row(corpus, variant)
            if ours and ruff:
                ratio = ours["cpu"] / ruff["cpu"]
                verdicts.append(
                    f"{variant} on {corpus}: {ratio:.2f}x ruff check (cpu, one thread), "
                    f"{ours['wall'] / ruff['wall']:.2f}x wall, target <= {limit}x: "
                    f"{'met' if ratio <= limit else 'MISSED'}"
                )
    scale = {
        group["files"]: row
        for group in groups
        if group["kind"] == "scale"
        for row in group["rows"]
        if row["variant"] == "keras-mp-lint --jobs 1"
    }
    if len(scale) >= 2:
        small, large = min(scale), max(scale)
        linear = scale[small]["cpu"] * large / small
        drift = scale[large]["cpu"] / linear - 1
        verdicts.append(
            f"scale, --jobs 1: {large} files in {scale[large]['cpu']:.2f}s cpu, {drift * 100:+.1f}% "
            f"from linear (from {small} files), target at most 10% above linear (below is the "
            f"start-up cost spread over more files): {'met' if drift <= 0.10 else 'MISSED'}"
        )
        peak = scale[large]["peak_mb"]
        verdicts.append(
            f"scale, --jobs 1: peak memory {peak:.0f} MB at {large} files, target < 200 MB: "
            f"{'met' if peak < 200 else 'MISSED'}"
        )
    return verdicts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus", choices=("keras", "stdlib", "both", "none"), default="both"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per variant (default 3)")
    parser.add_argument(
        "--sample",
        type=int,
        default=100,
        help="files per corpus for the pylint runs (every k-th file; 0 = all; default 100)",
    )
    parser.add_argument(
        "--only",
        default="flake8,pylint,engine",
        help="comma separated subset of flake8,pylint,engine (default: all three)",
    )
    parser.add_argument(
        "--project",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="copy each corpus under a pyproject.toml, so that it is linted as one project, as "
        "users and pre-commit run it from a project's root (the default; --no-project lints the "
        "installed folders, which hold no project file)",
    )
    parser.add_argument(
        "--scale",
        metavar="SIZES",
        default="",
        help="also lint generated trees of these many files (comma separated, e.g. "
        "5000,10000,20000): copies of the standard library with the fixture projects mixed in",
    )
    parser.add_argument(
        "--fix-scale",
        action="store_true",
        help="also measure fix generation against findings per file and script length",
    )
    parser.add_argument("--json", metavar="PATH", help="write the results here")
    args = parser.parse_args(argv)
    only = {item.strip() for item in args.only.split(",") if item.strip()}
    corpora = ("keras", "stdlib") if args.corpus == "both" else (args.corpus,)
    if args.corpus == "none":
        corpora = ()

    info = machine()
    print(f"machine: {info['cpu']}, {info['cores']} cores, Python {info['python']}")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()))

    groups: list[dict] = []
    corpus_info: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="kmp-bench-") as tmp:
        workdir = Path(tmp)
        runner = workdir / "flake8_runner.py"
        runner.write_text(FLAKE8_RUNNER, encoding="utf-8")
        rcfile = workdir / "empty.pylintrc"
        rcfile.write_text("", encoding="utf-8")
        _check_flake8_runner(runner, workdir)
        _compile_plugin()
        for corpus in corpora:
            root, files = corpus_files(corpus)
            if args.project:
                root, files = as_project(root, files, workdir / "project" / corpus)
            size = sum(os.path.getsize(path) for path in files)
            sample = stride_sample(files, args.sample)
            corpus_info[corpus] = {
                "root": str(root),
                "files": len(files),
                "bytes": size,
                "pylint_sample": len(sample),
                "pylint_sample_rule": (
                    f"files[i * {len(files)} // {len(sample)}] for i in range({len(sample)})"
                ),
                "excluded": ["test/", "site-packages/"] if corpus == "stdlib" else [],
            }
            print(f"\ncorpus {corpus}: {root} ({len(files)} files, {size / 1e6:.1f} MB)")
            file_list = workdir / f"{corpus}-files.txt"
            file_list.write_text("\n".join(files), encoding="utf-8")
            for path in files:  # warm the page cache so the first variant is not penalised
                with open(path, "rb") as handle:
                    handle.read()
            if "engine" in only:
                variants = engine_variants(file_list, files, workdir / f"{corpus}-cache")
                measure(variants, args.repeat, workdir, f"{corpus} engine")
                baselines = {v.name: "ast.parse loop" for v in variants[1:]}
                groups.append(summarise(corpus, "engine", files, variants, baselines))
            if "flake8" in only:
                variants = flake8_variants(files, runner)
                measure(variants, args.repeat, workdir, f"{corpus} flake8")
                base = variants[0].name
                groups.append(
                    summarise(
                        corpus, "flake8", files, variants, {v.name: base for v in variants[1:]}
                    )
                )
            if "pylint" in only:
                variants = pylint_variants(sample, rcfile)
                measure(variants, args.repeat, workdir, f"{corpus} pylint")
                baselines = {
                    variants[1].name: variants[0].name,
                    variants[2].name: variants[0].name,
                    variants[4].name: variants[3].name,
                }
                groups.append(summarise(corpus, "pylint", sample, variants, baselines))
            print()
            print(table([g for g in groups if g["corpus"] == corpus]))

        for size in [int(item) for item in args.scale.split(",") if item.strip()]:
            tree = scale_tree(workdir / f"scale-{size}", size)
            print(f"\nscale: {size} files under {tree}")
            lint = [
                sys.executable, "-m", "pylint_keras_mp", "--isolated", "--exit-zero", "--quiet",
                "--no-cache",
            ]
            variants = [
                Variant("keras-mp-lint --jobs 1", [*lint, "--jobs", "1", str(tree)]),
                Variant("keras-mp-lint --jobs 0", [*lint, "--jobs", "0", str(tree)]),
            ]
            measure(variants, args.repeat, workdir, f"scale {size}")
            groups.append(summarise("scale", "scale", ["."] * size, variants, {}))
            shutil.rmtree(tree, ignore_errors=True)

        fix_rows = fix_scale(workdir, args.repeat) if args.fix_scale else []

    if groups:
        print("\n" + table(groups))
    if fix_rows:
        print("\n" + fix_scale_table(fix_rows))
    verdicts = targets(groups)
    print("\n".join(verdicts))
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": info,
        "repeat": args.repeat,
        "corpora": corpus_info,
        "groups": groups,
        "fix_scale": fix_rows,
        "targets": verdicts,
        "metric": "median of the runs; overheads from CPU time (user+sys of the child, os.wait4)",
    }
    out = (
        Path(args.json)
        if args.json
        else RESULTS / (f"overhead-{args.corpus}-{time.strftime('%Y%m%d-%H%M%S')}.json")
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"\nwrote {out}")
    return 0


FINDINGS_PER_FILE = (100, 500, 1000, 2000, 5000)
SCRIPT_LINES = (2000, 5000, 10000, 20000, 40000)
_MAIN_GUARD_HEAD = """\
import keras
import numpy as np


class Batches(keras.utils.PyDataset):
    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        return np.full((1, 4), index, dtype="float32")


model = keras.Sequential([keras.Input((4,)), keras.layers.Identity()])
batches = model.predict(Batches(4, workers=2, use_multiprocessing=True), verbose=0)
"""
_ENGINE_RUN = (
    "import sys\nfrom pylint_keras_mp.service import analyze_file\n"
    "found = analyze_file(sys.argv[1], fixes=sys.argv[2] == 'fixes')\n"
    "assert found and not [f for f in found if f.code in ('KMP900', 'KMP901')], found[:3]\n"
    "print(len(found), sum(f.fix is not None for f in found))\n"
)


def lambda_loader(findings: int) -> str:
    """A loader whose ``__init__`` stores ``findings`` lambdas (KMP201 each, each fixable)."""
    lines = "".join(f"        self.f{i} = lambda batch: batch + {i}\n" for i in range(findings))
    return (
        "import keras\n\n\nclass Frames(keras.utils.PyDataset):\n"
        "    def __init__(self, **kwargs):\n        super().__init__(**kwargs)\n" + lines
    )


def long_script(lines: int) -> str:
    """A module-level launch (KMP301) followed by ``lines`` lines of the run."""
    return _MAIN_GUARD_HEAD + "".join(f"row_{i} = batches[{i % 4}] * {i}\n" for i in range(lines))


def fix_scale(workdir: Path, repeat: int) -> list[dict]:
    rows = []
    cases = [("findings", n, lambda_loader(n)) for n in FINDINGS_PER_FILE]
    cases += [("script lines", n, long_script(n)) for n in SCRIPT_LINES]
    for kind, size, text in cases:
        folder = workdir / f"fix-scale-{kind.replace(' ', '-')}-{size}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "pyproject.toml").write_text("", encoding="utf-8")
        path = folder / "module.py"
        path.write_text(text, encoding="utf-8")
        engine = [sys.executable, "-c", _ENGINE_RUN, str(path)]
        cli = [sys.executable, "-m", "pylint_keras_mp", "--isolated", "--diff", "--unsafe-fixes"]
        variants = [
            Variant("no fixes", [*engine, "lint"]),
            Variant("with fixes", [*engine, "fixes"]),
            Variant("--diff", [*cli, str(path)], accept=lambda code: code in (0, 1)),
        ]
        print(f"\nfix scale: {kind} {size}")
        measure(variants, repeat, folder, f"{kind} {size}")
        row = {"kind": kind, "size": size}
        for variant in variants:
            row[variant.name] = {
                "cpu": variant.median("cpu"),
                "maxrss_mb": variant.median("maxrss_kb") / 1024,
            }
        rows.append(row)
        shutil.rmtree(folder, ignore_errors=True)
    return rows


def fix_scale_table(rows: list[dict]) -> str:
    """CPU seconds (and ms per finding or per 1,000 lines) and peak memory per size."""
    names = ("no fixes", "with fixes", "--diff")
    header = "| case | size | " + " | ".join(f"{n}: cpu s (per unit ms) / MB" for n in names) + " |"
    lines = [header, "|" + " --- |" * (2 + len(names))]
    for row in rows:
        unit = row["size"] if row["kind"] == "findings" else row["size"] / 1000
        cells = [
            f"{row[n]['cpu']:.2f} ({1000 * row[n]['cpu'] / unit:.1f}) / {row[n]['maxrss_mb']:.0f}"
            for n in names
        ]
        lines.append(f"| {row['kind']} | {row['size']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _check_flake8_runner(runner: Path, workdir: Path) -> None:
    """The "off" variant must really not register the plugin, and "on" must."""

    def plugins(mode):
        proc = subprocess.run(
            [sys.executable, str(runner), mode, "--version"],
            capture_output=True,
            text=True,
            cwd=workdir,
            env=_env(),
            check=True,
        )
        return proc.stdout

    on, off = plugins("on"), plugins("off")
    if PLUGIN_DIST not in on or PLUGIN_DIST in off:
        raise SystemExit(f"flake8 runner check failed:\non: {on}\noff: {off}")


if __name__ == "__main__":
    sys.exit(main())
