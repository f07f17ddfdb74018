#!/usr/bin/env python3
"""Render docs/evidence.md from the results of a runtime-proof test run.

The runtime tests (``pytest tests/runtime -m runtime``) write what each proof observed to
``$KMP_EVIDENCE_JSON`` (default ``build/runtime-evidence.json``). This script turns that file
into a markdown table: rule x start method -> observed outcome, with the spec's claim beside it,
followed by the observations that differ from or go beyond the spec and the proofs not run.

    python scripts/evidence.py                 # render from the last run
    python scripts/evidence.py --run           # run the runtime tests first, then render
    python scripts/evidence.py --input results.json --output docs/evidence.md
    python scripts/evidence.py --input build/runtime-evidence.json build/torch.json
    python scripts/evidence.py --update --input build/kmp203.json   # replace only the rules of
                                                                    # that run in docs/evidence.md

Several inputs are merged in order: a later run's observation of the same rule, case, proof and
start method replaces an earlier one (runs of the proofs that need TensorFlow or torch come from
their own environments), and each run's environment is listed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INPUT = ROOT / "build" / "runtime-evidence.json"
DEFAULT_OUTPUT = ROOT / "docs" / "evidence.md"
METHODS = ("fork", "spawn", "forkserver")
NOTEBOOK_INTRO = (
    "The notebook proofs (`proofs/KMP203_*.ipynb`) are executed cell by cell with nbclient on an "
    "ipykernel of the same interpreter, as Jupyter runs them; a cell that does not return is "
    "stopped at its timeout and the kernel is killed with its process group."
)
INTRO_START = "Each rule's bad example"
RERUN_BULLET = "- Rerun of "
PLACEHOLDERS = ("None: every symptom", "Every proof ran.")
MARK = {"passed": "✅", "failed": "❌", "skipped": "⏭️"}


def cell(text: str) -> str:
    """One table cell: a single line, markdown specials escaped outside `code spans`."""
    parts = " ".join(str(text).split()).split("`")
    for i in range(0, len(parts), 2):  # even parts are outside code spans
        for char in "\\*_<>[]":
            parts[i] = parts[i].replace(char, "\\" + char)
    return "`".join(parts).replace("|", "\\|")


def code(text: str) -> str:
    return f"`{text}`" if text else ""


def outcome_counts(records: list[dict]) -> Counter:
    by_test = {record["test"]: record.get("test_outcome", "unknown") for record in records}
    return Counter(by_test.values())


def observed_cell(record: dict) -> str:
    mark = MARK.get(record.get("test_outcome", ""), "❔")
    return f"{mark} {cell(record['observed'])}"


def environment_line(env: dict) -> str:
    return (
        f"Keras {env['keras']} (backend `{env['keras_backend']}`), numpy {env['numpy']}, jax {env['jax']}; "
        f"tensorflow {env['tensorflow'] or 'not installed'}, tf-keras {env['tf_keras'] or 'not installed'}"
        + (f", torch {env['torch']}" if env.get("torch") else "")
    )


def merge(runs: list[tuple[str, dict]]) -> dict:
    """One run from several: later observations replace earlier ones of the same proof case."""
    first = runs[0][1]
    records: dict[tuple, dict] = {}
    for _source, data in runs:
        for record in data["records"]:
            key = (record["rule"], record["case"], record["script"], record["start_method"])
            if key in records and record["observed"].startswith("not run"):
                continue  # a run that skipped a proof does not hide one that ran it
            records.pop(key, None)
            records[key] = record
    merged = dict(first, records=list(records.values()))
    merged["merged_from"] = [
        {"source": source, "generated_at": data["generated_at"], "environment": data["environment"]}
        for source, data in runs
    ]
    return merged


PIPELINES_TITLE = "# Runtime evidence: torch DataLoader and grain under real multiprocessing"
PIPELINES_INTRO = (
    "Each case of `proofs/torch_*.py` and `proofs/grain_*.py` was executed in a subprocess with "
    "the start method shown set by the program (`multiprocessing.set_start_method`), and "
    "`tests/runtime/test_torch_proofs.py` / `test_grain_proofs.py` asserted the symptom. torch "
    "runs `DataLoader(num_workers=2)` over two epochs (a CPU build of torch); grain runs "
    "`mp_prefetch(MultiprocessingOptions(num_workers=2))`, which spawns its workers whatever the "
    "program set. Every item carries its index and the pid of the process that loaded it."
)


def _pipelines_only(records) -> bool:
    scripts = [record.get("script") or "" for record in records]
    return bool(scripts) and all(script.startswith(("torch_", "grain_")) for script in scripts)


def render(data: dict, source: str) -> str:
    records = data["records"]
    env = data["environment"]
    counts = outcome_counts(records)
    pipelines = _pipelines_only(records)
    lines = [
        PIPELINES_TITLE if pipelines else "# Runtime evidence: every rule under real Keras and real multiprocessing",
        "",
        f"<!-- Generated by scripts/evidence.py from {source}. Do not edit: rerun "
        "`pytest tests/runtime -m runtime` and `python scripts/evidence.py`. -->",
        "",
        PIPELINES_INTRO if pipelines else (
            "Each rule's bad example (`proofs/KMPxxx_bad.py`) and fixed example (`proofs/KMPxxx_good.py`) "
            "were executed in a subprocess under each start method shown, and "
            "`tests/runtime/test_runtime_proofs.py` asserted the symptom. Keras runs with the numpy "
            "backend: `model.predict` over a `PyDataset` with `workers=2, use_multiprocessing=True` "
            "drives the same `OrderedEnqueuer` worker pool that `fit` uses. Every batch carries the "
            "index and the pid of the process that loaded it, so lost updates, repeated data and "
            "batches silently loaded in the parent are visible. A proof that hangs is killed with its "
            "process group when its timeout expires. " + NOTEBOOK_INTRO
        ),
        "",
        f"- Run: {data['generated_at']}, {data['session_seconds']} s for the session; tests: "
        + ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())),
        f"- Python {env['python']} on {env['platform']}, {env['cpu_count']} CPUs",
        f"- {environment_line(env)}",
        *[
            f"- Merged with `{run['source']}` ({run['generated_at']}): {environment_line(run['environment'])}"
            for run in data.get("merged_from", [])[1:]
        ],
        "",
        f"Legend: {MARK['passed']} the test asserting this observation passed, {MARK['failed']} it failed, "
        f"{MARK['skipped']} not run; an empty cell means the proof is not run under that start method "
        "(the hazard does not depend on it, or the spec makes no claim there).",
        "",
        "## Rule x start method",
        "",
        "| rule | case (proof) | the spec says | " + " | ".join(METHODS) + " |",
        "| --- | --- | --- | " + " | ".join("---" for _ in METHODS) + " |",
    ]
    rows: dict[tuple, dict[str, dict]] = {}
    for record in records:
        rows.setdefault((record["rule"], record["case"], record["script"]), {})[record["start_method"]] = record
    first_seen = {key: position for position, key in enumerate(rows)}

    def kind(case: str) -> int:
        return next((n for n, word in enumerate(("bad", "good", "ok")) if case.startswith(word)), 3)

    for rule, case, script in sorted(rows, key=lambda key: (key[0], kind(key[1]), first_seen[key])):
        by_method = rows[(rule, case, script)]
        claims: dict[str, list[str]] = {}
        for method in METHODS:
            if method in by_method:
                claims.setdefault(by_method[method]["spec"], []).append(method)
        spec = (
            next(iter(claims))
            if len(claims) == 1
            else "; ".join(f"{', '.join(methods)}: {claim}" for claim, methods in claims.items())
        )
        cells = [observed_cell(by_method[m]) if m in by_method else "" for m in METHODS]
        lines.append(f"| {rule} | {cell(case)} ({code(script)}) | {cell(spec)} | " + " | ".join(cells) + " |")

    differing = [r for r in records if r["agrees"] is False]
    beyond = [r for r in records if r["agrees"] is None and not r["observed"].startswith("not run")]
    notes = [r for r in records if r.get("note")]
    not_run = [r for r in records if r["observed"].startswith("not run")]
    failed = [r for r in records if r.get("test_outcome") == "failed"]

    lines += ["", "## Where the observation differs from the spec", ""]
    if differing:
        for r in differing:
            lines.append(
                f"- {r['rule']} {cell(r['case'])} [{r['start_method']}]: observed {cell(r['observed'])}; "
                f"the spec says {cell(r['spec'])}."
            )
    else:
        lines.append("None: every symptom the spec states was observed as stated.")

    lines += ["", "## Observed beyond the spec's claims", ""]
    for r in beyond:
        lines.append(f"- {r['rule']} {cell(r['case'])} [{r['start_method']}]: {cell(r['observed'])}.")
    for r in notes:
        lines.append(f"- Note, {r['rule']} {cell(r['case'])} [{r['start_method']}]: {cell(r['note'])}.")

    if failed:
        lines += ["", "## Failed tests", ""]
        for r in failed:
            lines.append(f"- {r['rule']} `{r['test']}`: {cell(r['observed'])}")

    lines += ["", "## Not run", ""]
    if not_run:
        for r in not_run:
            lines.append(f"- {r['rule']} {cell(r['case'])} [{r['start_method']}] ({code(r['script'])}): "
                         f"{cell(r['observed'][len('not run: '):])}.")
    else:
        lines.append("Every proof ran.")
    lines.append("")
    return "\n".join(lines)


def _sections(markdown: str) -> list[list[str]]:
    """The document's lines, split before each ``## `` heading (the first part is the preamble)."""
    sections: list[list[str]] = [[]]
    for line in markdown.splitlines():
        if line.startswith("## "):
            sections.append([])
        sections[-1].append(line)
    return sections


def _belongs_to(line: str, rules: set[str]) -> bool:
    """A table row or bullet of one of ``rules``."""
    for prefix in ("| ", "- Note, ", "- "):
        if line.startswith(prefix):
            head = line[len(prefix) :].split(" ", 1)[0]
            return head in rules
    return False


def _is_entry(line: str) -> bool:
    return line.startswith("| KMP") or (line.startswith("- ") and not line.startswith(RERUN_BULLET))


def _versions(data: dict) -> dict[str, str]:
    """Versions of the optional packages the run (or the runs merged into it) used."""
    envs = [data["environment"]] + [run["environment"] for run in data.get("merged_from", [])]
    found: dict[str, str] = {}
    for name in ("nbclient", "ipykernel", "tensorflow", "tf_keras", "torch"):
        for env in envs:
            if env.get(name):
                found.setdefault(name.replace("_", "-"), env[name])
    return found


def update(old: str, data: dict, source: str) -> str:
    """``old`` (a rendered docs/evidence.md) with the rows and notes of the rules that ``data``
    observed replaced by ``data``'s, and a line saying when and with what those were rerun."""
    records = data["records"]
    rules = {record["rule"] for record in records}
    new_sections = {section[0]: section for section in _sections(render(data, source))[1:]}
    old_sections = _sections(old)
    preamble = old_sections[0]
    env = data["environment"]
    counts = outcome_counts(records)
    rerun = (
        f"{RERUN_BULLET}{', '.join(sorted(rules))}: {data['generated_at']}, {data['session_seconds']} s; "
        f"tests: " + ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
        + f"; Python {env['python']}, Keras {env['keras']}"
        + "".join(f", {name} {version}" for name, version in _versions(data).items())
    )
    preamble = [
        line
        for line in preamble
        if not (line.startswith(RERUN_BULLET) and set(line[len(RERUN_BULLET) :].split(":")[0].split(", ")) == rules)
    ]
    last_bullet = max(i for i, line in enumerate(preamble) if line.startswith("- "))
    preamble.insert(last_bullet + 1, rerun)
    # the Keras page's intro or the pipelines page's: the one the new run renders replaces either
    starts = (INTRO_START, PIPELINES_INTRO[:40])
    intro = next(line for line in _sections(render(data, source))[0] if line.startswith(starts))
    preamble = [intro if line.startswith(starts) else line for line in preamble]
    merged = [preamble]
    seen = set()
    for section in old_sections[1:]:
        heading = section[0]
        seen.add(heading)
        kept = [line for line in section[1:] if not _belongs_to(line, rules)]
        added = [line for line in new_sections.get(heading, [])[1:] if _is_entry(line) and _belongs_to(line, rules)]
        if heading.startswith("## Rule x"):
            rows = [line for line in kept if line.startswith("| KMP")] + added
            rows.sort(key=lambda row: row.split(" ", 2)[1])  # by rule; stable within a rule
            head = [line for line in kept if line.strip() and not line.startswith("| KMP")]
            body = [""] + head + rows + [""]
        else:
            entries = [line for line in kept if _is_entry(line)] + added
            others = [line for line in kept if line.strip() and not _is_entry(line)]
            if entries:
                others = [line for line in others if not line.startswith(PLACEHOLDERS)]
            elif not others:  # every entry was the rerun rules': the new run's "none" line
                others = [line for line in new_sections.get(heading, []) if line.startswith(PLACEHOLDERS)]
            body = [""] + others + entries + [""]
        merged.append([heading] + body)
    for heading, section in new_sections.items():  # a section the old document did not have
        entries = [line for line in section[1:] if _is_entry(line)]
        if heading not in seen and entries:
            merged.insert(-1, [heading, ""] + entries + [""])
    return "\n".join("\n".join(section).rstrip("\n") + "\n" for section in merged).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--input", type=Path, nargs="+", default=[Path(os.environ.get("KMP_EVIDENCE_JSON") or DEFAULT_INPUT)]
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--run", action="store_true", help="run the runtime tests first")
    parser.add_argument(
        "--update",
        action="store_true",
        help="keep OUTPUT and replace only the rows and notes of the rules the input observed "
        "(after running a subset of the runtime tests)",
    )
    args = parser.parse_args(argv)
    if args.run:
        env = dict(os.environ, KMP_EVIDENCE_JSON=str(args.input[0].resolve()))
        subprocess.run(
            [sys.executable, "-m", "pytest", "tests/runtime", "-m", "runtime", "-q"], cwd=ROOT, env=env, check=False
        )
    runs = []
    for path in args.input:
        if not path.exists():
            print(f"no results at {path}: run `pytest tests/runtime -m runtime` first", file=sys.stderr)
            return 1
        try:
            source = str(path.resolve().relative_to(ROOT))
        except ValueError:
            source = path.name
        runs.append((source, json.loads(path.read_text(encoding="utf-8"))))
    data = merge(runs) if len(runs) > 1 else runs[0][1]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    source = " + ".join(source for source, _ in runs)
    if args.update and args.output.exists():
        document = update(args.output.read_text(encoding="utf-8"), data, source)
    else:
        document = render(data, source)
    args.output.write_text(document, encoding="utf-8")
    print(f"wrote {args.output} from {len(data['records'])} observations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
