"""Where a cold ``keras-mp-lint --jobs 1 --no-cache`` run over one project spends its CPU time.

Usage: python benchmarks/cold_breakdown.py PROJECT_ROOT [--repeat N]

Runs the command line in this process with timers around its parts (the linter's imports; the
project scan; CPython's ``ast.parse`` wherever the run calls it; the rules; the rest) and, in a
second process each, ``ruff check`` (one thread, no cache) and a bare ``ast.parse`` loop over the
same files, so that the parts can be read against Ruff's whole run. Medians of ``--repeat`` runs.
The parse time is the floor the analysis cannot go under without parsing fewer modules: the
modules that can hold or feed a finding must be parsed, each once. The interpreter's own start is
measured as ``python -c pass``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROBE = r"""
import ast, json, os, sys, time
start = time.process_time()
from pylint_keras_mp import cli, engine
from pylint_keras_mp.project import index
imports = time.process_time() - start
parts = {"parse": 0.0, "scan": 0.0, "rules": 0.0}
parsed = []
real_parse = ast.parse

def timed_parse(source, filename="<unknown>", *args, **kwargs):
    begin = time.process_time()
    try:
        return real_parse(source, filename, *args, **kwargs)
    finally:
        parts["parse"] += time.process_time() - begin
        parsed.append(os.path.abspath(str(filename)))

def outermost(owner, name, part):
    real = getattr(owner, name)
    depth = [0]
    def wrapper(*args, **kwargs):
        if depth[0]:
            return real(*args, **kwargs)
        depth[0] += 1
        begin = time.process_time()
        try:
            return real(*args, **kwargs)
        finally:
            parts[part] += time.process_time() - begin
            depth[0] -= 1
    setattr(owner, name, wrapper)

ast.parse = timed_parse
outermost(index.ProjectIndex, "scan", "scan")
outermost(engine, "_run_rules", "rules")
begin = time.process_time()
with open(os.devnull, "w") as sink:
    stdout, sys.stdout = sys.stdout, sink
    try:
        cli.main(["--jobs", "1", "--no-cache", "--quiet", "."])
    finally:
        sys.stdout = stdout
run = time.process_time() - begin
print(json.dumps({"imports": imports, "run": run, **parts,
                  "parses": len(parsed), "modules": len(set(parsed))}))
"""

PARSE_LOOP = r"""
import ast, sys, time
from pathlib import Path
files = [p for p in Path(".").rglob("*.py") if ".keras_mp_lint_cache" not in p.parts]
begin = time.process_time()
for path in files:
    try:
        ast.parse(path.read_bytes())
    except (SyntaxError, ValueError):
        pass
print(time.process_time() - begin, len(files))
"""


def cpu_of(command: list[str], cwd: Path, env: dict | None = None) -> float:
    before = os.times()
    subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = os.times()
    return (after.children_user - before.children_user) + (after.children_system - before.children_system)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    root = args.root.resolve()
    ruff = Path(sys.executable).with_name("ruff")
    ruff_command = [str(ruff) if ruff.exists() else (shutil.which("ruff") or "ruff"), "check",
                    "--no-cache", "--isolated", "--exit-zero", "--quiet", "."]
    samples: dict[str, list[float]] = {}
    counts = {}
    for _ in range(args.repeat):
        done = subprocess.run([sys.executable, "-c", PROBE], cwd=root, capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 2
        found = json.loads(done.stdout.strip().splitlines()[-1])
        counts = {"parses": found.pop("parses"), "modules": found.pop("modules")}
        for key, value in found.items():
            samples.setdefault(key, []).append(value)
        samples.setdefault("interpreter start (python -c pass)", []).append(
            cpu_of([sys.executable, "-c", "pass"], root))
        samples.setdefault("whole command (keras-mp-lint)", []).append(
            cpu_of([sys.executable, "-m", "pylint_keras_mp", "--jobs", "1", "--no-cache", "--quiet", "."], root))
        samples.setdefault("ruff check (one thread)", []).append(
            cpu_of(ruff_command, root, dict(os.environ, RAYON_NUM_THREADS="1")))
        loop = subprocess.run([sys.executable, "-c", PARSE_LOOP], cwd=root, capture_output=True, text=True)
        seconds, files = loop.stdout.split()
        samples.setdefault(f"ast.parse of every file ({files})", []).append(float(seconds))
    median = {key: statistics.median(values) for key, values in samples.items()}
    ruff_cpu = median["ruff check (one thread)"]
    labels = {
        "imports": "the linter's imports",
        "run": "the run (main), of which:",
        "scan": "  the project scan (its parses included)",
        "parse": f"  ast.parse, {counts['parses']} parses of {counts['modules']} modules",
        "rules": "  the rules",
    }
    print(f"{root}: CPU seconds, median of {args.repeat}; x = share of ruff check's whole run")
    for key, value in median.items():
        print(f"  {labels.get(key, key):58} {value:6.3f} s  {value / ruff_cpu:5.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
