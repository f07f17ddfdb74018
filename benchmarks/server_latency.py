"""The language server's latency, measured over stdio as an editor sees it.

    python benchmarks/server_latency.py [--files 9,1000] [--repeat 5]

For each project size a project is generated (a training script that launches a loader of
``data/images.py`` with worker processes, and the rest plain modules that import each other);
then, in one server process:

- load: ``didOpen`` of ``data/images.py`` to its first diagnostics (the project scanned);
- open: ``didOpen`` of another loader module, the project loaded (the median of --repeat);
- change: an edit of ``train.py`` that removes the workers to the refreshed diagnostics of
  ``data/images.py`` (its KMP402 goes; the median of --repeat edits, there and back).

Times are wall-clock milliseconds on this machine; compare them within one run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.lsp_client import LspClient  # noqa: E402
from tests.test_lsp_server import IMAGES, TRAIN  # noqa: E402

PLAIN = '''"""Module {i}."""

import os

from pkg import mod{j}


def helper_{i}(value):
    total = 0
    for item in range(value):
        total += item * {i}
    return os.path.join(str(total), mod{j}.NAME)


NAME = "mod{i}"
'''

LOADER = IMAGES.replace("ImageLoader", "Loader{i}")


def generate(root: Path, files: int) -> None:
    (root / "data").mkdir(parents=True)
    (root / "pkg").mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'bench'\n", encoding="utf-8")
    (root / "data" / "__init__.py").write_text("", encoding="utf-8")
    (root / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    (root / "data" / "images.py").write_text(IMAGES, encoding="utf-8")
    (root / "train.py").write_text(TRAIN, encoding="utf-8")
    plain = files - 5
    loaders = min(plain, max(5, plain // 100))
    for i in range(plain):
        j = (i + 1) % plain
        text = LOADER.format(i=i) if i < loaders else PLAIN.format(i=i, j=j)
        (root / "pkg" / f"mod{i}.py").write_text(text, encoding="utf-8")


def diagnostics(client: LspClient, uri: str, condition=lambda p: True, timeout: float = 600) -> dict:
    return client.wait_for_notification(
        "textDocument/publishDiagnostics", lambda p: p["uri"] == uri and condition(p), timeout
    )


def measure(files: int, repeat: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        generate(root, files)
        client = LspClient([sys.executable, "-m", "pylint_keras_mp", "server"], cwd=str(root))
        try:
            client.request("initialize", {"processId": None, "rootUri": root.as_uri(), "capabilities": {}}, timeout=120)
            client.notify("initialized", {})
            images = (root / "data" / "images.py").as_uri()
            start = time.perf_counter()
            client.notify("textDocument/didOpen", {"textDocument": {
                "uri": images, "languageId": "python", "version": 1, "text": IMAGES}})
            diagnostics(client, images)
            load = time.perf_counter() - start
            opens = []
            for attempt in range(min(repeat, files - 5)):
                # a loader module not opened before (the project has it since the start)
                path = root / "pkg" / f"mod{attempt}.py"
                start = time.perf_counter()
                client.notify("textDocument/didOpen", {"textDocument": {
                    "uri": path.as_uri(), "languageId": "python", "version": 1,
                    "text": path.read_text(encoding="utf-8")}})
                diagnostics(client, path.as_uri())
                opens.append(time.perf_counter() - start)
            train = (root / "train.py").as_uri()
            client.notify("textDocument/didOpen", {"textDocument": {
                "uri": train, "languageId": "python", "version": 1, "text": TRAIN}})
            diagnostics(client, train)
            changes = []
            without = TRAIN.replace(", workers=4, use_multiprocessing=True", "")
            for version in range(2, 2 + repeat):
                text = without if version % 2 == 0 else TRAIN
                start = time.perf_counter()
                client.notify("textDocument/didChange", {
                    "textDocument": {"uri": train, "version": version}, "contentChanges": [{"text": text}]})
                expect_empty = text is without
                diagnostics(client, images, lambda p: (p["diagnostics"] == []) == expect_empty)
                changes.append(time.perf_counter() - start)
            client.request("shutdown")
        finally:
            client.close()
    return {
        "load": 1000 * load,
        "open": 1000 * statistics.median(opens),
        "change": 1000 * statistics.median(changes),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", default="9,1000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print("| project | load (first diagnostics, cold) | open, project loaded | change -> dependent refreshed |")
    print("|---|---|---|---|")
    for files in (int(n) for n in args.files.split(",")):
        result = measure(files, args.repeat)
        print(f"| {files} files | {result['load']:.0f} ms | {result['open']:.0f} ms | {result['change']:.0f} ms |")


if __name__ == "__main__":
    main()
