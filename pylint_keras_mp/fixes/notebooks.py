"""Fixes in Jupyter notebooks: a fix of the notebook's module (its code cells concatenated) is
kept when it rewrites lines of one cell and no masked IPython line (``cell_fix``), counted in
that cell's lines; ``pylint_keras_mp.fixing.notebooks`` applies such fixes to the cells' sources.
"""

from __future__ import annotations

from dataclasses import replace

from . import FIXABLE_SUFFIX, Edit, split_lines


def cell_fix(fix, cell, module_source: str):
    """The fix with its edits counted in the cell's own lines, or None when an edit reaches
    outside the cell or rewrites a masked line (a magic, a shell escape)."""
    masked = split_lines(module_source)
    offset = cell.start - 1
    edits = []
    for edit in fix.edits:
        if not (cell.start <= edit.start_line <= cell.end and edit.start_line <= edit.end_line <= cell.end + 1):
            return None
        for line in range(edit.start_line, edit.end_line):
            if line > len(masked) or masked[line - 1] != cell.lines[line - cell.start]:
                return None
        edits.append(Edit(edit.start_line - offset, edit.end_line - offset, edit.content))
    return replace(fix, edits=tuple(edits))


def without_fix(finding):
    """A finding whose fix cannot be applied to the notebook: no fix, and no "fixable" claim."""
    message = finding.message
    suffix = FIXABLE_SUFFIX.get(finding.fix.applicability, "")
    if suffix and message.endswith(suffix):
        message = message[: -len(suffix)]
    return replace(finding, fix=None, message=message)
