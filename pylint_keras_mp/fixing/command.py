"""The command line's fix options (Ruff's vocabulary): --fix, --unsafe-fixes, --diff, --fix-only."""

from __future__ import annotations

import argparse
import io
import sys
import tokenize
from typing import Sequence

from ..config import Options
from ..fixes import FixResult, unified_diff
from ..text import decode_source
from . import fix_source
from .notebooks import fix_notebook, keeps_layout, notebook_diff


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("fixes")
    group.add_argument(
        "--fix",
        action="store_true",
        help="apply the safe fixes in place, then report what is left",
    )
    group.add_argument(
        "--unsafe-fixes",
        action="store_true",
        help="with --fix, --fix-only or --diff: apply the unsafe fixes too (they may change what "
        "runs on import, for example)",
    )
    group.add_argument(
        "--diff",
        action="store_true",
        help="print the fixes as a unified diff and change nothing; exit 1 when there is "
        "something to fix",
    )
    group.add_argument(
        "--fix-only",
        action="store_true",
        help="apply the fixes in place and report nothing else; exit 0",
    )


def requested(args: argparse.Namespace) -> bool:
    return bool(args.fix or args.diff or args.fix_only)


def _read(path: str) -> tuple[str, str] | None:
    """(text, newline convention) of a file that can be decoded, else None (left alone)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        return decode_source(data), data
    except (OSError, UnicodeDecodeError, LookupError, SyntaxError):
        return None


def _read_notebook(path: str) -> tuple[str, bytes] | None:
    """A notebook's JSON text (UTF-8, as nbformat requires), else None (left alone)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        return data.decode("utf-8"), data
    except (OSError, UnicodeDecodeError):
        return None


def _write(path: str, original: bytes, text: str) -> None:
    encoding, _ = tokenize.detect_encoding(io.BytesIO(original).readline)
    bom = encoding == "utf-8-sig"
    data = text.encode("utf-8" if bom else encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    with open(path, "wb") as handle:
        handle.write(data)


def run_fixes(
    args: argparse.Namespace, files: Sequence[str], options: Options, keep=None
) -> int | None:
    """Fix (or with --diff, show the fixes of) ``files``; ``keep(path, findings, source)`` drops
    the findings not to fix (suppressed ones). Returns the exit status when the run ends here
    (--diff, --fix-only), None when the caller goes on to lint the fixed files."""
    results: list[tuple[str, FixResult]] = []
    for path in files:
        notebook = path.lower().endswith(".ipynb")
        if not notebook and not path.endswith((".py", ".pyw")):
            continue
        read = _read_notebook(path) if notebook else _read(path)
        if read is None:
            continue
        text, original = read
        only = (lambda found, source, path=path: keep(path, found, source)) if keep else None
        if notebook:
            if not keeps_layout(text):
                if not getattr(args, "quiet", False):
                    print(
                        f"keras-mp-lint: warning: {path}: not fixed: its JSON layout is not one "
                        "this tool writes back unchanged (save it from Jupyter first)",
                        file=sys.stderr,
                    )
                continue
            result = fix_notebook(text, path, options, unsafe=args.unsafe_fixes, keep=only)
        else:
            result = fix_source(text, path, options, unsafe=args.unsafe_fixes, keep=only)
        if result.fixed and result.source != text:
            results.append((path, result))
            if args.diff:
                shown = notebook_diff if notebook else unified_diff
                sys.stdout.write(shown(text, result.source, path))
            elif notebook:
                with open(path, "w", encoding="utf-8", newline="") as handle:
                    handle.write(result.source)
            else:
                _write(path, original, result.source)
    count = sum(len(result.fixed) for _, result in results)
    if args.diff:
        sys.stdout.flush()
        if count and not getattr(args, "quiet", False):
            print(f"{count} fixable finding(s) in {len(results)} file(s)", file=sys.stderr)
        return 1 if count and not args.exit_zero else 0
    if count and not getattr(args, "quiet", False):
        print(f"Fixed {count} finding(s) in {len(results)} file(s).", file=sys.stderr)
    return 0 if args.fix_only else None
