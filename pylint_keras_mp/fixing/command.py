"""The command line's fixes (Ruff's vocabulary): --fix, --unsafe-fixes, --diff, --fix-only (the
options are declared with the others, in ``pylint_keras_mp.arguments``)."""

from __future__ import annotations

import argparse
import io
import sys
import tokenize
from collections import Counter
from typing import Sequence

from ..config import Options
from ..engine import analyze
from ..notebook import analyze_notebook
from ..registry import RULES_BY_CODE
from ..fixes import FixResult, unified_diff
from ..text import decode_source
from . import fix_source
from .notebooks import fix_notebook, keeps_layout, notebook_diff


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
    quiet = getattr(args, "quiet", False)
    ends_here = args.diff or args.fix_only
    held_back = 0 if args.unsafe_fixes or not ends_here else _unsafe_left(files, options, keep)
    if args.diff:
        sys.stdout.flush()
        if count and not quiet:
            print(f"{count} fixable finding(s) in {len(results)} file(s)", file=sys.stderr)
        elif not quiet:
            print(_nothing_to_fix("No fixes to show", held_back), file=sys.stderr)
        return 1 if count and not args.exit_zero else 0
    if count and not quiet:
        print(f"Fixed {count} finding(s) in {len(results)} file(s).", file=sys.stderr)
        if getattr(args, "show_fixes", False):
            print(_fixed_list(results), file=sys.stderr, end="")
    if held_back and not quiet:
        print(_nothing_to_fix("Not fixed", held_back), file=sys.stderr)
    args.files_changed = bool(results)  # for --exit-non-zero-on-fix
    return 0 if args.fix_only else None


def _nothing_to_fix(prefix: str, held_back: int) -> str:
    if held_back:
        return (
            f"{prefix}: {held_back} finding(s) fixable with --unsafe-fixes "
            "(their fixes may change what the code does; see each rule's page)"
        )
    return f"{prefix}: no finding has a fix that applies"


def _unsafe_left(files: Sequence[str], options: Options, keep) -> int:
    """Findings left with an unsafe fix only (after ``keep``: selection, suppression and the
    configured applicability), for the hint of a run that changed nothing or showed no diff."""
    count = 0
    for path in files:
        notebook = path.lower().endswith(".ipynb")
        read = _read_notebook(path) if notebook else _read(path)
        if read is None:
            continue
        text = read[0]
        if notebook:
            found = analyze_notebook(text, path, options)
        else:
            found = analyze(text, path, options)
        if keep is not None:
            found = keep(path, found, text)
        count += sum(1 for f in found if f.fix is not None and f.fix.applicability != "safe")
    return count


def _fixed_list(results) -> str:
    """Ruff's --show-fixes: per file, how many findings of each rule were fixed."""
    lines = []
    for path, result in results:
        lines.append(f"- {path}:")
        counts = Counter(finding.code for finding in result.fixed)
        for code, number in sorted(counts.items()):
            rule = RULES_BY_CODE.get(code)
            lines.append(f"    {number} \u00d7 {code}" + (f" ({rule.symbol})" if rule else ""))
    return "".join(line + "\n" for line in lines)
