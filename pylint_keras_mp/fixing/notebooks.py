"""Fixing Jupyter notebooks: ``fix_notebook`` applies the fixes of a notebook's findings (those
``pylint_keras_mp.fixes.notebooks.cell_fix`` keeps: one cell, no masked IPython line) to the
cells' sources and writes the notebook's JSON back in the layout it had.

Only the ``source`` of the cells a fix touches changes; outputs, metadata and every other cell
stay as they were. A notebook whose JSON layout cannot be reproduced exactly (an indentation or
key order this module does not write) is left alone, rather than reformatted.
"""

from __future__ import annotations

import json
from typing import Callable

from ..fixes import Edit, FixResult, apply_edits, fix_passes, unified_diff
from ..notebook import _cell_text, analyze_notebook, cell_lines, notebook_source, read_notebook


# --- the notebook's JSON -----------------------------------------------------------------------

# (indent, sort_keys, ensure_ascii): nbformat writes (1, True, False); other tools differ.
_LAYOUTS = [
    (indent, sort_keys, ensure_ascii)
    for indent in (1, 2, 4, None)
    for sort_keys in (True, False)
    for ensure_ascii in (False, True)
]


def _dump(document: dict, layout: tuple) -> str:
    indent, sort_keys, ensure_ascii = layout
    return json.dumps(document, indent=indent, sort_keys=sort_keys, ensure_ascii=ensure_ascii)


def json_layout(text: str, document: dict) -> tuple | None:
    """(json.dumps settings, line ending, final text) that give back ``text`` exactly."""
    body = text.removeprefix("\ufeff")
    for layout in _LAYOUTS:
        dumped = _dump(document, layout)
        for newline in ("\n", "\r\n"):
            lines = dumped.replace("\n", newline) if newline != "\n" else dumped
            for end in (newline, ""):
                if lines + end == body:
                    return layout, newline, end
    return None


def keeps_layout(text: str) -> bool:
    """Whether the notebook's JSON can be written back exactly as it is (an unreadable one is
    left to the linting to report)."""
    try:
        return json_layout(text, json.loads(text.removeprefix("\ufeff"))) is not None
    except (ValueError, RecursionError):
        return True


def _write_layout(document: dict, layout: tuple, bom: bool) -> str:
    settings, newline, end = layout
    dumped = _dump(document, settings)
    if newline != "\n":
        dumped = dumped.replace("\n", newline)
    return ("\ufeff" if bom else "") + dumped + end


def _set_cell_source(raw: dict, text: str) -> None:
    if isinstance(raw.get("source"), list):
        raw["source"] = text.splitlines(keepends=True)
    else:
        raw["source"] = text


def _cell_lines_text(raw: dict) -> tuple[str, bool]:
    """The cell's text as the analysis counts its lines (each ending with a newline), and
    whether the cell's own text ended with one."""
    text = _cell_text(raw)
    return "".join(cell_lines(text)), text.endswith("\n")


def apply_cell_edits(text: str, edits_by_cell: dict[int, list[Edit]]) -> str | None:
    """The notebook's new JSON text with the edits applied to the sources of the cells
    (numbered from 1 among all cells), or None when its layout cannot be kept."""
    document = json.loads(text.removeprefix("\ufeff"))
    layout = json_layout(text, document)
    if layout is None:
        return None
    cells = document["cells"]
    for number, edits in edits_by_cell.items():
        raw = cells[number - 1]
        lines_text, ended = _cell_lines_text(raw)
        new = apply_edits(lines_text, edits)
        _set_cell_source(raw, new if ended else new.removesuffix("\n"))
    return _write_layout(document, layout, text.startswith("\ufeff"))


def fix_notebook(
    text: str,
    filename: str,
    options,
    unsafe: bool = False,
    keep: Callable[[list, str], list] | None = None,
) -> FixResult:
    """``fix_source`` for a notebook's JSON text: the fixes of its findings, cell by cell, until
    none is left to apply; a pass that would make a cell unparsable is not applied."""
    def rewrite(text: str, chosen: list, findings: list) -> str | None:
        cell_of = {id(f.fix): f.cell for f in findings if f.fix is not None}
        edits_by_cell: dict[int, list[Edit]] = {}
        for fix in chosen:
            edits_by_cell.setdefault(cell_of[id(fix)], []).extend(fix.edits)
        new = apply_cell_edits(text, edits_by_cell)
        if new is None:
            return None
        before = len(notebook_source(read_notebook(text)).unparsable)
        return new if len(notebook_source(read_notebook(new)).unparsable) <= before else None

    return fix_passes(
        text, lambda text: analyze_notebook(text, filename, options), rewrite, unsafe, keep
    )


def notebook_diff(old: str, new: str, path: str) -> str:
    """A unified diff per changed code cell (``path:cell N``), as Ruff shows notebook fixes."""
    old_cells = json.loads(old.removeprefix("\ufeff"))["cells"]
    new_cells = json.loads(new.removeprefix("\ufeff"))["cells"]
    parts: list[str] = []
    for number, (before, after) in enumerate(zip(old_cells, new_cells), 1):
        a, _ = _cell_lines_text(before)
        b, _ = _cell_lines_text(after)
        if a != b:
            parts.append(unified_diff(a, b, f"{path}:cell {number}"))
    return "".join(parts)
